"""The rebate ledger: accrual on fills and on request, and the risk-control freeze switch."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sandbox.ledger import RebateLedger, RebatesFrozen

D = Decimal


def test_fill_rebate_is_bps_of_notional_per_maker_account() -> None:
    """A maker fill accrues notional * bps / 10000 to the maker's account; no account, no rebate."""
    ledger = RebateLedger(D("2.5"))
    assert ledger.on_fill("mm-1", D("1000")) == D("0.25")
    assert ledger.on_fill("mm-1", D("200")) == D("0.05")
    assert ledger.on_fill(None, D("1000")) is None
    acct = ledger.account("mm-1")
    assert (acct.accrued, acct.accruals, acct.from_fills) == (D("0.30"), 2, 2)


def test_explicit_accruals_add_up_and_unknown_accounts_read_zero() -> None:
    """accrue() adds exact decimal amounts; an account never seen has a zero balance."""
    ledger = RebateLedger()
    ledger.accrue("a", D("0.1"))
    ledger.accrue("a", D("0.2"))
    assert ledger.account("a").accrued == D("0.3")
    assert ledger.account("a").accruals == 2
    assert ledger.account("nobody").accrued == 0
    assert ledger.status()["total_accrued"] == "0.3"


@pytest.mark.parametrize("amount", ["0", "-1", "NaN", "Infinity"])
def test_non_positive_or_non_finite_accruals_are_rejected(amount: str) -> None:
    """An accrual amount must be a positive finite number."""
    with pytest.raises(ValueError):
        RebateLedger().accrue("a", D(amount))


def test_freeze_refuses_accruals_and_skips_fill_rebates_until_unfrozen() -> None:
    """While frozen, accrue() raises and fills accrue nothing (counted); unfreeze resumes."""
    ledger = RebateLedger(D(1))
    ledger.accrue("a", D(1))
    assert ledger.freeze("wash trading suspected", now=1000.0) is True
    with pytest.raises(RebatesFrozen, match="wash trading suspected"):
        ledger.accrue("a", D(1))
    assert ledger.on_fill("a", D(10_000)) is None
    status = ledger.status()
    assert status["frozen"] is True
    assert status["reason"] == "wash trading suspected"
    assert status["frozen_at"] == 1000.0
    assert (status["refused_accruals"], status["skipped_fill_rebates"]) == (1, 1)
    assert ledger.account("a").accrued == D(1), "nothing accrued while frozen"

    assert ledger.unfreeze() is True
    ledger.accrue("a", D(1))
    assert ledger.on_fill("a", D(10_000)) == D(1)
    assert ledger.account("a").accrued == D(3), "nothing skipped is back-filled"


def test_freeze_and_unfreeze_are_idempotent() -> None:
    """A second freeze keeps the first reason and reports no change; so does a second unfreeze."""
    ledger = RebateLedger()
    assert ledger.freeze("first", now=1.0) is True
    assert ledger.freeze("second", now=2.0) is False
    assert ledger.status()["reason"] == "first"
    assert ledger.unfreeze() is True
    assert ledger.unfreeze() is False
    assert ledger.status()["frozen"] is False
