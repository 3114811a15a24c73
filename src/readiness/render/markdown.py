"""The Markdown summary, for a pull-request comment or `$GITHUB_STEP_SUMMARY`.

GitHub refuses a step summary over 1 MiB, and long comments are unreadable: the output never
exceeds `max_bytes` (UTF-8), 64 KiB by default. Sections come in order of importance (verdict in
words, blockers and conditions as short items with their engineering lines folded, gates,
criteria that did not pass, failing tests, next stage, sign-offs, risks, then folded: passing
criteria and the evidence files with their sha256); criteria are named by their titles and
each names its evidence in one cell (a file, or how many files of which check);
a list that does not fit ends with "... and N more". Built in plain Python rather than a
template because the byte budget must be enforced line by line.

Untrusted text (test names, messages, endpoint names, sign-offs) goes through `safe.markdown`,
the same escaping as the launch notes: it can neither inject HTML, links or code, nor break a
table, nor mention (`@`) anyone or reference (`#123`) an issue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from readiness.render import changes, safe, view
from readiness.report import STAGE_TITLES, STATUS_ORDER, TestRun

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
_ORDER: dict[str, int] = {str(k): n for k, n in STATUS_ORDER.items()}
_STATUSES = sorted(_ORDER, key=_ORDER.__getitem__)
STALE = " (stale: signed before the latest evidence; must sign again)"
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


def _evidence_cell(c: dict[str, Any]) -> str:
    """At most one line of evidence: the file, or how many files of which check."""
    files = c["evidence"]
    if not files:
        return "-"
    if len(files) == 1:
        return escape(files[0]["path"])
    return f"{len(files)} files of {escape(c['metric'].split('.', 1)[0])}"


def _criterion_row(c: dict[str, Any]) -> str:
    mode = "" if c["mode"] == "blocking" else f" ({c['mode']})"
    threshold = escape(view.pretty(c["threshold"]) or "-") + (
        f" (warn {escape(view.pretty(c['warn']))})" if c["warn"] else ""
    )
    note: str = escape(c["message"] or "", 160)
    w = c["waiver"]
    if w:
        note = (note + " " if note else "") + escape(
            f"waived by {w['approver']} ({w['role']}) until {view.human_date(w['expires'])}: "
            f"{w['reason']}",
            160,
        )
    nxt = c["next_stage"]
    later = (
        f"{STATUS_ICONS.get(nxt['status'], '')} {escape(view.pretty(nxt['threshold']))}"
        if nxt
        else "-"
    )
    return (
        f"| {STATUS_ICONS.get(c['status'], '')} {c['status']}{mode}{_mark(c)} "
        f"| {escape(c['title'])} | {escape(c['observed'] or '-')}{_delta(c)} | {threshold} "
        f"| {later} | {_evidence_cell(c)} | {note} |"
    )


def _mark(c: dict[str, Any]) -> str:
    """` 🔻 regressed` (fixed, new) against the baseline; nothing when unchanged or none."""
    m = c.get("mark")
    if m is None or m == "unchanged":
        return ""
    return f" {changes.MARK_ICONS[m]} {changes.MARK_WORDS[m]}"


def _delta(c: dict[str, Any]) -> str:
    """` (+0.9 ms vs 2026.11.2)` when the baseline had a value; nothing otherwise."""
    base = c.get("baseline")
    return f" ({escape(base['text'])})" if base else ""


MAX_CHANGES = 20  # criteria listed per kind of change in "Since ..."


def _since(report: Report, out: _Budget) -> None:
    """What changed since the baseline (or the previous evaluation when none met the rule):
    the verdict then and now, then the criteria that regressed, were fixed or are new."""
    s = changes.since(report)
    if s is None:
        return
    then = f"{ICONS.get(s.verdict_then, '')} {s.verdict_then}" if s.verdict_then else "-"
    what = "" if s.judges else "the previous evaluation, "
    out.add("")
    out.add(
        f"### Since {what}{escape(s.version)} "
        f"(evaluation #{s.evaluation}, {escape(view.human_date(s.generated_at))})"
    )
    out.add("")
    out.add(
        f"{then} → {ICONS[s.verdict_now]} {s.verdict_now} · {len(s.regressed)} regressed, "
        f"{len(s.fixed)} fixed, {len(s.new)} new, {s.unchanged} unchanged"
    )
    moved = [*s.regressed, *s.fixed, *s.new]
    if moved:
        out.add("")
        out.add_items(
            moved,
            lambda c: (
                f"- {changes.MARK_ICONS[c.mark]} **{escape(c.title)}** {c.mark}: "
                + (f"{c.then} → {c.now}" if c.then else c.now)
                + (f" ({escape(c.delta)})" if c.delta else "")
            ),
            cap=MAX_CHANGES,
        )


_TABLE_HEAD = [
    "| Status | Criterion | Observed | Needed | Next stage | Evidence | Notes |",
    "|---|---|---|---|---|---|---|",
]
_MORE_ROW = "| … and {n} more ||||||"
_ITEM_HEAD = [
    "| | {label} | Now vs needed | Owner | What to do |",
    "|---|---|---|---|---|",
]


def _item_row(i: view.Item, default_icon: str) -> str:
    icon = STATUS_ICONS.get(i.status, default_icon)
    value = escape(view.pretty(i.value)) or "-"
    return (
        f"| {icon} | **{escape(i.title)}** {escape(i.state)} | {value} "
        f"| {escape(i.owner) or '-'} | {escape(view.pretty(i.action)) or '-'} |"
    )


def _items(
    out: _Budget, title: str, label: str, items: Sequence[view.Item], icon: str = "⛔"
) -> None:
    """A table of blockers or conditions for people, then their engineering lines folded."""
    out.add("")
    out.add(f"### {title} ({len(items)})")
    if not out.add_block(["", *(h.format(label=label) for h in _ITEM_HEAD)]):
        return
    out.add_items(
        items, lambda i: _item_row(i, icon), cap=len(items), more="| | … and {n} more ||||"
    )
    opened = out.add_block(
        ["", f"<details><summary>{label} details: metrics and evidence</summary>", ""]
    )
    if opened:
        out.add_items(items, lambda i: f"- {escape(i.detail)}", cap=len(items))
        out.add_block(["", "</details>"])


def _gates(report: Report, out: _Budget) -> None:
    v = report.verdict
    rank = {"NO-GO": 0, "CONDITIONAL GO": 1, "GO": 2}
    gates = sorted(v.gates, key=lambda g: rank[g.verdict.value])
    out.add("")
    out.add_block(["### Gates", "", "| Gate | Verdict | Criteria |", "|---|---|---|"])
    for g in gates:
        counts = {s: sum(1 for r in g.results if r.status == s) for s in _STATUSES}
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        out.add(f"| {escape(g.title)} | {ICONS[g.verdict.value]} {g.verdict.value} | {summary} |")


def _governance(report: Report, out: _Budget) -> None:
    signoffs = view.signoffs(report)
    if signoffs:
        out.add("")
        out.add_block(
            [
                "### Sign-offs",
                "",
                "| Role | Status | Name | Signed | Version | Comment |",
                "|---|---|---|---|---|---|",
            ]
        )
        out.add_items(
            signoffs,
            lambda s: (
                f"| {escape(s['role'])}{'' if s['required'] else ' (optional)'} "
                f"| {escape(s['status'])}"
                f"{STALE if s['stale'] else ''}"
                f" | {escape(s['name']) or '-'} | {escape(view.human_day(s['date'])) or '-'} "
                f"| {escape(s['version']) or '-'} | {escape(s['comment'], 160)} |"
            ),
            cap=len(signoffs),
            more="| … and {n} more ||||||",
        )
    risks = view.risks(report)
    if risks:
        out.add("")
        out.add_block(
            [
                "### Risks",
                "",
                "| Risk | Impact / likelihood | Owner | Status | Response |",
                "|---|---|---|---|---|",
            ]
        )
        out.add_items(
            risks,
            lambda r: (
                f"| **{escape(r['id'])}** {escape(r['title'])} "
                f"| {escape(r['impact'])} / {escape(r['likelihood'])}"
                f"{' (blocks the release)' if r['blocking'] else ''} | {escape(r['owner']) or '-'} "
                f"| {escape(r['status'])} | {escape(r['response'], 200)} |"
            ),
            cap=len(risks),
            more="| … and {n} more |||||",
        )


def _headline(report: Report) -> str:
    v = report.verdict
    stage = escape(STAGE_TITLES.get(report.release.stage, report.release.stage))
    evaluated = sum(r.counts for r in v.results)
    words = {
        "GO": f"**Ready for {stage}.**",
        "CONDITIONAL GO": f"**Ready for {stage}, on conditions.**",
        "NO-GO": f"**Not ready for {stage}.**",
    }[v.verdict.value]
    owner = f" · owner {escape(report.release.owner)}" if report.release.owner else ""
    return (
        f"{words} {len(v.blockers)} blocker(s) · {len(v.conditions)} condition(s) · "
        f"{evaluated} criteria evaluated{owner}"
    )


def _body(report: Report, out: _Budget) -> None:
    data = view.to_data(report)
    v, rel = report.verdict, report.release
    out.add(
        f"## {ICONS[data['verdict']]} {data['verdict']}: {escape(rel.name)} {escape(rel.version)}"
    )
    out.add("")
    out.add(_headline(report))
    if v.blockers:
        _items(out, "Blockers", "Blocker", view.items(report, v.blockers))
    if v.conditions:
        _items(out, "Conditions", "Condition", view.items(report, v.conditions), "⚠️")
    _since(report, out)
    _gates(report, out)
    criteria = sorted(data["criteria"], key=lambda c: _ORDER.get(c["status"], len(_ORDER)))
    open_ = [c for c in criteria if c["status"] not in ("PASS", "N/A")]
    if open_:
        out.add("")
        out.add(f"### Criteria not passing ({len(open_)})")
        out.add_block(["", *_TABLE_HEAD])
        out.add_items(open_, _criterion_row, cap=len(open_), more=_MORE_ROW)
    _failing_tests(report, out)
    _next_stage(report, data["next_stage"], out)
    _governance(report, out)
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
            out.add_items(passing, _criterion_row, cap=len(passing), more=_MORE_ROW)
            out.add_block(["", "</details>"])
    files = [(ev.check, f) for ev in report.evidence.values() for f in ev.files]
    if files and out.add_block(
        ["", f"<details><summary>Evidence ({len(files)} files, sha256)</summary>", ""]
    ):
        out.add_items(
            files,
            lambda cf: f"- {escape(cf[0])}: {escape(cf[1].path)} `{cf[1].sha256[:12] or '-'}`",
            cap=len(files),
        )
        out.add_block(["", "</details>"])
    out.add("")
    out.add(
        f"<sub>{escape(data['generator'])} · {escape(view.human_date(data['generated_at']))} · "
        f"{escape(rel.definition_path)} `{rel.definition_sha256[:12]}`</sub>"
    )


def _failing_tests(report: Report, out: _Budget) -> None:
    """A table of failing and flaky tests per test check, capped with a count of the rest."""
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


def _next_stage(report: Report, nxt: dict[str, Any] | None, out: _Budget) -> None:
    """What would block the next stage (nothing after launch)."""
    if not nxt:
        return
    title = f"To reach {STAGE_TITLES.get(nxt['stage'], nxt['stage'])}"
    if nxt["blockers"]:
        _items(out, escape(title), "Criterion", view.next_items(report))
    else:
        out.add("")
        out.add(f"### {escape(title)}")
        out.add("Every criterion that passes now also meets its thresholds there.")


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
