"""Kill-switch drill: the risk-control switch freezes the rebate strategy, for real, over HTTP.

The response plan of risk R-07 ("rebate system exploited by wash trading -> freeze the rebate
strategy with the risk-control switch") is only credible if the switch works. This drill starts
the sandbox exchange on loopback and proves, step by step, that once frozen no rebate accrues —
neither by explicit accrual nor through maker fills — while payouts stay readable, and that
unfreezing restores accrual. Its JUnit result is the evidence of check `kill-switch-drill`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

LOADTESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def exchange() -> Iterator[http.client.HTTPConnection]:
    """The sandbox exchange on a free loopback port; killed with its process group afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0"],
        cwd=LOADTESTS,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        assert ready, "the sandbox did not start within 15 s"
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:"), line
        conn = http.client.HTTPConnection("127.0.0.1", int(line.rsplit(":", 1)[1]), timeout=5)
        yield conn
        conn.close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def call(conn: http.client.HTTPConnection, method: str, path: str, body: Any = None) -> Any:
    conn.request(
        method,
        path,
        body=None if body is None else json.dumps(body),
        headers={"Content-Type": "application/json"},
    )
    resp = conn.getresponse()
    return resp.status, json.loads(resp.read())


def maker_fill(conn: http.client.HTTPConnection, maker: str) -> dict[str, Any]:
    """A resting maker order from `maker`, then a taker order that fills it."""
    status, _ = call(
        conn,
        "POST",
        "/orders",
        {"symbol": "ETH-USD", "side": "sell", "price": "2000", "qty": 5, "account": maker},
    )
    assert status == 201
    status, taker = call(
        conn,
        "POST",
        "/orders",
        {"symbol": "ETH-USD", "side": "buy", "price": "2000", "qty": 5, "account": "taker-1"},
    )
    assert status == 201
    assert taker["status"] == "filled"
    return taker  # type: ignore[no-any-return]


def test_1_rebates_accrue_before_the_drill(exchange: http.client.HTTPConnection) -> None:
    """Baseline: a maker fill accrues a rebate and an explicit accrual is accepted."""
    maker_fill(exchange, "mm-drill")
    assert (
        call(exchange, "POST", "/rebates/accrue", {"account": "mm-drill", "amount": "1.5"})[0]
        == 200
    )
    _, balance = call(exchange, "GET", "/rebates/mm-drill")
    assert float(balance["accrued"]) > 1.5


def test_2_switch_freezes_accruals(exchange: http.client.HTTPConnection) -> None:
    """Pulling the switch freezes the strategy: explicit accruals are refused with 423."""
    status, body = call(exchange, "POST", "/rebates/freeze", {"reason": "drill: wash trading"})
    assert (status, body["frozen"]) == (200, True)
    status, _ = call(exchange, "POST", "/rebates/accrue", {"account": "mm-drill", "amount": "9"})
    assert status == 423


def test_3_fills_accrue_nothing_while_frozen(exchange: http.client.HTTPConnection) -> None:
    """Matching goes on while frozen, but maker fills no longer accrue any rebate."""
    _, before = call(exchange, "GET", "/rebates/mm-drill")
    maker_fill(exchange, "mm-drill")
    _, after = call(exchange, "GET", "/rebates/mm-drill")
    assert after["accrued"] == before["accrued"]
    _, ledger = call(exchange, "GET", "/rebates")
    assert ledger["frozen"] is True
    assert ledger["skipped_fill_rebates"] >= 1


def test_4_payouts_stay_readable_while_frozen(exchange: http.client.HTTPConnection) -> None:
    """Support can still read every balance during the freeze."""
    status, balance = call(exchange, "GET", "/rebates/mm-drill")
    assert status == 200
    assert float(balance["accrued"]) > 0


def test_5_unfreeze_restores_accrual(exchange: http.client.HTTPConnection) -> None:
    """Releasing the switch restores accruals: the drill leaves the system as it found it."""
    assert call(exchange, "POST", "/rebates/unfreeze")[1]["frozen"] is False
    assert (
        call(exchange, "POST", "/rebates/accrue", {"account": "mm-drill", "amount": "1"})[0] == 200
    )
