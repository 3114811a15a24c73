"""Serve the sandbox app with gevent's WSGIServer (HTTP/1.1 keep-alive), loopback by default.

`serve()` binds, prints `listening on http://HOST:PORT` as the first line on stdout (flushed, so
a parent process can read the port chosen for `--port 0`), and runs until SIGTERM or SIGINT,
then stops accepting, lets in-flight requests finish (up to 2 s) and returns 0.

A non-loopback address is refused unless `allow_remote` is set: the API has no authentication.

`READINESS_SANDBOX_DELAY_MS=N` (a number of milliseconds, default 0) slows every `POST /orders`
by N ms, cooperatively (other requests keep flowing): the documented switch that makes the
example's regression criterion on order-entry p99 see a real shift against its baseline.
"""

from __future__ import annotations

import ipaddress
import math
import os
import signal
import socket
import sys
from decimal import Decimal
from typing import Any, TextIO

from sandbox.app import DEFAULT_SYMBOLS, Exchange, SandboxApp

DEFAULT_PORT = 8700
STOP_TIMEOUT_S = 2.0
DELAY_ENV = "READINESS_SANDBOX_DELAY_MS"


def order_delay_s(environ: dict[str, str]) -> float:
    """The delay added to each `POST /orders`, in seconds, from READINESS_SANDBOX_DELAY_MS;
    ValueError naming the variable when it is not a finite number from 0 to 10000."""
    raw = environ.get(DELAY_ENV, "").strip()
    if not raw:
        return 0.0
    try:
        ms = float(raw)
    except ValueError:
        raise ValueError(f"{DELAY_ENV}={raw!r} is not a number of milliseconds") from None
    if not math.isfinite(ms) or not 0 <= ms <= 10_000:
        raise ValueError(f"{DELAY_ENV}={raw!r} must be between 0 and 10000 ms")
    return ms / 1000.0


class RemoteBindRefused(Exception):
    """A non-loopback bind address without --allow-remote."""


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback IP literals (127.0.0.0/8, ::1); False for the rest.

    Host names other than `localhost` count as remote: resolving them would make the answer
    depend on DNS.
    """
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    allow_remote: bool = False,
    symbols: tuple[str, ...] = DEFAULT_SYMBOLS,
    rebate_bps: Decimal = Decimal(2),
    access_log: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    """Run the sandbox until SIGTERM/SIGINT; returns the process exit code."""
    if not allow_remote and not is_loopback(host):
        raise RemoteBindRefused(
            f"refusing to bind to non-loopback address {host!r}: the sandbox has no "
            "authentication; pass --allow-remote to do it anyway"
        )
    # gevent is imported here so that the book, ledger and app stay importable without it.
    import gevent
    import gevent.event
    from gevent.pywsgi import WSGIServer

    class NoDelayServer(WSGIServer):  # type: ignore[misc]
        """Sets TCP_NODELAY on each connection: pywsgi writes headers and body separately,
        and Nagle plus the client's delayed ACK would add ~40 ms to every response."""

        def handle(self, sock: Any, address: Any) -> None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().handle(sock, address)

    app: Any = SandboxApp(Exchange(symbols, rebate_bps=rebate_bps))
    delay = order_delay_s(dict(os.environ))
    if delay > 0:
        inner = app

        def app(environ: dict[str, Any], start_response: Any) -> Any:
            if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == "/orders":
                gevent.sleep(delay)
            return inner(environ, start_response)

        print(f"{DELAY_ENV}: every POST /orders is slowed by {delay * 1000:g} ms", file=sys.stderr)
    server = NoDelayServer(
        (host, port),
        app,
        log=sys.stderr if access_log else None,
        error_log=sys.stderr,
    )
    # Handlers first: a parent may signal as soon as it has read the "listening" line.
    stopping = gevent.event.Event()
    handlers = [gevent.signal_handler(sig, stopping.set) for sig in (signal.SIGTERM, signal.SIGINT)]
    try:
        server.start()
        shown = f"[{host}]" if ":" in host else host
        out.write(f"listening on http://{shown}:{server.server_port}\n")
        out.flush()
        stopping.wait()
    finally:
        for handler in handlers:
            handler.cancel()
        server.stop(timeout=STOP_TIMEOUT_S)
    return 0
