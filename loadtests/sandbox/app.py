"""The sandbox exchange's HTTP JSON API as a plain WSGI application (no framework).

All bodies are JSON (`Content-Type: application/json`); prices and amounts are decimal
**strings** in responses (exact) and may be strings or numbers in requests; quantities are
integers. Errors are `{"error": "..."}` with a 4xx status. There is no authentication: the
sandbox binds to loopback only (see `sandbox.server`).

Orders
    POST   /orders                 {"symbol", "side": "buy"|"sell", "price", "qty",
                                    "account"?: maker account for rebates, "tif"?: "gtc"|"ioc"}
                                   -> 201 {"order_id", "symbol", "status", "filled_qty",
                                    "resting_qty", "fills": [{"trade_id", "price", "qty",
                                    "maker_order_id", "maker_account", "rebate"}]}
                                   status: resting | partial | filled | expired (ioc remainder)
    DELETE /orders/{id}?symbol=S   (or {"symbol": S} as the body)
                                   -> 200 {"order_id", "symbol", "cancelled_qty", "filled_qty"}
                                   -> 409 the order existed but is no longer open (filled or
                                      cancelled: an expected race for a trading client)
                                   -> 404 no such order (or it rests on another symbol)
Market data
    GET    /book/{symbol}?depth=N  -> 200 {"symbol", "bids": [[price, qty, orders], ...],
                                    "asks": [...]}  best first; N in 1..1000, default 10
    GET    /trades/{symbol}?limit=N-> 200 {"symbol", "trade_count", "traded_qty",
                                    "trades": [...newest first]}  N in 1..1000, default 50
Rebates (see `sandbox.ledger`)
    POST   /rebates/accrue         {"account", "amount"} -> 200 {"account", "accrued",
                                    "accruals"}; 423 while frozen
    GET    /rebates/{account}      -> 200 {"account", "accrued", "accruals", "from_fills"}
                                    (the payable balance; zero for an unknown account)
    GET    /rebates                -> 200 the ledger status: {"frozen", "reason", "frozen_at",
                                    "rebate_bps", "accounts", "total_accrued",
                                    "refused_accruals", "skipped_fill_rebates"}
    POST   /rebates/freeze         {"reason"?} -> 200 {"frozen": true, "changed", "reason"}
    POST   /rebates/unfreeze       -> 200 {"frozen": false, "changed"}
Operations
    GET    /health                 -> 200 {"status": "ok", "symbols", "uptime_s",
                                    "open_orders"}
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs

from sandbox.book import Fill, OrderBook, Side, TimeInForce
from sandbox.ledger import RebateLedger, RebatesFrozen

DEFAULT_SYMBOLS = ("BTC-USD", "ETH-USD", "SOL-USD")
MAX_BODY = 64 * 1024
MAX_LIST = 1000
MAX_QTY = 10**9
MAX_NAME = 64

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Environ = dict[str, Any]

_REASONS = {
    200: "200 OK",
    201: "201 Created",
    400: "400 Bad Request",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    409: "409 Conflict",
    411: "411 Length Required",
    413: "413 Payload Too Large",
    423: "423 Locked",
    500: "500 Internal Server Error",
}


class HttpError(Exception):
    """An error answered as `{"error": message}` with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Exchange:
    """The books of a fixed set of symbols, the rebate ledger, and one global order-id sequence."""

    def __init__(
        self,
        symbols: Iterable[str] = DEFAULT_SYMBOLS,
        *,
        rebate_bps: Decimal = Decimal(2),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.books = {s: OrderBook(s) for s in symbols}
        if not self.books:
            raise ValueError("at least one symbol is needed")
        self.ledger = RebateLedger(rebate_bps)
        self.clock = clock
        self.started = clock()
        self._next_order_id = 1
        self._open: dict[int, str] = {}  # resting order id -> symbol

    def book(self, symbol: str) -> OrderBook:
        """The book of `symbol`; HttpError 404 for an unknown symbol."""
        book = self.books.get(symbol)
        if book is None:
            raise HttpError(404, f"unknown symbol {symbol!r} (known: {', '.join(self.books)})")
        return book

    def place(
        self,
        symbol: str,
        side: Side,
        price: Decimal,
        qty: int,
        account: str | None,
        tif: TimeInForce,
    ) -> dict[str, Any]:
        """Place an order, accrue the makers' rebates, and describe the outcome."""
        book = self.book(symbol)
        order_id = self._next_order_id
        self._next_order_id += 1
        result = book.place(order_id, side, price, qty, account=account, tif=tif)
        fills = []
        for fill in result.fills:
            rebate = self.ledger.on_fill(fill.maker_account, fill.notional)
            if fill.maker_order_id not in book:
                self._open.pop(fill.maker_order_id, None)
            fills.append(_fill_json(fill, rebate))
        if result.resting_qty:
            self._open[order_id] = symbol
        return {
            "order_id": order_id,
            "symbol": symbol,
            "status": result.status,
            "filled_qty": result.filled_qty,
            "resting_qty": result.resting_qty,
            "fills": fills,
        }

    def cancel(self, order_id: int, symbol: str) -> dict[str, Any]:
        """Cancel a resting order; 404 unknown (or other symbol), 409 no longer open."""
        book = self.book(symbol)
        where = self._open.get(order_id)
        if where is None:
            if 0 < order_id < self._next_order_id:
                raise HttpError(409, f"order {order_id} is not open (filled or cancelled)")
            raise HttpError(404, f"no order {order_id}")
        if where != symbol:
            raise HttpError(404, f"order {order_id} does not rest on {symbol}")
        order = book.cancel(order_id)
        del self._open[order_id]
        if order is None:  # pragma: no cover - the index and the book move together
            raise HttpError(409, f"order {order_id} is not open")
        return {
            "order_id": order_id,
            "symbol": symbol,
            "cancelled_qty": order.remaining,
            "filled_qty": order.qty - order.remaining,
        }


def _fill_json(fill: Fill, rebate: Decimal | None) -> dict[str, Any]:
    return {
        "trade_id": fill.trade_id,
        "price": str(fill.price),
        "qty": fill.qty,
        "maker_order_id": fill.maker_order_id,
        "maker_account": fill.maker_account,
        "rebate": None if rebate is None else str(rebate),
    }


# ---- request parsing ---------------------------------------------------------------------


def _body(environ: Environ) -> dict[str, Any]:
    raw_len = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if raw_len:
        try:
            length = int(raw_len)
        except ValueError:
            raise HttpError(400, "invalid Content-Length") from None
        if length > MAX_BODY:
            raise HttpError(413, f"body over {MAX_BODY} bytes")
        data = stream.read(length) if length > 0 else b""
    else:
        data = stream.read(MAX_BODY + 1) if environ.get("HTTP_TRANSFER_ENCODING") else b""
        if len(data) > MAX_BODY:
            raise HttpError(413, f"body over {MAX_BODY} bytes")
    if not data.strip():
        return {}
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, "body is not valid JSON") from None
    if not isinstance(body, dict):
        raise HttpError(400, "body must be a JSON object")
    return body


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise HttpError(400, f"{field} must be a decimal number or string")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise HttpError(400, f"{field} must be a decimal number, not {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise HttpError(400, f"{field} must be positive and finite")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -12:
        raise HttpError(400, f"{field} has more than 12 decimals")
    return number


def _name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_NAME or not value.isprintable():
        raise HttpError(400, f"{field} must be a printable string of 1..{MAX_NAME} characters")
    return value


def _int_param(query: dict[str, list[str]], key: str, default: int) -> int:
    values = query.get(key)
    if not values:
        return default
    try:
        n = int(values[-1])
    except ValueError:
        raise HttpError(400, f"{key} must be an integer") from None
    if not 1 <= n <= MAX_LIST:
        raise HttpError(400, f"{key} must be in 1..{MAX_LIST}")
    return n


# ---- routes ------------------------------------------------------------------------------


def _place(ex: Exchange, body: dict[str, Any]) -> tuple[int, Any]:
    symbol = _name(body.get("symbol"), "symbol")
    side = body.get("side")
    if side not in ("buy", "sell"):
        raise HttpError(400, 'side must be "buy" or "sell"')
    qty = body.get("qty")
    if not isinstance(qty, int) or isinstance(qty, bool) or not 0 < qty <= MAX_QTY:
        raise HttpError(400, f"qty must be an integer in 1..{MAX_QTY}")
    tif = body.get("tif", "gtc")
    if tif not in ("gtc", "ioc"):
        raise HttpError(400, 'tif must be "gtc" or "ioc"')
    price = _decimal(body.get("price"), "price")
    raw_account = body.get("account")
    account = None if raw_account is None else _name(raw_account, "account")
    unknown = set(body) - {"symbol", "side", "price", "qty", "account", "tif"}
    if unknown:
        raise HttpError(400, f"unknown fields: {', '.join(sorted(unknown))}")
    return 201, ex.place(symbol, side, price, qty, account, tif)


def _cancel(ex: Exchange, raw_id: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    try:
        order_id = int(raw_id)
    except ValueError:
        raise HttpError(404, f"no order {raw_id!r}") from None
    symbol = (query.get("symbol") or [None])[-1] or body.get("symbol")
    return 200, ex.cancel(order_id, _name(symbol, "symbol (query or body)"))


def _book(ex: Exchange, symbol: str, query: dict[str, list[str]]) -> tuple[int, Any]:
    bids, asks = ex.book(symbol).depth(_int_param(query, "depth", 10))
    return 200, {
        "symbol": symbol,
        "bids": [[str(lv.price), lv.qty, lv.orders] for lv in bids],
        "asks": [[str(lv.price), lv.qty, lv.orders] for lv in asks],
    }


def _trades(ex: Exchange, symbol: str, query: dict[str, list[str]]) -> tuple[int, Any]:
    book = ex.book(symbol)
    trades = book.trades(_int_param(query, "limit", 50))
    return 200, {
        "symbol": symbol,
        "trade_count": book.trade_count,
        "traded_qty": book.traded_qty,
        "trades": [
            {
                "trade_id": t.trade_id,
                "price": str(t.price),
                "qty": t.qty,
                "maker_order_id": t.maker_order_id,
                "taker_order_id": t.taker_order_id,
                "taker_side": t.taker_side,
            }
            for t in trades
        ],
    }


def _rebates(ex: Exchange, method: str, parts: list[str], environ: Environ) -> tuple[int, Any]:
    ledger = ex.ledger
    if len(parts) == 1:
        _allow(method, "GET")
        return 200, ledger.status()
    action = parts[1]
    if len(parts) == 2 and action == "accrue":
        _allow(method, "POST")
        body = _body(environ)
        account = _name(body.get("account"), "account")
        amount = _decimal(body.get("amount"), "amount")
        try:
            acct = ledger.accrue(account, amount)
        except RebatesFrozen as exc:
            raise HttpError(423, str(exc)) from None
        return 200, {"account": account, "accrued": str(acct.accrued), "accruals": acct.accruals}
    if len(parts) == 2 and action == "freeze":
        _allow(method, "POST")
        body = _body(environ)
        reason = body.get("reason", "")
        if not isinstance(reason, str) or len(reason) > 500:
            raise HttpError(400, "reason must be a string of at most 500 characters")
        changed = ledger.freeze(reason, ex.clock())
        return 200, {"frozen": True, "changed": changed, "reason": ledger.freeze_reason}
    if len(parts) == 2 and action == "unfreeze":
        _allow(method, "POST")
        return 200, {"frozen": False, "changed": ledger.unfreeze()}
    if len(parts) == 2:
        _allow(method, "GET")
        acct = ledger.account(action)
        return 200, {
            "account": action,
            "accrued": str(acct.accrued),
            "accruals": acct.accruals,
            "from_fills": acct.from_fills,
        }
    raise HttpError(404, "no such route")


def _allow(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise HttpError(405, f"method {method} not allowed here (allowed: {', '.join(allowed)})")


def _route(ex: Exchange, environ: Environ) -> tuple[int, Any]:
    method = environ.get("REQUEST_METHOD", "GET")
    parts = [p for p in environ.get("PATH_INFO", "/").split("/") if p]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if not parts:
        raise HttpError(404, "no such route")
    head = parts[0]
    if head == "orders" and len(parts) == 1:
        _allow(method, "POST")
        return _place(ex, _body(environ))
    if head == "orders" and len(parts) == 2:
        _allow(method, "DELETE")
        return _cancel(ex, parts[1], query, _body(environ))
    if head == "book" and len(parts) == 2:
        _allow(method, "GET")
        return _book(ex, parts[1], query)
    if head == "trades" and len(parts) == 2:
        _allow(method, "GET")
        return _trades(ex, parts[1], query)
    if head == "rebates":
        return _rebates(ex, method, parts, environ)
    if head == "health" and len(parts) == 1:
        _allow(method, "GET")
        return 200, {
            "status": "ok",
            "symbols": list(ex.books),
            "uptime_s": round(ex.clock() - ex.started, 3),
            "open_orders": sum(len(b) for b in ex.books.values()),
        }
    raise HttpError(404, "no such route")


class SandboxApp:
    """The WSGI application: `SandboxApp(exchange)(environ, start_response)`."""

    def __init__(self, exchange: Exchange | None = None) -> None:
        self.exchange = exchange if exchange is not None else Exchange()

    def __call__(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        try:
            status, payload = _route(self.exchange, environ)
        except HttpError as exc:
            status, payload = exc.status, {"error": exc.message}
        body = json.dumps(payload, separators=(",", ":")).encode()
        start_response(
            _REASONS.get(status, f"{status} Error"),
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]
