"""Pure evaluation: criteria x metrics x evidence x waivers -> one result per criterion.

No I/O and no clock: the stage and the date are passed in. A result always carries the observed
value, the threshold, and the evidence files (with sha256) behind it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import TYPE_CHECKING, Literal

from readiness import units, waivers
from readiness.criteria import STAGE_TITLES, Stage, Threshold, next_stage, warn_for_stage
from readiness.errors import DefinitionError
from readiness.evidence.records import Evidence, Findings
from readiness.metrics import (
    CATALOGUE,
    Metric,
    MetricTable,
    finding_indices,
    interval_samples,
    iter_finding_indices,
)
from readiness.waivers import WaiverUse

if TYPE_CHECKING:  # types only: the report layer (inspect --json, history) imports no pydantic
    from readiness.definition import Criterion, CriterionSpec, Project, Waiver

Status = Literal["PASS", "WARN", "FAIL", "WAIVED", "INCONCLUSIVE", "MISSING", "ERROR", "N/A"]
STATUSES: tuple[Status, ...] = (
    "PASS",
    "WARN",
    "FAIL",
    "WAIVED",
    "INCONCLUSIVE",
    "MISSING",
    "ERROR",
    "N/A",
)
# How reports order criteria: what blocks first, what does not apply last.
STATUS_ORDER: dict[Status, int] = {
    "ERROR": 0,
    "MISSING": 1,
    "INCONCLUSIVE": 2,
    "FAIL": 3,
    "WARN": 4,
    "WAIVED": 5,
    "PASS": 6,
    "N/A": 7,
}
# INCONCLUSIVE (a comparison without enough data to decide) weighs like MISSING, just below it.
_WORST = {
    "N/A": 0,
    "PASS": 1,
    "WAIVED": 2,
    "WARN": 3,
    "FAIL": 4,
    "INCONCLUSIVE": 5,
    "MISSING": 6,
    "ERROR": 7,
}
# A waiver covers a measured failure only: MISSING and ERROR (no evidence, no such metric,
# unreadable or stale evidence) block whatever a waiver says.
WAIVABLE_STATUSES = ("FAIL", "WARN")
_FINDING_KEYS = frozenset(k for k in CATALOGUE["Findings"] if k.startswith("findings.")) - {
    "findings.suppressed"
}


@dataclass(frozen=True)
class NextStage:
    """How the criterion fares at the next stage's thresholds."""

    stage: Stage
    threshold: str
    status: Status
    gap: str = ""


@dataclass(frozen=True)
class Baseline:
    """The earlier evaluation that relative thresholds and deltas compare with.

    `id` is None when none was found; `sought` then says what was looked for ("the latest GO or
    CONDITIONAL GO evaluation of demo at internal testing"), for the MISSING message.
    """

    id: int | None
    version: str = ""
    generated_at: str = ""
    values: Mapping[str, tuple[float, str]] = field(default_factory=dict)  # key -> (value, unit)
    sought: str = ""
    # metric name -> (unit, per-second samples), for regression criteria
    series: Mapping[str, tuple[str, tuple[float, ...]]] = field(default_factory=dict)
    # False: no evaluation met the baseline rule, and this is merely the previous one (say a
    # NO-GO): deltas are shown against it, but relative thresholds and regressions never
    # compare with it (a failed evaluation never becomes a baseline).
    judges: bool = True
    verdict: str = ""
    statuses: Mapping[str, str] = field(default_factory=dict)  # key -> status then, for marks

    @property
    def for_thresholds(self) -> Baseline:
        """What relative thresholds and regressions may compare with: itself, or "none found"."""
        return self if self.judges else Baseline(None, sought=self.sought)

    @property
    def label(self) -> str:
        return f"#{self.id} ({self.version}, {self.generated_at[:10]})"


@dataclass(frozen=True)
class BaselineValue:
    """A criterion's value in the baseline, and the change since."""

    id: int
    version: str
    generated_at: str
    value: float
    unit: str
    delta: float  # current minus baseline, in `unit`

    @property
    def text(self) -> str:
        """`+0.9 ms vs 2026.11.2`."""
        sign = "-" if self.delta < 0 else "+"
        return f"{sign}{units.fmt(abs(self.delta), self.unit)} vs {self.version}"


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
    pass_threshold: Threshold | None = None  # parsed (absolute: a relative one is resolved)
    warn_threshold: Threshold | None = None  # the warn band in force at this stage, if any
    baseline: BaselineValue | None = None  # the baseline's value of this criterion, if any

    @property
    def check(self) -> str:
        """The check whose evidence the metric reads (`<check>.<key>`)."""
        return self.metric.partition(".")[0]

    @property
    def counts(self) -> bool:
        """Whether the result takes part in the verdict (not shadow, applicable)."""
        return self.mode != "shadow" and self.status != "N/A"


