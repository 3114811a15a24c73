"""Property tests: random order streams never cross the book, conserve quantity, and match a
naive reference matcher fill for fill."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from sandbox.book import OrderBook

# An operation is ("place", side, price ticks, qty, tif) or ("cancel", index of an earlier order).
_place = st.tuples(
    st.just("place"),
    st.sampled_from(["buy", "sell"]),
    st.integers(min_value=95, max_value=105),
    st.integers(min_value=1, max_value=20),
    st.sampled_from(["gtc", "gtc", "gtc", "ioc"]),
)
_cancel = st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=200))
_streams = st.lists(st.one_of(_place, _place, _cancel), max_size=120)


@dataclass
class _RefOrder:
    oid: int
    side: str
    price: int
    remaining: int
    seq: int


class _ReferenceBook:
    """The obvious O(n) matcher: sort the eligible resting orders by (price, time) and fill."""

    def __init__(self) -> None:
        self.resting: list[_RefOrder] = []
        self.seq = 0

    def place(
        self, oid: int, side: str, price: int, qty: int, tif: str
    ) -> list[tuple[int, int, int]]:
        if side == "buy":
            eligible = sorted(
                (o for o in self.resting if o.side == "sell" and o.price <= price),
                key=lambda o: (o.price, o.seq),
            )
        else:
            eligible = sorted(
                (o for o in self.resting if o.side == "buy" and o.price >= price),
                key=lambda o: (-o.price, o.seq),
            )
        fills = []
        for maker in eligible:
            if qty == 0:
                break
            take = min(qty, maker.remaining)
            maker.remaining -= take
            qty -= take
            fills.append((maker.oid, maker.price, take))
        self.resting = [o for o in self.resting if o.remaining]
        if qty and tif == "gtc":
            self.seq += 1
            self.resting.append(_RefOrder(oid, side, price, qty, self.seq))
        return fills

    def cancel(self, oid: int) -> int | None:
        for o in self.resting:
            if o.oid == oid:
                self.resting.remove(o)
                return o.remaining
        return None


@settings(max_examples=150, deadline=None)
@given(_streams)
def test_random_streams_never_cross_and_conserve_quantity(stream: list[tuple]) -> None:  # type: ignore[type-arg]
    """After every operation the book is uncrossed and consistent, and placed quantity equals
    resting + 2 x traded + cancelled + expired quantity."""
    book = OrderBook("PROP")
    placed = traded = cancelled = expired = 0
    ids: list[int] = []
    for step, op in enumerate(stream, start=1):
        if op[0] == "place":
            _, side, ticks, qty, tif = op
            result = book.place(step, side, Decimal(ticks), qty, tif=tif)
            ids.append(step)
            placed += qty
            traded += result.filled_qty
            assert result.filled_qty == sum(f.qty for f in result.fills)
            if result.status == "expired":
                expired += qty - result.filled_qty
        elif ids:
            gone = book.cancel(ids[op[1] % len(ids)])
            cancelled += gone.remaining if gone is not None else 0
        book.check_invariants()
        # a taker's fills consume the same quantity from makers: each traded unit counts twice
        assert placed == book.resting_qty() + 2 * traded + cancelled + expired


@settings(max_examples=150, deadline=None)
@given(_streams)
def test_fills_match_a_naive_reference_matcher(stream: list[tuple]) -> None:  # type: ignore[type-arg]
    """Every fill (maker, price, qty) and every cancel agrees with a brute-force price-time
    matcher."""
    book = OrderBook("PROP")
    ref = _ReferenceBook()
    ids: list[int] = []
    for step, op in enumerate(stream, start=1):
        if op[0] == "place":
            _, side, ticks, qty, tif = op
            result = book.place(step, side, Decimal(ticks), qty, tif=tif)
            got = [(f.maker_order_id, int(f.price), f.qty) for f in result.fills]
            assert got == ref.place(step, side, ticks, qty, tif)
            ids.append(step)
        elif ids:
            oid = ids[op[1] % len(ids)]
            gone = book.cancel(oid)
            assert (gone.remaining if gone is not None else None) == ref.cancel(oid)
    assert sorted((o.order_id, o.remaining) for o in book.resting_orders()) == sorted(
        (o.oid, o.remaining) for o in ref.resting
    )
