"""Launch notes: Markdown for ops, support, marketing and compliance, from a replaceable template.

The context is shaped here (see `context`), so a template only prints; the governance sections
come typed from the report through `view`; a project replaces the
default `templates/launch_notes.md.j2` with `--template PATH`. Every template, the built-in one
too, runs in Jinja's sandbox (a template is code from the project, not from readiness), with
StrictUndefined. The output is Markdown, so instead of HTML autoescape every `{{ ... }}` prints
through `safe.markdown_block` (no HTML, link, code, table break, block start, @mention or #issue
reference from evidence or definition text); the `md_cell` and `code` filters escape for a
table cell and a code span, and `| safe` prints a value as written (for Markdown the project
wrote on purpose, never for evidence). A template that does not parse or
names something the context lacks raises `UsageError` with the template's path and line, never
a traceback.
"""

from __future__ import annotations

import os
import traceback
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness.errors import UsageError
from readiness.render import safe, view
from readiness.report import STAGE_TITLES, LoadStats, TestRun

if TYPE_CHECKING:
    import jinja2

    from readiness.report import Report

DEFAULT_TEMPLATE = "launch_notes.md.j2"
RESULT_WORDS = {
    "PASS": "met",
    "WARN": "within the warning band",
    "FAIL": "not met",
    "WAIVED": "not met (waived)",
    "INCONCLUSIVE": "not shown either way (too little data to compare)",
    "MISSING": "not measured",
    "ERROR": "not measured (evidence unreadable)",
}


def _stage(stage: str | None) -> str:
    return STAGE_TITLES.get(stage or "", stage or "")


def md_cell(value: object) -> safe.Markdown:
    """A value fit for a Markdown table cell: one line, escaped as `safe.markdown` does."""
    return safe.markdown(value, limit=None)


def _finalize(value: object) -> object:
    """What every `{{ ... }}` prints: numbers as they are, text already escaped by a filter
    (`md_cell`, `code`) or marked `| safe` as it is, anything else through `markdown_block`."""
    from markupsafe import Markup

    if isinstance(value, safe.Markdown | Markup | bool | int | float):
        return value
    return safe.markdown_block(value)


def sentence(value: object) -> str:
    """Text ending in a full stop (or other closing punctuation) exactly once."""
    text = str(value).strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _load_checks(report: Report) -> set[str]:
    return {
        ev.check
        for ev in report.evidence.values()
        if isinstance(ev.record, LoadStats) or ev.kind == "locust"
    }


def context(report: Report) -> dict[str, Any]:
    """The names a launch-notes template sees (documented in docs/ci.md and the default)."""
    data = view.to_data(report)
    rel = data["release"]
    notes = report.launch_notes
    load_checks = _load_checks(report)
    criteria = data["criteria"]
    performance = [
        {
            "criterion": c["criterion"],
            "title": c["title"],
            "metric": c["matched"] or c["metric"],
            "observed": c["observed"] or "-",
            "threshold": c["threshold"] or "-",
            "status": c["status"],
            "result": RESULT_WORDS.get(c["status"], c["status"]),
            "met": c["status"] in ("PASS", "WARN"),
        }
        for c in criteria
        if c["metric"].split(".", 1)[0] in load_checks
        and c["mode"] != "shadow"
        and c["status"] != "N/A"
    ]
    waivers = [
        {"criterion": c["criterion"], "title": c["title"], **c["waiver"]}
        for c in criteria
        if c["waiver"]
    ]
    tests = [
        {
            "check": ev.check,
            "tests": ev.record.tests,
            "passed": ev.record.passed,
            "failed": ev.record.failed,
            "errors": ev.record.errors,
            "skipped": ev.record.skipped,
            "flaky": ev.record.flaky,
        }
        for ev in report.evidence.values()
        if isinstance(ev.record, TestRun)
    ]
    titles = {c["criterion"]: c["title"] or c["criterion"] for c in criteria}
    all_risks = [
        {
            **r,
            "proven_by": [
                f"{titles.get(v.criterion, v.criterion)} ({RESULT_WORDS.get(v.status, v.status)})"
                for v in risk.verified_by
            ],
        }
        for r, risk in zip(view.risks(report), report.risks, strict=True)
    ]
    nxt = data["next_stage"]
    verdict = data["verdict"]
    return {
        "draft": verdict not in ("GO", "CONDITIONAL GO"),
        "not_ready": [_plain(i) for i in view.items(report, report.verdict.blockers)],
        "conditions_plain": [_plain(i) for i in view.items(report, report.verdict.conditions)],
        "release": {
            **rel,
            "description": report.release.description,
            "stage_title": _stage(rel["stage"]),
            "target_title": _stage(rel["target_stage"]),
        },
        "verdict": data["verdict"],
        "blockers": data["blockers"],
        "conditions": data["conditions"],
        "next_stage": {**nxt, "title": _stage(nxt["stage"])} if nxt else None,
        "summary": notes.summary,
        "highlights": list(notes.highlights),
        "known_issues": list(notes.known_issues),
        "performance": performance,
        "tests": tests,
        "waivers": waivers,
        "risks": all_risks,
        "open_risks": [r for r in all_risks if r["status"] != "verified"],
        "signoffs": view.signoffs(report),
        "has_signoffs": bool(report.signoffs),
        "criteria": criteria,
        "generated_at": data["generated_at"],
        "generator": data["generator"],
    }


