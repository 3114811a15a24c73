"""Records -> named metrics with units, and the catalogue of metric names per record type.

A metric's full name is `<check>.<key>`, e.g. `unit-tests.pass_rate`,
`matching-load.requests["POST /orders"].p99`, `sast.findings.high`. A criterion may name several
metrics at once with a glob inside the brackets (`requests["POST *"].p99`): each is evaluated
and the worst is reported.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, assert_never

from readiness import units
from readiness.errors import PluginError
from readiness.evidence import registry
from readiness.evidence.records import (
    RECORD_TYPES,
    SEVERITIES,
    EndpointStats,
    Evidence,
    Findings,
    LoadStats,
    Record,
    SignOffs,
    TestRun,
    finding_flags,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from readiness.definition import Criterion, Project

_LOAD_STATS = {
    "requests": "count",
    "failures": "count",
    "failure_ratio": "%",
    "rps": "/s",
    "avg": "ms",
    "min": "ms",
    "p50": "ms",
    "p90": "ms",
    "p95": "ms",
    "p99": "ms",
    "p99.9": "ms",
    "max": "ms",
}

_TEST_RUN: dict[str, str] = {
    "tests": "count",
    "passed": "count",
    "failed": "count",
    "errors": "count",
    "skipped": "count",
    "flaky": "count",
    "xfailed": "count",
    "pass_rate": "%",
    "duration": "s",
}
_LOAD: dict[str, str] = {
    **{f"requests[*].{k}": u for k, u in _LOAD_STATS.items()},
    **{f"aggregated.{k}": u for k, u in _LOAD_STATS.items()},
    "duration": "s",
    "peak_users": "count",
    "sustained.p99": "ms",
    "sustained.min_rps": "/s",
}
_FINDINGS: dict[str, str] = {
    **{f"findings.{s}": "count" for s in SEVERITIES},
    "findings.total": "count",
    **{f"findings.new.{s}": "count" for s in SEVERITIES},
    "findings.suppressed": "count",
    "skipped": "count",
    "extra[*]": "count",  # tool-specific counts: extra["nosec"], extra["needs-review"], ...
}
_SIGNOFFS: dict[str, str] = {
    "approved": "count",
    "rejected": "count",
    "conditional": "count",
}


def catalogue_of(record: type[Record]) -> dict[str, str]:
    """The metric keys a record type provides, with their units (`[*]`: any bracketed name).

    Exhaustive over `Record`: a record type added to the union and not handled here fails
    `mypy` at `assert_never`."""
    if issubclass(record, TestRun):
        return _TEST_RUN
    if issubclass(record, LoadStats):
        return _LOAD
    if issubclass(record, Findings):
        return _FINDINGS
    if issubclass(record, SignOffs):
        return _SIGNOFFS
    assert_never(record)


# record type name (an adapter's `record`) -> {key pattern: unit}
CATALOGUE: dict[str, dict[str, str]] = {cls.__name__: catalogue_of(cls) for cls in RECORD_TYPES}


@dataclass(frozen=True)
class Metric:
    """One observed number, its unit, and the check whose evidence produced it."""

    check: str
    key: str
    value: float
    unit: str
    # Why the value is not a measurement ("" when it is): e.g. a latency over requests that
    # mostly failed. A criterion that reads an unusable metric is ERROR with this reason.
    unusable: str = ""

    @property
    def name(self) -> str:
        return f"{self.check}.{self.key}"


# A bracketed name: `["..."]` (inside, `\\` is a backslash and `\"` a quote; a backslash
# before any other character is itself), `['...']` (literal, no `'` inside) or bare `[...]`
# (literal, no `]`, `"` or `'`; surrounding blanks dropped).
_BRACKET = re.compile(r"""\[\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\]"']*?))\s*\]""", re.DOTALL)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def quote_name(name: str) -> str:
    """`name` as written inside a metric name's brackets: double-quoted, with `\\` and `"`
    escaped by a backslash (`say "hi"` -> `"say \\"hi\\""`)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquote(m: re.Match[str]) -> str:
    """The name a `_BRACKET` match spells, unescaped."""
    if m[1] is not None:
        return _ESCAPE.sub(lambda e: e[1] if e[1] in '"\\' else e[0], m[1])
    return m[2] if m[2] is not None else m[3]


def normalize(key: str) -> str:
    """Canonical spelling of a metric key: bracketed names double-quoted (see `quote_name`)."""
    return _BRACKET.sub(lambda m: f"[{quote_name(_unquote(m))}]", key)


def split_ref(ref: str) -> tuple[str, str]:
    """`check.key` -> (check, normalized key)."""
    check, _, key = ref.partition(".")
    return check, normalize(key)


def pattern_of(key: str) -> str:
    """The catalogue pattern a concrete or globbed key belongs to."""
    return _BRACKET.sub("[*]", key)


def _parts(key: str) -> tuple[str, tuple[str, ...]]:
    """(catalogue pattern, the bracketed names unescaped) of a key."""
    return pattern_of(key), tuple(_unquote(m) for m in _BRACKET.finditer(key))


# LoadStats keys that measure latency or throughput: unusable on a row that mostly failed
_TIMED = frozenset(_LOAD_STATS) - {"requests", "failures", "failure_ratio"}


def _endpoint(check: str, prefix: str, e: EndpointStats) -> list[Metric]:
    ratio = 100.0 * e.failures / e.requests if e.requests else math.nan
    values: dict[str, float | None] = {
        "requests": e.requests,
        "failures": e.failures,
        "failure_ratio": ratio,
        "rps": e.rps,
        "avg": e.avg_ms,
        "min": e.min_ms,
        "max": e.max_ms,
    }
    for p in ("50", "90", "95", "99", "99.9"):
        values[f"p{p}"] = e.percentiles_ms.get(p)
    return [
        Metric(check, f"{prefix}.{k}", float(v), _LOAD_STATS[k])
        if not (e.unusable and k in _TIMED)
        else Metric(check, f"{prefix}.{k}", math.nan, _LOAD_STATS[k], e.unusable)
        for k, v in values.items()
        if v is not None
    ]


def from_record(check: str, record: Record) -> list[Metric]:
    """Every metric a record provides.

    Exhaustive over `Record`: a record type added to the union and not handled here fails
    `mypy` at `assert_never` (and would raise, never return no metrics, if it ran)."""
    match record:
        case TestRun():
            return _test_run_metrics(check, record)
        case LoadStats():
            return _load_metrics(check, record)
        case Findings():
            return _findings_metrics(check, record)
        case SignOffs():
            return _signoff_metrics(check, record)
        case _:
            assert_never(record)


def _test_run_metrics(check: str, record: TestRun) -> list[Metric]:
    ran = record.passed + record.failed + record.errors
    rate = 100.0 * record.passed / ran if ran else 0.0
    values = (
        ("tests", record.tests),
        ("passed", record.passed),
        ("failed", record.failed),
        ("errors", record.errors),
        ("skipped", record.skipped),
        ("flaky", record.flaky),
        ("xfailed", record.xfailed),
        ("pass_rate", rate),
        ("duration", record.duration_s),
    )
    return [Metric(check, key, float(value), _TEST_RUN[key]) for key, value in values]


def _load_metrics(check: str, record: LoadStats) -> list[Metric]:
    out: list[Metric] = []
    for e in record.endpoints:
        out.extend(_endpoint(check, f"requests[{quote_name(e.name)}]", e))
    out.extend(_endpoint(check, "aggregated", record.aggregate))
    out.append(Metric(check, "duration", record.duration_s, "s"))
    if record.peak_users is not None:
        out.append(Metric(check, "peak_users", float(record.peak_users), "count"))
    why = record.aggregate.unusable
    sustained: tuple[tuple[str, float | None, str], ...] = (
        ("sustained.p99", record.sustained_p99_ms, "ms"),
        ("sustained.min_rps", record.sustained_min_rps, "/s"),
    )
    for name, number, unit in sustained:
        if number is not None:
            out.append(Metric(check, name, math.nan if why else number, unit, why))
    return out


def _findings_metrics(
    check: str, record: Findings, counts: dict[str, int] | None = None
) -> list[Metric]:
    """`counts`: the record's `finding_counts`, if known."""
    counts = finding_counts(record) if counts is None else counts
    out = [Metric(check, k, float(v), "count") for k, v in counts.items()]
    out.append(Metric(check, "skipped", float(len(record.skipped)), "count"))
    for key, value in sorted(record.extra_counts.items()):
        out.append(Metric(check, f"extra[{quote_name(key)}]", float(value), "count"))
    return out


