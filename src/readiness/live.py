"""What a running check is doing right now, for the progress display of `readiness run`.

A 15-minute soak test must not look hung. While a check's command runs, the runner builds a
`Status` about twice a second: elapsed time against the timeout, the last line of its log, and,
for a Locust run, the live figures Locust itself writes: the last Aggregated row of
`<prefix>_stats_history.csv` (written every second with `--csv <prefix>`): users, total
requests and failures, the current requests per second and p99 (Locust's rolling window).
Nothing here prints: the command line shows a `Status` as a live table on a terminal or as a
line every `--progress-interval` seconds in a CI log (`status_line`, `Ticker`).

Standard library only: the `evaluate` path never imports this module, and `run` reads the CSV
with `csv`, not with the adapter (a live file is half-written by design; the adapter's rules
are for finished evidence).
"""

from __future__ import annotations

import csv
import io
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TAIL_BYTES = 16384  # enough for a few seconds of a full history with a dozen endpoints


@dataclass(frozen=True)
class LoadSnapshot:
    """Locust's live figures for the whole run so far (the Aggregated row)."""

    users: int | None
    requests: int
    failures: int
    rps: float | None  # current requests per second (Locust's rolling window)
    p99_ms: float | None  # current p99 (Locust's rolling window); None before any sample


@dataclass(frozen=True)
class Status:
    """One check's command, while it runs."""

    check: str
    index: int  # 1-based position among the checks that run
    total: int
    elapsed: float  # seconds since the command started
    timeout: float  # seconds it may run
    tail: str  # the last non-empty line of its log, shortened
    load: LoadSnapshot | None = None


def csv_prefix(argv: Sequence[str]) -> str | None:
    """The `--csv PREFIX` (or `--csv=PREFIX`) a Locust command line writes to, if any."""
    for i, arg in enumerate(argv):
        if arg == "--csv" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--csv="):
            return arg.partition("=")[2]
    return None


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "", "N/A") else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def read_load(history: Path, since: float) -> LoadSnapshot | None:
    """The last Aggregated row of a live `_stats_history.csv`, or None when the file is absent,
    older than `since` (a previous run's), or holds no complete row yet."""
    try:
        with history.open("rb") as fh:
            if os.fstat(fh.fileno()).st_mtime < since:
                return None
            header = fh.readline().decode("utf-8", "replace")
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            start = max(len(header), size - TAIL_BYTES)
            fh.seek(start)
            chunk = fh.read().decode("utf-8", "replace")
    except OSError:
        return None
    lines = chunk.splitlines()
    if start > len(header) and lines:
        lines = lines[1:]  # the first line of a tail is cut somewhere in its middle
    if chunk and not chunk.endswith("\n") and lines:
        lines = lines[:-1]  # the last line is still being written
    rows = csv.DictReader(io.StringIO(header + "\n".join(lines)))
    last: dict[str, str] | None = None
    for row in rows:
        if row.get("Name") == "Aggregated":
            last = row
    if last is None:
        return None
    requests = _number(last.get("Total Request Count"))
    failures = _number(last.get("Total Failure Count"))
    if requests is None or failures is None:
        return None
    users = _number(last.get("User Count"))
    return LoadSnapshot(
        users=int(users) if users is not None else None,
        requests=int(requests),
        failures=int(failures),
        rps=_number(last.get("Requests/s")),
        p99_ms=_number(last.get("99%")),
    )


def load_history(argv: Sequence[str], cwd: Path) -> Path | None:
    """Where a Locust command line's live history CSV appears, or None if it writes no CSV."""
    prefix = csv_prefix(argv)
    return None if prefix is None else cwd / f"{prefix}_stats_history.csv"


def duration(seconds: float) -> str:
    """`42s`, `1m05s`, `2h03m`: a clock for a progress line."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def load_text(load: LoadSnapshot) -> str:
    """Locust's live figures in a few words: `20 users, 12,345 req (410/s), 0 failed, p99 12 ms`."""
    parts = []
    if load.users is not None:
        parts.append(f"{load.users} users")
    rate = f" ({load.rps:,.0f}/s)" if load.rps is not None else ""
    parts.append(f"{load.requests:,} req{rate}")
    share = f" ({load.failures / load.requests:.2%})" if load.requests and load.failures else ""
    parts.append(f"{load.failures:,} failed{share}")
    if load.p99_ms is not None:
        parts.append(f"p99 {load.p99_ms:g} ms")
    return ", ".join(parts)


def status_line(status: Status, width: int = 100) -> str:
    """One line for a CI log: `[2/6] matching-load: 1m05s of 2m00s; 20 users, ...`."""
    head = (
        f"[{status.index}/{status.total}] {status.check}: running "
        f"{duration(status.elapsed)} of {duration(status.timeout)}"
    )
    if status.load is not None:
        line = f"{head}; {load_text(status.load)}"
    elif status.tail:
        line = f"{head}; {status.tail}"
    else:
        line = head
    return line if len(line) <= width else line[: width - 3] + "..."


@dataclass
class Ticker:
    """True once every `interval` seconds (monotonic clock): when a CI log gets a line."""

    interval: float
    last: float | None = None

    def due(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if self.last is None:
            self.last = now  # the start line was just printed: the first tick is one interval on
            return False
        if now - self.last >= self.interval:
            self.last = now
            return True
        return False
