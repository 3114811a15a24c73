"""HTTP smoke test: the real server in a subprocess on port 0, loopback only, clean shutdown."""

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

LOADTESTS = Path(__file__).resolve().parents[2]


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox", *args],
        cwd=LOADTESTS,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so teardown can kill it all
    )


def _first_line(proc: subprocess.Popen[str], timeout: float = 10.0) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise AssertionError(f"no output within {timeout} s")
    return proc.stdout.readline().strip()


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[str], int]]:
    proc = _start("--port", "0")
    try:
        line = _first_line(proc)
        assert line.startswith("listening on http://127.0.0.1:"), line
        yield proc, int(line.rsplit(":", 1)[1])
    finally:
        _stop(proc)


def _request(
    conn: http.client.HTTPConnection, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body)
    conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    return resp.status, json.loads(resp.read())


def test_server_answers_over_one_keep_alive_connection_and_stops_on_sigterm(
    server: tuple[subprocess.Popen[str], int],
) -> None:
    """Port 0 prints the chosen port first; requests share one keep-alive connection; SIGTERM
    ends the process with exit code 0."""
    proc, port = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        assert _request(conn, "GET", "/health")[1]["status"] == "ok"
        status, placed = _request(
            conn,
            "POST",
            "/orders",
            {"symbol": "BTC-USD", "side": "sell", "price": "100", "qty": 3, "account": "mm"},
        )
        assert status == 201 and placed["status"] == "resting"
        status, taker = _request(
            conn, "POST", "/orders", {"symbol": "BTC-USD", "side": "buy", "price": "100", "qty": 1}
        )
        assert taker["fills"][0]["maker_order_id"] == placed["order_id"]
        assert _request(conn, "GET", "/book/BTC-USD?depth=1")[1]["asks"] == [["100", 2, 1]]
        status, cancelled = _request(conn, "DELETE", f"/orders/{placed['order_id']}?symbol=BTC-USD")
        assert (status, cancelled["cancelled_qty"]) == (200, 2)
        assert _request(conn, "GET", "/rebates/mm")[1]["accrued"] == "0.02"
        assert _request(conn, "POST", "/rebates/freeze", {"reason": "drill"})[0] == 200
        assert _request(conn, "POST", "/rebates/accrue", {"account": "x", "amount": "1"})[0] == 423
    finally:
        conn.close()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=5) == 0


def test_sigint_also_stops_cleanly(server: tuple[subprocess.Popen[str], int]) -> None:
    """Ctrl-C (SIGINT) shuts down with exit code 0 and no traceback."""
    proc, _ = server
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=5) == 0
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read()


def test_non_loopback_bind_is_refused_without_allow_remote() -> None:
    """Binding to 0.0.0.0 (or a host name) exits 2 with a message unless --allow-remote is given."""
    proc = _start("--port", "0", "--host", "0.0.0.0")  # noqa: S104 - this is the refusal being tested
    try:
        assert proc.wait(timeout=10) == 2
        assert proc.stderr is not None
        assert "--allow-remote" in proc.stderr.read()
    finally:
        _stop(proc)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),  # noqa: S104 - classified, not bound
        ("10.1.2.3", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_is_loopback_accepts_only_loopback_literals_and_localhost(
    host: str, loopback: bool
) -> None:
    """Only 127/8, ::1 and `localhost` count as loopback; other names are treated as remote."""
    from sandbox.server import is_loopback

    assert is_loopback(host) is loopback
