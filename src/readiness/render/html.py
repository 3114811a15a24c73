"""The self-contained HTML report: one file, inline CSS and SVG, no script, no network.

The view model is shaped here, in Python, from `jsonreport.to_data(report)` (and from the
records where the JSON summary is truncated or stringly): the Jinja templates under
`templates/` only loop and print. Jinja autoescapes everything (test names, messages and
findings are untrusted) after `safe.visible` has written control, bidi and separator characters
as visible escapes (the `finalize` of the environment), and fails on any undefined name; the
only markup inserted unescaped is the SVG built by `readiness.render.svg`, which does the same
to its own labels.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from readiness import units
from readiness.criteria import STAGE_TITLES, parse
from readiness.errors import DefinitionError
from readiness.evidence.records import SEVERITIES, Findings, LoadStats, TestRun
from readiness.metrics import finding_counts
from readiness.render import jsonreport, safe, svg
from readiness.render.notes import findings_by_criterion, risks, signoffs

if TYPE_CHECKING:
    import jinja2

    from readiness.render.model import Report

MAX_TESTS = 50
MAX_FINDINGS = 100
MAX_FAILURES = 20
MAX_EVIDENCE = 2  # files per criterion row; the Evidence section lists them all
STATUS_ORDER = ("ERROR", "MISSING", "INCONCLUSIVE", "FAIL", "WARN", "WAIVED", "PASS", "N/A")
VERDICT_CLASS = {"GO": "go", "CONDITIONAL GO": "cond", "NO-GO": "nogo"}
SEVERITY_COLORS = {
    "critical": "#7B001C",
    "high": "#C62828",
    "medium": "#E69F00",
    "low": "#0072B2",
    "info": "#8A8A8A",
}


def _finalize(value: object) -> object:
    """Text, before autoescape: controls, bidi and separators shown as escapes (newlines kept);
    markup (the SVG charts) and numbers as they are."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return safe.visible(value, keep="\n\r")
    return value


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja environment of the built-in templates: autoescaped, strict about names."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("readiness.render", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def short_sha(sha: str | None) -> str:
    """The first 12 hex digits of a sha256, or a dash."""
    return sha[:12] if sha else "-"


