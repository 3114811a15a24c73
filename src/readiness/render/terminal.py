"""The terminal summary: the verdict, then every blocking line first, then the rest.

Returns a string with ANSI colours when asked; the CLI decides whether the terminal gets them.
"""

from __future__ import annotations

import click

from readiness.criteria import STAGE_TITLES
from readiness.evaluation import CriterionResult
from readiness.evidence.records import LoadStats, TestRun
from readiness.render.model import Report
from readiness.verdict import Verdict

_COLOURS = {
    "PASS": "green",
    "WARN": "yellow",
    "WAIVED": "cyan",
    "FAIL": "red",
    "MISSING": "red",
    "ERROR": "red",
    "N/A": "bright_black",
}
_VERDICT_COLOURS = {Verdict.GO: "green", Verdict.CONDITIONAL_GO: "yellow", Verdict.NO_GO: "red"}
MAX_TESTS = 15
MAX_FAILURES = 5
MAX_FINDINGS = 10


def _style(text: str, colour: str | None, *, bold: bool = False, color: bool) -> str:
    return click.style(text, fg=colour, bold=bold) if color else text


def _line(r: CriterionResult, *, color: bool) -> list[str]:
    status = _style(f"{r.status:<7}", _COLOURS[r.status], bold=True, color=color)
    mode = "" if r.mode == "blocking" else f" [{r.mode}]"
    head = f"  {status} {r.key}{mode}"
    if r.observed:
        head += f": {r.observed} (threshold {r.threshold}"
        head += f", warn {r.warn})" if r.warn else ")"
    elif r.threshold:
        head += f" (threshold {r.threshold})"
    out = [head]
    if r.message:
        out.append(f"          {r.message}")
    if r.waiver is not None:
        w = r.waiver
        out.append(
            f"          waiver {w.state}: {w.approver} ({w.role}) until {w.expires}: {w.reason}"
        )
    if r.evidence and r.status not in ("PASS", "N/A"):
        for path, sha in r.evidence[:3]:
            out.append(f"          evidence {path} sha256:{sha[:12] if sha else '-'}")
    return out


def render(report: Report, *, color: bool = False) -> str:
    v, rel = report.verdict, report.release
    lines = [
        f"{rel.name} {rel.version} — stage {STAGE_TITLES.get(v.stage, v.stage)}"
        f" ({rel.definition_path})",
    ]
    verdict = _style(v.verdict.value, _VERDICT_COLOURS[v.verdict], bold=True, color=color)
    lines.append(
        f"{verdict}: {len(v.blockers)} blocker(s), {len(v.conditions)} condition(s), "
        f"{sum(r.counts for r in v.results)} criteria evaluated"
    )
    order = {"ERROR": 0, "MISSING": 1, "FAIL": 2, "WARN": 3, "WAIVED": 4, "PASS": 5, "N/A": 6}
    ranked = sorted(
        v.results,
        key=lambda r: (r.mode != "blocking" and r.status in order, order[r.status]),
    )
    if v.blockers:
        lines += ["", _style("Blocking:", "red", bold=True, color=color)]
        lines += [f"  - {b}" for b in v.blockers]
    if v.conditions:
        lines += ["", _style("Conditions:", "yellow", bold=True, color=color)]
        lines += [f"  - {c}" for c in v.conditions]
    lines.append("")
    lines.append("Criteria:")
    for r in ranked:
        lines.extend(_line(r, color=color))
    if v.notes:
        lines += ["", "Notes:"] + [f"  - {n}" for n in v.notes]
    lines += ["", "Gates:"]
    for g in v.gates:
        gv = _style(f"{g.verdict.value:<14}", _VERDICT_COLOURS[g.verdict], color=color)
        counts: dict[str, int] = {}
        for r in g.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        summary = ", ".join(
            f"{n} {s}" for s, n in sorted(counts.items(), key=lambda x: order[x[0]])
        )
        lines.append(f"  {g.id:<16} {gv} {summary}")
    for ev in report.evidence.values():
        if isinstance(ev.record, TestRun) and ev.record.problems:
            rec = ev.record
            lines += ["", f"Failing or flaky tests in {ev.check} ({len(rec.problems)}):"]
            for case in rec.problems[:MAX_TESTS]:
                tag = "flaky" if case.flaky and case.outcome == "passed" else case.outcome
                msg = f": {case.message[:120]}" if case.message else ""
                lines.append(f"  {tag:<7} {case.id}{msg}")
            if len(rec.problems) > MAX_TESTS:
                lines.append(
                    f"  ... and {len(rec.problems) - MAX_TESTS} more (see the JSON report)"
                )
        if isinstance(ev.record, LoadStats) and ev.record.failures:
            fails = sorted(ev.record.failures, key=lambda f: -f[2])
            lines += ["", f"Load-test failures in {ev.check} (most frequent first):"]
            for name, error, count in fails[:MAX_FAILURES]:
                lines.append(f"  {count:>7} x {name}: {error[:120]}")
            if len(fails) > MAX_FAILURES:
                lines.append(f"  ... and {len(fails) - MAX_FAILURES} more kinds")
    lines += _findings(report.extra.get("findings_by_criterion"))
    for ev in report.evidence.values():
        for w in ev.warnings:
            lines.append(f"warning: {ev.check}: {w}")
    if v.next_stage:
        title = STAGE_TITLES.get(v.next_stage, v.next_stage)
        lines += ["", f"To reach {title}:"]
        if v.next_stage_blockers:
            lines += [f"  - {b}" for b in v.next_stage_blockers]
        else:
            lines.append("  every criterion that passes now also meets its thresholds there")
    lines += _signoffs(report.extra.get("signoffs"), color=color)
    lines += _risks(report.extra.get("risks"), color=color)
    return "\n".join(lines) + "\n"


