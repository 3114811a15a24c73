"""Pure evaluation: criteria x metrics x evidence x waivers -> one result per criterion.

No I/O and no clock: the stage and the date are passed in. A result always carries the observed
value, the threshold, and the evidence files (with sha256) behind it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

from readiness import units
from readiness.criteria import STAGE_TITLES, Stage, Threshold, next_stage
from readiness.definition import Criterion, CriterionSpec, Project, Waiver
from readiness.errors import DefinitionError
from readiness.evidence.records import Evidence
from readiness.metrics import Metric, MetricTable

Status = Literal["PASS", "WARN", "FAIL", "WAIVED", "MISSING", "ERROR", "N/A"]
_WORST = {"N/A": 0, "PASS": 1, "WAIVED": 2, "WARN": 3, "FAIL": 4, "MISSING": 5, "ERROR": 6}
WAIVABLE_STATUSES = ("FAIL", "WARN", "MISSING")


WaiverState = Literal["applied", "expired", "role-not-allowed", "not-waivable", "unused"]


@dataclass(frozen=True)
class WaiverUse:
    """A waiver as applied (or refused) for one criterion."""

    criterion: str
    reason: str
    approver: str
    role: str
    expires: str
    state: WaiverState
    finding: str | None = None


@dataclass(frozen=True)
class NextStage:
    """How the criterion fares at the next stage's thresholds."""

    stage: Stage
    threshold: str
    status: Status
    gap: str = ""


@dataclass(frozen=True)
class CriterionResult:
    """One criterion, evaluated."""

    key: str
    gate: str
    id: str
    title: str
    metric: str
    mode: str
    stage: Stage
    status: Status
    threshold: str = ""
    warn: str = ""
    value: float | None = None
    unit: str = ""
    observed: str = ""  # the value as shown, e.g. "4.2 ms"
    matched: str = ""  # the metric that decided (for globs: the worst)
    message: str = ""
    evidence: tuple[tuple[str, str], ...] = ()  # (path, sha256)
    waiver: WaiverUse | None = None
    next: NextStage | None = None
    source: str = ""  # file:line of the criterion

    @property
    def counts(self) -> bool:
        """Whether the result takes part in the verdict (not shadow, applicable)."""
        return self.mode != "shadow" and self.status != "N/A"


def _judge(metric: Metric, pass_t: Threshold, warn_t: Threshold | None) -> Status:
    if pass_t.holds(metric.value, metric.unit):
        return "PASS"
    if warn_t is not None and warn_t.holds(metric.value, metric.unit):
        return "WARN"
    return "FAIL"


def _gap(metric: Metric, t: Threshold) -> str:
    return units.fmt(t.gap(metric.value, metric.unit), t.unit)


def _waiver_state(
    w: Waiver, crit: Criterion, allowed: list[str] | None, today: dt.date
) -> Literal["applied", "expired", "role-not-allowed", "not-waivable"]:
    if not crit.spec.waivable:
        return "not-waivable"
    if allowed is not None and w.approver.role not in allowed:
        return "role-not-allowed"
    if today > w.expires:
        return "expired"
    return "applied"


def _use(w: Waiver, state: WaiverState) -> WaiverUse:
    return WaiverUse(
        criterion=w.criterion,
        reason=w.reason,
        approver=w.approver.name,
        role=w.approver.role,
        expires=w.expires.isoformat(),
        state=state,
        finding=w.finding,
    )


