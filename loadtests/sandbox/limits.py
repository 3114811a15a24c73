"""Pre-trade risk limits and wallet withdrawal limits of the sandbox exchange. Pure, no I/O.

- **Risk limits** (the risk-control limits service): per account, a maximum open position (in
  contracts, long or short) and a maximum order notional. `RiskLimits.check(account, side,
  qty, price)` refuses an order that would cross either, with the limit it would break.
- **Withdrawals** (the wallet): per account, a daily withdrawal allowance and a per-request
  maximum; `Wallet.withdraw(account, amount, day)` refuses what would exceed either, and a
  frozen wallet (the wallet kill switch, risk R-11) refuses everything until unfrozen.

Amounts are exact `Decimal`s; a limit of zero forbids, a missing limit is the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


class LimitBreached(Exception):
    """A request was refused: it would break the named limit."""

    def __init__(self, limit: str, detail: str) -> None:
        super().__init__(f"{limit}: {detail}")
        self.limit = limit


@dataclass
class RiskLimits:
    """Position and order-notional limits per account."""

    max_position: int = 100
    max_notional: Decimal = Decimal(1_000_000)
    positions: dict[str, int] = field(default_factory=dict)
    overrides: dict[str, tuple[int, Decimal]] = field(default_factory=dict)

    def limits_of(self, account: str) -> tuple[int, Decimal]:
        return self.overrides.get(account, (self.max_position, self.max_notional))

    def check(self, account: str, side: str, qty: int, price: Decimal) -> None:
        """Raise LimitBreached when the order would break a limit; else nothing."""
        if side not in ("buy", "sell") or qty <= 0 or price <= 0:
            raise ValueError("an order needs side buy|sell, qty > 0 and price > 0")
        max_pos, max_notional = self.limits_of(account)
        notional = price * qty
        if notional > max_notional:
            raise LimitBreached("max-notional", f"{notional} > {max_notional}")
        after = self.positions.get(account, 0) + (qty if side == "buy" else -qty)
        if abs(after) > max_pos:
            raise LimitBreached("max-position", f"|{after}| > {max_pos}")

    def fill(self, account: str, side: str, qty: int) -> int:
        """Book a fill; the new position."""
        pos = self.positions.get(account, 0) + (qty if side == "buy" else -qty)
        self.positions[account] = pos
        return pos


@dataclass
class Wallet:
    """Withdrawals under a daily allowance and a per-request maximum, with a freeze switch."""

    daily_limit: Decimal = Decimal(50_000)
    per_request: Decimal = Decimal(20_000)
    frozen: bool = False
    withdrawn: dict[tuple[str, str], Decimal] = field(default_factory=dict)

    def withdraw(self, account: str, amount: Decimal, day: str) -> Decimal:
        """Withdraw `amount` on `day` (YYYY-MM-DD); the day's total so far."""
        if self.frozen:
            raise LimitBreached("frozen", "withdrawals are frozen")
        if amount <= 0:
            raise ValueError("a withdrawal is a positive amount")
        if amount > self.per_request:
            raise LimitBreached("per-request", f"{amount} > {self.per_request}")
        total = self.withdrawn.get((account, day), Decimal(0)) + amount
        if total > self.daily_limit:
            raise LimitBreached("daily", f"{total} > {self.daily_limit}")
        self.withdrawn[(account, day)] = total
        return total