def _findings(by_criterion: object) -> list[str]:
    """The findings behind each criterion that did not plainly pass (waived ones marked)."""
    if not isinstance(by_criterion, dict):
        return []
    out: list[str] = []
    for key, rows in by_criterion.items():
        if not rows:
            continue
        out += ["", f"Findings behind {key} ({len(rows)}):"]
        for f in rows[:MAX_FINDINGS]:
            where = f["location"] or f["package"]
            w = f.get("waived_by")
            waived = f"  [waived by {w['approver']} until {w['expires']}]" if w else ""
            out.append(f"  {f['severity']:<8} {f['rule']:<14} {where}  {f['title'][:80]}{waived}")
        if len(rows) > MAX_FINDINGS:
            out.append(f"  ... and {len(rows) - MAX_FINDINGS} more (see the HTML or JSON report)")
    return out


_SIGNOFF_COLOURS = {"approved": "green", "conditional": "yellow", "stale": "yellow"}


def _signoffs(rows: object, *, color: bool) -> list[str]:
    if not isinstance(rows, list) or not rows:
        return []
    out = ["", "Sign-offs:"]
    for r in rows:
        status = _style(f"{r['status']:<13}", _SIGNOFF_COLOURS.get(r["status"], "red"), color=color)
        who = f"{r['name']}, {r['date'][:10]}, version {r['version']}" if r["name"] else "-"
        req = "" if r["required"] else " (not required)"
        req += " (stale: signed before the evidence)" if r.get("stale") else ""
        comment = f": {r['comment']}" if r.get("comment") else ""
        out.append(f"  {status} {r['role']:<14} {who}{req}{comment}")
    return out


_RISK_COLOURS = {"verified": "green", "accepted": "cyan"}


def _risks(rows: object, *, color: bool) -> list[str]:
    if not isinstance(rows, list) or not rows:
        return []
    out = ["", "Risks:"]
    for r in rows:
        status = _style(f"{r['status']:<18}", _RISK_COLOURS.get(r["status"], "red"), color=color)
        out.append(f"  {status} {r['id']} [{r['impact']}/{r['likelihood']}] {r['title']}")
        out.append(f"      response: {r['response']}")
        for v in r["verified_by"]:
            out.append(f"      verified by {v['criterion']}: {v['status']}")
        if r["accepted"]:
            a = r["accepted"]
            out.append(f"      accepted by {a['approver']} ({a['role']}) until {a['expires']}")
    return out
