"""The WSGI API in-process: routes, status codes, validation and the rebate switch over HTTP."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sandbox.app import Exchange, SandboxApp


class Client:
    """Calls the WSGI app directly (no sockets)."""

    def __init__(self) -> None:
        self.app = SandboxApp(Exchange(("BTC-USD", "ETH-USD"), clock=lambda: 1000.0))

    def call(
        self, method: str, path: str, body: Any = None, *, raw: bytes | None = None
    ) -> tuple[int, Any]:
        path, _, query = path.partition("?")
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(data)) if data else "",
            "wsgi.input": io.BytesIO(data),
        }
        seen: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            seen["status"] = int(status.split(maxsplit=1)[0])
            seen["headers"] = dict(headers)

        payload = b"".join(self.app(environ, start_response))
        assert seen["headers"]["Content-Type"] == "application/json"
        assert int(seen["headers"]["Content-Length"]) == len(payload)
        return seen["status"], json.loads(payload)


@pytest.fixture
def client() -> Client:
    return Client()


def test_place_match_and_book_depth(client: Client) -> None:
    """POST /orders rests or fills; GET /book shows aggregated levels with string prices."""
    status, body = client.call(
        "POST", "/orders", {"symbol": "BTC-USD", "side": "sell", "price": "100.5", "qty": 5}
    )
    assert status == 201 and body["status"] == "resting" and body["order_id"] == 1
    status, body = client.call(
        "POST", "/orders", {"symbol": "BTC-USD", "side": "buy", "price": 101, "qty": 2}
    )
    assert status == 201 and body["status"] == "filled"
    assert body["fills"] == [
        {
            "trade_id": 1,
            "price": "100.5",
            "qty": 2,
            "maker_order_id": 1,
            "maker_account": None,
            "rebate": None,
        }
    ]
    status, book = client.call("GET", "/book/BTC-USD?depth=3")
    assert (status, book) == (200, {"symbol": "BTC-USD", "bids": [], "asks": [["100.5", 3, 1]]})
    status, trades = client.call("GET", "/trades/BTC-USD?limit=5")
    assert status == 200 and trades["trade_count"] == 1 and trades["trades"][0]["qty"] == 2


def test_cancel_by_query_or_body_and_conflict_after_close(client: Client) -> None:
    """DELETE /orders/{id} takes the symbol from the query or the body; 409 once closed,
    404 unknown."""
    for _ in range(2):
        client.call(
            "POST", "/orders", {"symbol": "ETH-USD", "side": "buy", "price": "10", "qty": 4}
        )
    client.call("POST", "/orders", {"symbol": "ETH-USD", "side": "sell", "price": "10", "qty": 1})
    status, body = client.call("DELETE", "/orders/1?symbol=ETH-USD")
    assert (status, body["cancelled_qty"], body["filled_qty"]) == (200, 3, 1)
    status, body = client.call("DELETE", "/orders/2", {"symbol": "ETH-USD"})
    assert (status, body["cancelled_qty"]) == (200, 4)
    assert client.call("DELETE", "/orders/2?symbol=ETH-USD")[0] == 409
    assert client.call("DELETE", "/orders/99?symbol=ETH-USD")[0] == 404
    assert client.call("DELETE", "/orders/abc?symbol=ETH-USD")[0] == 404
    client.call("POST", "/orders", {"symbol": "ETH-USD", "side": "buy", "price": "1", "qty": 1})
    assert client.call("DELETE", "/orders/4?symbol=BTC-USD")[0] == 404, "wrong symbol"
    assert client.call("DELETE", "/orders/4")[0] == 400, "symbol missing"


def test_maker_fills_accrue_rebates_unless_frozen(client: Client) -> None:
    """A fill against an order with an account accrues its rebate; not while the switch is on."""
    client.call(
        "POST",
        "/orders",
        {"symbol": "BTC-USD", "side": "sell", "price": "100", "qty": 10, "account": "mm-1"},
    )
    _, body = client.call(
        "POST", "/orders", {"symbol": "BTC-USD", "side": "buy", "price": "100", "qty": 5}
    )
    assert body["fills"][0]["rebate"] == "0.1"  # 500 notional * 2 bps
    assert client.call("GET", "/rebates/mm-1")[1] == {
        "account": "mm-1",
        "accrued": "0.1",
        "accruals": 1,
        "from_fills": 1,
    }
    assert client.call("POST", "/rebates/freeze", {"reason": "drill"})[1] == {
        "frozen": True,
        "changed": True,
        "reason": "drill",
    }
    _, body = client.call(
        "POST", "/orders", {"symbol": "BTC-USD", "side": "buy", "price": "100", "qty": 5}
    )
    assert body["status"] == "filled" and body["fills"][0]["rebate"] is None
    status, body = client.call("POST", "/rebates/accrue", {"account": "mm-1", "amount": "1"})
    assert status == 423 and "drill" in body["error"]
    status, ledger = client.call("GET", "/rebates")
    assert status == 200 and ledger["frozen"] is True and ledger["frozen_at"] == 1000.0
    assert (ledger["refused_accruals"], ledger["skipped_fill_rebates"]) == (1, 1)
    assert client.call("POST", "/rebates/unfreeze")[1] == {"frozen": False, "changed": True}
    status, body = client.call("POST", "/rebates/accrue", {"account": "mm-1", "amount": 0.25})
    assert (status, body["accrued"], body["accruals"]) == (200, "0.35", 2)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/orders", {"symbol": "XXX", "side": "buy", "price": "1", "qty": 1}, 404),
        ("POST", "/orders", {"symbol": "BTC-USD", "side": "hold", "price": "1", "qty": 1}, 400),
        ("POST", "/orders", {"symbol": "BTC-USD", "side": "buy", "price": "-1", "qty": 1}, 400),
        ("POST", "/orders", {"symbol": "BTC-USD", "side": "buy", "price": "x", "qty": 1}, 400),
        ("POST", "/orders", {"symbol": "BTC-USD", "side": "buy", "price": "1", "qty": 1.5}, 400),
        ("POST", "/orders", {"symbol": "BTC-USD", "side": "buy", "price": "1", "qty": 0}, 400),
        (
            "POST",
            "/orders",
            {"symbol": "BTC-USD", "side": "buy", "price": "1", "qty": 1, "x": 1},
            400,
        ),
        ("POST", "/orders", [1, 2], 400),
        ("GET", "/orders", None, 405),
        ("GET", "/book/NOPE", None, 404),
        ("GET", "/book/BTC-USD?depth=0", None, 400),
        ("GET", "/book/BTC-USD?depth=abc", None, 400),
        ("GET", "/nowhere", None, 404),
        ("GET", "/", None, 404),
        ("POST", "/rebates/accrue", {"account": "a", "amount": "0"}, 400),
        ("POST", "/rebates/accrue", {"amount": "1"}, 400),
        ("GET", "/rebates/accrue", None, 405),
        ("DELETE", "/rebates", None, 405),
    ],
)
def test_invalid_requests_get_a_4xx_with_an_error_message(
    client: Client, method: str, path: str, body: Any, status: int
) -> None:
    """Unknown routes and symbols, wrong methods and invalid fields are 4xx JSON errors."""
    got, payload = client.call(method, path, body)
    assert got == status
    assert isinstance(payload["error"], str) and payload["error"]


def test_malformed_and_oversized_bodies_are_refused(client: Client) -> None:
    """A body that is not JSON is a 400; a body over 64 KiB is a 413."""
    assert client.call("POST", "/orders", raw=b"{not json")[0] == 400
    assert client.call("POST", "/orders", raw=b"x" * (64 * 1024 + 1))[0] == 413


def test_health_reports_symbols_and_open_orders(client: Client) -> None:
    """GET /health answers ok with the configured symbols and the resting order count."""
    client.call("POST", "/orders", {"symbol": "BTC-USD", "side": "buy", "price": "1", "qty": 1})
    status, body = client.call("GET", "/health")
    assert status == 200
    assert body == {
        "status": "ok",
        "symbols": ["BTC-USD", "ETH-USD"],
        "uptime_s": 0.0,
        "open_orders": 1,
    }
