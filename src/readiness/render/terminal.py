"""The terminal summary: the verdict first and last, what blocks it, then the rest.

Written for a CI log as much as a terminal: the first line says the verdict, and so does the
last one (`final_line`), so it does not scroll away. Every line fits `WIDTH` (100) columns: a
long one is wrapped under its own indentation, never cut and never dropped; a list that is
capped says how many it left out ("+N more"). Criteria are listed by status, every failing one
first whatever its mode (blocking before advisory before shadow among equals), and each names
the evidence it was measured on (one file by name and sha256, several by count with the files
in the Evidence section). Evidence warnings have their own section.

Returns a string with ANSI colours when asked; the CLI decides whether the terminal gets them.
Every string from evidence or a definition goes through `safe.terminal` (one line, controls
visibly escaped, no GitHub workflow command), and every output line through `safe.ci_line`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import click

from readiness.render import safe
from readiness.report import (
    STAGE_TITLES,
    STATUS_ORDER,
    CriterionResult,
    Evidence,
    FindingRow,
    GateVerdict,
    LoadStats,
    Reason,
    Report,
    RiskRow,
    SignOffRow,
    TestRun,
    Verdict,
)

WIDTH = 100
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
_ORDER: dict[str, int] = {str(k): v for k, v in STATUS_ORDER.items()}
_MODES = {"blocking": 0, "advisory": 1, "shadow": 2}
_t = safe.terminal


@dataclass(frozen=True)
class _Line:
    """One logical line: `text` wrapped to WIDTH under `indent` more spaces; its first
    `styled` characters coloured `colour` (bold if `bold`) when colour is on."""

    text: str
    indent: int = 0
    styled: int = 0
    colour: str | None = None
    bold: bool = False


def _fit(line: _Line, *, color: bool) -> list[str]:
    """The physical lines of `line`: wrapped at word boundaries to WIDTH columns (a word
    longer than a line is split), continuation lines indented; nothing is ever cut off."""
    lead = len(line.text) - len(line.text.lstrip(" "))
    rows = textwrap.wrap(
        line.text,
        width=WIDTH,
        subsequent_indent=" " * (lead + line.indent),
        break_on_hyphens=False,
        drop_whitespace=True,
    ) or [""]
    if lead and rows[0] and not rows[0].startswith(" "):
        rows[0] = " " * lead + rows[0]  # textwrap keeps the first line's indentation as given
    if color and line.styled:
        head = rows[0][: line.styled]
        rows[0] = click.style(head, fg=line.colour, bold=line.bold) + rows[0][line.styled :]
    return [safe.ci_line(r) for r in rows]


def _status(r: CriterionResult) -> _Line:
    mode = "" if r.mode == "blocking" else f" [{r.mode}]"
    text = f"  {r.status:<7} {_t(r.key)}{mode}"
    if r.observed:
        text += f": {_t(r.observed)} (threshold {_t(r.threshold)}"
        text += f", warn {_t(r.warn)})" if r.warn else ")"
        if r.baseline is not None:
            text += f" [{_t(r.baseline.text)}]"
    elif r.threshold:
        text += f" (threshold {_t(r.threshold)})"
    return _Line(text, indent=8, styled=2 + len(r.status), colour=_COLOURS.get(r.status), bold=True)


def _criterion(r: CriterionResult, evidence: Mapping[str, Evidence]) -> list[_Line]:
    out = [_status(r)]
    if r.message:
        out.append(_Line(f"          {_t(r.message)}", indent=2))
    if r.waiver is not None:
        w = r.waiver
        out.append(
            _Line(
                f"          waiver {_t(w.state)}: {_t(w.approver)} ({_t(w.role)}) until "
                f"{_t(w.expires)}: {_t(w.reason)}",
                indent=2,
            )
        )
    if len(r.evidence) == 1:
        path, sha = r.evidence[0]
        out.append(_Line(f"          evidence {_t(path)} sha256:{_t(sha[:12]) if sha else '-'}"))
    elif r.evidence:
        check = r.metric.split(".", 1)[0]
        whose = f" of check {_t(check)}" if check in evidence else ""
        out.append(
            _Line(f"          evidence: {len(r.evidence)} files{whose} (listed under Evidence)")
        )
    return out


def _headline(report: Report) -> str:
    v = report.verdict
    stage = _t(STAGE_TITLES.get(v.stage, v.stage))
    rel = f"{_t(report.release.name)} {_t(report.release.version)}"
    if v.verdict is Verdict.GO:
        return f"{rel} is ready for {stage}"
    if v.verdict is Verdict.CONDITIONAL_GO:
        return f"{rel} is ready for {stage} on conditions"
    return f"{rel} is not ready for {stage}"


def final_line(report: Report, *, color: bool = False) -> str:
    """The verdict again, as the last line of the output (with its newline)."""
    v = report.verdict
    verdict = v.verdict.value
    line = _Line(
        f"{verdict}: {_headline(report)}: {len(v.blockers)} blocker(s), "
        f"{len(v.conditions)} condition(s)",
        indent=4,
        styled=len(verdict),
        colour=_VERDICT_COLOURS[v.verdict],
        bold=True,
    )
    return "".join(row + "\n" for row in _fit(line, color=color))


def render(report: Report, *, color: bool = False, final: bool = True) -> str:
    """The summary; with `final` (the default) it ends with `final_line`."""
    v, rel = report.verdict, report.release
    verdict = v.verdict.value
    evaluated = sum(r.counts for r in v.results)
    lines: list[_Line] = [
        _Line(
            f"{verdict}: {len(v.blockers)} blocker(s), {len(v.conditions)} condition(s), "
            f"{evaluated} criteria evaluated",
            indent=4,
            styled=len(verdict),
            colour=_VERDICT_COLOURS[v.verdict],
            bold=True,
        ),
        _Line(f"{_headline(report)} ({_t(rel.definition_path)})", indent=4),
    ]
    ranked = sorted(v.results, key=lambda r: (_ORDER[r.status], _MODES.get(r.mode, 3)))
    if v.blockers:
        lines += [_Line(""), _Line("Blocking:", styled=9, colour="red", bold=True)]
        lines += [_Line(f"  - {_t(b)}", indent=2) for b in v.blockers]
    if v.conditions:
        lines += [_Line(""), _Line("Conditions:", styled=11, colour="yellow", bold=True)]
        lines += [_Line(f"  - {_t(c)}", indent=2) for c in v.conditions]
    lines += [_Line(""), _Line("Criteria:")]
    for r in ranked:
        lines += _criterion(r, report.evidence)
    lines += _gates(v.gates)
    lines += _evidence_problems(report.evidence)
    lines += _findings(report.findings)
    lines += _next_stage(v.next_stage, v.next_stage_blockers)
    lines += _signoffs(report.signoffs)
    lines += _risks(report.risks)
    lines += _notes(v.notes)
    lines += _warnings(report.evidence)
    lines += _evidence_files(report.evidence)
    out = "".join(row + "\n" for line in lines for row in _fit(line, color=color))
    if final:
        out += "\n" + final_line(report, color=color)
    return out


def _gates(gates: Sequence[GateVerdict]) -> list[_Line]:
    """One line per gate: its verdict and how many criteria have each status."""
    lines = [_Line(""), _Line("Gates:")]
    for g in gates:
        counts: dict[str, int] = {}
        for r in g.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        summary = ", ".join(
            f"{n} {s}" for s, n in sorted(counts.items(), key=lambda x: _ORDER[x[0]])
        )
        gv = g.verdict.value
        lines.append(_Line(f"  {_t(g.id):<16} {gv:<14} {summary}", indent=4, styled=0))
    return lines


def _next_stage(stage: str | None, blockers: Sequence[Reason]) -> list[_Line]:
    """What would block the next stage (nothing after launch)."""
    if not stage:
        return []
    title = STAGE_TITLES.get(stage, stage)
    lines = [_Line(""), _Line(f"To reach {_t(title)}:")]
    if blockers:
        return lines + [_Line(f"  - {_t(b)}", indent=2) for b in blockers]
    return [*lines, _Line("  every criterion that passes now also meets its thresholds there")]


def _notes(notes: Sequence[str]) -> list[_Line]:
    if not notes:
        return []
    return [_Line(""), _Line("Notes:")] + [_Line(f"  - {_t(n)}", indent=2) for n in notes]


def _warnings(evidence: Mapping[str, Evidence]) -> list[_Line]:
    """The adapters' warnings about the evidence they read, check by check."""
    warnings = [(ev.check, w) for ev in evidence.values() for w in ev.warnings]
    if not warnings:
        return []
    return [
        _Line(""),
        _Line(f"Warnings ({len(warnings)}):", styled=8, colour="yellow"),
        *(_Line(f"  - {_t(check)}: {_t(w)}", indent=2) for check, w in warnings),
    ]


