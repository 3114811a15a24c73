"""Milestone states are pure functions of the dates, today and the verdicts: checked around
each date boundary; and the version specifiers of `requires`."""

from __future__ import annotations

import datetime as dt

import pytest

from readiness.portfolio.milestones import status
from readiness.portfolio.model import Slip
from readiness.versions import parse_specifier

D = dt.date
DATED = [("internal", D(2026, 11, 20)), ("public", D(2026, 12, 5)), ("launch", D(2026, 12, 20))]


@pytest.mark.parametrize(
    ("today", "blocked", "state", "days"),
    [
        (D(2026, 11, 27), True, "on track", 8),  # 8 days away: outside the 7-day window
        (D(2026, 11, 28), True, "at risk", 7),  # exactly at-risk-days away: inside (inclusive)
        (D(2026, 11, 28), False, "on track", 7),  # near, but nothing blocks
        (D(2026, 12, 5), True, "at risk", 0),  # the day itself is still on time
        (D(2026, 12, 5), False, "on track", 0),
        (D(2026, 12, 6), False, "late", -1),  # the day after: late, blocked or not
        (D(2026, 12, 6), True, "late", -1),
    ],
)
def test_next_milestone_state_around_its_date(
    today: dt.date, blocked: bool, state: str, days: int
) -> None:
    """Reached internal: the public milestone is judged, days counted to it."""
    ms = status(DATED, "internal", blocked=blocked, today=today, at_risk_days=7)
    assert ms is not None
    assert (ms.stage, ms.state, ms.days) == ("public", state, days)


def test_a_go_at_a_later_stage_reaches_the_earlier_milestones() -> None:
    """GO at public reaches internal and public: launch is next; all reached is done."""
    ms = status(DATED, "public", blocked=False, today=D(2026, 12, 30), at_risk_days=7)
    assert ms is not None
    assert (ms.stage, ms.state) == ("launch", "late")
    done = status(DATED, "launch", blocked=False, today=D(2027, 1, 1), at_risk_days=7)
    assert done is not None
    assert done.state == "done"


def test_nothing_reached_judges_the_first_milestone_and_no_milestones_judges_nothing() -> None:
    """Without a GO anywhere, internal is next (late after 2026-11-20); no dates, no state."""
    ms = status(DATED, None, blocked=True, today=D(2026, 11, 21), at_risk_days=0)
    assert ms is not None
    assert (ms.stage, ms.state, ms.days) == ("internal", "late", -1)
    assert status([], None, blocked=True, today=D(2026, 11, 21), at_risk_days=7) is None


def test_a_late_dependency_makes_a_far_milestone_at_risk_and_moves_its_date() -> None:
    """A slip of 9 days: at risk however far the date; expected date 9 days later."""
    slip = Slip("matching-options", "public", 9)
    ms = status(DATED, "internal", blocked=False, today=D(2026, 6, 1), at_risk_days=7, slips=[slip])
    assert ms is not None
    assert ms.state == "at risk"
    assert ms.expected == D(2026, 12, 14)


def test_at_risk_days_zero_means_only_the_day_itself() -> None:
    """With at-risk-days 0, a blocked release is at risk on the milestone day only."""
    day_before = status(DATED, "internal", blocked=True, today=D(2026, 12, 4), at_risk_days=0)
    on_the_day = status(DATED, "internal", blocked=True, today=D(2026, 12, 5), at_risk_days=0)
    assert day_before is not None and on_the_day is not None
    assert (day_before.state, on_the_day.state) == ("on track", "at risk")


@pytest.mark.parametrize(
    ("spec", "version", "ok"),
    [
        (">=2.1", "2.1.0", True),
        (">=2.1", "2.1", True),
        (">=2.1", "2.0.9", False),
        (">=2.1", "2.1.0-rc1", False),  # a pre-release sorts before its release
        (">2.1.0-rc1", "2.1.0-rc2", True),
        (">=2026.12.0, <2027", "2026.12.3", True),
        (">=2026.12.0, <2027", "2027.1.0", False),
        ("==2.1.*", "2.1.7", True),
        ("==2.1.*", "2.10.0", False),
        ("!=2.1.3", "2.1.3", False),
        (">=2.1", "not-a-version", False),  # unreadable versions never match
        ("<=2.1.0+build.7", "2.1.0", True),  # build metadata is ignored
    ],
)
def test_version_specifiers(spec: str, version: str, ok: bool) -> None:
    """Clauses all hold, numbers compare numerically, pre-releases sort first."""
    assert parse_specifier(spec).matches(version) is ok


@pytest.mark.parametrize("spec", ["2.1", "~=2.1", ">=", ">=2.x", ">=2.1.*"])
def test_malformed_specifiers_are_refused(spec: str) -> None:
    """A clause without an operator, or with a version that is not one, is a ValueError."""
    with pytest.raises(ValueError, match="version"):
        parse_specifier(spec)
