"""What changed since the last review: this run against the store's evaluations at the review.

For each release, "then" is its latest evaluation recorded at or before the cut-off (`--since
7d`: seven days before now; `--since 2026-11-20`: the start of that day, UTC), and "now" is its
evaluation in this run. Reported: a release first evaluated since; a verdict that changed;
blockers that are new or closed (matched by what they are about — the criterion, the sign-off
role, the risk, the required release — not by their measured values); criteria whose status
got worse (PASS → WARN/WAIVED → FAIL/MISSING/ERROR/INCONCLUSIVE); risks added to the register
or newly accepted (compared only with evaluations that recorded the register); and milestones
that slipped (the state the milestone had on the review day, from the same pure function, is
worse now).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from readiness.history.record import BASELINE_VERDICTS, StoredEvaluation
from readiness.portfolio import milestones
from readiness.portfolio.model import Change, ReleaseRow
from readiness.report import Report

_RANK = {"PASS": 0, "WARN": 1, "WAIVED": 1, "FAIL": 2, "MISSING": 2, "ERROR": 2, "INCONCLUSIVE": 2}
_STATE_RANK = {"done": 0, "on track": 0, "at risk": 1, "late": 2}


def identity(text: str) -> str:
    """What a blocker is about, stable across runs: the text before its first `: ` (the second,
    for sign-offs: `sign-off: M. Duarte (qa) rejected the release`)."""
    parts = text.split(": ")
    if parts[0] in ("sign-off", "sign-offs") and len(parts) > 1:
        return ": ".join(parts[:2])
    return parts[0]


def then_of(history: Sequence[StoredEvaluation], cutoff: float) -> StoredEvaluation | None:
    """The latest evaluation at or before `cutoff` (history is newest first)."""
    return next((e for e in history if e.epoch <= cutoff), None)


def reached_at(history: Sequence[StoredEvaluation], cutoff: float | None) -> str | None:
    """The highest stage with a GO or CONDITIONAL GO recorded (at or before `cutoff`)."""
    best = -1
    for e in history:
        if (cutoff is None or e.epoch <= cutoff) and e.verdict in BASELINE_VERDICTS:
            best = max(best, milestones.reached_index(e.stage))
    return milestones.STAGES[best] if best >= 0 else None


def changes(
    row: ReleaseRow,
    report: Report,
    history: Sequence[StoredEvaluation],
    cutoff: float,
    cutoff_day: dt.date,
) -> list[Change]:
    """Every change of one release since the cut-off."""
    then = then_of(history, cutoff)
    if then is None:
        return [Change(row.release, "new release", f"first evaluated since {cutoff_day}")]
    return [
        *_verdict_changed(row, then),
        *_blockers_changed(row, then),
        *_regressed(row.release, report, then),
        *_risks_changed(row, then),
        *_milestone_slipped(row, then, history, cutoff, cutoff_day),
    ]


def _verdict_changed(row: ReleaseRow, then: StoredEvaluation) -> list[Change]:
    if then.verdict == row.verdict:
        return []
    text = f"{then.verdict} ({then.version}) → {row.verdict} ({row.version})"
    return [Change(row.release, "verdict", text)]


def _blockers_changed(row: ReleaseRow, then: StoredEvaluation) -> list[Change]:
    """Blockers new or closed, matched by what they are about (`identity`)."""
    before = {identity(t): t for t in then.blockers}
    now = {identity(str(b)): str(b) for b in row.blockers}
    return [Change(row.release, "new blocker", now[k]) for k in now if k not in before] + [
        Change(row.release, "closed blocker", before[k]) for k in before if k not in now
    ]


def _regressed(name: str, report: Report, then: StoredEvaluation) -> list[Change]:
    """Criteria whose status got worse (`_RANK`); statuses outside the ranking are skipped."""
    old_status = {c.key: c.status for c in then.criteria}
    out: list[Change] = []
    for r in report.verdict.results:
        was = old_status.get(r.key)
        if was in _RANK and r.status in _RANK and _RANK[r.status] > _RANK[was]:
            shown = f" ({r.observed} vs {r.threshold})" if r.observed else ""
            out.append(Change(name, "regressed", f"{r.key}: {was} → {r.status}{shown}"))
    return out


def _risks_changed(row: ReleaseRow, then: StoredEvaluation) -> list[Change]:
    """Risks added or newly accepted; nothing when `then` did not record the register."""
    if not then.risks:
        return []
    name = row.release
    old_risks = {r.get("id", ""): r for r in then.risks}
    out: list[Change] = []
    for risk in row.risks:
        rid = str(risk.get("id"))
        old = old_risks.get(rid)
        if old is None:
            text = f"{rid} ({risk.get('impact')}): {risk.get('title')}"
            out.append(Change(name, "risk added", text))
        elif risk.get("status") == "accepted" and old.get("status") != "accepted":
            acc = risk.get("accepted") or {}
            text = f"{rid}: accepted until {acc.get('expires')} by {acc.get('approver')}"
            out.append(Change(name, "risk accepted", text))
    return out


def _milestone_slipped(
    row: ReleaseRow,
    then: StoredEvaluation,
    history: Sequence[StoredEvaluation],
    cutoff: float,
    cutoff_day: dt.date,
) -> list[Change]:
    """The next milestone's state now against the state the same pure function gave on the
    review day."""
    ms = row.milestone
    if ms is None:
        return []
    was_ms = milestones.status(
        list(row.milestones),
        reached_at(history, cutoff),
        blocked=then.verdict not in BASELINE_VERDICTS,
        today=cutoff_day,
        at_risk_days=row.at_risk_days,
    )
    was_state = was_ms.state if was_ms is not None else "on track"
    if _STATE_RANK[ms.state] <= _STATE_RANK[was_state]:
        return []
    text = f"{milestones.title(ms.stage)} ({ms.date}): {was_state} on {cutoff_day}, now {ms.state}"
    return [Change(row.release, "milestone slipped", text)]
