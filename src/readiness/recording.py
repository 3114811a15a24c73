"""The memory of `evaluate` and `run`: the baseline looked up before evaluating, the evaluation
recorded after.

Why here and not in `readiness.history`: a record is made from the typed `Report`, which the
renderers' layer owns, and `history` sits below the evaluation (the evaluation reads baselines
and calls the regression statistics), so it cannot see a Report. This module sits just below
the CLI, above everything it joins.

The store is opened only when it is needed: to record (the default), or to compare (a relative
threshold, a regression criterion, a pinned baseline or `--baseline`). `evaluate --no-record`
on a definition that compares nothing imports no SQLAlchemy, Alembic, psycopg or scipy.

A store that cannot be used never blocks a verdict silently, and never passes a comparison: the
baseline is then None (relative and regression criteria are MISSING, "no evaluation store was
consulted"), the verdict and reports are made as usual, and one line says why nothing was
recorded; `--require-record` turns that into exit 2.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from readiness.errors import StoreError
from readiness.evaluation import Baseline
from readiness.evidence.records import Findings, TestRun
from readiness.history import default_db, open_recorder
from readiness.history.record import (
    CriterionRecord,
    EvaluationRecord,
    EvidenceDigest,
    ProblemRecord,
    SeriesRecord,
    StoredEvaluation,
    ci_run_id,
    git_context,
)
from readiness.metrics import interval_samples
from readiness.trends import TREND_LENGTH, TrendPoint

if TYPE_CHECKING:
    from pathlib import Path

    from readiness.criteria import Stage
    from readiness.definition import Project
    from readiness.history import Recorder
    from readiness.report import Report

DB_ENV = "READINESS_DB"
BASELINE_RULE = "GO or CONDITIONAL GO evaluation"
SERIES_INTERVAL_S = 1.0  # LoadStats.intervals are per second
_PREVIOUS_SCAN = 5  # evaluations read to find the previous one strictly before this one


def compares(project: Project, baseline_id: int | None) -> bool:
    """Whether the evaluation needs a baseline: a relative threshold, a regression criterion,
    a pinned baseline, or `--baseline`."""
    if baseline_id is not None or project.definition.baseline is not None:
        return True
    for crit in project.criteria():
        spec = crit.spec
        if spec.regression is not None or spec.pass_.relative:
            return True
        if spec.warn is not None and spec.warn.relative:
            return True
    return False


def _sought(project: Project, stage: Stage, baseline_id: int | None) -> str:
    d = project.definition
    if baseline_id is not None:
        return f"evaluation #{baseline_id} (--baseline)"
    if d.baseline is not None:
        return f"{BASELINE_RULE} of {d.release} {d.baseline.version} at stage {stage}"
    return f"{BASELINE_RULE} of {d.release} at stage {stage}"


def as_baseline(stored: StoredEvaluation, sought: str, *, judges: bool = True) -> Baseline:
    """The evaluation's criterion values and per-second series, as relative thresholds,
    regression criteria and deltas read them (`judges=False`: for deltas only)."""
    values = {
        c.key: (c.value, c.unit)
        for c in stored.criteria
        if c.value is not None and math.isfinite(c.value) and c.unit
    }
    series = {s.metric: (s.unit, s.values) for s in stored.series}
    return Baseline(
        id=stored.id,
        version=stored.version,
        generated_at=stored.generated_at,
        values=values,
        sought=sought,
        series=series,
        judges=judges,
        verdict=stored.verdict,
        statuses={c.key: c.status for c in stored.criteria},
    )


@dataclass
class Memory:
    """The store of one `evaluate` or `run` (None when not needed or unusable), the baseline
    found, and what to say about it after the summary."""

    store: Recorder | None
    record: bool
    baseline: Baseline | None = None
    problem: StoreError | None = None
    recorded: int | None = None
    lines: list[str] = field(default_factory=list)
    trends: dict[str, tuple[TrendPoint, ...]] = field(default_factory=dict)

    @property
    def records(self) -> bool:
        """Whether the evaluation is going to be recorded (asked to, and the store is usable)."""
        return self.record and self.store is not None and self.problem is None

    @property
    def failed(self) -> bool:
        """Whether the evaluation should have been recorded and was not."""
        return self.record and self.recorded is None

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def open_memory(
    project: Project,
    *,
    db: str | None,
    record: bool,
    baseline_id: int | None,
    stage: Stage,
    epoch: float,
) -> Memory:
    """Open the store if this evaluation records or compares, and look up its baseline:
    `--baseline ID`, else the definition's pinned version, else the latest GO or CONDITIONAL GO
    evaluation of the release at `stage` strictly before `epoch`; failing that, the previous
    evaluation for deltas only. Never raises StoreError."""
    if not record and not compares(project, baseline_id):
        return Memory(None, record)
    url = db if db else os.environ.get(DB_ENV) or None
    sought = _sought(project, stage, baseline_id)
    if not record and url is None and not default_db(project.root).exists():
        # Nothing was ever recorded here: no baseline, said without loading SQLAlchemy (half
        # the start-up of `evaluate --no-record`) or creating an empty store.
        return Memory(None, record, baseline=Baseline(None, sought=sought))
    try:
        store = open_recorder(url, project.root)
    except StoreError as exc:
        return Memory(None, record, problem=exc)
    memory = Memory(store, record)
    d = project.definition
    try:
        if baseline_id is not None:
            found: StoredEvaluation | None = store.get(baseline_id)
        else:
            found = store.baseline(
                d.release,
                stage,
                version=d.baseline.version if d.baseline is not None else None,
                # strictly earlier: a rerun at the same SOURCE_DATE_EPOCH compares with what the
                # first run compared with, so its reports are byte-identical
                before_epoch=epoch,
            )
        previous = None
        if found is None and baseline_id is None:  # deltas against the previous evaluation
            recent = store.list(d.release, stage, last=_PREVIOUS_SCAN)
            previous = next((e for e in recent if e.epoch < epoch), None)
        memory.trends = trends(store, d.release, stage, epoch)
    except StoreError as exc:
        memory.problem = exc
        return memory
    if found is not None:
        memory.baseline = as_baseline(found, sought)
    elif previous is not None:
        memory.baseline = as_baseline(previous, sought, judges=False)
    else:
        memory.baseline = Baseline(None, sought=sought)
    return memory


def trends(
    store: Recorder, release: str, stage: str, epoch: float, last: int = TREND_LENGTH
) -> dict[str, tuple[TrendPoint, ...]]:
    """Each criterion's points in the last `last` evaluations of the release at `stage` strictly
    before `epoch` (a rerun at the same SOURCE_DATE_EPOCH draws the same lines), oldest first:
    one query, whatever the number of criteria."""
    return {
        key: tuple(
            TrendPoint(
                evaluation=p.id,
                version=p.version,
                generated_at=p.generated_at,
                status=p.status,
                value=p.value if p.value is not None and math.isfinite(p.value) else None,
                unit=p.unit,
                threshold=p.threshold,
            )
            for p in points
        )
        for key, points in store.trends(release, stage, last, before_epoch=epoch).items()
    }


def to_record(
    report: Report,
    project: Project,
    epoch: float,
    *,
    attestation_digest: str | None = None,
    git: tuple[str | None, str | None] | None = None,
) -> EvaluationRecord:
    """The store's record of an evaluation, from its Report: provenance (git, CI run), the
    verdict, every criterion, evidence digests, sign-offs and waivers in force, the per-second
    series of load tests, and the failing tests and findings (for `diff`)."""
    rel, v = report.release, report.verdict
    commit, branch = git if git is not None else git_context(project.root)
    criteria = tuple(
        CriterionRecord(
            key=r.key,
            gate=r.gate,
            id=r.id,
            title=r.title,
            metric=r.metric,
            matched=r.matched,
            mode=r.mode,
            status=r.status,
            value=r.value if r.value is not None and math.isfinite(r.value) else None,
            unit=r.unit,
            threshold=r.threshold,
            warn=r.warn,
            message=r.message,
            evidence=r.evidence,
        )
        for r in v.results
    )
    evidence = tuple(
        EvidenceDigest(check=ev.check, path=f.path, sha256=f.sha256, size=f.size)
        for ev in report.evidence.values()
        for f in ev.files
    )
    series = tuple(
        SeriesRecord(metric=name, unit=unit, interval_s=SERIES_INTERVAL_S, values=values)
        for ev in report.evidence.values()
        for name, (unit, values) in sorted(interval_samples(ev.check, ev.record).items())
    )
    return EvaluationRecord(
        release=rel.name,
        version=rel.version,
        stage=rel.stage,
        target_stage=rel.target_stage,
        verdict=v.verdict.value,
        generated_at=report.generated_at,
        epoch=epoch,
        commit=commit,
        branch=branch,
        ci_run=ci_run_id(os.environ),
        definition_path=rel.definition_path,
        definition_sha256=rel.definition_sha256,
        tool_version=report.tool_version,
        blockers=tuple(str(b) for b in v.blockers),
        conditions=tuple(str(c) for c in v.conditions),
        criteria=criteria,
        evidence=evidence,
        signoffs=_signoffs(report),
        waivers=_waivers(report),
        series=series,
        attestation_digest=attestation_digest,
        problems=_problems(report),
        risks=_risks(report),
    )


def _signoffs(report: Report) -> tuple[dict[str, str], ...]:
    return tuple(
        {
            k: str(v)
            for k, v in (
                ("role", s.role),
                ("name", s.name),
                ("decision", s.decision),
                ("date", s.date),
                ("version", s.version),
                ("status", s.status),
            )
            if v is not None
        }
        for s in report.signoffs
        if s.status != "missing"
    )


def _risks(report: Report) -> tuple[dict[str, str], ...]:
    """The register as evaluated: what the portfolio's "since the last review" compares."""
    return tuple(
        {
            "id": r.id,
            "title": r.title,
            "impact": r.impact,
            "likelihood": r.likelihood,
            "owner": r.owner,
            "response": r.response,
            "status": r.status,
            "accepted-until": r.accepted.expires if r.accepted is not None else "",
        }
        for r in report.risks
    )