def _closest(wanted: str, available: list[str]) -> str:
    """The names nearest to a missing metric's key, for its MISSING message: a
    `requests["POST /withdrawals"]` beside Locust's `requests["POST POST /withdrawals"]`, a
    `pass-rate` beside `pass_rate`."""
    import difflib

    if not available:
        return " (its evidence provides no metric)"
    # the same statistic first (`.p99` of another endpoint, not `.p95` of this one)
    stat = wanted[wanted.rindex("]") + 1 :] if "]" in wanted else ""
    alike = [a for a in available if stat and a.endswith(stat)]
    near = difflib.get_close_matches(wanted, alike, n=3, cutoff=0.5)
    near += [
        n for n in difflib.get_close_matches(wanted, available, n=5, cutoff=0.5) if n not in near
    ][: 3 - len(near)]
    count = f"{len(available)} metric(s); `readiness metrics` lists them all"
    if near:
        return f" (did you mean {', '.join(near)}? it has {count})"
    return f" (nothing close among its {count}: {', '.join(available[:5])}, ...)"


def _judge(metric: Metric, pass_t: Threshold, warn_t: Threshold | None) -> Status:
    if pass_t.holds(metric.value, metric.unit):
        return "PASS"
    if warn_t is not None and warn_t.holds(metric.value, metric.unit):
        return "WARN"
    return "FAIL"


def _gap(metric: Metric, t: Threshold) -> str:
    return units.fmt(t.gap(metric.value, metric.unit), t.unit)


def evaluate_criterion(
    crit: Criterion,
    stage: Stage,
    evidence: dict[str, Evidence],
    table: MetricTable,
    baseline: Baseline | None = None,
) -> CriterionResult:
    """Evaluate one criterion at `stage` (waivers are applied afterwards).

    Relative thresholds are made absolute against the baseline's value of the criterion.
    """
    spec = crit.spec
    ev = evidence.get(crit.check)
    base = _unjudged(crit, stage, ev)
    pass_t = spec.pass_.for_stage(stage)
    warn_t = warn_for_stage(spec.pass_, spec.warn, stage)
    if pass_t is None:
        na = replace(base, status="N/A", message=f"no threshold at stage {STAGE_TITLES[stage]}")
        return _not_yet(na, spec, stage, ev, table)
    base = _with_thresholds(base, pass_t, warn_t)
    found = _measured(base, crit.check, spec.metric, ev, table)
    if isinstance(found, CriterionResult):
        return found
    ev, metrics = found
    if spec.regression is not None:
        judging = baseline.for_thresholds if baseline is not None else None
        return _regression(base, spec, crit.key, metrics, ev, judging)
    prior = baseline.values.get(crit.key) if baseline is not None else None
    if pass_t.relative or (warn_t is not None and warn_t.relative):
        base, done = _absolute(base, spec, crit.key, metrics, baseline, prior)
        if done:
            return base
    return _judged(base, spec, stage, metrics, prior, baseline)


