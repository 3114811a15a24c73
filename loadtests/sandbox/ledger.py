"""The maker-rebate ledger, with the risk-control freeze switch. Pure Python, no I/O.

- **Fill rebates**: every fill whose resting (maker) order carries an account accrues
  `notional * rebate_bps / 10_000` to that account (`on_fill`).
- **Explicit accruals**: `accrue(account, amount)` adds an amount directly (the rebate load
  test's path, `POST /rebates/accrue`).
- **Freeze switch** (risk control; the response to e.g. rebate farming by wash trading):
  `freeze(reason)` stops all accrual at once: explicit accruals raise `RebatesFrozen` (HTTP 423)
  and fills accrue nothing (they still trade; the skipped rebates are only counted).
  `unfreeze()` resumes accrual; nothing skipped while frozen is back-filled. Both are
  idempotent and report whether they changed the state.
- Queries: `account(name)` (accrued total, number of accruals, how many came from fills) and
  `status()` (frozen or not, since when, why, totals, refused and skipped counts).

Amounts are exact `Decimal`s. An account never seen reads as zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

BPS = Decimal(10_000)


class RebatesFrozen(Exception):
    """An accrual was refused because the risk-control freeze switch is on."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"rebates are frozen: {reason}" if reason else "rebates are frozen")
        self.reason = reason


@dataclass(slots=True)
class AccountRebates:
    """One account's rebate balance."""

    accrued: Decimal = Decimal(0)
    accruals: int = 0
    from_fills: int = 0


class RebateLedger:
    """Per-account maker rebates plus the freeze switch; see the module docstring."""

    def __init__(self, rebate_bps: Decimal = Decimal(2)) -> None:
        if not rebate_bps.is_finite() or rebate_bps < 0:
            raise ValueError("rebate_bps must be a finite number >= 0")
        self.rebate_bps = rebate_bps
        self._accounts: dict[str, AccountRebates] = {}
        self.frozen = False
        self.freeze_reason = ""
        self.frozen_at: float | None = None
        self.refused_accruals = 0  # explicit accruals refused while frozen
        self.skipped_fill_rebates = 0  # maker fills that accrued nothing while frozen

    def on_fill(self, maker_account: str | None, notional: Decimal) -> Decimal | None:
        """Accrue the maker rebate of one fill; None when there is no account or while frozen."""
        if maker_account is None:
            return None
        if self.frozen:
            self.skipped_fill_rebates += 1
            return None
        amount = notional * self.rebate_bps / BPS
        acct = self._accounts.setdefault(maker_account, AccountRebates())
        acct.accrued += amount
        acct.accruals += 1
        acct.from_fills += 1
        return amount

    def accrue(self, account: str, amount: Decimal) -> AccountRebates:
        """Add `amount` (> 0) to `account`; raises RebatesFrozen while frozen."""
        if not amount.is_finite() or amount <= 0:
            raise ValueError("amount must be a positive finite number")
        if self.frozen:
            self.refused_accruals += 1
            raise RebatesFrozen(self.freeze_reason)
        acct = self._accounts.setdefault(account, AccountRebates())
        acct.accrued += amount
        acct.accruals += 1
        return acct

    def freeze(self, reason: str, now: float) -> bool:
        """Turn the switch on; True if it was off. A repeated freeze keeps the first reason."""
        if self.frozen:
            return False
        self.frozen = True
        self.freeze_reason = reason
        self.frozen_at = now
        return True

    def unfreeze(self) -> bool:
        """Turn the switch off; True if it was on."""
        if not self.frozen:
            return False
        self.frozen = False
        self.freeze_reason = ""
        self.frozen_at = None
        return True

    def account(self, name: str) -> AccountRebates:
        """The balance of `name` (zero for an account never seen); a copy."""
        acct = self._accounts.get(name)
        if acct is None:
            return AccountRebates()
        return AccountRebates(acct.accrued, acct.accruals, acct.from_fills)

    def status(self) -> dict[str, Any]:
        """The ledger-wide state, JSON-ready (amounts as strings)."""
        return {
            "frozen": self.frozen,
            "reason": self.freeze_reason,
            "frozen_at": self.frozen_at,
            "rebate_bps": str(self.rebate_bps),
            "accounts": len(self._accounts),
            "total_accrued": str(sum((a.accrued for a in self._accounts.values()), Decimal(0))),
            "refused_accruals": self.refused_accruals,
            "skipped_fill_rebates": self.skipped_fill_rebates,
        }
