"""The store's statements as SQLAlchemy Core, by the names `statements` gives them, and the
`lite_sql` module they compile to for SQLite.

`python -m readiness.history.queries` prints that module: after a change to a statement or to
the tables in `models`, write it to `src/readiness/history/lite_sql.py` (or run the lite tests
with READINESS_UPDATE_GOLDEN=1); a test fails until they agree.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import BindParameter, Insert, Select, TextClause, bindparam, insert, select, text
from sqlalchemy.dialects import sqlite

from readiness.history import rows, schema
from readiness.history.convert import CRITERION, EVALUATION, OWNED
from readiness.history.record import BASELINE_VERDICTS
from readiness.history.statements import (
    CHILD_TABLES,
    EVALUATION_SHAPES,
    INSERT_TABLES,
    TREND_SHAPES,
    name,
)

_TABLES = {t.name: t for t in OWNED}
_NEWEST = (EVALUATION.c.epoch.desc(), EVALUATION.c.id.desc())


def _param(key: str) -> Any:
    # required=False: compiling without values (for lite_sql) is allowed; execution passes them
    return bindparam(key, required=False)


def evaluations(flags: tuple[str, ...]) -> Select[Any]:
    """`evaluations FLAGS`: the evaluation rows filtered as the flags say, newest first."""
    e = EVALUATION.c
    where: list[Any] = []
    for column in ("id", "release", "stage"):
        if column in flags:
            where.append(e[column] == _param(column))
    if "passing" in flags:  # constants, rendered in the SQL: never a NO-GO
        verdicts: BindParameter[str] = bindparam(
            "verdicts", list(BASELINE_VERDICTS), expanding=True
        )
        where.append(e.verdict.in_(verdicts.render_literal_execute()))
    if "version" in flags:
        where.append(e.version == _param("version"))
    if "before" in flags:
        where.append(e.epoch < _param("before"))
    query = select(EVALUATION).where(*where).order_by(*_NEWEST)
    if "last" in flags:
        query = query.limit(_param("last"))
    if "one" in flags:
        query = query.limit(1)
    return query


def trends(flags: tuple[str, ...]) -> Select[Any]:
    """One query whatever the number of criteria: the evaluations are chosen by a subquery
    (the release-stage-epoch index answers it), then their criteria are joined."""
    e, c = EVALUATION.c, CRITERION.c
    where = [e.release == _param("release"), e.stage == _param("stage")]
    if "before" in flags:
        where.append(e.epoch < _param("before"))
    chosen = (
        select(e.id, e.epoch)
        .where(*where)
        .order_by(*_NEWEST)
        .limit(_param("last"))
        .subquery("chosen")
    )
    return (
        select(c.key, e.id, e.version, e.generated_at, c.status, c.value, c.unit, c.threshold)
        .join_from(chosen, EVALUATION, e.id == chosen.c.id)
        .join(CRITERION, c.evaluation_id == e.id)
        .order_by(chosen.c.epoch, chosen.c.id, c.position)
    )


def children(table: str) -> Select[Any]:
    """The rows of one child table of one evaluation, in position order."""
    t = _TABLES[table]
    return select(t).where(t.c.evaluation_id == _param("evaluation_id")).order_by(t.c.position)


def insert_evaluation() -> Insert:
    """One evaluation row (`rows.evaluation_row`), returning its id."""
    values = {k: _param(k) for k in rows.EVALUATION_COLUMNS}
    return insert(EVALUATION).values(values).returning(EVALUATION.c.id)


def insert_children(table: str) -> Insert:
    """Rows of a child table (`rows.child_rows`), executed for many."""
    return insert(_TABLES[table]).values({k: _param(k) for k in rows.CHILD_COLUMNS[table]})


@functools.cache
def statement(key: str) -> Select[Any] | Insert | TextClause:
    """The statement called `key` (see `statements`)."""
    kind, _, rest = key.partition(" ")
    flags = tuple(rest.split()) if rest else ()
    if kind == "evaluations":
        return evaluations(flags)
    if kind == "trends":
        return trends(flags)
    if kind == "children":
        return children(flags[0])
    if kind == "insert":
        return insert_evaluation() if flags == ("evaluation",) else insert_children(flags[0])
    if kind == "revision":
        return text(schema.REVISION_SQL)
    raise KeyError(key)


def names() -> list[str]:
    """Every statement `lite` runs."""
    return [
        "revision",
        *(name("evaluations", f) for f in EVALUATION_SHAPES),
        *(name("trends", f) for f in TREND_SHAPES),
        *(name("children", (t,)) for t in CHILD_TABLES),
        name("insert", ("evaluation",)),
        *(name("insert", (t,)) for t in INSERT_TABLES),
    ]


def compiled(key: str) -> tuple[str, dict[str, Any]]:
    """The statement compiled for SQLite with named parameters, and the parameters it fixes
    itself (a LIMIT 1, SQLite's OFFSET 0)."""
    done = statement(key).compile(
        dialect=sqlite.dialect(paramstyle="named"), compile_kwargs={"render_postcompile": True}
    )
    return str(done), {k: v for k, v in done.params.items() if v is not None}


def _chunks(sql: str, width: int = 72) -> list[str]:
    """`sql` cut at spaces into pieces of about `width` characters (joined, it is `sql`)."""
    pieces: list[str] = []
    current = ""
    for word in sql.split(" "):
        if current and len(current) + len(word) >= width:
            pieces.append(current)
            current = ""
        current += word + " "
    pieces.append(current[:-1])
    return [p for p in pieces if p]


def lite_module() -> str:
    """The text of `lite_sql.py` (before `ruff format`)."""
    lines = [
        '"""The store\'s statements compiled for SQLite, by name (see `statements`): generated by',
        "`python -m readiness.history.queries` from the SQLAlchemy Core statements of `queries`,",
        'never edited by hand; a test compiles them again and compares."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        "# name -> (SQL with :named parameters, the parameters the statement fixes itself)",
        "SQL: dict[str, tuple[str, dict[str, Any]]] = {",
    ]
    for key in names():
        sql, fixed = compiled(key)
        lines.append(f"    {key!r}: (")
        lines.append("        (")
        lines.extend(f"            {part!r}" for part in _chunks(sql))
        lines.append("        ),")
        lines.append(f"        {fixed!r},")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(lite_module(), end="")