def _unjudged(crit: Criterion, stage: Stage, ev: Evidence | None) -> CriterionResult:
    """The criterion's result before anything is judged: ERROR until a step says otherwise."""
    spec = crit.spec
    return CriterionResult(
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


def _with_thresholds(
    base: CriterionResult, pass_t: Threshold, warn_t: Threshold | None
) -> CriterionResult:
    return replace(
        base,
        threshold=str(pass_t),
        warn=str(warn_t) if warn_t is not None else "",
        pass_threshold=pass_t,
        warn_threshold=warn_t,
    )


def _measured(
    base: CriterionResult, check: str, ref: str, ev: Evidence | None, table: MetricTable
) -> CriterionResult | tuple[Evidence, list[Metric]]:
    """The evidence and the metrics `ref` matches in it; or the result saying why there is
    nothing to judge (MISSING: no evidence, no such metric; ERROR: unreadable or stale
    evidence, or a metric that is not a measurement)."""
    if ev is None or ev.status == "missing":
        msg = ev.message if ev is not None else f'no evidence for check "{check}"'
        return replace(base, status="MISSING", message=msg)
    if ev.status in ("error", "stale"):
        return replace(base, status="ERROR", message=ev.message)
    metrics = table.resolve(ref)
    if not metrics:
        available = sorted(m.key for m in table.by_name.values() if m.check == check)
        return replace(
            base,
            status="MISSING",
            message=f"the evidence of {check} has no metric matching {ref!r}"
            + _closest(ref.removeprefix(f"{check}."), available),
        )
    unusable = [m for m in metrics if m.unusable]
    if unusable:  # e.g. a latency over requests that mostly failed: not a measurement
        more = f" (and {len(unusable) - 1} more unusable metric(s))" if len(unusable) > 1 else ""
        return replace(base, matched=unusable[0].name, message=unusable[0].unusable + more)
    return ev, metrics


def _absolute(
    base: CriterionResult,
    spec: CriterionSpec,
    key: str,
    metrics: list[Metric],
    baseline: Baseline | None,
    prior: tuple[float, str] | None,
) -> tuple[CriterionResult, bool]:
    """`base` with its relative thresholds made absolute against the baseline's value
    (`prior`), and False; or, when that cannot be done (several metrics matched, no baseline
    that judges), the criterion's result and True."""
    if len(metrics) > 1:
        message = f"a relative threshold compares one metric; {len(metrics)} matched"
        return replace(base, message=message), True
    if prior is None or (baseline is not None and not baseline.judges):
        judging = baseline.for_thresholds if baseline is not None else None
        result = _no_baseline(base, spec, key, judging, metric=metrics[0])
        return replace(result, baseline=_baseline_value(baseline, prior, metrics[0])), True
    assert baseline is not None
    assert base.pass_threshold is not None
    pass_t = base.pass_threshold.against(*prior)
    warn_t = base.warn_threshold.against(*prior) if base.warn_threshold is not None else None
    base = replace(
        base,
        threshold=f"{base.threshold} of {units.fmt(*prior)} = {pass_t}",
        warn=f"{base.warn} = {warn_t}" if warn_t is not None else "",
        pass_threshold=pass_t,
        warn_threshold=warn_t,
    )
    return base, False


def _judged(
    base: CriterionResult,
    spec: CriterionSpec,
    stage: Stage,
    metrics: list[Metric],
    prior: tuple[float, str] | None,
    baseline: Baseline | None,
) -> CriterionResult:
    """Judge every matched metric against the (absolute) thresholds of `base`; the worst one
    is the criterion's value."""
    pass_t, warn_t = base.pass_threshold, base.warn_threshold
    assert pass_t is not None
    try:
        judged = [(_judge(m, pass_t, warn_t), m) for m in metrics]
    except DefinitionError as exc:
        return replace(base, status="ERROR", message=str(exc))
    status, worst = max(
        judged, key=lambda sm: (_WORST[sm[0]], _distance(sm[1], pass_t), _lean(sm[1], pass_t))
    )
    message = ""
    if len(metrics) > 1:
        failing = sum(1 for s, _ in judged if s != "PASS")
        message = f"{len(metrics)} metrics matched, {failing} not passing; worst: {worst.name}"
    nxt = _next(spec, stage, worst, status, prior)
    return replace(
        base,
        status=status,
        value=worst.value,
        unit=worst.unit,
        observed=units.fmt(worst.value, worst.unit),
        matched=worst.name,
        message=message,
        next=nxt,
        baseline=_baseline_value(baseline, prior, worst) if len(metrics) == 1 else None,
    )


def _baseline_value(
    baseline: Baseline | None, prior: tuple[float, str] | None, metric: Metric
) -> BaselineValue | None:
    if baseline is None or baseline.id is None or prior is None:
        return None
    try:
        before = units.convert(prior[0], prior[1], metric.unit)
    except DefinitionError:
        return None
    return BaselineValue(
        baseline.id,
        baseline.version,
        baseline.generated_at,
        before,
        metric.unit,
        metric.value - before,
    )


def _signed(value: float, unit: str) -> str:
    return ("-" if value < 0 else "+") + units.fmt(abs(value), unit)


def _regression(
    base: CriterionResult,
    spec: CriterionSpec,
    key: str,
    metrics: list[Metric],
    ev: Evidence,
    baseline: Baseline | None,
) -> CriterionResult:
    """A regression criterion: this run's per-second samples against the baseline's, through
    `history.regression.compare`. Never a PASS without both series and enough of them."""
    reg = spec.regression
    assert reg is not None
    if len(metrics) > 1:
        return replace(base, message=f"a regression compares one metric; {len(metrics)} matched")
    metric = metrics[0]
    conf = f"{reg.confidence:.0%}"
    base = replace(
        base,
        threshold=f"shift {base.threshold.split(' ', 1)[0]} {reg.max_shift} ({conf} confidence)",
        matched=metric.name,
    )
    current = interval_samples(ev.check, ev.record).get(metric.name)
    if current is None:
        return replace(
            base,
            status="MISSING",
            message=f"the evidence of {ev.check} has no per-second samples of {metric.name} "
            "(p99 needs the HDR interval log, rps the --json-file)",
        )
    if baseline is None or baseline.id is None:
        return _no_baseline(base, spec, key, baseline)
    prior = baseline.series.get(metric.name)
    if prior is None:
        why = f"no baseline series: baseline {baseline.label} has no per-second samples of "
        return _no_baseline(base, spec, key, baseline, why + metric.name)
    amount, unit = reg.shift
    relative = unit == "%"
    try:
        before = tuple(units.convert(v, prior[0], current[0]) for v in prior[1])
        allowed = amount if relative else units.convert(amount, unit or current[0], current[0])
    except DefinitionError as exc:
        return replace(base, status="ERROR", message=str(exc))
    try:
        from readiness.history import regression

        cmp = regression.compare(
            current[1],
            before,
            max_shift=allowed,
            relative=relative,
            confidence=reg.confidence,
            min_samples=reg.min_samples,
        )
    except ImportError as exc:  # numpy and scipy come with the `regression` extra
        need = exc.name or "scipy"
        why = f"a regression criterion needs {need}: pip install 'readiness[regression]'"
        return replace(base, status="ERROR", message=why)
    u = current[0]
    counts = f"{cmp.n_current} intervals vs {cmp.n_baseline} in baseline {baseline.label}"
    if cmp.shift is None or cmp.shift_ci is None:
        message = f"{cmp.outcome}: {cmp.reason}; {counts}"
        return replace(base, status=cmp.outcome, message=message)
    rel = f" ({cmp.relative_shift:+.1%})" if cmp.relative_shift is not None else ""
    low, high = cmp.shift_ci
    allowed_text = _signed(cmp.allowed_shift or 0.0, u)
    verdict = {
        "FAIL": "significant regression",
        "PASS": "no regression",
        "INCONCLUSIVE": "cannot tell",
    }[cmp.outcome]
    p = f"p={cmp.p_value:.3g}" if cmp.p_value is not None else "p=n/a"
    message = (
        f"{verdict}: shift {_signed(cmp.shift, u)}{rel}, {conf} CI {_signed(low, u)} .. "
        f"{_signed(high, u)}, {p}; allowed {allowed_text}; {counts}"
    )
    return replace(
        base,
        status=cmp.outcome,
        value=cmp.shift,
        unit=u,
        observed=f"shift {_signed(cmp.shift, u)}{rel}",
        message=message,
    )


def _no_baseline(
    base: CriterionResult,
    spec: CriterionSpec,
    key: str,
    baseline: Baseline | None,
    reason: str = "",
    metric: Metric | None = None,
) -> CriterionResult:
    """A relative threshold without a baseline value is never a silent pass: MISSING, unless
    the criterion says what a first run does (`on-no-baseline`). The observed value is kept,
    so the evaluation recorded becomes the next one's baseline for it."""
    if metric is not None:
        base = replace(
            base,
            value=metric.value,
            unit=metric.unit,
            observed=units.fmt(metric.value, metric.unit),
            matched=metric.name,
        )
    if reason:
        why = reason
    elif baseline is None:
        why = "no baseline: no evaluation store was consulted"
    elif baseline.id is None:
        why = f"no baseline: found no {baseline.sought or 'earlier passing evaluation'}"
    else:
        why = f"no baseline value: baseline {baseline.label} has no value for {key}"
    choices: dict[str, Status] = {"pass": "PASS", "warn": "WARN", "fail": "MISSING"}
    status = choices[spec.on_no_baseline]
    return replace(base, status=status, message=f"{why} (on-no-baseline: {spec.on_no_baseline})")


def _not_yet(
    na: CriterionResult,
    spec: CriterionSpec,
    stage: Stage,
    ev: Evidence | None,
    table: MetricTable,
) -> CriterionResult:
    """A criterion not gated at this stage still says whether it would hold at the next one."""
    nxt = next_stage(stage)
    t = spec.pass_.for_stage(nxt) if nxt is not None else None
    found = table.resolve(spec.metric) if ev is not None and ev.status == "ok" else []
    if t is None or not found or any(m.unusable for m in found) or t.relative:
        return na
    try:
        worst_m = max(found, key=lambda m: t.gap(m.value, m.unit))
    except DefinitionError:
        return na
    return replace(
        na,
        value=worst_m.value,
        unit=worst_m.unit,
        observed=units.fmt(worst_m.value, worst_m.unit),
        matched=worst_m.name,
        next=_next(spec, stage, worst_m, "PASS"),
    )


def _distance(m: Metric, t: Threshold) -> float:
    try:
        return t.gap(m.value, m.unit)
    except DefinitionError:
        return 0.0


def _lean(m: Metric, t: Threshold) -> float:
    """Among metrics at the same distance from a threshold (all passing: 0), the larger the
    closer to failing it: the highest latency under `<=`, the lowest rate over `>=`, the
    furthest from an `==` value. So a passing glob reports its real worst, not its first."""
    try:
        value = units.convert(m.value, m.unit, t.unit)
    except DefinitionError:
        return 0.0
    if t.op in ("<", "<="):
        return value
    if t.op in (">", ">="):
        return -value
    return abs(value - t.value)


def _next(
    spec: CriterionSpec,
    stage: Stage,
    metric: Metric,
    status: Status,
    prior: tuple[float, str] | None = None,
) -> NextStage | None:
    nxt = next_stage(stage)
    if nxt is None or status not in ("PASS", "WARN"):
        return None
    t = spec.pass_.for_stage(nxt)
    if t is None or (t.relative and prior is None):
        return None
    t = t.against(*prior) if prior is not None else t
    w = warn_for_stage(spec.pass_, spec.warn, nxt)
    if w is not None and w.relative:
        w = w.against(*prior) if prior is not None else None
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
    extra_waivers: list[tuple[Waiver, str]] | None = None,
    baseline: Baseline | None = None,
) -> Evaluation:
    """Evaluate every criterion of the project at `stage`, then apply the waivers.

    `extra_waivers` are (waiver, source) pairs from outside the definition (VEX documents).
    """
    crits = project.criteria()
    results = [evaluate_criterion(c, stage, evidence, table, baseline) for c in crits]
    by_key = {c.key: (c, i) for i, c in enumerate(crits)}
    all_waivers = [(w, "definition") for w in project.definition.waivers]
    all_waivers += extra_waivers or []
    uses: list[WaiverUse] = []
    for key in dict.fromkeys(w.criterion for w, _ in all_waivers):
        crit, idx = by_key[key]
        gate = project.gates.get(crit.gate)
        allowed = gate.waivable_by if gate is not None else None
        mine = [
            (w, src, waivers.state(w, crit, allowed, today))
            for w, src in all_waivers
            if w.criterion == key
        ]
        result, used = _apply(results[idx], crit, mine, evidence, stage)
        results[idx] = result
        uses.extend(used)
    return Evaluation(stage, results, uses)