def _evidence_problems(evidence: Mapping[str, Evidence]) -> list[_Line]:
    """Failing and flaky tests, and load-test failures, capped with a count of the rest."""
    lines: list[_Line] = []
    for ev in evidence.values():
        if isinstance(ev.record, TestRun) and ev.record.problems:
            rec = ev.record
            lines += [
                _Line(""),
                _Line(f"Failing or flaky tests in {_t(ev.check)} ({len(rec.problems)}):"),
            ]
            for case in rec.problems[:MAX_TESTS]:
                tag = "flaky" if case.flaky and case.outcome == "passed" else case.outcome
                msg = f": {_t(case.message, 300)}" if case.message else ""
                lines.append(_Line(f"  {tag:<7} {_t(case.id)}{msg}", indent=8))
            if len(rec.problems) > MAX_TESTS:
                lines.append(
                    _Line(f"  +{len(rec.problems) - MAX_TESTS} more (see the JSON report)")
                )
        if isinstance(ev.record, LoadStats) and ev.record.failures:
            fails = sorted(ev.record.failures, key=lambda f: -f[2])
            lines += [
                _Line(""),
                _Line(f"Load-test failures in {_t(ev.check)} (most frequent first):"),
            ]
            for name, error, count in fails[:MAX_FAILURES]:
                lines.append(_Line(f"  {count:>7} x {_t(name)}: {_t(error, 300)}", indent=10))
            if len(fails) > MAX_FAILURES:
                lines.append(_Line(f"  +{len(fails) - MAX_FAILURES} more kinds"))
    return lines


