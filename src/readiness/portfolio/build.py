"""Evaluate a portfolio: every release in dependency order, then the management view.

Each release is evaluated on the evidence on disk (or, with `run`, after its checks' commands
ran, each shared check once) exactly as `readiness evaluate` does; its `requires` see the
releases evaluated before it in this run and the latest evaluations recorded in the store (read
once, before this run records anything). Each evaluation is recorded unless `record` is False.
A store that cannot be opened is reported and the portfolio is still built from this run alone
(requirements then rest on this run's evaluations only: fail closed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness import pipeline
from readiness.criteria import STAGES
from readiness.errors import StoreError
from readiness.history.record import BASELINE_VERDICTS, StoredEvaluation
from readiness.portfolio import milestones, since
from readiness.portfolio.model import (
    Change,
    Expiring,
    MilestoneStatus,
    Owed,
    Portfolio,
    ReleaseRow,
    Since,
    Slip,
)
from readiness.portfolio.recording import repo_context, statement, to_record
from readiness.portfolio.resolve import Member, load
from readiness.report import Report
from readiness.requires import Found, Resolution, from_stored, resolve_all

if TYPE_CHECKING:
    from readiness.history.store import Store

HISTORY_DEPTH = 50  # evaluations read per release: enough for any review window in practice
OWED_STATES = ("missing", "rejected", "wrong-version")

# (member, checks already run) -> {check: why its command failed}; `readiness portfolio --run`
Runner = Callable[[Member, set[str]], dict[str, str]]


@dataclass
class Options:
    """How to build the portfolio."""

    store_url: str | None = None
    record: bool = True
    since: str | None = None  # "7d" or a date
    expiry_days: int = 14
    runner: Runner | None = None
    notes: list[str] = field(default_factory=list)


class _Lookup:
    """Required releases: this run's evaluations, then the store's latest (read before)."""

    def __init__(
        self, same_run: Mapping[str, Found], history: Mapping[str, Sequence[StoredEvaluation]]
    ) -> None:
        self.same_run = same_run
        self.history = history
        self.problem = ""

    def candidates(self, release: str) -> list[Found]:
        out = [self.same_run[release]] if release in self.same_run else []
        past = self.history.get(release, ())
        if past:
            out.append(from_stored(past[0]))
        if not out and self.problem:
            raise StoreError("(portfolio)", self.problem)
        return out


def found_of(report: Report) -> Found:
    """This run's evaluation of a release, as a requirement sees it."""
    day = report.generated_at[:10]
    return Found(
        release=report.release.name,
        version=report.release.version,
        stage=report.release.stage,
        verdict=report.verdict.verdict.value,
        date=day,
        blockers=len(report.verdict.blockers),
        source="this run",
        epoch=dt.datetime.fromisoformat(report.generated_at.replace("Z", "+00:00")).timestamp(),
    )


def parse_since(raw: str, clock: pipeline.Clock) -> tuple[float, dt.date]:
    """(cut-off epoch, its day) of `--since 7d` (N days before now) or `--since YYYY-MM-DD`
    (the start of that day, UTC); ValueError otherwise."""
    text = raw.strip()
    if text.endswith("d") and text[:-1].isdigit():
        cutoff = clock.epoch - int(text[:-1]) * 86400
        try:
            return cutoff, dt.datetime.fromtimestamp(cutoff, dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"--since {raw!r}: more days than the calendar holds") from None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since {raw!r}: expected a number of days (7d) or a date") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp(), day


def _reached(report: Report, history: Sequence[StoredEvaluation]) -> str | None:
    best = milestones.reached_index(since.reached_at(history, None))
    if report.verdict.verdict.value in BASELINE_VERDICTS:
        best = max(best, milestones.reached_index(report.release.stage))
    return STAGES[best] if best >= 0 else None


def _expiring(member: Member, today: dt.date, window: int) -> list[Expiring]:
    d = member.project.definition
    out = [
        Expiring(
            d.release,
            "waiver",
            w.criterion + (f" ({w.finding})" if w.finding else ""),
            w.expires,
            (w.expires - today).days,
            f"{w.approver.name} ({w.approver.role})",
        )
        for w in d.waivers
        if (w.expires - today).days <= window
    ]
    out += [
        Expiring(
            d.release,
            "risk acceptance",
            f"{r.id}: {r.title}",
            r.accepted.expires,
            (r.accepted.expires - today).days,
            f"{r.accepted.approver.name} ({r.accepted.approver.role})",
        )
        for r in d.risks
        if r.accepted is not None and (r.accepted.expires - today).days <= window
    ]
    return out


