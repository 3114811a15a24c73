"""Which statement each store operation runs, by name, with its parameters: no database library.

Both ways to the store go through here. `store` (SQLAlchemy, SQLite and PostgreSQL) executes
`queries.statement(name)`, the SQLAlchemy Core statement of that name; `lite` (the default SQLite
file through the standard library's sqlite3) executes `lite_sql.SQL[name]`, the same statement
compiled for SQLite ahead of time. A test compiles every Core statement again and compares it
with `lite_sql`, so the two cannot drift apart.

Names say the statement's shape: `evaluations` filtered by the words after it (`id`,
`release`, `stage`, `passing` verdicts, `version`, `before` an epoch), newest first, `last` N
or `one`; `trends`, optionally `before` an epoch; `children TABLE` of one evaluation;
`insert TABLE`.
"""

from __future__ import annotations

import builtins
from typing import Any

from readiness.errors import StoreError
from readiness.history.record import StoredEvaluation

Call = tuple[str, dict[str, Any]]

#: Every shape of `evaluations` a store operation uses, as the flags of its name.
EVALUATION_SHAPES: tuple[tuple[str, ...], ...] = (
    ("id",),
    *(
        tuple(f for f, on in (("release", r), ("stage", s), ("last", n)) if on)
        for r in (False, True)
        for s in (False, True)
        for n in (False, True)
    ),
    *(
        ("release", "stage", "passing", *v, *b, "one")
        for v in ((), ("version",))
        for b in ((), ("before",))
    ),
)
TREND_SHAPES: tuple[tuple[str, ...], ...] = ((), ("before",))
#: The child tables a stored evaluation is read back from.
CHILD_TABLES = ("criterion", "evidence", "series", "governance", "problem")
#: Every table an evaluation's rows are inserted into besides `evaluation`: the children and
#: its attestation statement (read on its own, by `Store.statement`).
INSERT_TABLES = (*CHILD_TABLES, "statement")


def name(kind: str, flags: tuple[str, ...]) -> str:
    return " ".join((kind, *flags))


def get(id: int) -> Call:
    """The evaluation with that id."""
    return name("evaluations", ("id",)), {"id": id}


def listing(release: str | None, stage: str | None, last: int | None) -> Call:
    """Evaluations, newest first, optionally of one release and stage, at most `last`."""
    flags: list[str] = []
    params: dict[str, Any] = {}
    if release is not None:
        flags.append("release")
        params["release"] = release
    if stage is not None:
        flags.append("stage")
        params["stage"] = stage
    if last is not None:
        flags.append("last")
        params["last"] = max(0, last)
    return name("evaluations", tuple(flags)), params


def baseline(release: str, stage: str, version: str | None, before_epoch: float | None) -> Call:
    """The latest GO or CONDITIONAL GO evaluation of `release` at `stage`, optionally of one
    `version` and strictly before `before_epoch`."""
    flags = ["release", "stage", "passing"]
    params: dict[str, Any] = {"release": release, "stage": stage}
    if version is not None:
        flags.append("version")
        params["version"] = version
    if before_epoch is not None:
        flags.append("before")
        params["before"] = before_epoch
    return name("evaluations", (*flags, "one")), params


def trends(release: str, stage: str, last: int, before_epoch: float | None) -> Call:
    """Every criterion's points in the last `last` evaluations of `release` at `stage`."""
    params: dict[str, Any] = {"release": release, "stage": stage, "last": max(0, last)}
    if before_epoch is None:
        return name("trends", ()), params
    return name("trends", ("before",)), {**params, "before": before_epoch}


def children(table: str, evaluation_id: int) -> Call:
    """The rows of a child table of one evaluation, in position order."""
    return name("children", (table,)), {"evaluation_id": evaluation_id}


def insert(table: str) -> str:
    """The name of the insert into `table` (`evaluation` returns the new id)."""
    return name("insert", (table,))


class EvaluationReads:
    """The reads both stores make the same way: each statement above through the store's own
    `_read` (SQLAlchemy's connection or sqlite3's), `name` naming the store in errors."""

    name: str

    def _read(self, call: Call) -> builtins.list[StoredEvaluation]:
        raise NotImplementedError

    def get(self, id: int) -> StoredEvaluation:
        """The evaluation with that id; StoreError when there is none (an id beyond the
        store's 64-bit integers included: it cannot be there)."""
        found = self._read(get(id)) if 0 < id < 2**63 else []
        if not found:
            raise StoreError(self.name, f"has no evaluation {id}")
        return found[0]

    def list(
        self, release: str | None = None, stage: str | None = None, last: int | None = None
    ) -> builtins.list[StoredEvaluation]:
        """Evaluations, newest first, optionally of one release line and stage, at most `last`.
        Children are loaded with one query per table, whatever the count."""
        return self._read(listing(release, stage, last))

    def baseline(
        self,
        release: str,
        stage: str,
        *,
        version: str | None = None,
        before_epoch: float | None = None,
    ) -> StoredEvaluation | None:
        """The latest evaluation of `release` at `stage` whose verdict was GO or CONDITIONAL GO
        (never a NO-GO), optionally of one `version` and strictly before `before_epoch`."""
        found = self._read(baseline(release, stage, version, before_epoch))
        return found[0] if found else None