def _apply(
    r: CriterionResult,
    crit: Criterion,
    mine: Sequence[tuple[Waiver, str, waivers.WaiverState]],
    evidence: dict[str, Evidence],
    stage: Stage,
) -> tuple[CriterionResult, list[WaiverUse]]:
    """Apply one criterion's waivers: finding waivers first, then criterion waivers."""
    ev = evidence.get(crit.check)
    record = ev.record if ev is not None and isinstance(ev.record, Findings) else None
    uses, waived, applied = _finding_waivers(mine, record)
    key = crit.spec.metric.partition(".")[2]
    if waived and record is not None and r.status in ("FAIL", "WARN") and key in _FINDING_KEYS:
        r = _recounted(r, crit.check, key, record, waived, applied[0])
    r, more = _criterion_waivers(r, mine)
    return r, uses + more


def _finding_waivers(
    mine: Sequence[tuple[Waiver, str, waivers.WaiverState]], record: Findings | None
) -> tuple[list[WaiverUse], set[int], list[WaiverUse]]:
    """Each finding waiver's use (`unused` when it matches no finding), the indices of the
    findings the applied ones waive, and the applied uses."""
    uses: list[WaiverUse] = []
    waived: set[int] = set()
    applied: list[WaiverUse] = []
    for w, src, st in mine:
        if w.finding is None:
            continue
        hits = (
            []
            if record is None
            else [i for i, f in enumerate(record.findings) if waivers.matches(f, w.finding)]
        )
        final: waivers.WaiverState = st if st != "applied" or hits else "unused"
        u = waivers.use(w, final, len(hits), src)
        uses.append(u)
        if final == "applied":
            waived.update(hits)
            applied.append(u)
    return uses, waived, applied