def _plain(item: view.Item) -> dict[str, str]:
    """A blocker or condition for ops, support or marketing readers: a title, where it stands
    in words, the measured value against the target, who acts; no metric, path or hash."""
    measured = ""
    if item.observed and item.status not in ("MISSING", "ERROR"):
        measured = f"measured {item.observed}, target {view.pretty(item.needed)}"
    return {"title": item.title, "state": item.state, "measured": measured, "owner": item.owner}


def _environment(name: str, source: str) -> jinja2.Environment:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=jinja2.FunctionLoader(lambda n: (source, name, lambda: True) if n == name else None),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md_cell"] = md_cell
    env.filters["code"] = safe.markdown_code
    env.filters["stage_title"] = _stage
    env.filters["sentence"] = sentence
    env.filters["date"] = view.human_date
    env.filters["day"] = view.human_day
    env.filters["op"] = view.pretty
    return env


def _line_in(exc: BaseException, name: str) -> int | None:
    """The template line an exception was raised at (Jinja maps its frames to template lines)."""
    line = getattr(exc, "lineno", None)
    if isinstance(line, int):
        return line
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == name:
            found = frame.lineno
    return found


def _read(path: str | os.PathLike[str]) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the launch-notes template {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"launch-notes template {path}: not UTF-8 ({exc.reason})") from None


def render(report: Report, template: str | os.PathLike[str] | None = None) -> str:
    """Launch notes from `template` (a file path) or the built-in template.

    A template that fails to parse or to render raises UsageError naming its path and line.
    """
    import jinja2

    if template is None:
        name = f"readiness/render/templates/{DEFAULT_TEMPLATE}"
        source = resources.files("readiness.render").joinpath("templates", DEFAULT_TEMPLATE)
        text = source.read_text(encoding="utf-8")
    else:
        name = os.fspath(template)
        text = _read(template)
    ctx = context(report)
    try:
        env = _environment(name, text)
        return env.get_template(name).render(ctx)
    except jinja2.TemplateError as exc:
        message = exc.message if exc.message else type(exc).__name__
        raise UsageError(_where(name, _line_in(exc, name), message)) from None
    except Exception as exc:  # a user template may fail in any way: say where, not how
        if template is None:
            raise
        raise UsageError(
            _where(name, _line_in(exc, name), f"{type(exc).__name__}: {exc}")
        ) from None


def _where(name: str, line: int | None, message: str) -> str:
    head = f"{name}:{line}" if line is not None else name
    return f"{head}: launch-notes template error: {message}"
