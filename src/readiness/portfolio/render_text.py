"""The portfolio in the terminal, as Markdown (meeting notes, a wiki page) and as JSON.

Every text that comes from a definition or evidence goes through `render.safe` for its output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from readiness.criteria import STAGE_TITLES
from readiness.portfolio import view
from readiness.portfolio.model import Portfolio
from readiness.render import safe

_COLOURS = {"GO": "32", "CONDITIONAL GO": "33", "NO-GO": "31", "late": "31", "at risk": "33"}


def render_json(p: Portfolio) -> str:
    """The versioned JSON document (deterministic)."""
    return json.dumps(view.build(p), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _stage(stage: str | None) -> str:
    return STAGE_TITLES.get(stage or "", stage or "-")


def _headline(data: dict[str, Any]) -> str:
    s = data["summary"]
    return (
        f"{s['releases']} releases: {s['no_go']} NO-GO, {s['late']} late, "
        f"{s['at_risk']} at risk (today {data['today']})"
    )


def render_terminal(p: Portfolio, *, color: bool = False) -> str:
    """The management view for a terminal: table first, then what blocks, then the rest."""
    data = view.build(p)

    def paint(text: str, key: str) -> str:
        code = _COLOURS.get(key)
        return f"\x1b[{code}m{text}\x1b[0m" if color and code else text

    lines = [f"Portfolio: {_headline(data)}", *_term_next_launch(data), ""]
    lines += _term_table(p, data, paint)
    lines += _term_blockers(data)
    lines += _term_risks(data)
    lines += _term_expiring(data)
    lines += _term_signoffs(data)
    lines += _term_since(data)
    lines += [f"note: {safe.terminal(note)}" for note in data["notes"]]
    verdict = "every release on track and not NO-GO" if p.exit_code == 0 else "action needed"
    lines += ["", f"Portfolio: {verdict} (exit {p.exit_code})"]
    return "\n".join(lines) + "\n"


def _term_next_launch(data: dict[str, Any]) -> list[str]:
    if not data["next_launch"]:
        return []
    t, nl = safe.terminal, data["next_launch"]
    return [
        f"Next launch: {t(nl['release'])} on {nl['date']}; critical path: "
        + " -> ".join(t(x) for x in data["critical_path"])
    ]


def _term_table(p: Portfolio, data: dict[str, Any], paint: Callable[[str, str], str]) -> list[str]:
    """One row per release: version, stage, verdict and the next milestone, coloured."""
    t = safe.terminal
    width = max([len(r["release"]) for r in data["releases"]] + [7])
    lines = [f"{'RELEASE':<{width}}  {'VERSION':<11} {'STAGE':<17} {'VERDICT':<15} NEXT MILESTONE"]
    for r in data["releases"]:
        ms = r["milestone"]
        state = ms["state"] if ms else ""
        row = p.row(r["release"])
        text = view.milestone_text(row.milestone if row is not None else None)
        verdict = paint(f"{r['verdict']:<15}", r["verdict"])
        lines.append(
            f"{t(r['release']):<{width}}  {t(r['version']):<11} {_stage(r['stage']):<17} "
            f"{verdict} {paint(text, state)}"
        )
    return lines


def _term_blockers(data: dict[str, Any]) -> list[str]:
    t = safe.terminal
    blocked = [r for r in data["releases"] if r["blockers"]]
    if not blocked:
        return []
    lines = ["", "What blocks, by who must act:"]
    for r in blocked:
        count = r["blockers"]
        lines.append(f"  {t(r['release'])} ({count} blocker{'' if count == 1 else 's'})")
        for owner, items in r["blockers_by_owner"].items():
            lines += [f"    [{t(owner)}] {t(b['text'], 240)}" for b in items]
    return lines


def _term_risks(data: dict[str, Any]) -> list[str]:
    t = safe.terminal
    if not data["risks"]:
        return []
    lines = ["", "Risk register (impact x likelihood):"]
    for x in data["risks"]:
        acc = f" until {x['accepted_until']}" if x["state"] == "accepted" else ""
        lines.append(
            f"  {x['impact']:<8} x {x['likelihood']:<6} {t(x['release'])} {t(x['id'])}: "
            f"{t(x['title'])} [{x['state']}{acc}] response: {t(x['response'], 160)}"
        )
    return lines


def _when(days: int) -> str:
    return f"expired {-days} days ago" if days < 0 else f"in {days} days"


def _term_expiring(data: dict[str, Any]) -> list[str]:
    t, exp = safe.terminal, data["expiring"]
    if not exp["items"]:
        return []
    lines = ["", f"Expiring within {exp['within_days']} days:"]
    for e in exp["items"]:
        lines.append(
            f"  {e['expires']} ({_when(e['days'])}) {t(e['release'])} {e['kind']} "
            f"{t(e['subject'])} by {t(e['approver'])}"
        )
    return lines


def _term_signoffs(data: dict[str, Any]) -> list[str]:
    t = safe.terminal
    if not data["signoffs_owed"]:
        return []
    lines = ["", "Sign-offs owed, by role:"]
    for role, items in sorted(data["signoffs_owed"].items()):
        owed = ", ".join(f"{t(i['release'])} ({i['state']})" for i in items)
        lines.append(f"  {t(role)}: {owed}")
    return lines


def _term_since(data: dict[str, Any]) -> list[str]:
    t, s = safe.terminal, data["since"]
    if s is None:
        return []
    lines = ["", f"Since {s['date']} ({s['compared']} releases compared):"]
    if s["problem"]:
        lines.append(f"  cannot compare: {t(s['problem'])}")
    lines += [f"  {t(c['release'])}: {c['kind']}: {t(c['text'], 240)}" for c in s["changes"]]
    if not s["changes"] and not s["problem"]:
        lines.append("  nothing changed")
    return lines


def _md(text: object) -> str:
    return str(safe.markdown(text))


def render_markdown(p: Portfolio) -> str:
    """A page to paste into the weekly meeting notes or a wiki, as it is."""
    data = view.build(p)
    out = [f"# Release portfolio — {data['today']}", "", f"**{_headline(data)}**", ""]
    out += _md_next_launch(data)
    out += _md_table(p, data)
    out += _md_blockers(data)
    out += _md_risks(data)
    out += _md_expiring(data)
    out += _md_signoffs(data)
    out += _md_since(data)
    out += ["", f"_Generated by readiness at {data['generated_at']}._", ""]
    return "\n".join(out)


def _md_next_launch(data: dict[str, Any]) -> list[str]:
    if not data["next_launch"]:
        return []
    nl = data["next_launch"]
    return [
        f"Next launch: **{_md(nl['release'])}** on {nl['date']}. Critical path: "
        + " → ".join(_md(x) for x in data["critical_path"]),
        "",
    ]


def _md_table(p: Portfolio, data: dict[str, Any]) -> list[str]:
    out = [
        "| Release | Version | Stage | Verdict | Next milestone | Blockers by owner | Open risks |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in data["releases"]:
        row = p.row(r["release"])
        owners = "; ".join(f"{_md(o)}: {len(items)}" for o, items in r["blockers_by_owner"].items())
        out.append(
            f"| {_md(r['release'])} | {_md(r['version'])} | {_stage(r['stage'])} | "
            f"**{r['verdict']}** | {_md(view.milestone_text(row.milestone if row else None))} | "
            f"{owners or '—'} | {_md(', '.join(r['open_risks'])) or '—'} |"
        )
    return out


def _md_blockers(data: dict[str, Any]) -> list[str]:
    blocked = [r for r in data["releases"] if r["blockers"]]
    if not blocked:
        return []
    out = ["", "## What blocks, by who must act", ""]
    for r in blocked:
        out.append(f"- **{_md(r['release'])}**")
        for owner, items in r["blockers_by_owner"].items():
            out += [f"  - *{_md(owner)}*: {_md(b['text'])}" for b in items]
    return out


def _md_risks(data: dict[str, Any]) -> list[str]:
    """The impact x likelihood matrix, then one row per risk."""
    if not data["risks"]:
        return []
    out = ["", "## Risk register", "", "| Impact \\ likelihood | low | medium | high |"]
    out.append("| --- | --- | --- | --- |")
    for row_ in data["risk_matrix"]:
        cells = [
            ", ".join(f"{_md(x['id'])} ({_md(x['release'])}, {x['state']})" for x in cell) or "—"
            for cell in (c["risks"] for c in row_["cells"])
        ]
        out.append(f"| **{row_['impact']}** | " + " | ".join(cells) + " |")
    out += ["", "| Release | Risk | Impact | Likelihood | Response | State |"]
    out.append("| --- | --- | --- | --- | --- | --- |")
    for x in data["risks"]:
        state = x["state"] + (f" until {x['accepted_until']}" if x["accepted_until"] else "")
        out.append(
            f"| {_md(x['release'])} | {_md(x['id'])}: {_md(x['title'])} | {x['impact']} | "
            f"{x['likelihood']} | {_md(x['response'])} | {_md(state)} |"
        )
    return out


def _md_expiring(data: dict[str, Any]) -> list[str]:
    exp = data["expiring"]
    out = ["", f"## Expiring within {exp['within_days']} days", ""]
    for e in exp["items"]:
        out.append(
            f"- {e['expires']} ({_when(e['days'])}): {_md(e['release'])} {e['kind']} "
            f"{_md(e['subject'])}, approved by {_md(e['approver'])}"
        )
    if not exp["items"]:
        out.append("Nothing expires.")
    return out


def _md_signoffs(data: dict[str, Any]) -> list[str]:
    out = ["", "## Sign-offs owed, by role", ""]
    for role, items in sorted(data["signoffs_owed"].items()):
        owed = ", ".join(f"{_md(i['release'])} ({i['state']})" for i in items)
        out.append(f"- **{_md(role)}**: {owed}")
    if not data["signoffs_owed"]:
        out.append("No sign-off is owed.")
    return out


def _md_since(data: dict[str, Any]) -> list[str]:
    s = data["since"]
    if s is None:
        return []
    out = ["", f"## What changed since {s['date']}", ""]
    if s["problem"]:
        out.append(f"Cannot compare: {_md(s['problem'])}")
    out += [f"- **{_md(c['release'])}** — {c['kind']}: {_md(c['text'])}" for c in s["changes"]]
    if not s["changes"] and not s["problem"]:
        out.append("Nothing changed.")
    return out
