"""GitHub Actions: workflow-command annotations for the criteria, and the step-summary file.

An annotation is one line, `::error file=F,line=N,title=T::message`: the message escapes `%`,
CR and LF; a property value also escapes `:` and `,` (GitHub's toolkit rules,
`@actions/core` `escapeData`/`escapeProperty`), after `readiness.render.safe` has written other
control characters as visible escapes and broken `##[` (the runner's older command syntax).
Errors come first, because GitHub shows only the first ten of each kind per step.
"""

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from readiness.render import safe

if TYPE_CHECKING:
    from readiness.report import CriterionResult, Report

BLOCKING = ("FAIL", "ERROR", "MISSING", "INCONCLUSIVE")
_SOURCE = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+)(?:\s|$)")


escape_data = safe.gh_data  # a message: `%`, CR and LF percent-encoded, controls shown
escape_property = safe.gh_property  # a property: as a message, plus `:` and `,`


def command(kind: str, message: str, **properties: str) -> str:
    """One workflow command line, properties in the given order, empty ones left out."""
    props = ",".join(f"{k}={escape_property(v)}" for k, v in properties.items() if v)
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


def _location(source: str, prefix: str) -> dict[str, str]:
    m = _SOURCE.match(source)
    if m is None:
        return {}
    return {"file": prefix + m["file"], "line": m["line"]}


def _message(r: "CriterionResult") -> str:
    parts = []
    if r.observed:
        parts.append(f"observed {r.observed}, threshold {r.threshold}")
        if r.warn:
            parts[-1] += f" (warn {r.warn})"
    elif r.threshold:
        parts.append(f"threshold {r.threshold}")
    if r.message:
        parts.append(r.message)
    if r.waiver is not None:
        w = r.waiver
        parts.append(f"waiver {w.state}: {w.approver} ({w.role}) until {w.expires}: {w.reason}")
    return "; ".join(parts) or r.status


def annotations(report: "Report", *, path_prefix: str = "") -> list[str]:
    """`::error` for each blocking FAIL/ERROR/MISSING criterion and each other release blocker
    (a missing sign-off, an unproven risk); `::warning` for WARN, WAIVED and advisory criteria
    that did not pass and for the other release conditions; errors first.

    Each criterion's annotation points at the gate file and line that defines it; `path_prefix`
    is prepended to that path (the project root relative to the repository, e.g. `release/`).
    """
    errors: list[str] = []
    warnings: list[str] = []
    for r in report.verdict.results:
        if not r.counts or r.status in ("PASS", "N/A"):
            continue
        blocking = r.mode == "blocking" and r.status in BLOCKING
        mode = "" if r.mode == "blocking" else f" [{r.mode}]"
        line = command(
            "error" if blocking else "warning",
            _message(r),
            **_location(r.source, path_prefix),
            title=f"readiness: {r.key} {r.status}{mode}",
        )
        (errors if blocking else warnings).append(line)
    for blocker in report.verdict.blockers:
        if blocker.kind != "criterion":  # criteria are annotated at their definition above
            errors.append(command("error", str(blocker), title="readiness: release blocker"))
    for condition in report.verdict.conditions:
        if condition.kind != "criterion":
            warnings.append(
                command("warning", str(condition), title="readiness: release condition")
            )
    return errors + warnings


def problem_annotations(problems: list[str], *, path_prefix: str = "") -> list[str]:
    """`::error file=F,line=N` for each problem of an invalid definition, gate or check
    (`gates/tests.yaml:9 criteria[pass-rate].pass: ...`), so exit 2 points at the line in the
    pull request; a problem without a location is annotated without one."""
    lines = []
    for problem in problems:
        where = _location(problem, path_prefix)
        message = _SOURCE.sub("", problem, count=1) if where else problem
        lines.append(command("error", message, **where, title="readiness: invalid definition"))
    return lines


def summary_path(env: Mapping[str, str]) -> Path | None:
    """The step-summary file when running in GitHub Actions (`GITHUB_ACTIONS=true`), else None.

    GitHub collects what a step appends to this file; write the Markdown summary by appending,
    so that other tools' summaries in the same step are kept.
    """
    if env.get("GITHUB_ACTIONS") != "true":
        return None
    raw = env.get("GITHUB_STEP_SUMMARY", "")
    return Path(raw) if raw.strip() else None
