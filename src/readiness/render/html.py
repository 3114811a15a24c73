"""The self-contained HTML report: one file, inline CSS, SVG and one small script, no network.

Written for a release manager first: a banner that says the verdict in words, then what blocks
the release as short items (what, where it stands against its threshold, who acts, what to
do), the engineering detail a click away (`<details>`), failing gates and criteria first,
charts that draw the thresholds of this stage and the next. Tables of criteria, endpoints,
failing tests and findings sort and filter with a small inline script whose hash the page's
Content-Security-Policy names (nothing else may run); without it they are plain tables.

The page's view is shaped here, in Python, from the view model (`view.to_data(report)`, the
items of `view.items` and the typed report): the Jinja templates under `templates/` only loop
and print. Jinja autoescapes everything (test names, messages and findings are untrusted) after
`safe.visible` has written control, bidi and separator characters as visible escapes (the
`finalize` of the environment), and fails on any undefined name; the only markup inserted
unescaped is the SVG built by `readiness.render.svg` (which escapes its own labels), the
constant script, and `breakable` text (escaped, then `<wbr>` added).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import re
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

from readiness import report as rpt
from readiness import units
from readiness.errors import DefinitionError
from readiness.render import changes, safe, svg, view
from readiness.report import (
    SEVERITIES,
    CriterionResult,
    FindingRow,
    Findings,
    LoadStats,
    Series,
    TestRun,
)

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

    from readiness.report import Report

MAX_TESTS = 50
MAX_FINDINGS = 100
MAX_FAILURES = 20
MAX_EVIDENCE = 6  # files per criterion's details; the Evidence section lists them all
MAX_LOCATIONS = 5  # locations per group of identical findings
STATUS_ORDER = tuple(sorted(rpt.STATUS_ORDER, key=rpt.STATUS_ORDER.__getitem__))
VERDICT_CLASS = {"GO": "go", "CONDITIONAL GO": "cond", "NO-GO": "nogo"}
VERDICT_RANK = {"NO-GO": 0, "CONDITIONAL GO": 1, "GO": 2}
SEVERITY_COLORS = {
    "critical": "#7B001C",
    "high": "#C62828",
    "medium": "#E69F00",
    "low": "#0072B2",
    "info": "#8A8A8A",
}
_BREAK_AFTER = re.compile(r"(::|[/._\]\[(,=-])")
BREAK_ABOVE = 24  # only tokens longer than this get break opportunities


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

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("readiness.render", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["op"] = pretty
    env.filters["brk"] = breakable
    env.filters["date"] = view.human_date
    env.filters["day"] = view.human_day
    return env


@functools.cache
def script() -> str:
    """The page's one script (sorting and filtering tables), as shipped."""
    source = resources.files("readiness.render").joinpath("templates", "report.js")
    return source.read_text(encoding="utf-8")


