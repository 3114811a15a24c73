"""The gate itself as JUnit XML, so any CI shows the criteria beside the project's own tests.

One `<testsuite>` per gate (name = gate id) and one `<testcase>` per criterion (classname = gate
id, name = criterion key); first, a `readiness` suite whose one case, `verdict`, fails on NO-GO
with every blocker, including those no criterion carries (a missing sign-off, an expired
waiver), and on a CONDITIONAL GO under `--strict` with every condition (the job fails then, so
a CI's test view must not show green). FAIL is a `<failure>`; ERROR and MISSING are
`<error>`s; WARN and WAIVED pass with a `<system-out>` saying why they are conditions; N/A
and shadow criteria are `<skipped>` with the reason. Every case carries `<properties>`
(status, observed value, threshold, evidence sha256).

Written with junitparser. Deterministic: no time but the report's `generated_at`, definition
order, and control characters written as visible escapes (`\\x1b`), as in every report.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any

from readiness.render import safe
from readiness.report import STAGE_TITLES

if TYPE_CHECKING:
    from readiness.report import CriterionResult, Report

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
VERDICT_SUITE = "readiness.verdict"  # ids hold no dot: no gate can take this name


def clean(text: object) -> str:
    """Text XML 1.0 can hold, shown as `safe.visible` shows it: control, bidi and separator
    characters and lone surrogates as visible escapes (newlines kept), what XML still cannot
    hold (U+FFFE, U+FFFF) as U+FFFD."""
    return _NOT_XML.sub("\ufffd", safe.visible(text, keep="\n\r"))


def _summary(r: CriterionResult) -> str:
    if r.observed:
        head = f"{r.key}: {r.status}: observed {r.observed}, threshold {r.threshold}"
        return head + (f" (warn {r.warn})" if r.warn else "")
    return f"{r.key}: {r.status}" + (f": {r.message}" if r.message else "")


def _details(r: CriterionResult, stage: str) -> str:
    lines = [
        f"{r.title}",
        f"status: {r.status} ({r.mode}) at stage {STAGE_TITLES.get(stage, stage)}",
        f"metric: {r.matched or r.metric}",
    ]
    if r.observed:
        lines.append(f"observed: {r.observed}")
    if r.threshold:
        lines.append(f"threshold: {r.threshold}" + (f", warn {r.warn}" if r.warn else ""))
    if r.message:
        lines.append(f"message: {r.message}")
    if r.status == "WARN":
        lines.append("a condition: the warn band holds, the pass threshold does not")
    if r.waiver is not None:
        w = r.waiver
        lines.append(
            f"waiver {w.state}: {w.approver} ({w.role}) until {w.expires}: {w.reason}"
            + (f" [finding {w.finding}]" if w.finding else "")
        )
        if r.status == "WAIVED":
            lines.append("a condition: the criterion failed and is waived")
    if r.next is not None and r.next.status != "PASS":
        lines.append(
            f"at {STAGE_TITLES.get(r.next.stage, r.next.stage)}: {r.next.status} against "
            f"{r.next.threshold}" + (f" (gap {r.next.gap})" if r.next.gap else "")
        )
    lines.extend(f"evidence: {path} sha256:{sha}" for path, sha in r.evidence)
    lines.append(f"defined at: {r.source}")
    return "\n".join(lines) + "\n"


def _properties(jp: Any, items: list[tuple[str, str]]) -> Any:
    props = jp.Properties()
    for name, value in items:
        if value:
            props.add_property(jp.Property(clean(name), clean(value)))
    return props


def _case(jp: Any, r: CriterionResult, stage: str) -> Any:
    case = jp.TestCase(name=clean(r.key), classname=clean(r.gate))
    items = [
        ("status", r.status),
        ("mode", r.mode),
        ("stage", r.stage),
        ("metric", r.matched or r.metric),
        ("observed", r.observed),
        ("threshold", r.threshold),
        ("warn", r.warn),
        *((f"evidence:{path}", f"sha256:{sha}") for path, sha in r.evidence),
    ]
    if r.waiver is not None:
        w = r.waiver
        items += [
            ("waiver.state", w.state),
            ("waiver.approver", f"{w.approver} ({w.role})"),
            ("waiver.expires", w.expires),
        ]
    case.append(_properties(jp, items))
    details = clean(_details(r, stage))
    summary = clean(_summary(r))
    if r.mode == "shadow":
        result = jp.Skipped(f"shadow criterion, never changes the verdict: {summary}")
    elif r.status == "N/A":
        result = jp.Skipped(clean(r.message or "not applicable at this stage"))
    elif r.status == "FAIL":
        advisory = " (advisory: does not block)" if r.mode == "advisory" else ""
        result = jp.Failure(summary + advisory, "FAIL")
        result.text = details
    elif r.status in ("ERROR", "MISSING", "INCONCLUSIVE"):
        advisory = " (advisory: does not block)" if r.mode == "advisory" else ""
        result = jp.Error(summary + advisory, r.status)
        result.text = details
    else:
        result = None
    if result is not None:
        case.result = [result]
    case.append(jp.SystemOut(details))
    return case


def _verdict_suite(jp: Any, report: Report) -> Any:
    v = report.verdict
    suite = jp.TestSuite(VERDICT_SUITE)
    suite.timestamp = report.generated_at
    rel = report.release
    suite.add_property("release", clean(f"{rel.name} {rel.version}"))
    suite.add_property("stage", rel.stage)
    suite.add_property("verdict", v.verdict.value)
    suite.add_property("definition", clean(f"{rel.definition_path} sha256:{rel.definition_sha256}"))
    case = jp.TestCase(name="verdict", classname=VERDICT_SUITE)
    lines = [f"{v.verdict.value} at stage {STAGE_TITLES.get(v.stage, v.stage)}"]
    lines += [f"blocker: {b}" for b in v.blockers]
    lines += [f"condition: {c}" for c in v.conditions]
    lines += [f"note: {n}" for n in v.notes]
    text = clean("\n".join(lines) + "\n")
    if v.blockers:
        failure = jp.Failure(clean(f"NO-GO: {len(v.blockers)} blocker(s)"), "NO-GO")
        failure.text = text
        case.result = [failure]
    elif report.exit_code != 0:  # CONDITIONAL GO under --strict fails the job: say so here too
        summary = f"{v.verdict.value} fails under --strict: {len(v.conditions)} condition(s)"
        failure = jp.Failure(clean(summary), "STRICT")
        failure.text = text
        case.result = [failure]
    case.append(jp.SystemOut(text))
    suite.add_testcase(case)
    return suite


def render(report: Report) -> str:
    """The JUnit XML document (UTF-8 declared), ending in a newline."""
    import junitparser as jp

    rel = report.release
    root: Any = jp.JUnitXml(clean(f"readiness {rel.name} {rel.version} ({rel.stage})"))
    root.add_testsuite(_verdict_suite(jp, report))
    for gate in report.verdict.gates:
        suite = jp.TestSuite(clean(gate.id))
        suite.timestamp = report.generated_at
        suite.add_property("title", clean(gate.title))
        suite.add_property("verdict", gate.verdict.value)
        suite.add_testcases([_case(jp, r, report.verdict.stage) for r in gate.results])
        root.add_testsuite(suite)
    root.update_statistics()
    buf = io.BytesIO()
    root.write(buf, pretty=True)
    text = buf.getvalue().decode("utf-8")
    return text if text.endswith("\n") else text + "\n"