def _waivers(report: Report) -> tuple[dict[str, str], ...]:
    out: dict[tuple[str, str], dict[str, str]] = {}
    for w in report.waivers:
        out[(w.criterion, w.finding or "")] = {
            "criterion": w.criterion,
            "finding": w.finding or "",
            "approver": w.approver,
            "role": w.role,
            "expires": w.expires,
            "state": w.state,
        }
    return tuple(out.values())


def _problems(report: Report) -> tuple[ProblemRecord, ...]:
    out: list[ProblemRecord] = []
    for ev in report.evidence.values():
        rec = ev.record
        if isinstance(rec, TestRun):
            out.extend(
                ProblemRecord(ev.check, "test", c.id, c.outcome)
                for c in rec.problems
                if c.outcome in ("failed", "error")
            )
        elif isinstance(rec, Findings):
            seen: set[str] = set()
            for f in rec.findings:
                where = f.location or f.package
                ident = f"{f.rule} at {where}" if where else f.rule
                if f.suppressed or ident in seen:
                    continue
                seen.add(ident)
                out.append(ProblemRecord(ev.check, "finding", ident, f.severity))
    return tuple(out)


def head_commit(root: Path) -> str | None:
    """The commit an attestation names as its subject (`attestation.statement.git_commit`)."""
    from readiness.attestation import statement

    return statement.git_commit(root)