def _signoff_metrics(check: str, record: SignOffs) -> list[Metric]:
    decisions = [r.decision for r in record.records]
    return [
        Metric(check, "approved", float(decisions.count("approve")), "count"),
        Metric(check, "rejected", float(decisions.count("reject")), "count"),
        Metric(check, "conditional", float(decisions.count("approve-with-conditions")), "count"),
    ]


def finding_counts(record: Findings) -> dict[str, int]:
    """Counts per severity (and new per severity) of the findings that are not suppressed."""
    counts = {f"findings.{s}": 0 for s in SEVERITIES}
    counts["findings.total"] = 0
    counts.update({f"findings.new.{s}": 0 for s in SEVERITIES})
    counts["findings.suppressed"] = 0
    for (severity, suppressed, new), n in Counter(finding_flags(record.findings)).items():
        if suppressed:
            counts["findings.suppressed"] += n
            continue
        counts[f"findings.{severity}"] += n
        counts["findings.total"] += n
        if new:
            counts[f"findings.new.{severity}"] += n
    return counts


#: The metrics with per-interval samples (`LoadStats.intervals`): what a regression criterion
#: can compare.
INTERVAL_KEYS = {
    "requests[*].p99": "ms",
    "aggregated.p99": "ms",
    "requests[*].rps": "/s",
    "aggregated.rps": "/s",
}


