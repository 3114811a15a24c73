"""Wallet withdrawals v3: daily allowance, per-request maximum and the wallet freeze switch."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sandbox.limits import LimitBreached, Wallet

D = Decimal


def test_withdrawals_add_up_within_the_day() -> None:
    """Withdrawals on one day accumulate per account; another day starts again."""
    w = Wallet(daily_limit=D(100), per_request=D(60))
    assert w.withdraw("a", D(60), "2026-12-01") == D(60)
    assert w.withdraw("a", D(40), "2026-12-01") == D(100)
    assert w.withdraw("a", D(60), "2026-12-02") == D(60)
    assert w.withdraw("b", D(60), "2026-12-01") == D(60)


def test_daily_limit_is_inclusive_and_refusal_changes_nothing() -> None:
    """Reaching the allowance exactly passes; beyond it is refused and not booked."""
    w = Wallet(daily_limit=D(100), per_request=D(100))
    w.withdraw("a", D(100), "d")
    with pytest.raises(LimitBreached) as err:
        w.withdraw("a", D("0.01"), "d")
    assert err.value.limit == "daily"
    assert w.withdrawn[("a", "d")] == D(100)


def test_per_request_maximum() -> None:
    """One request above the per-request maximum is refused even within the allowance."""
    with pytest.raises(LimitBreached, match="per-request"):
        Wallet(daily_limit=D(100), per_request=D(10)).withdraw("a", D(11), "d")


def test_freeze_switch_refuses_everything_until_unfrozen() -> None:
    """The wallet kill switch (risk R-11's response) stops every withdrawal at once."""
    w = Wallet()
    w.frozen = True
    with pytest.raises(LimitBreached, match="frozen"):
        w.withdraw("a", D(1), "d")
    w.frozen = False
    assert w.withdraw("a", D(1), "d") == D(1)


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_non_positive_amounts_are_errors(amount: str) -> None:
    """A zero or negative withdrawal is an error, never a silent no-op."""
    with pytest.raises(ValueError, match="positive"):
        Wallet().withdraw("a", D(amount), "d")