def _findings(by_criterion: Mapping[str, Sequence[FindingRow]]) -> list[_Line]:
    """The findings behind each criterion that did not plainly pass (waived ones marked)."""
    out: list[_Line] = []
    for key, rows in by_criterion.items():
        if not rows:
            continue
        out += [_Line(""), _Line(f"Findings behind {_t(key)} ({len(rows)}):")]
        for f in rows[:MAX_FINDINGS]:
            where = f.location or f.package
            w = f.waived_by
            waived = f"  [waived by {_t(w.approver)} until {_t(w.expires)}]" if w else ""
            out.append(
                _Line(
                    f"  {_t(f.severity):<8} {_t(f.rule):<14} {_t(where)}  {_t(f.title)}{waived}",
                    indent=9,
                )
            )
        if len(rows) > MAX_FINDINGS:
            out.append(_Line(f"  +{len(rows) - MAX_FINDINGS} more (see the HTML or JSON report)"))
    return out


def _evidence_files(evidence: Mapping[str, Evidence]) -> list[_Line]:
    """Every check's evidence files with their sha256 (first 12 digits), once."""
    if not any(ev.files for ev in evidence.values()):
        return []
    out = [_Line(""), _Line("Evidence:")]
    for ev in evidence.values():
        status = "" if ev.status == "ok" else f" ({_t(ev.status)})"
        out.append(_Line(f"  {_t(ev.check)}{status}: {len(ev.files)} file(s)", indent=4))
        for f in ev.files:
            out.append(
                _Line(f"    {_t(f.path)} sha256:{_t(f.sha256[:12]) if f.sha256 else '-'}", indent=2)
            )
    return out


_SIGNOFF_COLOURS = {"approved": "green", "conditional": "yellow", "stale": "yellow"}


def _signoffs(rows: Sequence[SignOffRow]) -> list[_Line]:
    if not rows:
        return []
    out = [_Line(""), _Line("Sign-offs:")]
    for r in rows:
        who = f"{_t(r.name)}, {_t((r.date or '')[:10])}, version {_t(r.version)}" if r.name else "-"
        req = "" if r.required else " (not required)"
        req += " (stale: signed before the evidence it relies on; sign again)" if r.stale else ""
        comment = f": {_t(r.comment)}" if r.comment else ""
        out.append(
            _Line(
                f"  {r.status:<13} {_t(r.role):<14} {who}{req}{comment}",
                indent=29,
                styled=2 + len(r.status),
                colour=_SIGNOFF_COLOURS.get(r.status, "red"),
            )
        )
    return out


_RISK_COLOURS = {"verified": "green", "accepted": "cyan"}


def _risks(rows: Sequence[RiskRow]) -> list[_Line]:
    if not rows:
        return []
    out = [_Line(""), _Line("Risks:")]
    for r in rows:
        out.append(
            _Line(
                f"  {r.status:<18} {_t(r.id)} [{_t(r.impact)}/{_t(r.likelihood)}] {_t(r.title)}",
                indent=4,
                styled=2 + len(r.status),
                colour=_RISK_COLOURS.get(r.status, "red"),
            )
        )
        out.append(_Line(f"      response: {_t(r.response)}", indent=4))
        for v in r.verified_by:
            out.append(_Line(f"      verified by {_t(v.criterion)}: {_t(v.status)}", indent=4))
        if r.accepted is not None:
            a = r.accepted
            out.append(
                _Line(
                    f"      accepted by {_t(a.approver)} ({_t(a.role)}) until {_t(a.expires)}",
                    indent=4,
                )
            )
    return out