def interval_samples(check: str, record: Record | None) -> dict[str, tuple[str, tuple[float, ...]]]:
    """Metric name -> (unit, per-second samples) of a load test's steady state; {} for other
    records or without per-second data."""
    if not isinstance(record, LoadStats):
        return {}
    out: dict[str, tuple[str, tuple[float, ...]]] = {}
    for i in record.intervals:
        prefix = "aggregated" if i.name is None else f"requests[{quote_name(i.name)}]"
        if i.p99_ms:
            out[f"{check}.{prefix}.p99"] = ("ms", i.p99_ms)
        if i.rps:
            out[f"{check}.{prefix}.rps"] = ("/s", i.rps)
    return out


@dataclass
class MetricTable:
    """All metrics of all checks with usable evidence."""

    by_name: dict[str, Metric]

    @classmethod
    def build(
        cls, evidence: dict[str, Evidence], counts: Mapping[str, dict[str, int]] | None = None
    ) -> MetricTable:
        """`counts`: `finding_counts` of the Findings records by check, when the caller has
        them already (a scan of 200,000 findings is counted once, not twice)."""
        table: dict[str, Metric] = {}
        for ev in evidence.values():
            if ev.record is None:
                continue
            known = counts.get(ev.check) if counts is not None else None
            if known is not None and isinstance(ev.record, Findings):
                metrics = _findings_metrics(ev.check, ev.record, known)
            else:
                metrics = from_record(ev.check, ev.record)
            for m in metrics:
                table[m.name] = m
        return cls(table)

    def resolve(self, ref: str) -> list[Metric]:
        """Metrics named by `ref`; a glob (fnmatch: `*`, `?`, `[...]`) inside brackets matches
        several. Names are compared unescaped, so a glob sees every character of a name."""
        check, key = split_ref(ref)
        exact = self.by_name.get(f"{check}.{key}")
        pattern, globs = _parts(key)
        if not any(ch in g for g in globs for ch in "*?["):
            return [exact] if exact is not None else []
        # A glob matches every name it covers, even when a name is spelt like the glob itself
        # (an endpoint named "*" must not hide the others from `requests["*"]`).
        out = {exact.name: exact} if exact is not None else {}
        for metric in self.by_name.values():
            if metric.check != check:
                continue
            m_pattern, names = _parts(metric.key)
            if m_pattern == pattern and all(
                fnmatch.fnmatchcase(n, g) for n, g in zip(names, globs, strict=True)
            ):
                out[metric.name] = metric
        return sorted(out.values(), key=lambda m: m.name)