def script_hash() -> str:
    """The CSP source that allows exactly `script()`: `'sha256-<base64>'`."""
    digest = hashlib.sha256(script().encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


pretty = view.pretty


def breakable(text: object) -> Markup:
    """Escaped text where a long token (an id, a path, a metric) may wrap after a separator
    (`.`, `/`, `::`, ...), never mid-word; short tokens (`compliance`, `2026.12.0`) never wrap."""
    from markupsafe import Markup, escape

    shown = safe.visible("" if text is None else str(text))
    parts = []
    for token in re.split(r"(\s+)", shown):
        if len(token) > BREAK_ABOVE:
            pieces = _BREAK_AFTER.split(token)
            parts.append(
                Markup("<wbr>").join(
                    escape("".join(pieces[i : i + 2])) for i in range(0, len(pieces), 2)
                )
            )
        else:
            parts.append(escape(token))
    return Markup("").join(parts)


def short_sha(sha: str | None) -> str:
    """The first 12 hex digits of a sha256, or a dash."""
    return sha[:12] if sha else "-"


stage_title = view.stage_title


def _count(n: int, noun: str, plural: str = "") -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


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


def _sort_number(value: object) -> str:
    """A `data-sort` value for a number cell: the number, or empty (sorts last)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return repr(float(value))
    return ""


def _item(i: view.Item) -> dict[str, Any]:
    return {
        "title": i.title,
        "state": i.state,
        "value": pretty(i.value),
        "owner": i.owner,
        "action": pretty(i.action),
        "detail": i.detail,
        "status_class": (i.status or i.kind).lower().replace("/", ""),
        "badge": i.status or i.kind.replace("signoff", "sign-off"),
        "evidence": [{"path": p, "sha256": h, "short": short_sha(h)} for p, h in i.evidence],
    }


def _criterion(
    c: dict[str, Any],
    findings: dict[str, tuple[FindingRow, ...]],
    gate_rank: dict[str, int],
    gate_titles: dict[str, str],
) -> dict[str, Any]:
    nxt = c["next_stage"]
    rows = findings.get(c["criterion"], ())
    groups = view.group_findings(rows, [view.finding_waiver(f) for f in rows])
    return {
        **c,
        "status_class": c["status"].lower().replace("/", ""),
        "status_rank": rpt.STATUS_ORDER.get(c["status"], len(STATUS_ORDER)),
        "gate_rank": gate_rank.get(c["gate"], len(gate_rank)),
        "gate_title": gate_titles.get(c["gate"], c["gate"]),
        "value_sort": _sort_number(c["value"]),
        "evidence": [
            {"path": e["path"], "short": short_sha(e["sha256"]), "sha256": e["sha256"] or ""}
            for e in c["evidence"][:MAX_EVIDENCE]
        ],
        "evidence_more": max(len(c["evidence"]) - MAX_EVIDENCE, 0),
        "check": c["metric"].split(".", 1)[0],
        "next": (
            {
                "title": stage_title(nxt["stage"]),
                "threshold": nxt["threshold"],
                "status": nxt["status"],
                "status_class": nxt["status"].lower().replace("/", ""),
                "gap": nxt["gap"],
            }
            if nxt
            else None
        ),
        "findings": groups[:MAX_FAILURES],
        "findings_more": sum(g["count"] for g in groups[MAX_FAILURES:]),
        "open": c["status"] not in ("PASS", "N/A"),
    }


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
        "more": view.problem_count(rec) - len(rows),
    }


# What each chart of a load test plots: its series, unit, and the criteria it draws.
_LATENCY_LABELS = {"p50": "median", "p95": "95th percentile", "p99": "99th percentile"}


def _references(
    check: str, results: Sequence[CriterionResult], unit: str, accept: Sequence[str]
) -> list[svg.Reference]:
    """The thresholds, at this stage and the next, of the criteria on `check` whose unit is in
    `accept`, converted to `unit`; one line per distinct value and stage, labelled with every
    criterion it stands for."""
    found: dict[tuple[float, bool], list[tuple[str, str]]] = {}
    for r in results:
        if r.metric.split(".", 1)[0] != check or r.mode == "shadow" or r.unit not in accept:
            continue
        wanted: list[tuple[float, str, str, bool]] = []
        if r.pass_threshold is not None and not r.pass_threshold.relative:
            t = r.pass_threshold
            wanted.append((t.value, t.unit, r.threshold, False))
        limit = view.parse_limit(r.next.threshold) if r.next is not None else None
        if limit is not None and r.next is not None and r.next.threshold != r.threshold:
            wanted.append((limit.value, limit.unit, r.next.threshold, True))
        for value, from_unit, text, nxt in wanted:
            try:
                v = units.convert(value, from_unit, unit)
            except DefinitionError:
                continue
            found.setdefault((round(v, 9), nxt), []).append((r.title or r.id, pretty(text)))
    refs = []
    for (value, nxt), labels in sorted(found.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        short = labels[0][1]
        refs.append(
            svg.Reference(value, "; ".join(f"{t} {x}" for t, x in labels), next=nxt, short=short)
        )
    return refs


def _caption(refs: Sequence[svg.Reference], next_title: str) -> list[tuple[str, str]]:
    """What the threshold lines of a chart stand for, in words: (style, text) per line."""
    return [
        ("next" if r.next else "now", r.label + (f" (at {next_title})" if r.next else ""))
        for r in refs
    ]


def _short(title: str, limit: int = 34) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def _series(rec: LoadStats) -> dict[str, Series]:
    return {s.name: s for s in rec.series}


def _ramp_up(rec: LoadStats) -> tuple[float, float] | None:
    """The ramp-up: from the first point until the users first reach their peak."""
    users = _series(rec).get("users")
    pts = [
        (x, y) for x, y in (users.points if users else ()) if math.isfinite(x) and math.isfinite(y)
    ]
    if not pts:
        return None
    peak = max(y for _, y in pts)
    reached = next(x for x, y in pts if y >= peak)
    return (pts[0][0], reached) if reached > pts[0][0] else None


def _failure_ratio(rec: LoadStats) -> list[tuple[float, float]]:
    """Failed requests as a percentage of requests, per history row (rows without requests
    are left out, not drawn as 0)."""
    by = _series(rec)
    fails, rps = by.get("failures_per_s"), by.get("rps")
    if fails is None or rps is None:
        return []
    rate = dict(rps.points)
    return [(x, 100.0 * f / rate[x]) for x, f in fails.points if rate.get(x)]


def _load(
    ev: dict[str, Any], rec: LoadStats, results: Sequence[CriterionResult], next_title: str
) -> dict[str, Any]:
    check = ev["check"]
    by = _series(rec)
    latency = []
    for name, label in _LATENCY_LABELS.items():
        s = by.get(f"hdr_{name}") or by.get(name)  # exact (HDR) percentiles when the run has them
        if s is not None:
            latency.append(svg.Line(f"{label} (ms)", s.points))
    plots: list[tuple[str, str, list[svg.Line], Sequence[str]]] = [
        ("Response time", "milliseconds", latency, ("ms", "us", "s")),
    ]
    if "rps" in by:
        plots.append(
            (
                "Throughput",
                "requests per second",
                [svg.Line("requests per second", by["rps"].points)],
                ("/s",),
            )
        )
    ratio = _failure_ratio(rec)
    if ratio:
        plots.append(
            (
                "Failed requests",
                "% of requests",
                [svg.Line("failed (% of requests)", ratio)],
                ("%",),
            )
        )
    xs = [x for s in rec.series for x, _ in s.points if math.isfinite(x)]
    span = (min(xs), max(xs)) if xs else None  # one time axis for every chart of the run
    ramp = _ramp_up(rec)
    peak = "" if rec.peak_users is None else f" to {rec.peak_users} users"
    charts = []
    for title, unit, lines, accept in plots:
        if not lines:
            continue
        chart_unit = "%" if unit.startswith("%") else "ms" if unit == "milliseconds" else "/s"
        refs = _references(check, results, chart_unit, accept)
        chart = svg.line_chart(
            lines,
            title=title,
            unit=unit,
            references=refs,
            x_range=span,
            shade=ramp,
            shade_label=f"ramp-up{peak}",
        )
        charts.append({"svg": chart, "caption": _caption(refs, next_title)})
    data = ev["record"]
    pcts = sorted({k for e in data["endpoints"] for k in e["percentiles_ms"]}, key=float)
    endpoints = [
        {
            **e,
            "failure_ratio": f"{100 * e['failures'] / e['requests']:.2f}%"
            if e["requests"]
            else "-",
            "ratio_sort": _sort_number(e["failures"] / e["requests"] if e["requests"] else None),
            "pcts": [
                (fmt_number(e["percentiles_ms"].get(k)), _sort_number(e["percentiles_ms"].get(k)))
                for k in pcts
            ],
            "cells": {
                k: (fmt_number(e[k]), _sort_number(e[k]))
                for k in ("requests", "failures", "rps", "max_ms")
            },
            "aggregate": e is data["endpoints"][-1],
        }
        for e in data["endpoints"]
    ]
    return {
        "check": check,
        "summary": [
            ("duration", units.fmt(rec.duration_s, "s")),
            ("peak users", "-" if rec.peak_users is None else str(rec.peak_users)),
            ("requests", f"{rec.aggregate.requests:,}"),
            ("failures", f"{rec.aggregate.failures:,}"),
            ("throughput", units.fmt(rec.aggregate.rps, "/s")),
            ("sustained p99", _opt(rec.sustained_p99_ms, "ms")),
            ("slowest 10 s rate", _opt(rec.sustained_min_rps, "/s")),
        ],
        "charts": charts,
        "percentiles": [f"p{k}" for k in pcts],
        "endpoints": endpoints,
        "failures": data["failures"][:MAX_FAILURES],
        "failures_more": max(len(rec.failures) - MAX_FAILURES, 0),
    }


def _opt(value: float | None, unit: str) -> str:
    return "-" if value is None or not math.isfinite(value) else units.fmt(value, unit)


def _budgets(
    check: str, severity: str, results: Sequence[CriterionResult]
) -> tuple[svg.Reference, ...]:
    """The thresholds of the criteria on `check`'s count of `severity` findings: its budget."""
    metric = f"{check}.findings.{severity}"
    out: list[svg.Reference] = []
    for r in results:
        if (r.matched or r.metric) != metric or r.mode == "shadow":
            continue
        if r.pass_threshold is not None and not r.pass_threshold.relative:
            out.append(svg.Reference(r.pass_threshold.value, f"budget {pretty(r.threshold)}"))
        limit = view.parse_limit(r.next.threshold) if r.next is not None else None
        if (
            limit is not None
            and r.next is not None
            and not any(o.value == limit.value for o in out)
        ):
            out.append(
                svg.Reference(
                    limit.value,
                    f"{pretty(r.next.threshold)} at {stage_title(r.next.stage)}",
                    next=True,
                )
            )
    return tuple(out)


def _findings(
    ev: dict[str, Any], rec: Findings, counts: dict[str, int], results: Sequence[CriterionResult]
) -> dict[str, Any]:
    by_sev = [(s, counts[f"findings.{s}"]) for s in SEVERITIES]
    groups = view.group_findings([f for f in rec.findings if not f.suppressed])
    return {
        "check": ev["check"],
        "tool": rec.tool,
        "scanned": rec.scanned,
        "chart": svg.bar_chart(
            [
                svg.Bar(s, n, SEVERITY_COLORS[s], _budgets(ev["check"], s, results))
                for s, n in by_sev
            ],
            title=f"{ev['check']}: findings by severity",
        ),
        "total": counts["findings.total"],
        "suppressed": counts["findings.suppressed"],
        "skipped": len(rec.skipped),
        "rows": [
            {**g, "shown": g["locations"][:MAX_LOCATIONS], "hidden": g["locations"][MAX_LOCATIONS:]}
            for g in groups[:MAX_FINDINGS]
        ],
        "more": sum(g["count"] for g in groups[MAX_FINDINGS:]),
    }


# Dots of a trend line, by status: met green, warned amber, waived blue, failed red.
_DOT_COLORS = {"PASS": "#1B7F3B", "WARN": "#E69F00", "WAIVED": "#0A6C9E", "N/A": "#8A8A8A"}


_MARK_RANK = {m: i for i, m in enumerate(rpt.MARKS)}


def _spark(report: Report, r: CriterionResult) -> str:
    """The criterion's trend line as inline SVG; empty when there is none to draw."""
    t = changes.trend(report, r)
    if t is None:
        return ""
    dots = [
        svg.Dot(d.value, _DOT_COLORS.get(d.status, svg.CURRENT_COLOR), d.tip, d.now) for d in t.dots
    ]
    return svg.sparkline(
        dots,
        title=f"{r.title or r.key}: {t.earlier} earlier evaluation(s) and now, in {t.unit}",
        threshold=t.threshold,
        threshold_label=f"threshold now {pretty(r.threshold)}",
    )


def _since(report: Report) -> dict[str, Any] | None:
    """What changed since the baseline, for the top of the page."""
    s = changes.since(report)
    if s is None:
        return None

    def rows(moved: Sequence[changes.Change]) -> list[dict[str, str]]:
        return [
            {"title": c.title, "then": c.then or "-", "now": c.now, "delta": c.delta} for c in moved
        ]

    return {
        "what": s.what,
        "version": s.version,
        "evaluation": s.evaluation,
        "generated_at": s.generated_at,
        "then": s.verdict_then or "-",
        "now": s.verdict_now,
        "then_class": VERDICT_CLASS.get(s.verdict_then, ""),
        "now_class": VERDICT_CLASS.get(s.verdict_now, ""),
        "regressed": rows(s.regressed),
        "fixed": rows(s.fixed),
        "new": rows(s.new),
        "unchanged": s.unchanged,
    }


def _history(report: Report, criteria: list[dict[str, Any]]) -> bool:
    """Give each criterion its mark, delta and trend line; whether the report has history
    (reports without a store consulted are left exactly as they were)."""
    results = {r.key: r for r in report.verdict.results}
    history = report.baseline is not None and report.baseline.id is not None
    history = history or bool(report.trends)
    for c in criteria:
        base = c.get("baseline")
        c["mark"] = c.get("mark", "")
        c["mark_rank"] = _MARK_RANK.get(c["mark"], len(_MARK_RANK))  # sorting: regressed first
        c["delta"] = base["text"] if base else ""
        c["spark"] = _spark(report, results[c["criterion"]]) if history else ""
    return history


def _headline(report: Report) -> str:
    """The verdict in words, for people who will not read further."""
    v = report.verdict
    stage = stage_title(report.release.stage)
    if v.verdict is rpt.Verdict.GO:
        return f"Ready for {stage}: every criterion that counts passed."
    if v.verdict is rpt.Verdict.CONDITIONAL_GO:
        return f"Ready for {stage}, on {_count(len(v.conditions), 'condition')} listed below."
    return f"Not ready for {stage}: {_count(len(v.blockers), 'blocker')} to clear first."


def page(report: Report) -> dict[str, Any]:
    """Everything the template shows, shaped and ordered; no logic is left to the template."""
    data = view.to_data(report)
    v = report.verdict
    gate_order = sorted(
        range(len(data["gates"])), key=lambda i: (VERDICT_RANK[data["gates"][i]["verdict"]], i)
    )
    gate_rank = {data["gates"][i]["id"]: n for n, i in enumerate(gate_order)}
    gate_titles = {g["id"]: g["title"] for g in data["gates"]}
    criteria = sorted(
        (_criterion(c, report.findings, gate_rank, gate_titles) for c in data["criteria"]),
        key=lambda c: (c["status_rank"], c["gate_rank"]),
    )
    history = _history(report, criteria)
    statuses = [c["status"] for c in data["criteria"] if c["mode"] != "shadow"]
    tally = [(s, statuses.count(s)) for s in STATUS_ORDER if statuses.count(s)]
    tests, loads, scans = [], [], []
    for ev_data, ev in zip(data["evidence"], report.evidence.values(), strict=True):
        rec = ev.record
        if isinstance(rec, TestRun):
            tests.append(_tests(ev_data, rec))
        elif isinstance(rec, LoadStats):
            loads.append(_load(ev_data, rec, v.results, stage_title(v.next_stage)))
        elif isinstance(rec, Findings):
            scans.append(_findings(ev_data, rec, report.finding_counts[ev.check], v.results))
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
    gates = []
    for i in gate_order:
        g = data["gates"][i]
        counts = [
            (s, n)
            for s in STATUS_ORDER
            if (n := sum(1 for c in criteria if c["gate"] == g["id"] and c["status"] == s))
        ]
        gates.append({**g, "verdict_class": VERDICT_CLASS[g["verdict"]], "counts": counts})
    nxt = data["next_stage"]
    return {
        "release": {**data["release"], "description": report.release.description},
        "stage_title": stage_title(report.release.stage),
        "target_title": stage_title(report.release.target_stage),
        "verdict": data["verdict"],
        "verdict_class": VERDICT_CLASS[data["verdict"]],
        "headline": _headline(report),
        "evaluated": _count(sum(r.counts for r in v.results), "criterion", "criteria"),
        "blockers": [_item(i) for i in view.items(report, v.blockers)],
        "conditions": [_item(i) for i in view.items(report, v.conditions)],
        "notes": data["notes"],
        "tally": tally,
        "gates": gates,
        "criteria": criteria,
        "tests": tests,
        "loads": loads,
        "scans": scans,
        "signoffs": view.signoffs(report),
        "risks": view.risks(report),
        "next_stage": (
            {
                "title": stage_title(nxt["stage"]),
                "items": [_item(i) for i in view.next_items(report)],
            }
            if nxt
            else None
        ),
        "evidence": evidence,
        "files": sum(len(e["files"]) for e in evidence),
        "generated_at": data["generated_at"],
        "generator": data["generator"],
        "history": history,
        "since": _since(report),
    }


def render(report: Report) -> str:
    """The HTML report as one self-contained document."""
    from markupsafe import Markup

    model = page(report)
    for section in ("loads", "scans"):
        for item in model[section]:
            for chart in item.get("charts", ()):
                chart["svg"] = Markup(chart["svg"])  # noqa: S704 - svg.py escapes its labels
            if "chart" in item:
                item["chart"] = Markup(item["chart"])  # noqa: S704 - svg.py escapes its labels
    for c in model["criteria"]:
        c["spark"] = Markup(c["spark"])  # noqa: S704 - svg.py escapes its labels
    model["script"] = Markup(script())  # noqa: S704 - a constant file of the package
    model["script_hash"] = Markup(script_hash())  # noqa: S704 - quotes and base64 only
    return environment().get_template("report.html.j2").render(model)
