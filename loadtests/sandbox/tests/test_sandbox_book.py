"""Matching correctness of the order book: priority, partial fills, cancels, no crossed book."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sandbox.book import OrderBook

D = Decimal


def _book_with(*orders: tuple[int, str, str, int]) -> OrderBook:
    book = OrderBook("TEST")
    for oid, side, price, qty in orders:
        result = book.place(oid, side, D(price), qty, account=f"acct-{oid}")  # type: ignore[arg-type]
        assert result.status == "resting"
    return book


def test_non_crossing_orders_rest_and_depth_aggregates_levels() -> None:
    """Orders that do not cross rest; depth sums quantity and counts orders per level,
    best first."""
    book = _book_with(
        (1, "buy", "99", 5),
        (2, "buy", "99", 7),
        (3, "buy", "98", 1),
        (4, "sell", "101", 4),
        (5, "sell", "102", 2),
    )
    bids, asks = book.depth(10)
    assert [(lv.price, lv.qty, lv.orders) for lv in bids] == [(D(99), 12, 2), (D(98), 1, 1)]
    assert [(lv.price, lv.qty, lv.orders) for lv in asks] == [(D(101), 4, 1), (D(102), 2, 1)]
    assert book.depth(1) == ([bids[0]], [asks[0]])
    assert book.best_bid() == D(99) and book.best_ask() == D(101)
    book.check_invariants()


def test_better_price_fills_first_then_earlier_order_at_same_price() -> None:
    """Price-time priority: best price first, and FIFO among orders at one price."""
    book = _book_with(
        (1, "sell", "101", 3),  # worse price, first in time
        (2, "sell", "100", 2),  # best price, earlier
        (3, "sell", "100", 2),  # best price, later
    )
    result = book.place(10, "buy", D(101), 6)
    assert [(f.maker_order_id, f.price, f.qty) for f in result.fills] == [
        (2, D(100), 2),
        (3, D(100), 2),
        (1, D(101), 2),
    ]
    assert result.status == "filled" and result.filled_qty == 6
    assert book.get(1) is not None and book.get(1).remaining == 1  # type: ignore[union-attr]
    book.check_invariants()


def test_fills_happen_at_the_resting_orders_price() -> None:
    """A marketable order trades at the maker's price, not its own limit."""
    book = _book_with((1, "buy", "99.50", 10))
    result = book.place(2, "sell", D("90"), 4)
    assert [(f.price, f.qty, f.taker_side) for f in result.fills] == [(D("99.50"), 4, "sell")]
    assert result.fills[0].maker_account == "acct-1"
    assert result.fills[0].notional == D("398.00")


def test_partial_fill_rests_the_remainder_at_its_limit() -> None:
    """An order larger than the opposite liquidity fills what it can and rests the rest."""
    book = _book_with((1, "sell", "100", 3))
    result = book.place(2, "buy", D("100.5"), 10)
    assert result.status == "partial"
    assert (result.filled_qty, result.resting_qty) == (3, 7)
    assert book.best_ask() is None
    assert book.best_bid() == D("100.5")
    assert book.depth(5)[0][0].qty == 7
    book.check_invariants()


def test_new_order_at_an_existing_price_queues_behind_older_orders() -> None:
    """A partly filled taker that rests joins the back of its level's queue."""
    book = _book_with((1, "buy", "100", 2))
    book.place(2, "sell", D("101"), 1)
    book.place(3, "buy", D("101"), 3)  # fills 1 @ 101, rests 2 @ 101
    book.place(4, "buy", D("101"), 1)
    result = book.place(5, "sell", D("100"), 4)
    assert [(f.maker_order_id, f.qty) for f in result.fills] == [(3, 2), (4, 1), (1, 1)]
    book.check_invariants()


def test_cancel_of_partly_filled_order_removes_only_the_remainder() -> None:
    """Cancelling a partly filled order returns its remaining quantity and empties its level."""
    book = _book_with((1, "sell", "100", 10), (2, "sell", "100", 5))
    book.place(3, "buy", D("100"), 4)
    cancelled = book.cancel(1)
    assert cancelled is not None
    assert (cancelled.qty, cancelled.remaining) == (10, 6)
    assert book.depth(5)[1][0].qty == 5 and book.depth(5)[1][0].orders == 1
    assert book.cancel(1) is None, "a second cancel finds nothing"
    assert book.cancel(2) is not None
    assert book.best_ask() is None
    book.check_invariants()


def test_cancel_of_a_filled_or_unknown_order_returns_none() -> None:
    """Only resting orders can be cancelled; filled and unknown ids give None."""
    book = _book_with((1, "buy", "100", 2))
    book.place(2, "sell", D("100"), 2)
    assert book.cancel(1) is None
    assert book.cancel(999) is None
    assert len(book) == 0


def test_ioc_remainder_expires_instead_of_resting() -> None:
    """An ioc order trades what crosses and never rests."""
    book = _book_with((1, "sell", "100", 2))
    result = book.place(2, "buy", D("105"), 5, tif="ioc")
    assert (result.status, result.filled_qty, result.resting_qty) == ("expired", 2, 0)
    assert len(book) == 0
    assert book.place(3, "buy", D("99"), 1, tif="ioc").status == "expired"
    assert len(book) == 0


def test_sweeping_several_levels_never_leaves_a_crossed_book() -> None:
    """A large order sweeps levels up to its limit and stops; the book stays uncrossed."""
    book = _book_with(
        (1, "sell", "100", 1), (2, "sell", "101", 1), (3, "sell", "102", 1), (4, "buy", "98", 1)
    )
    result = book.place(5, "buy", D("101"), 5)
    assert [f.price for f in result.fills] == [D(100), D(101)]
    assert book.best_bid() == D(101) and book.best_ask() == D(102)
    book.check_invariants()


def test_trades_are_recorded_newest_first_and_bounded() -> None:
    """The trade tape keeps the newest `max_trades` trades; the counters keep the totals."""
    book = OrderBook("TEST", max_trades=3)
    for i in range(5):
        book.place(100 + i, "sell", D(100), 1)
        book.place(200 + i, "buy", D(100), 1)
    tape = book.trades()
    assert [t.maker_order_id for t in tape] == [104, 103, 102]
    assert [t.maker_order_id for t in book.trades(limit=1)] == [104]
    assert (book.trade_count, book.traded_qty) == (5, 5)


@pytest.mark.parametrize(
    ("side", "price", "qty"),
    [
        ("hold", "100", 1),
        ("buy", "0", 1),
        ("buy", "-1", 1),
        ("buy", "NaN", 1),
        ("buy", "Infinity", 1),
        ("buy", "100", 0),
        ("buy", "100", -3),
        ("buy", "100", True),
    ],
)
def test_invalid_orders_are_rejected(side: str, price: str, qty: int) -> None:
    """Bad side, non-positive or non-finite price, non-positive or non-int qty raise ValueError."""
    book = OrderBook("TEST")
    with pytest.raises(ValueError):
        book.place(1, side, D(price), qty)  # type: ignore[arg-type]
    assert len(book) == 0


def test_duplicate_resting_order_id_is_rejected() -> None:
    """An id that is already resting cannot be reused."""
    book = _book_with((1, "buy", "100", 1))
    with pytest.raises(ValueError, match="already resting"):
        book.place(1, "buy", D(99), 1)