def stage_title(stage: str | None) -> str:
    return STAGE_TITLES.get(stage or "", stage or "")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _criterion(c: dict[str, Any], findings: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    nxt = c["next_stage"]
    return {
        **c,
        "status_class": c["status"].lower().replace("/", ""),
        "evidence": [
            {"path": e["path"], "short": short_sha(e["sha256"]), "sha256": e["sha256"] or ""}
            for e in c["evidence"][:MAX_EVIDENCE]
        ],
        "evidence_more": max(len(c["evidence"]) - MAX_EVIDENCE, 0),
        "check": c["metric"].split(".", 1)[0],
        "next": (
            f"at {stage_title(nxt['stage'])}: {nxt['status']} against {nxt['threshold']}"
            + (f" (gap {nxt['gap']})" if nxt["gap"] else "")
            if nxt and nxt["status"] != "PASS"
            else ""
        ),
        "findings": findings.get(c["criterion"], [])[:MAX_FAILURES],
        "findings_more": max(len(findings.get(c["criterion"], [])) - MAX_FAILURES, 0),
    }


def problem_count(rec: TestRun) -> int:
    """Failed, erroring and flaky tests: the adapter keeps at most 1000 of them as cases."""
    return max(len(rec.problems), rec.failed + rec.errors + rec.flaky)


def _tests(ev: dict[str, Any], rec: TestRun) -> dict[str, Any]:
    data = ev["record"]
    rows = [
        {
            **p,
            "tag": "flaky" if p["flaky"] and p["outcome"] == "passed" else p["outcome"],
        }
        for p in data["problems"][:MAX_TESTS]
    ]
    return {
        "check": ev["check"],
        "counts": [
            (label, getattr(rec, attr))
            for label, attr in (
                ("tests", "tests"),
                ("passed", "passed"),
                ("failed", "failed"),
                ("errors", "errors"),
                ("skipped", "skipped"),
                ("flaky", "flaky"),
            )
        ],
        "rows": rows,
        "more": problem_count(rec) - len(rows),
    }


def _reference(check: str, criteria: Sequence[dict[str, Any]]) -> svg.Reference | None:
    """The threshold of a criterion over the aggregate latency, drawn on the latency chart."""
    for c in criteria:
        matched = c["matched"] or ""
        if not c["threshold"] or not matched.startswith(f"{check}."):
            continue
        key = matched.split(".", 1)[1]
        if key not in ("aggregated.p50", "aggregated.p95", "aggregated.p99", "sustained.p99"):
            continue
        try:
            t = parse(c["threshold"])
            value = units.convert(t.value, t.unit, "ms")
        except DefinitionError:
            continue
        return svg.Reference(value, f"{key.rsplit('.', 1)[1]} {c['threshold']}")
    return None


def fmt_number(value: object, unit: str = "") -> str:
    """A table number: thousands separated, at most three decimals (microseconds when in ms),
    fewer as the number grows; `-` if absent."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "-" if value is None else str(value)
    if not math.isfinite(value):
        return str(value)
    size = abs(value)
    decimals = (
        0 if size >= 1000 or value == int(value) else 1 if size >= 100 else 2 if size >= 10 else 3
    )
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit else text


def _load(ev: dict[str, Any], rec: LoadStats, criteria: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, list[svg.Line]] = {
        "latency": [],
        "throughput": [],
        "failures": [],
        "users": [],
    }
    for s in rec.series:
        if s.unit == "ms":
            group = "latency"
        elif "fail" in s.name:
            group = "failures"
        elif s.unit == "/s":
            group = "throughput"
        else:
            group = "users"
        groups[group].append(svg.Line(s.name, s.points))
    titles = {
        "latency": ("Response time percentiles", "ms"),
        "throughput": ("Throughput", "requests/s"),
        "failures": ("Failures", "failures/s"),
        "users": ("Concurrent users", "users"),
    }
    xs = [x for s in rec.series for x, _ in s.points if math.isfinite(x)]
    span = (min(xs), max(xs)) if xs else None  # one time axis for every chart of the run
    charts = [
        svg.line_chart(
            lines,
            title=f"{ev['check']}: {titles[g][0]}",
            unit=titles[g][1],
            reference=_reference(ev["check"], criteria) if g == "latency" else None,
            x_range=span,
        )
        for g, lines in groups.items()
        if lines
    ]
    data = ev["record"]
    pcts = sorted({k for e in data["endpoints"] for k in e["percentiles_ms"]}, key=float)
    endpoints = [
        {
            **e,
            "failure_ratio": f"{100 * e['failures'] / e['requests']:.2f}%"
            if e["requests"]
            else "-",
            "pcts": [fmt_number(e["percentiles_ms"].get(k)) for k in pcts],
            "cells": {k: fmt_number(e[k]) for k in ("requests", "failures", "rps", "max_ms")},
            "aggregate": e is data["endpoints"][-1],
        }
        for e in data["endpoints"]
    ]
    return {
        "check": ev["check"],
        "summary": [
            ("duration", units.fmt(rec.duration_s, "s")),
            ("peak users", "-" if rec.peak_users is None else str(rec.peak_users)),
            ("requests", f"{rec.aggregate.requests:,}"),
            ("failures", f"{rec.aggregate.failures:,}"),
            ("throughput", units.fmt(rec.aggregate.rps, "/s")),
            ("sustained p99", _opt(rec.sustained_p99_ms, "ms")),
            ("sustained min rate", _opt(rec.sustained_min_rps, "/s")),
        ],
        "charts": charts,
        "percentiles": [f"p{k}" for k in pcts],
        "endpoints": endpoints,
        "failures": data["failures"][:MAX_FAILURES],
        "failures_more": max(len(rec.failures) - MAX_FAILURES, 0),
    }


def _opt(value: float | None, unit: str) -> str:
    return "-" if value is None or not math.isfinite(value) else units.fmt(value, unit)


def _findings(ev: dict[str, Any], rec: Findings) -> dict[str, Any]:
    counts = finding_counts(rec)
    by_sev = [(s, counts[f"findings.{s}"]) for s in SEVERITIES]
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    listed = sorted(
        (f for f in rec.findings if not f.suppressed),
        key=lambda f: (rank[f.severity], f.rule, f.location),
    )
    return {
        "check": ev["check"],
        "tool": rec.tool,
        "scanned": rec.scanned,
        "chart": svg.bar_chart(
            [svg.Bar(s, n, SEVERITY_COLORS[s]) for s, n in by_sev],
            title=f"{ev['check']}: findings by severity",
        ),
        "total": counts["findings.total"],
        "suppressed": counts["findings.suppressed"],
        "skipped": len(rec.skipped),
        "rows": listed[:MAX_FINDINGS],
        "more": max(len(listed) - MAX_FINDINGS, 0),
    }


def view(report: Report) -> dict[str, Any]:
    """Everything the template shows, shaped and ordered; no logic is left to the template."""
    data = jsonreport.to_data(report)
    fbc = findings_by_criterion(report)
    criteria = {c["criterion"]: _criterion(c, fbc) for c in data["criteria"]}
    statuses = [c["status"] for c in data["criteria"] if c["mode"] != "shadow"]
    tally = [(s, statuses.count(s)) for s in STATUS_ORDER if statuses.count(s)]
    tests, loads, scans = [], [], []
    for ev_data, ev in zip(data["evidence"], report.evidence.values(), strict=True):
        rec = ev.record
        if isinstance(rec, TestRun):
            tests.append(_tests(ev_data, rec))
        elif isinstance(rec, LoadStats):
            loads.append(_load(ev_data, rec, data["criteria"]))
        elif isinstance(rec, Findings):
            scans.append(_findings(ev_data, rec))
    evidence = [
        {
            **e,
            "status_class": {"ok": "pass", "missing": "missing", "stale": "error"}.get(
                e["status"], "error"
            ),
            "files": [{**f, "short": short_sha(f["sha256"])} for f in e["files"]],
        }
        for e in data["evidence"]
    ]
    keyed = tuple(f"{k}:" for k in criteria)
    v = report.verdict
    nxt = data["next_stage"]
    return {
        "release": {**data["release"], "description": report.release.description},
        "stage_title": stage_title(report.release.stage),
        "target_title": stage_title(report.release.target_stage),
        "verdict": data["verdict"],
        "verdict_class": VERDICT_CLASS[data["verdict"]],
        "headline": (
            f"{_count(len(v.blockers), 'blocker')}, {_count(len(v.conditions), 'condition')}, "
            f"{_count(sum(r.counts for r in v.results), 'criterion')} evaluated".replace(
                "criterions", "criteria"
            )
        ),
        "exit_code": data["exit_code"],
        "blockers": data["blockers"],
        "conditions": data["conditions"],
        "notes": data["notes"],
        "other_blockers": [b for b in data["blockers"] if not b.startswith(keyed)],
        "tally": tally,
        "gates": [
            {
                **g,
                "verdict_class": VERDICT_CLASS[g["verdict"]],
                "rows": [criteria[k] for k in g["criteria"]],
            }
            for g in data["gates"]
        ],
        "tests": tests,
        "loads": loads,
        "scans": scans,
        "signoffs": signoffs(report),
        "risks": risks(report),
        "next_stage": (
            {"title": stage_title(nxt["stage"]), "blockers": nxt["blockers"]} if nxt else None
        ),
        "evidence": evidence,
        "generated_at": data["generated_at"],
        "generator": data["generator"],
    }


def render(report: Report) -> str:
    """The HTML report as one self-contained document."""
    from markupsafe import Markup

    model = view(report)
    for section in ("loads", "scans"):
        for item in model[section]:
            if "charts" in item:
                item["charts"] = [Markup(c) for c in item["charts"]]  # noqa: S704 - svg.py escapes
            if "chart" in item:
                item["chart"] = Markup(item["chart"])  # noqa: S704 - svg.py escapes its labels
    return environment().get_template("report.html.j2").render(model)
