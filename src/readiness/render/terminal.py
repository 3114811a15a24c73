"""The terminal summary: the verdict, then every blocking line first, then the rest.

Criteria are listed by status, every failing one first whatever its mode (blocking before
advisory before shadow among equals), and each row names the evidence files it was measured on.
Returns a string with ANSI colours when asked; the CLI decides whether the terminal gets them.
Every string from evidence or a definition goes through `safe.terminal` (one line, controls
visibly escaped, no GitHub workflow command), and every output line through `safe.ci_line`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import click

from readiness.render import safe
from readiness.report import (
    STAGE_TITLES,
    STATUS_ORDER,
    CriterionResult,
    FindingRow,
    LoadStats,
    Report,
    RiskRow,
    SignOffRow,
    TestRun,
    Verdict,
)

_COLOURS = {
    "PASS": "green",
    "WARN": "yellow",
    "WAIVED": "cyan",
    "FAIL": "red",
    "INCONCLUSIVE": "magenta",
    "MISSING": "red",
    "ERROR": "red",
    "N/A": "bright_black",
}
_VERDICT_COLOURS = {Verdict.GO: "green", Verdict.CONDITIONAL_GO: "yellow", Verdict.NO_GO: "red"}
MAX_TESTS = 15
MAX_FAILURES = 5
MAX_FINDINGS = 10
MAX_EVIDENCE = 3
_ORDER: dict[str, int] = {str(k): v for k, v in STATUS_ORDER.items()}
_MODES = {"blocking": 0, "advisory": 1, "shadow": 2}
_t = safe.terminal


def _style(text: str, colour: str | None, *, bold: bool = False, color: bool) -> str:
    return click.style(text, fg=colour, bold=bold) if color else text


def _line(r: CriterionResult, *, color: bool) -> list[str]:
    status = _style(f"{r.status:<7}", _COLOURS[r.status], bold=True, color=color)
    mode = "" if r.mode == "blocking" else f" [{r.mode}]"
    head = f"  {status} {_t(r.key)}{mode}"
    if r.observed:
        head += f": {_t(r.observed)} (threshold {_t(r.threshold)}"
        head += f", warn {_t(r.warn)})" if r.warn else ")"
        if r.baseline is not None:
            head += f" [{_t(r.baseline.text)}]"
    elif r.threshold:
        head += f" (threshold {_t(r.threshold)})"
    out = [head]
    if r.message:
        out.append(f"          {_t(r.message)}")
    if r.waiver is not None:
        w = r.waiver
        out.append(
            f"          waiver {_t(w.state)}: {_t(w.approver)} ({_t(w.role)}) until "
            f"{_t(w.expires)}: {_t(w.reason)}"
        )
    for path, sha in r.evidence[:MAX_EVIDENCE]:
        out.append(f"          evidence {_t(path)} sha256:{_t(sha[:12]) if sha else '-'}")
    if len(r.evidence) > MAX_EVIDENCE:
        out.append(f"          ... and {len(r.evidence) - MAX_EVIDENCE} more evidence files")
    return out


def render(report: Report, *, color: bool = False) -> str:
    v, rel = report.verdict, report.release
    lines = [
        f"{_t(rel.name)} {_t(rel.version)} — stage {_t(STAGE_TITLES.get(v.stage, v.stage))}"
        f" ({_t(rel.definition_path)})",
    ]
    verdict = _style(v.verdict.value, _VERDICT_COLOURS[v.verdict], bold=True, color=color)
    lines.append(
        f"{verdict}: {len(v.blockers)} blocker(s), {len(v.conditions)} condition(s), "
        f"{sum(r.counts for r in v.results)} criteria evaluated"
    )
    ranked = sorted(v.results, key=lambda r: (_ORDER[r.status], _MODES.get(r.mode, 3)))
    if v.blockers:
        lines += ["", _style("Blocking:", "red", bold=True, color=color)]
        lines += [f"  - {_t(b)}" for b in v.blockers]
    if v.conditions:
        lines += ["", _style("Conditions:", "yellow", bold=True, color=color)]
        lines += [f"  - {_t(c)}" for c in v.conditions]
    lines.append("")
    lines.append("Criteria:")
    for r in ranked:
        lines.extend(_line(r, color=color))
    if v.notes:
        lines += ["", "Notes:"] + [f"  - {_t(n)}" for n in v.notes]
    lines += ["", "Gates:"]
    for g in v.gates:
        gv = _style(f"{g.verdict.value:<14}", _VERDICT_COLOURS[g.verdict], color=color)
        counts: dict[str, int] = {}
        for r in g.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        summary = ", ".join(
            f"{n} {s}" for s, n in sorted(counts.items(), key=lambda x: _ORDER[x[0]])
        )
        lines.append(f"  {_t(g.id):<16} {gv} {summary}")
    for ev in report.evidence.values():
        if isinstance(ev.record, TestRun) and ev.record.problems:
            rec = ev.record
            lines += ["", f"Failing or flaky tests in {_t(ev.check)} ({len(rec.problems)}):"]
            for case in rec.problems[:MAX_TESTS]:
                tag = "flaky" if case.flaky and case.outcome == "passed" else case.outcome
                msg = f": {_t(case.message, 120)}" if case.message else ""
                lines.append(f"  {tag:<7} {_t(case.id)}{msg}")
            if len(rec.problems) > MAX_TESTS:
                lines.append(
                    f"  ... and {len(rec.problems) - MAX_TESTS} more (see the JSON report)"
                )
        if isinstance(ev.record, LoadStats) and ev.record.failures:
            fails = sorted(ev.record.failures, key=lambda f: -f[2])
            lines += ["", f"Load-test failures in {_t(ev.check)} (most frequent first):"]
            for name, error, count in fails[:MAX_FAILURES]:
                lines.append(f"  {count:>7} x {_t(name)}: {_t(error, 120)}")
            if len(fails) > MAX_FAILURES:
                lines.append(f"  ... and {len(fails) - MAX_FAILURES} more kinds")
    lines += _findings(report.findings)
    for ev in report.evidence.values():
        for w in ev.warnings:
            lines.append(f"warning: {_t(ev.check)}: {_t(w)}")
    if v.next_stage:
        title = STAGE_TITLES.get(v.next_stage, v.next_stage)
        lines += ["", f"To reach {_t(title)}:"]
        if v.next_stage_blockers:
            lines += [f"  - {_t(b)}" for b in v.next_stage_blockers]
        else:
            lines.append("  every criterion that passes now also meets its thresholds there")
    lines += _signoffs(report.signoffs, color=color)
    lines += _risks(report.risks, color=color)
    return "".join(safe.ci_line(line) + "\n" for line in lines)


def _findings(by_criterion: Mapping[str, Sequence[FindingRow]]) -> list[str]:
    """The findings behind each criterion that did not plainly pass (waived ones marked)."""
    out: list[str] = []
    for key, rows in by_criterion.items():
        if not rows:
            continue
        out += ["", f"Findings behind {_t(key)} ({len(rows)}):"]
        for f in rows[:MAX_FINDINGS]:
            where = f.location or f.package
            w = f.waived_by
            waived = f"  [waived by {_t(w.approver)} until {_t(w.expires)}]" if w else ""
            out.append(
                f"  {_t(f.severity):<8} {_t(f.rule):<14} {_t(where)}  {_t(f.title, 80)}{waived}"
            )
        if len(rows) > MAX_FINDINGS:
            out.append(f"  ... and {len(rows) - MAX_FINDINGS} more (see the HTML or JSON report)")
    return out


_SIGNOFF_COLOURS = {"approved": "green", "conditional": "yellow", "stale": "yellow"}


def _signoffs(rows: Sequence[SignOffRow], *, color: bool) -> list[str]:
    if not rows:
        return []
    out = ["", "Sign-offs:"]
    for r in rows:
        status = _style(f"{r.status:<13}", _SIGNOFF_COLOURS.get(r.status, "red"), color=color)
        who = f"{_t(r.name)}, {_t((r.date or '')[:10])}, version {_t(r.version)}" if r.name else "-"
        req = "" if r.required else " (not required)"
        req += " (stale: signed before the evidence)" if r.stale else ""
        comment = f": {_t(r.comment)}" if r.comment else ""
        out.append(f"  {status} {_t(r.role):<14} {who}{req}{comment}")
    return out


_RISK_COLOURS = {"verified": "green", "accepted": "cyan"}


def _risks(rows: Sequence[RiskRow], *, color: bool) -> list[str]:
    if not rows:
        return []
    out = ["", "Risks:"]
    for r in rows:
        status = _style(f"{r.status:<18}", _RISK_COLOURS.get(r.status, "red"), color=color)
        out.append(f"  {status} {_t(r.id)} [{_t(r.impact)}/{_t(r.likelihood)}] {_t(r.title)}")
        out.append(f"      response: {_t(r.response)}")
        for v in r.verified_by:
            out.append(f"      verified by {_t(v.criterion)}: {_t(v.status)}")
        if r.accepted is not None:
            a = r.accepted
            out.append(f"      accepted by {_t(a.approver)} ({_t(a.role)}) until {_t(a.expires)}")
    return out