def validate_refs(project: Project) -> list[str]:
    """Problems with criteria's metric names and units, located by file and line."""
    problems: list[str] = []
    for crit in project.criteria():
        check, key = split_ref(crit.spec.metric)
        spec = project.checks.get(check)
        if spec is None:
            continue  # reported by the definition loader
        catalogue = _catalogue(spec.kind)
        if catalogue is not None:
            problems += _ref_problems(crit, spec.kind, check, key, catalogue)
    return problems


def _catalogue(kind: str) -> Mapping[str, str] | None:
    """The metrics (pattern -> unit) a kind's record provides; None for an unknown kind
    (reported by validate_checks) or a plugin declaring a record readiness lacks (its read is a
    PluginError)."""
    try:
        record = registry.get(kind).record
    except PluginError:
        return None
    return CATALOGUE.get(record)


def _ref_problems(
    crit: Criterion, kind: str, check: str, key: str, catalogue: Mapping[str, str]
) -> list[str]:
    """One criterion's metric: a name the kind provides, a regression over per-second samples,
    thresholds in units comparable with the metric's."""
    unit = catalogue.get(pattern_of(key))
    if unit is None:
        import difflib  # only to suggest a name for a wrong one

        close = difflib.get_close_matches(pattern_of(key), list(catalogue), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        where = crit.doc.where((*crit.loc, "metric"))
        return [f'{where}: check "{check}" (kind {kind}) has no metric "{key}"{hint}']
    if crit.spec.regression is not None and pattern_of(key) not in INTERVAL_KEYS:
        return [
            f"{crit.doc.where((*crit.loc, 'regression', 'metric'))}: a regression compares "
            f"per-second samples, which only {', '.join(INTERVAL_KEYS)} of a locust check "
            f"have, not {key}"
        ]
    problems: list[str] = []
    for field in ("pass_", "warn"):
        table = getattr(crit.spec, field)
        if table is None:
            continue
        problems += [
            f"{crit.doc.where((*crit.loc, field.rstrip('_')))}: threshold unit "
            f"{t_unit} cannot be compared with {crit.spec.metric} ({unit})"
            for t_unit in sorted(table.units())
            if not units.compatible(t_unit, unit)
        ]
    return problems


def finding_indices(record: Findings, key: str) -> list[int]:
    """Indices of the findings a Findings metric counts (`findings.high`, `findings.new.low`,
    `findings.total`); suppressed findings never count. `finding_counts` applies the same rule
    in one pass over all keys."""
    return list(iter_finding_indices(record, key))


def iter_finding_indices(record: Findings, key: str) -> Iterator[int]:
    """`finding_indices`, lazily: the report lists the first 200 findings behind a criterion,
    found without going through the rest of a scan's 200,000."""
    parts = key.split(".")
    new_only = len(parts) == 3 and parts[1] == "new"
    severity = parts[-1]
    for i, (sev, suppressed, new) in enumerate(finding_flags(record.findings)):
        if suppressed or (new_only and not new):
            continue
        if severity in ("total", sev):
            yield i