def _recounted(
    r: CriterionResult,
    check: str,
    key: str,
    record: Findings,
    waived: set[int],
    first: WaiverUse,
) -> CriterionResult:
    """The findings count judged again without the waived findings: WAIVED when it passes."""
    count = float(sum(1 for i in finding_indices(record, key) if i not in waived))
    t, w_t = r.pass_threshold, r.warn_threshold  # absolute: relative ones were resolved
    if t is None:
        return r
    status = _judge(Metric(check, key, count, "count"), t, w_t)
    note = f"{len(waived)} finding(s) waived; {units.fmt(count, 'count')} of {r.observed} left"
    return replace(
        r,
        status="WAIVED" if status == "PASS" else status,
        value=count,
        observed=units.fmt(count, "count"),
        waiver=first,
        message=f"{r.message}; {note}" if r.message else note,
    )


def _criterion_waivers(
    r: CriterionResult, mine: Sequence[tuple[Waiver, str, waivers.WaiverState]]
) -> tuple[CriterionResult, list[WaiverUse]]:
    """Waivers of the whole criterion: the first applicable one waives a waivable status; one
    that is not applicable (expired, wrong role...) is still shown on the result."""
    uses: list[WaiverUse] = []
    for w, src, st in mine:
        if w.finding is not None:
            continue
        if st == "applied" and r.status not in WAIVABLE_STATUSES:
            u = waivers.use(w, "unused", 0, src)
        else:
            u = waivers.use(w, st, 0, src)
        uses.append(u)
        if st == "applied" and r.status in WAIVABLE_STATUSES and r.waiver is None:
            r = replace(r, status="WAIVED", waiver=u)
        elif r.waiver is None and st != "applied":
            r = replace(r, waiver=u)
    return r, uses