def evaluate_criterion(
    crit: Criterion,
    stage: Stage,
    evidence: dict[str, Evidence],
    table: MetricTable,
) -> CriterionResult:
    """Evaluate one criterion at `stage` (waivers are applied afterwards)."""
    spec = crit.spec
    check = spec.metric.split(".", 1)[0]
    ev = evidence.get(check)
    base = CriterionResult(
        key=crit.key,
        gate=crit.gate,
        id=spec.id,
        title=spec.title or spec.id,
        metric=spec.metric,
        mode=spec.mode,
        stage=stage,
        status="ERROR",
        source=crit.doc.where(crit.loc),
        evidence=tuple((f.path, f.sha256) for f in ev.files) if ev else (),
    )
    pass_t = spec.pass_.for_stage(stage)
    warn_t = spec.warn.for_stage(stage) if spec.warn is not None else None
    if pass_t is None:
        return replace(base, status="N/A", message=f"no threshold at stage {STAGE_TITLES[stage]}")
    base = replace(base, threshold=str(pass_t), warn=str(warn_t) if warn_t is not None else "")
    if ev is None or ev.status == "missing":
        msg = ev.message if ev is not None else f'no evidence for check "{check}"'
        return replace(base, status="MISSING", message=msg)
    if ev.status in ("error", "stale"):
        return replace(base, status="ERROR", message=ev.message)
    metrics = table.resolve(spec.metric)
    if not metrics:
        available = sorted(m.key for m in table.by_name.values() if m.check == check)
        shown = ", ".join(available[:8]) + (" ..." if len(available) > 8 else "")
        return replace(
            base,
            status="MISSING",
            message=f"the evidence of {check} has no metric matching {spec.metric!r} "
            f"(it has: {shown or 'none'})",
        )
    try:
        judged = [(_judge(m, pass_t, warn_t), m) for m in metrics]
    except DefinitionError as exc:
        return replace(base, status="ERROR", message=str(exc))
    status, worst = max(judged, key=lambda sm: (_WORST[sm[0]], _distance(sm[1], pass_t)))
    message = ""
    if len(metrics) > 1:
        failing = sum(1 for s, _ in judged if s != "PASS")
        message = f"{len(metrics)} metrics matched, {failing} not passing; worst: {worst.name}"
    nxt = _next(spec, stage, worst, status)
    return replace(
        base,
        status=status,
        value=worst.value,
        unit=worst.unit,
        observed=units.fmt(worst.value, worst.unit),
        matched=worst.name,
        message=message,
        next=nxt,
    )


def _distance(m: Metric, t: Threshold) -> float:
    try:
        return t.gap(m.value, m.unit)
    except DefinitionError:
        return 0.0


def _next(spec: CriterionSpec, stage: Stage, metric: Metric, status: Status) -> NextStage | None:
    nxt = next_stage(stage)
    if nxt is None or status not in ("PASS", "WARN"):
        return None
    t = spec.pass_.for_stage(nxt)
    if t is None:
        return None
    w = spec.warn.for_stage(nxt) if spec.warn is not None else None
    nstatus = _judge(metric, t, w)
    return NextStage(nxt, str(t), nstatus, _gap(metric, t) if nstatus != "PASS" else "")


@dataclass
class Evaluation:
    """All criterion results, and the waivers with what became of them."""

    stage: Stage
    results: list[CriterionResult]
    waivers: list[WaiverUse] = field(default_factory=list)


def evaluate(
    project: Project,
    evidence: dict[str, Evidence],
    table: MetricTable,
    stage: Stage,
    today: dt.date,
) -> Evaluation:
    """Evaluate every criterion of the project at `stage` and apply criterion waivers."""
    results = [evaluate_criterion(c, stage, evidence, table) for c in project.criteria()]
    crits = {c.key: c for c in project.criteria()}
    uses: list[WaiverUse] = []
    by_key = {r.key: i for i, r in enumerate(results)}
    for w in project.definition.waivers:
        if w.finding is not None:
            continue  # finding-level waivers are applied by the security evaluation
        crit = crits[w.criterion]
        gate = project.gates.get(crit.gate)
        allowed = gate.waivable_by if gate is not None else None
        state = _waiver_state(w, crit, allowed, today)
        idx = by_key[w.criterion]
        r = results[idx]
        if state == "applied" and r.status not in WAIVABLE_STATUSES:
            state_final: WaiverUse = _use(w, "unused")
        else:
            state_final = _use(w, state)
        uses.append(state_final)
        if state == "applied" and r.status in WAIVABLE_STATUSES and r.waiver is None:
            results[idx] = replace(r, status="WAIVED", waiver=state_final)
        elif r.waiver is None and state != "applied":
            results[idx] = replace(r, waiver=state_final)
    return Evaluation(stage, results, uses)


def worst(statuses: list[Status]) -> Status:
    """The worst of several statuses (ERROR > MISSING > FAIL > WARN > WAIVED > PASS > N/A)."""
    return max(statuses, key=lambda s: _WORST[s], default="N/A")
