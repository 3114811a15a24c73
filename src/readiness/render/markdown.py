"""The Markdown summary, for a pull-request comment or `$GITHUB_STEP_SUMMARY`.

GitHub refuses a step summary over 1 MiB, and long comments are unreadable: the output never
exceeds `max_bytes` (UTF-8), 64 KiB by default. Sections come in order of importance (verdict,
blockers, conditions, criteria that did not pass, failing tests, next stage, passing criteria);
a list that does not fit ends with "... and N more". Built in plain Python rather than a
template because the byte budget must be enforced line by line.

Untrusted text (test names, messages, endpoint names, sign-offs) goes through `safe.markdown`,
the same escaping as the launch notes: it can neither inject HTML, links or code, nor break a
table, nor mention (`@`) anyone or reference (`#123`) an issue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from readiness.render import safe, view
from readiness.report import STAGE_TITLES, TestRun

if TYPE_CHECKING:
    from readiness.report import Report

DEFAULT_MAX_BYTES = 64 * 1024
MIN_MAX_BYTES = 1024
MAX_TESTS = 100
MAX_CELL = safe.MAX_CELL
ICONS = {"GO": "✅", "CONDITIONAL GO": "⚠️", "NO-GO": "⛔"}
STATUS_ICONS = {
    "PASS": "✅",
    "WARN": "⚠️",
    "WAIVED": "🔷",
    "FAIL": "❌",
    "INCONCLUSIVE": "❔",
    "MISSING": "❓",
    "ERROR": "💥",
    "N/A": "⚪",
}
_ORDER = {
    "ERROR": 0,
    "MISSING": 1,
    "INCONCLUSIVE": 2,
    "FAIL": 3,
    "WARN": 4,
    "WAIVED": 5,
    "PASS": 6,
    "N/A": 7,
}
_CLOSE = "\n</details>\n"
_TRAILER = "\n_Summary truncated to fit {limit} bytes: the HTML and JSON reports have it all._\n"


escape = safe.markdown  # one line of untrusted text: no HTML, link, table break or mention


def _encoded_len(text: str) -> int:
    return len(text.encode("utf-8"))


class _Budget:
    """Lines appended only while they fit in `limit` bytes, keeping `reserve` for a trailer."""

    def __init__(self, limit: int, reserve: int) -> None:
        self.lines: list[str] = []
        self.limit = limit - reserve
        self.used = 0
        self.truncated = False

    def fits(self, text: str, also: int = 0) -> bool:
        return self.used + _encoded_len(text) + 1 + also <= self.limit

    def add(self, text: str = "") -> bool:
        if not self.fits(text):
            self.truncated = True
            return False
        self.lines.append(text)
        self.used += _encoded_len(text) + 1
        return True

    def add_block(self, lines: Sequence[str]) -> bool:
        """All of `lines` or none of them."""
        if not self.fits("\n".join(lines)):
            self.truncated = True
            return False
        for line in lines:
            self.add(line)
        return True

    def add_items(
        self,
        items: Sequence[Any],
        fmt: Callable[[Any], str],
        *,
        cap: int,
        total: int | None = None,
        more: str = "- … and {n} more",
    ) -> None:
        """Items while they fit (at most `cap`), then one line counting those left out."""
        total = len(items) if total is None else total
        reserve = _encoded_len(more.format(n=total)) + 1
        shown = 0
        for item in items[:cap]:
            if not self.fits(fmt(item), also=reserve if shown + 1 < total else 0):
                break
            self.add(fmt(item))
            shown += 1
        if shown < total:
            self.add(more.format(n=total - shown))


def _criterion_row(c: dict[str, Any]) -> str:
    mode = "" if c["mode"] == "blocking" else f" ({c['mode']})"
    threshold = escape(c["threshold"] or "-") + (
        f" (warn {escape(c['warn'])})" if c["warn"] else ""
    )
    evidence = ", ".join(
        f"{escape(e['path'])} `{(e['sha256'] or '-')[:12]}`" for e in c["evidence"]
    )
    note: str = escape(c["message"] or "")
    w = c["waiver"]
    if w:
        note = (note + " " if note else "") + escape(
            f"waiver {w['state']}: {w['approver']} ({w['role']}) until {w['expires']}: "
            f"{w['reason']}"
        )
    return (
        f"| {STATUS_ICONS[c['status']]} {c['status']}{mode} | {escape(c['criterion'])} "
        f"| {escape(c['observed'] or '-')} | {threshold} | {evidence or '-'} | {note} |"
    )


_TABLE_HEAD = [
    "| Status | Criterion | Observed | Threshold | Evidence | Notes |",
    "|---|---|---|---|---|---|",
]


def _body(report: Report, out: _Budget) -> None:
    data = view.to_data(report)
    v, rel = report.verdict, report.release
    stage = STAGE_TITLES.get(rel.stage, rel.stage)
    evaluated = sum(r.counts for r in v.results)
    out.add(
        f"## {ICONS[data['verdict']]} {data['verdict']}: {escape(rel.name)} {escape(rel.version)}"
    )
    out.add("")
    out.add(
        f"Stage **{escape(stage)}** · {len(v.blockers)} blocker(s) · "
        f"{len(v.conditions)} condition(s) · {evaluated} criteria evaluated · "
        f"exit code {report.exit_code}"
    )
    for title, items in (("Blockers", data["blockers"]), ("Conditions", data["conditions"])):
        if items:
            out.add("")
            out.add(f"### {title} ({len(items)})")
            out.add_items(items, lambda s: f"- {escape(s)}", cap=len(items))
    criteria = sorted(data["criteria"], key=lambda c: _ORDER[c["status"]])
    open_ = [c for c in criteria if c["status"] not in ("PASS", "N/A")]
    if open_:
        out.add("")
        out.add(f"### Criteria not passing ({len(open_)})")
        out.add_block(["", *_TABLE_HEAD])
        out.add_items(open_, _criterion_row, cap=len(open_), more="| … and {n} more |||||")
    for ev in report.evidence.values():
        if not isinstance(ev.record, TestRun) or not ev.record.problems:
            continue
        rec = ev.record
        out.add("")
        out.add(
            f"### Failing or flaky tests: {escape(ev.check)} "
            f"({rec.failed} failed, {rec.errors} with errors, {rec.flaky} flaky, of {rec.tests})"
        )
        out.add_block(["", "| Outcome | Test | Message |", "|---|---|---|"])
        out.add_items(
            rec.problems,
            lambda p: (
                f"| {'flaky' if p.flaky and p.outcome == 'passed' else p.outcome} "
                f"| {escape(p.id)} | {escape(p.message, 200)} |"
            ),
            cap=MAX_TESTS,
            total=view.problem_count(rec),
            more="| … and {n} more | | |",
        )
    nxt = data["next_stage"]
    if nxt:
        out.add("")
        out.add(f"### To reach {escape(STAGE_TITLES.get(nxt['stage'], nxt['stage']))}")
        if nxt["blockers"]:
            out.add_items(nxt["blockers"], lambda s: f"- {escape(s)}", cap=len(nxt["blockers"]))
        else:
            out.add("Every criterion that passes now also meets its thresholds there.")
    passing = [c for c in criteria if c["status"] in ("PASS", "N/A")]
    if passing:
        opened = out.add_block(
            [
                "",
                f"<details><summary>Passing or not applicable ({len(passing)})</summary>",
                "",
                *_TABLE_HEAD,
            ]
        )
        if opened:
            out.add_items(passing, _criterion_row, cap=len(passing), more="| … and {n} more |||||")
            out.add_block(["", "</details>"])
    out.add("")
    out.add(
        f"<sub>{escape(data['generator'])} · {escape(data['generated_at'])} · "
        f"{escape(rel.definition_path)} `{rel.definition_sha256[:12]}`</sub>"
    )


def render(report: Report, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The Markdown summary; its UTF-8 encoding never exceeds `max_bytes` (at least 1024)."""
    if max_bytes < MIN_MAX_BYTES:
        raise ValueError(f"max_bytes must be at least {MIN_MAX_BYTES}, not {max_bytes}")
    trailer = _TRAILER.format(limit=max_bytes)
    out = _Budget(max_bytes, reserve=_encoded_len(trailer + _CLOSE))
    _body(report, out)
    text = "\n".join(out.lines) + "\n"
    if out.truncated:
        # A skipped block may leave an unclosed <details>: close it before the trailer.
        if text.count("<details>") > text.count("</details>"):
            text += _CLOSE
        text += trailer
    encoded = text.encode("utf-8")
    if len(encoded) > max_bytes:  # defensive: the budget above keeps us well inside
        cut = encoded[: max_bytes - len(trailer.encode())].decode("utf-8", "ignore")
        text = cut + trailer
    return text
