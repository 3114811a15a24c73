"""Dependencies between releases: is each `requires` entry of a definition met?

A requirement `{release: R, stage: S, version: V}` holds when R's latest evaluation recorded in
the evaluation store, or its evaluation in the same portfolio run, is at stage S or later with
GO or CONDITIONAL GO, at a version V matches. Otherwise it blocks, with a `dependency` reason
that names what was required and what was found:

    needs matching-options at public testing: latest is 2026.12.0 at internal testing,
    NO-GO on 2026-11-27, 3 blockers

Fail closed: a store that cannot be read, or no evaluation at all, is an unmet requirement.
`resolve` is pure; `check` is the one call `pipeline.build_report` makes.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from readiness.criteria import STAGE_TITLES, STAGES
from readiness.errors import StoreError
from readiness.reasons import Reason
from readiness.versions import parse_specifier

if TYPE_CHECKING:  # the definition for types only: the report layer imports no pydantic
    from readiness.definition import Definition, Requirement
    from readiness.history import Recorder

STORE_ENV = "READINESS_DB"  # the store URL, when not the default SQLite file under the root
PASSING = ("GO", "CONDITIONAL GO")


@dataclass(frozen=True)
class Found:
    """One evaluation of a required release, from this run or from the store."""

    release: str
    version: str
    stage: str
    verdict: str
    date: str  # YYYY-MM-DD (UTC)
    blockers: int
    source: Literal["this run", "store"]
    epoch: float = 0.0

    def describe(self) -> str:
        """`2026.12.0 at internal testing, NO-GO on 2026-11-27, 3 blockers`."""
        text = f"{self.version} at {STAGE_TITLES.get(self.stage, self.stage)}, {self.verdict}"
        text += f" on {self.date}"
        if self.blockers:
            text += f", {self.blockers} blocker" + ("s" if self.blockers != 1 else "")
        return text + (" (this run)" if self.source == "this run" else "")


@dataclass(frozen=True)
class Resolution:
    """A requirement and whether it holds, with the evaluation that decided it."""

    requirement: Requirement
    met: bool
    found: Found | None  # the evaluation meeting it, else the latest one seen (None: none)
    text: str  # one line for people

    def as_dict(self) -> dict[str, object]:
        r = self.requirement
        return {
            "release": r.release,
            "stage": r.stage,
            "version": r.version,
            "met": self.met,
            "text": self.text,
            "found": None
            if self.found is None
            else {
                "version": self.found.version,
                "stage": self.found.stage,
                "verdict": self.found.verdict,
                "date": self.found.date,
                "blockers": self.found.blockers,
                "source": self.found.source,
            },
        }


def stage_reached(stage: str, least: str) -> bool:
    """Whether `stage` is `least` or a later stage (an unknown stage reaches nothing)."""
    order: dict[str, int] = {s: i for i, s in enumerate(STAGES)}
    return stage in order and order[stage] >= order.get(least, len(STAGES))


def satisfies(req: Requirement, found: Found) -> bool:
    """Whether one evaluation meets the requirement: stage, verdict and version."""
    return (
        found.release == req.release
        and stage_reached(found.stage, req.stage)
        and found.verdict in PASSING
        and (req.version is None or parse_specifier(req.version).matches(found.version))
    )


def needs(req: Requirement) -> str:
    """`needs risk-limits >=2.1 at internal testing`."""
    version = f" {req.version}" if req.version else ""
    return f"needs {req.release}{version} at {STAGE_TITLES[req.stage]}"


def resolve(req: Requirement, candidates: Sequence[Found], store_problem: str = "") -> Resolution:
    """Whether `req` holds given the evaluations of its release that count (this run's and the
    store's latest). Pure."""
    for found in candidates:
        if satisfies(req, found):
            return Resolution(req, True, found, f"{needs(req)}: met by {found.describe()}")
    if candidates:
        latest = max(candidates, key=lambda f: (f.source == "this run", f.epoch))
        why = f"latest is {latest.describe()}"
        if (
            latest.verdict in PASSING
            and stage_reached(latest.stage, req.stage)
            and req.version is not None
        ):
            why += f" (version {latest.version} does not match {req.version})"
        return Resolution(req, False, latest, f"{needs(req)}: {why}")
    why = store_problem or "no evaluation of it is recorded"
    return Resolution(req, False, None, f"{needs(req)}: {why}")


class Lookup(Protocol):
    """Where the latest evaluations of required releases come from."""

    def candidates(self, release: str) -> list[Found]:
        """The evaluations of `release` that count (may raise StoreError)."""
        ...


def from_stored(rec: object) -> Found:
    """A `Found` of a store's evaluation (a `history.record.StoredEvaluation`)."""
    epoch = float(getattr(rec, "epoch", 0.0))
    return Found(
        release=str(getattr(rec, "release", "")),
        version=str(getattr(rec, "version", "")),
        stage=str(getattr(rec, "stage", "")),
        verdict=str(getattr(rec, "verdict", "")),
        date=dt.datetime.fromtimestamp(epoch, dt.UTC).date().isoformat(),
        blockers=len(getattr(rec, "blockers", ())),
        source="store",
        epoch=epoch,
    )


class StoreLookup:
    """The latest recorded evaluation of each release, from the store opened on first use."""

    def __init__(
        self, root: Path, url: str | None, *, same_run: Mapping[str, Found] | None = None
    ) -> None:
        self.root = root
        self.url = url
        self.same_run = same_run if same_run is not None else {}
        self._store: Recorder | None = None

    def candidates(self, release: str) -> list[Found]:
        out = [self.same_run[release]] if release in self.same_run else []
        from readiness.history import default_db, open_recorder

        if self._store is None and self.url is None and not default_db(self.root).exists():
            return out  # nothing was ever recorded here: said without loading SQLAlchemy
        if self._store is None:
            self._store = open_recorder(self.url, self.root)
        latest = self._store.list(release=release, last=1)
        return [*out, *(from_stored(r) for r in latest)]

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def resolve_all(definition: Definition, lookup: Lookup) -> list[Resolution]:
    """Every requirement of the definition, resolved; a store error makes each unmet."""
    out = []
    for req in definition.requires:
        try:
            found = lookup.candidates(req.release)
        except StoreError as exc:
            out.append(resolve(req, [], f"the evaluation store cannot be read ({exc})"))
            continue
        out.append(resolve(req, found))
    return out


def blocker(res: Resolution) -> Reason:
    """The `dependency` blocker of an unmet requirement."""
    return Reason("dependency", res.requirement.release, res.text, owner=res.requirement.release)


def check(
    definition: Definition, root: Path, lookup: Lookup | None = None
) -> tuple[list[Reason], list[Resolution]]:
    """(blockers, resolutions) of the definition's `requires`: from `lookup` (the portfolio's),
    else from the store (`$READINESS_DB`, or the default SQLite file under `root`), opened
    only when the definition requires something."""
    if not definition.requires:
        return [], []
    if lookup is not None:
        resolutions = resolve_all(definition, lookup)
    else:
        own = StoreLookup(root, os.environ.get(STORE_ENV) or None)
        try:
            resolutions = resolve_all(definition, own)
        finally:
            own.close()
    return [blocker(r) for r in resolutions if not r.met], resolutions