def _owed(release: str, rows: Sequence[dict[str, Any]]) -> list[Owed]:
    out = []
    for row in rows:
        if not row.get("required"):
            continue
        who = f"{row.get('name')}" if row.get("name") else ""
        if row.get("status") in OWED_STATES:
            out.append(Owed(str(row["role"]), release, str(row["status"]), who))
        elif row.get("stale"):
            out.append(Owed(str(row["role"]), release, "stale", who))
    return out


def critical_path(rows: Sequence[ReleaseRow]) -> tuple[tuple[str, ...], tuple[str, dt.date] | None]:
    """The chain of requirements behind the next launch (the earliest launch milestone not yet
    reached), root first: at each step the requirement most behind (unmet first, then the
    largest slip, then the latest next milestone)."""
    by = {r.release: r for r in rows}
    launches = [
        (date, r.release)
        for r in rows
        for stage, date in r.milestones
        if stage == "launch" and milestones.reached_index(r.reached) < STAGES.index("launch")
    ]
    if not launches:
        return (), None
    date, name = min(launches)
    path = [name]
    seen = {name}
    while True:
        row = by[path[-1]]
        options = [res for res in row.requires if res.requirement.release not in seen]
        if not options:
            break

        def behind(res: Any) -> tuple[int, int, dt.date, str]:
            dep = by.get(res.requirement.release)
            ms: MilestoneStatus | None = dep.milestone if dep is not None else None
            slip = milestones.own_slip(ms) + max((s.days for s in ms.slips), default=0) if ms else 0
            when = ms.date if ms is not None else dt.date.min
            return (0 if res.met else 1, slip, when, res.requirement.release)

        pick = max(options, key=behind).requirement.release
        path.append(pick)
        seen.add(pick)
    return tuple(reversed(path)), (name, date)


@dataclass
class _Run:
    """What the evaluation of the members gathers, release by release."""

    rows: list[ReleaseRow] = field(default_factory=list)
    slip_total: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # (days, stage, via)
    expiring: list[Expiring] = field(default_factory=list)
    owed: list[Owed] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    ran: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)


def build(root: Path, opts: Options) -> Portfolio:
    """Load, evaluate in dependency order, record, and assemble the portfolio."""
    clock = pipeline.Clock()
    members = load(root)
    cut = parse_since(opts.since, clock) if opts.since is not None else None
    store, history, problem = _open_history(root, members, opts)
    same_run: dict[str, Found] = {}
    lookup = _Lookup(same_run, history)
    lookup.problem = problem
    run = _Run()
    git = repo_context(root) if store is not None and opts.record else (None, None)
    try:
        for m in members:
            report = _evaluate(m, opts, run, clock, lookup)
            same_run[m.release] = found_of(report)
            if store is not None and opts.record:
                stmt = statement(report, m.project, git[0])
                store.record(to_record(report, m.project, git), statement=stmt)
            _gather(m, report, lookup, history.get(m.release, []), run, opts, clock.today, cut)
    finally:
        if store is not None:
            store.close()
    path, launch = critical_path(run.rows)
    failing = any(r.verdict == "NO-GO" or not r.on_track for r in run.rows)
    return Portfolio(
        root=str(root),
        generated_at=clock.iso,
        today=clock.today,
        releases=tuple(run.rows),
        critical_path=path,
        next_launch=launch,
        expiring=tuple(sorted(run.expiring, key=lambda e: (e.expires, e.release, e.subject))),
        owed=tuple(sorted(run.owed, key=lambda o: (o.role, o.release))),
        since=None
        if cut is None
        else Since(
            cut[1],
            sum(1 for m in members if since.then_of(history.get(m.release, []), cut[0])),
            tuple(run.changes),
            problem,
        ),
        expiry_days=opts.expiry_days,
        notes=tuple(opts.notes),
        exit_code=1 if failing else 0,
    )


