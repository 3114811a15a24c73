"""A price-time-priority limit order book for one symbol. Pure Python, no I/O, no clock.

Rules:

- Limit orders only. An incoming order first trades against the opposite side while it
  crosses (a buy at or above the best ask, a sell at or below the best bid), best price first
  and, within a price level, oldest order first (price-time priority / FIFO). Every fill is at
  the **resting (maker) order's price**.
- Whatever remains of a "gtc" order rests in the book at its limit price, behind the orders
  already at that price. An "ioc" order never rests: its remainder expires.
- Because an order only rests once it no longer crosses, the book is never crossed: after every
  operation the best bid is strictly below the best ask.
- A resting order can be cancelled at any time, including after partial fills; only its
  remaining quantity leaves the book.
- No self-trade prevention: an account may trade against itself (the sandbox is a load target,
  not a venue).

Prices are `Decimal` (exact; no binary rounding of ticks), quantities positive `int`s.
Order ids are supplied by the caller (the exchange keeps them unique across symbols).
The book is not thread-safe; the sandbox serves it from one gevent hub, where a call never
yields midway.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Side = Literal["buy", "sell"]
TimeInForce = Literal["gtc", "ioc"]
Status = Literal["resting", "partial", "filled", "expired"]
SIDES: tuple[Side, ...] = ("buy", "sell")


@dataclass(slots=True)
class Order:
    """A resting order; `remaining` shrinks with each fill."""

    order_id: int
    side: Side
    price: Decimal
    qty: int
    remaining: int
    account: str | None


@dataclass(frozen=True, slots=True)
class Fill:
    """One trade between an incoming (taker) order and a resting (maker) order."""

    trade_id: int
    price: Decimal
    qty: int
    maker_order_id: int
    taker_order_id: int
    maker_account: str | None
    taker_account: str | None
    taker_side: Side

    @property
    def notional(self) -> Decimal:
        """Price times quantity."""
        return self.price * self.qty


@dataclass(frozen=True, slots=True)
class PlaceResult:
    """The outcome of placing one order.

    status: "filled" (nothing left), "partial" (some filled, the rest rests), "resting" (nothing
    filled, all rests), "expired" (an ioc order's unfilled remainder was dropped).
    """

    order_id: int
    status: Status
    filled_qty: int
    resting_qty: int
    fills: tuple[Fill, ...]


@dataclass(frozen=True, slots=True)
class Level:
    """One aggregated price level: total quantity and number of orders."""

    price: Decimal
    qty: int
    orders: int


@dataclass(slots=True)
class _Level:
    price: Decimal
    qty: int = 0
    orders: dict[int, Order] = field(default_factory=dict)  # insertion order = time priority


class OrderBook:
    """The order book of one symbol. See the module docstring for the matching rules."""

    def __init__(self, symbol: str, *, max_trades: int = 1000) -> None:
        self.symbol = symbol
        # Price -> level, and each side's prices sorted ascending (best bid last, best ask first).
        self._bids: dict[Decimal, _Level] = {}
        self._asks: dict[Decimal, _Level] = {}
        self._bid_prices: list[Decimal] = []
        self._ask_prices: list[Decimal] = []
        self._orders: dict[int, Order] = {}
        self._trades: deque[Fill] = deque(maxlen=max_trades)
        self._next_trade_id = 1
        self.trade_count = 0
        self.traded_qty = 0

    # ---- queries -------------------------------------------------------------------------

    def __contains__(self, order_id: int) -> bool:
        return order_id in self._orders

    def __len__(self) -> int:
        """The number of resting orders."""
        return len(self._orders)

    def get(self, order_id: int) -> Order | None:
        """The resting order with this id, or None."""
        return self._orders.get(order_id)

    def best_bid(self) -> Decimal | None:
        """The highest bid price, or None when there are no bids."""
        return self._bid_prices[-1] if self._bid_prices else None

    def best_ask(self) -> Decimal | None:
        """The lowest ask price, or None when there are no asks."""
        return self._ask_prices[0] if self._ask_prices else None

    def depth(self, levels: int = 10) -> tuple[list[Level], list[Level]]:
        """The best `levels` price levels per side, best first: (bids, asks)."""
        bid_prices = self._bid_prices[::-1][:levels] if levels > 0 else []
        ask_prices = self._ask_prices[:levels] if levels > 0 else []
        bids = [self._view(self._bids[p]) for p in bid_prices]
        asks = [self._view(self._asks[p]) for p in ask_prices]
        return bids, asks

    def trades(self, limit: int | None = None) -> list[Fill]:
        """The most recent trades (at most `max_trades` are kept), newest first."""
        newest_first = reversed(self._trades)
        if limit is None:
            return list(newest_first)
        return [t for _, t in zip(range(limit), newest_first, strict=False)]

    def resting_orders(self) -> Iterator[Order]:
        """Every resting order (no particular order)."""
        return iter(self._orders.values())

    def resting_qty(self) -> int:
        """The total remaining quantity of all resting orders."""
        return sum(o.remaining for o in self._orders.values())

    # ---- commands ------------------------------------------------------------------------

    def place(
        self,
        order_id: int,
        side: Side,
        price: Decimal,
        qty: int,
        *,
        account: str | None = None,
        tif: TimeInForce = "gtc",
    ) -> PlaceResult:
        """Match an incoming limit order, then rest (gtc) or expire (ioc) its remainder."""
        self._validate(order_id, side, price, qty, tif)
        fills: list[Fill] = []
        left = self._match(order_id, side, price, account, qty, fills)
        filled = qty - left
        if left == 0:
            status: Status = "filled"
        elif tif == "ioc":
            status = "expired"
        else:
            self._rest(Order(order_id, side, price, qty, left, account))
            status = "partial" if filled else "resting"
        return PlaceResult(
            order_id=order_id,
            status=status,
            filled_qty=filled,
            resting_qty=left if status in ("partial", "resting") else 0,
            fills=tuple(fills),
        )

    def _validate(
        self, order_id: int, side: Side, price: Decimal, qty: int, tif: TimeInForce
    ) -> None:
        """ValueError for an order the book cannot take."""
        if side not in SIDES:
            raise ValueError(f"side must be buy or sell, not {side!r}")
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            raise ValueError("qty must be a positive integer")
        if not price.is_finite() or price <= 0:
            raise ValueError("price must be a positive finite number")
        if tif not in ("gtc", "ioc"):
            raise ValueError(f"tif must be gtc or ioc, not {tif!r}")
        if order_id in self._orders:
            raise ValueError(f"order id {order_id} is already resting")

    def _match(
        self,
        order_id: int,
        side: Side,
        price: Decimal,
        account: str | None,
        left: int,
        fills: list[Fill],
    ) -> int:
        """Take the opposite side's best levels while they cross `price` (price, then time
        priority), dropping emptied levels; returns what is still unfilled."""
        if side == "buy":
            prices, book = self._ask_prices, self._asks
            while left and prices and prices[0] <= price:
                left = self._take(book[prices[0]], order_id, side, account, left, fills)
                if not book[prices[0]].orders:
                    del book[prices[0]]
                    del prices[0]
        else:
            prices, book = self._bid_prices, self._bids
            while left and prices and prices[-1] >= price:
                left = self._take(book[prices[-1]], order_id, side, account, left, fills)
                if not book[prices[-1]].orders:
                    del book[prices[-1]]
                    del prices[-1]
        return left

    def cancel(self, order_id: int) -> Order | None:
        """Remove a resting order (also a partly filled one); None if it is not resting.

        The returned order's `remaining` is the quantity that left the book.
        """
        order = self._orders.pop(order_id, None)
        if order is None:
            return None
        book, prices = (
            (self._bids, self._bid_prices)
            if order.side == "buy"
            else (self._asks, self._ask_prices)
        )
        level = book[order.price]
        del level.orders[order_id]
        level.qty -= order.remaining
        if not level.orders:
            del book[order.price]
            del prices[bisect.bisect_left(prices, order.price)]
        return order

    # ---- internals -----------------------------------------------------------------------

    def _take(
        self,
        level: _Level,
        taker_id: int,
        taker_side: Side,
        taker_account: str | None,
        left: int,
        fills: list[Fill],
    ) -> int:
        """Fill `left` against one level, oldest order first; returns what is still unfilled."""
        orders = level.orders
        while left and orders:
            maker_id = next(iter(orders))
            maker = orders[maker_id]
            qty = min(left, maker.remaining)
            maker.remaining -= qty
            level.qty -= qty
            left -= qty
            fill = Fill(
                trade_id=self._next_trade_id,
                price=level.price,
                qty=qty,
                maker_order_id=maker_id,
                taker_order_id=taker_id,
                maker_account=maker.account,
                taker_account=taker_account,
                taker_side=taker_side,
            )
            self._next_trade_id += 1
            self.trade_count += 1
            self.traded_qty += qty
            self._trades.append(fill)
            fills.append(fill)
            if maker.remaining == 0:
                del orders[maker_id]
                del self._orders[maker_id]
        return left

    def _rest(self, order: Order) -> None:
        book, prices = (
            (self._bids, self._bid_prices)
            if order.side == "buy"
            else (self._asks, self._ask_prices)
        )
        level = book.get(order.price)
        if level is None:
            level = book[order.price] = _Level(order.price)
            bisect.insort(prices, order.price)
        level.orders[order.order_id] = order
        level.qty += order.remaining
        self._orders[order.order_id] = order

    @staticmethod
    def _view(level: _Level) -> Level:
        return Level(level.price, level.qty, len(level.orders))

    def check_invariants(self) -> None:
        """Raise AssertionError if the book is inconsistent (used by the tests)."""
        bid, ask = self.best_bid(), self.best_ask()
        if bid is not None and ask is not None and not bid < ask:
            raise AssertionError(f"crossed book: best bid {bid} >= best ask {ask}")
        seen = self._check_side(self._bids, self._bid_prices, "buy")
        seen += self._check_side(self._asks, self._ask_prices, "sell")
        if seen != len(self._orders):
            raise AssertionError("id index holds orders that are in no level")

    def _check_side(self, book: dict[Decimal, _Level], prices: list[Decimal], side: str) -> int:
        """Check one side's price index and levels; the number of orders resting on it."""
        if prices != sorted(prices) or len(set(prices)) != len(prices):
            raise AssertionError(f"{side} prices not strictly sorted: {prices}")
        if set(prices) != set(book):
            raise AssertionError(f"{side} price index does not match its levels")
        seen = 0
        for price, level in book.items():
            if not level.orders:
                raise AssertionError(f"empty {side} level {price} kept")
            if level.qty != sum(o.remaining for o in level.orders.values()):
                raise AssertionError(f"{side} level {price} quantity out of sync")
            for oid, o in level.orders.items():
                seen += 1
                if o.side != side or o.price != price or o.remaining <= 0:
                    raise AssertionError(f"order {oid} misfiled")
                if self._orders.get(oid) is not o:
                    raise AssertionError(f"order {oid} missing from the id index")
        return seen
