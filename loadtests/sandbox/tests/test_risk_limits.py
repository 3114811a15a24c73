"""Pre-trade risk limits: position and notional limits per account (the risk-limits release)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sandbox.limits import LimitBreached, RiskLimits

D = Decimal


def test_an_order_within_both_limits_passes() -> None:
    """An order below the notional limit that keeps the position in range is accepted."""
    RiskLimits(max_position=10, max_notional=D(1000)).check("a", "buy", 5, D(100))


def test_notional_limit_is_inclusive() -> None:
    """Exactly the notional limit passes; one cent more is refused as max-notional."""
    limits = RiskLimits(max_position=100, max_notional=D(1000))
    limits.check("a", "buy", 10, D(100))
    with pytest.raises(LimitBreached) as err:
        limits.check("a", "buy", 10, D("100.01"))
    assert err.value.limit == "max-notional"


def test_position_limit_counts_existing_fills_both_ways() -> None:
    """Fills move the position; an order taking |position| past the limit is refused."""
    limits = RiskLimits(max_position=10)
    assert limits.fill("a", "buy", 8) == 8
    limits.check("a", "buy", 2, D(1))
    with pytest.raises(LimitBreached, match="max-position"):
        limits.check("a", "buy", 3, D(1))
    limits.check("a", "sell", 18, D(1))
    with pytest.raises(LimitBreached, match="max-position"):
        limits.check("a", "sell", 19, D(1))


def test_per_account_override_replaces_the_default() -> None:
    """A market maker's override applies to it alone."""
    limits = RiskLimits(max_position=10, overrides={"mm": (1000, D(10**9))})
    limits.check("mm", "buy", 500, D(10))
    with pytest.raises(LimitBreached):
        limits.check("retail", "buy", 500, D(10))


@pytest.mark.parametrize(("side", "qty", "price"), [("hold", 1, 1), ("buy", 0, 1), ("buy", 1, 0)])
def test_malformed_orders_are_refused(side: str, qty: int, price: int) -> None:
    """An unknown side, a zero quantity or a zero price is an error, not a pass."""
    with pytest.raises(ValueError, match="needs side"):
        RiskLimits().check("a", side, qty, D(price))