def _open_history(
    root: Path, members: Sequence[Member], opts: Options
) -> tuple[Store | None, dict[str, list[StoredEvaluation]], str]:
    """The store and each member's recorded evaluations (read once, before this run records);
    a store that cannot be opened is a note and the problem, never an error (fail closed: the
    requirements then rest on this run alone)."""
    history: dict[str, list[StoredEvaluation]] = {}
    store: Store | None = None
    try:
        from readiness.history import open_store

        store = open_store(opts.store_url, root)
        for m in members:
            history[m.release] = store.list(release=m.release, last=HISTORY_DEPTH)
    except StoreError as exc:
        opts.notes.append(f"{exc}: requirements rest on this run alone; nothing recorded")
        if store is not None:
            store.close()
        return None, history, str(exc)
    return store, history, ""


def _evaluate(
    m: Member, opts: Options, run: _Run, clock: pipeline.Clock, lookup: _Lookup
) -> Report:
    """One member's report, after running its checks' commands first with `opts.runner`."""
    if opts.runner is not None:
        run.failed |= opts.runner(m, run.ran)
        run.ran |= set(m.project.checks)
    mine = {c: why for c, why in run.failed.items() if c in m.project.checks}
    return pipeline.build_report(
        m.project,
        m.path,
        stage=None,
        evidence_dir=None,
        clock=clock,
        strict=False,
        failed_checks=mine,
        dependencies=lookup,
    )


def _gather(
    m: Member,
    report: Report,
    lookup: _Lookup,
    history: Sequence[StoredEvaluation],
    run: _Run,
    opts: Options,
    today: dt.date,
    cut: tuple[float, dt.date] | None,
) -> None:
    """One member's row, slip, expiring items, sign-offs owed and changes, into `run`."""
    resolutions = resolve_all(m.project.definition, lookup)  # as the pipeline did
    row = _row(m, report, resolutions, history, run.slip_total, today)
    run.rows.append(row)
    slip = _slip_of(row.milestone)
    if slip is not None:
        run.slip_total[m.release] = slip
    run.expiring += _expiring(m, today, opts.expiry_days)
    run.owed += _owed(m.release, [dataclasses.asdict(s) for s in report.signoffs])
    if cut is not None:
        run.changes += since.changes(row, report, history, *cut)


def _slip_of(ms: MilestoneStatus | None) -> tuple[int, str, str] | None:
    """How late a release makes those that require it: its own slip, or the largest it
    inherits (days, stage, via); None when it is not late."""
    slips = ms.slips if ms is not None else ()
    inherited = max(((s.days, s.stage, s.via or s.release) for s in slips), default=(0, "", ""))
    own = milestones.own_slip(ms)
    if ms is not None and own >= inherited[0] and own > 0:
        return (own, ms.stage, "")
    if inherited[0] > 0:
        return inherited
    return None


def _row(
    m: Member,
    report: Report,
    resolutions: list[Resolution],
    history: Sequence[StoredEvaluation],
    slip_total: Mapping[str, tuple[int, str, str]],
    today: dt.date,
) -> ReleaseRow:
    d = m.project.definition
    slips = tuple(
        Slip(
            res.requirement.release,
            stage=slip_total[res.requirement.release][1],
            days=slip_total[res.requirement.release][0],
            via=slip_total[res.requirement.release][2],
        )
        for res in resolutions
        if not res.met and res.requirement.release in slip_total
    )
    reached = _reached(report, history)
    blocked = report.verdict.verdict.value not in BASELINE_VERDICTS
    ms = milestones.status(
        d.milestones.dated(),
        reached,
        blocked=blocked,
        today=today,
        at_risk_days=d.at_risk_days,
        slips=slips,
    )
    return ReleaseRow(
        release=d.release,
        version=d.version,
        stage=report.release.stage,
        verdict=report.verdict.verdict.value,
        owner=d.owner,
        definition=m.project.doc.path,
        requires=tuple(resolutions),
        blockers=tuple(report.verdict.blockers),
        conditions=tuple(report.verdict.conditions),
        milestone=ms,
        milestones=tuple(d.milestones.dated()),
        reached=reached,
        risks=tuple(dataclasses.asdict(r) for r in report.risks),
        signoffs=tuple(dataclasses.asdict(s) for s in report.signoffs),
        waivers=(),
        at_risk_days=d.at_risk_days,
    )