def statement(
    report: Report,
    project: Project,
    *,
    evidence_dir: Path | None,
    commit: str | None,
    required: bool = False,
) -> dict[str, Any] | None:
    """The in-toto statement of the evaluation: what `--attest` signs and what the store keeps
    so `readiness attest --evaluation` can sign it later. None when a gate or check file cannot
    be read any more (the evaluation is still recorded, but cannot be attested later), unless
    `required` (then the AttestationError: `--attest` must not sign less)."""
    from readiness.attestation import AttestationError
    from readiness.attestation import statement as statements

    try:
        return statements.build(report, project, evidence_dir=evidence_dir, commit=commit)
    except AttestationError:
        if required:
            raise
        return None


def stored_statement(stmt: dict[str, Any] | None) -> str | None:
    """The statement as the store keeps it (`attestation.statement.to_stored`); None for none,
    or for one JSON cannot hold (a NaN that slipped in), rather than not recording at all."""
    if stmt is None:
        return None
    from readiness.attestation import statement as statements

    try:
        return statements.to_stored(stmt)
    except ValueError:
        return None


def record(
    memory: Memory,
    report: Report,
    project: Project,
    epoch: float,
    *,
    attestation_digest: str | None = None,
    statement: dict[str, Any] | None = None,
) -> None:
    """Record the evaluation (with its attestation `statement`, when built) when asked to, and
    say what became of it in `memory.lines` (a failure: one line naming the store and the
    reason)."""
    try:
        if memory.records and memory.store is not None:
            rec = to_record(report, project, epoch, attestation_digest=attestation_digest)
            try:
                memory.recorded = memory.store.record(rec, statement=stored_statement(statement))
            except StoreError as exc:
                memory.problem = exc
    finally:
        memory.close()
    b = memory.baseline
    against = ""
    if b is not None and b.id is not None and b.judges:
        against = f" (baseline #{b.id}: {b.version}, {b.generated_at})"
    elif b is not None and b.id is not None:
        against = (
            f" (no baseline: found no {b.sought}; deltas against the previous, "
            f"#{b.id}: {b.version} {b.verdict}, {b.generated_at})"
        )
    elif b is not None:
        against = f" (no baseline: found no {b.sought})"
    if memory.recorded is not None:
        memory.lines.append(f"recorded as evaluation #{memory.recorded}{against}")
    elif memory.problem is not None:
        what = "evaluation not recorded" if memory.record else "baseline not looked up"
        memory.lines.append(f"readiness: {what}: {memory.problem}")