def worst(statuses: list[Status]) -> Status:
    """The worst of several statuses (ERROR > MISSING > INCONCLUSIVE > FAIL > WARN > WAIVED >
    PASS > N/A)."""
    return max(statuses, key=lambda s: _WORST[s], default="N/A")


MAX_FINDINGS_LISTED = 200


@dataclass(frozen=True)
class WaivedBy:
    """Who waived a finding, until when, why."""

    approver: str
    role: str
    expires: str
    reason: str


@dataclass(frozen=True)
class FindingRow:
    """One finding behind a criterion that did not plainly pass (waived ones say by whom)."""

    tool: str
    rule: str
    severity: str
    title: str
    location: str
    package: str
    fixed_version: str
    fingerprint: str
    new: bool
    waived_by: WaivedBy | None = None


def findings_behind(
    evaluation: Evaluation, evidence: dict[str, Evidence]
) -> dict[str, tuple[FindingRow, ...]]:
    """The findings behind every criterion over findings that did not plainly pass.

    Waived findings stay listed, with who waived them and until when.
    """
    out: dict[str, tuple[FindingRow, ...]] = {}
    for r in evaluation.results:
        if r.status in ("PASS", "N/A"):
            continue
        check, _, key = r.metric.partition(".")
        ev = evidence.get(check)
        if ev is None or not isinstance(ev.record, Findings) or key not in _FINDING_KEYS:
            continue
        applied = [
            u
            for u in evaluation.waivers
            if u.criterion == r.key and u.finding is not None and u.state == "applied"
        ]
        rows: list[FindingRow] = []
        for i in islice(iter_finding_indices(ev.record, key), MAX_FINDINGS_LISTED):
            f = ev.record.findings[i]
            by = next((u for u in applied if waivers.matches(f, u.finding or "")), None)
            rows.append(
                FindingRow(
                    f.tool,
                    f.rule,
                    f.severity,
                    f.title,
                    f.location,
                    f.package,
                    f.fixed_version,
                    f.fingerprint,
                    f.new,
                    None if by is None else WaivedBy(by.approver, by.role, by.expires, by.reason),
                )
            )
        out[r.key] = tuple(rows)
    return out
