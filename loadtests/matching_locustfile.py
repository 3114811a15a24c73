"""Load on the sandbox's matching engine: order entry, cancels and book depth.

Each user trades a few symbols around a fixed mid price: limit orders within +-50 ticks (about
half of them cross and trade), cancels of its own resting orders, and depth snapshots. Some
users are market makers whose resting orders carry an account, so fills accrue rebates.

Request names (Locust's stats keys are "<METHOD> <name>"): "POST /orders", "DELETE /orders",
"GET /book", "GET /trades". Ids and symbols go in `name=` so they do not explode the stats.
A cancel answered 409 (the order was filled in the meantime) is a success: that race is normal
trading. Run it as described in loadtests/README.md (always --headless with -t).
"""

from __future__ import annotations

import random
from decimal import Decimal

import common  # also registers the loopback guard
import hdr_listener  # noqa: F401 - registers the HDR recorder and the --hdr-log option
from locust import FastHttpUser, task

SYMBOLS = ("BTC-USD", "ETH-USD", "SOL-USD")
MID = Decimal("100.00")
TICK = Decimal("0.01")
MAX_OPEN = 50


class MatchingUser(FastHttpUser):
    """One trading client: places, cancels and reads the book."""

    host = common.DEFAULT_HOST
    wait_time = common.paced  # --user-rps N paces each user at N tasks/s

    def on_start(self) -> None:
        self.account = f"mm-{random.randint(1, 20)}" if random.random() < 0.5 else None
        self.open_orders: list[tuple[int, str]] = []

    @task(6)
    def place(self) -> None:
        symbol = random.choice(SYMBOLS)
        side = random.choice(("buy", "sell"))
        price = MID + TICK * random.randint(-50, 50)
        order = {
            "symbol": symbol,
            "side": side,
            "price": str(price),
            "qty": random.randint(1, 20),
        }
        if self.account:
            order["account"] = self.account
        # No manual verdicts: Locust then reports errors as they are (connection refused,
        # HTTP 4xx/5xx) instead of an opaque "HTTP 0".
        with self.client.post("/orders", json=order, name="/orders", catch_response=True) as resp:
            if resp.status_code == 201:
                body = resp.json()
                if body.get("resting_qty"):
                    self.open_orders.append((body["order_id"], symbol))
        if len(self.open_orders) > MAX_OPEN:
            self._cancel(self.open_orders.pop(0))

    @task(3)
    def cancel(self) -> None:
        if self.open_orders:
            self._cancel(self.open_orders.pop(random.randrange(len(self.open_orders))))

    def _cancel(self, order: tuple[int, str]) -> None:
        order_id, symbol = order
        with self.client.delete(
            f"/orders/{order_id}?symbol={symbol}", name="/orders", catch_response=True
        ) as resp:
            if resp.status_code == 409:  # filled before the cancel arrived: normal trading
                resp.success()

    @task(3)
    def depth(self) -> None:
        self.client.get(f"/book/{random.choice(SYMBOLS)}?depth=10", name="/book")

    @task(1)
    def trades(self) -> None:
        self.client.get(f"/trades/{random.choice(SYMBOLS)}?limit=20", name="/trades")
