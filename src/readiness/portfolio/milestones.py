"""Milestone states: pure functions of the dates, today and the verdicts.

For a release's next milestone (the first dated stage it has not reached with GO or CONDITIONAL
GO):
- **late** when its date has passed (today is after it, the day itself is still on time);
- **at risk** when it is `at-risk-days` away or nearer (today included) and something blocks
  the release, or when a release it requires is late (the slip moves this date);
- **on track** otherwise.

A release that reached every dated stage has no next milestone ("done"); one without
milestones has none to judge (neither blocks the portfolio's exit code).

A slip propagates: a late release's overdue days, and the slip it inherited itself, move the
milestone of every release that requires it and has not got what it needs (`Slip`), whose
expected date becomes its own date plus that many days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from readiness.criteria import STAGE_TITLES, STAGES
from readiness.portfolio.model import MilestoneState, MilestoneStatus, Slip

__all__ = ["STAGES", "next_milestone", "own_slip", "reached_index", "status", "title"]


def title(stage: str) -> str:
    """`public testing` for `public`."""
    return STAGE_TITLES.get(stage, stage)


def reached_index(reached: str | None) -> int:
    """The index of the stage reached in STAGES, -1 for none."""
    return STAGES.index(reached) if reached in STAGES else -1


def next_milestone(
    dated: Sequence[tuple[str, dt.date]], reached: str | None
) -> tuple[str, dt.date] | None:
    """The first dated stage after the stage reached, or None when all are reached."""
    done = reached_index(reached)
    return next(((s, d) for s, d in dated if STAGES.index(s) > done), None)


def status(
    dated: Sequence[tuple[str, dt.date]],
    reached: str | None,
    *,
    blocked: bool,
    today: dt.date,
    at_risk_days: int,
    slips: Sequence[Slip] = (),
) -> MilestoneStatus | None:
    """The state of the next milestone; None without milestones. `blocked`: something blocks
    the release now; `slips`: late releases it requires and does not yet have."""
    if not dated:
        return None
    nxt = next_milestone(dated, reached)
    if nxt is None:
        last_stage, last_date = dated[-1]
        return MilestoneStatus(last_stage, last_date, "done", (last_date - today).days, ())
    stage, date = nxt
    days = (date - today).days
    slip_days = max((s.days for s in slips), default=0)
    state: MilestoneState
    if days < 0:
        state = "late"
    elif (days <= at_risk_days and blocked) or slip_days > 0:
        state = "at risk"
    else:
        state = "on track"
    return MilestoneStatus(stage, date, state, days, tuple(slips))


def own_slip(ms: MilestoneStatus | None) -> int:
    """How many days this release's next milestone is overdue (0 unless late)."""
    return -ms.days if ms is not None and ms.state == "late" else 0
