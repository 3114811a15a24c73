"""Locust's `--csv` output: `_stats.csv`, `_stats_history.csv`, `_failures.csv` and
`_exceptions.csv`. Each file is read whole and checked (header, cells, the final line break),
with errors naming the file, line and column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from readiness.errors import EvidenceError
from readiness.evidence.base import iter_text_lines
from readiness.evidence.locust.common import (
    AGGREGATED,
    MAX_COUNT,
    MAX_NUMBER,
    PERCENTILES,
    Entry,
    check_size,
    fail,
    shown,
)

STATS_HEAD = (
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Median Response Time",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Average Content Size",
    "Requests/s",
    "Failures/s",
)
HISTORY_HEAD = ("Timestamp", "User Count", "Type", "Name", "Requests/s", "Failures/s")
HISTORY_TAIL = (
    "Total Request Count",
    "Total Failure Count",
    "Total Median Response Time",
    "Total Average Response Time",
    "Total Min Response Time",
    "Total Max Response Time",
    "Total Average Content Size",
)
# Locust 2.x's PERCENTILES_TO_REPORT, as written in CSV headers.
LOCUST_PERCENTILE_COLUMNS = (
    "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%",
)  # fmt: skip
REQUIRED_PERCENTILE_COLUMNS = tuple(f"{p}%" for p, _ in PERCENTILES)
FAILURES_COLUMNS = ("Method", "Name", "Error", "Occurrences")
FAILURES_OPTIONAL = ("First Seen", "Last Seen")  # Locust >= 2.4x
EXCEPTIONS_COLUMNS = ("Count", "Message", "Traceback", "Nodes")

_PCT_COLUMN = re.compile(r"^\d+(?:\.\d+)?%$")
UINT_DIGITS = 16
UINT = re.compile(rf"[0-9]{{1,{UINT_DIGITS}}}")  # ASCII digits only (int() also takes "١٢", "1_0")
DECIMAL = re.compile(r"[0-9]{1,20}(?:\.[0-9]{0,20})?(?:[eE][-+]?[0-9]{1,3})?")


class _TrackedLines:
    """Iterates a file's lines and remembers whether the last one ended with a line break."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.last = ""

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            self.last = line
            yield line


def _iter_csv(path: Path, display: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each non-blank row of a complete CSV file, the header first;
    streamed, so a large file is never held whole. Checks the final line break at the end."""
    check_size(path, display)
    lines = _TrackedLines(iter_text_lines(path, display))
    reader = csv.reader(lines, strict=True)
    seen = False
    try:
        for cells in reader:
            if cells:
                seen = True
                yield reader.line_num, cells
    except csv.Error as exc:
        raise fail(f"malformed CSV: {exc}", display, reader.line_num) from None
    if not seen:
        raise fail("empty file (no header)", display)
    if not lines.last.endswith("\n"):
        raise fail("truncated: the last line has no line break", display, reader.line_num)


def _read_csv(path: Path, display: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, cells)]) of a complete CSV file; blank lines are skipped."""
    rows = list(_iter_csv(path, display))
    return rows[0][1], rows[1:]


def _header_error(display: str, kind: str, expected: tuple[str, ...], got: list[str]) -> None:
    missing = [c for c in expected if c not in got]
    extra = [c for c in got if c not in expected and not _PCT_COLUMN.match(c)]
    detail = []
    if missing:
        detail.append(f"missing {', '.join(missing)}")
    if extra:
        detail.append(f"unexpected {', '.join(extra)}")
    if not detail:
        detail.append("columns out of order")
    raise fail(
        f"not a Locust {kind} file ({'; '.join(detail)}): expected columns {','.join(expected)}",
        display,
        1,
    )


def _check_header(
    header: list[str],
    display: str,
    kind: str,
    head: tuple[str, ...],
    tail: tuple[str, ...] = (),
    *,
    percentiles: bool,
) -> None:
    expected = head + (LOCUST_PERCENTILE_COLUMNS if percentiles else ()) + tail
    cells = [c.strip() for c in header]
    middle = cells[len(head) : len(cells) - len(tail)]
    ok = (
        len(cells) >= len(head) + len(tail)
        and tuple(cells[: len(head)]) == head
        and tuple(cells[len(cells) - len(tail) :]) == tail
    )
    if percentiles:
        ok = ok and all(_PCT_COLUMN.match(c) for c in middle)
        ok = ok and all(p in middle for p in REQUIRED_PERCENTILE_COLUMNS)
    else:
        ok = ok and not middle
    if not ok:
        _header_error(display, kind, expected, cells)


class _Cells:
    """Typed access to one CSV row, with errors naming the file, line and column."""

    def __init__(self, header: list[str], cells: list[str], display: str, line: int) -> None:
        if len(cells) != len(header):
            raise fail(
                f"row has {len(cells)} cells, the header {len(header)} (truncated or corrupt)",
                display,
                line,
            )
        self.values = dict(zip(header, cells, strict=True))
        self.display = display
        self.line = line

    def text(self, column: str) -> str:
        return self.values[column]

    def _bad(self, column: str, expected: str) -> EvidenceError:
        return fail(
            f'{column} is "{shown(self.values[column])}", expected {expected}',
            self.display,
            self.line,
        )

    def count(self, column: str) -> int:
        cell = self.values[column].strip()
        if not UINT.fullmatch(cell) or int(cell) > MAX_COUNT:
            raise self._bad(column, f"a non-negative integer up to {MAX_COUNT:.0e}")
        return int(cell)

    def number(self, column: str) -> float:
        cell = self.values[column].strip()
        value = float(cell) if DECIMAL.fullmatch(cell) else math.nan
        if not 0 <= value <= MAX_NUMBER:
            raise self._bad(column, f"a number from 0 to {MAX_NUMBER:.0e}")
        return value

    def percentile(self, column: str) -> float | None:
        if self.values[column].strip() == "N/A":
            return None
        return self.number(column)


def read_stats(path: Path, display: str) -> tuple[dict[str, Entry], Entry]:
    """`_stats.csv`: the endpoint rows by key, and the Aggregated row (which must come last)."""
    header, rows = _read_csv(path, display)
    _check_header(header, display, "_stats.csv", STATS_HEAD, percentiles=True)
    entries: dict[str, Entry] = {}
    aggregate: Entry | None = None
    for line, cells in rows:
        row = _Cells(header, cells, display, line)
        if aggregate is not None:
            raise fail("a row follows the Aggregated row (two runs in one file?)", display, line)
        entry = _stats_row(row, display, line)
        if not entry.method and entry.name == AGGREGATED:
            aggregate = entry
            continue
        if entry.key in entries:
            raise fail(f'duplicate row for "{entry.key}"', display, line)
        entries[entry.key] = entry
    if aggregate is None:
        raise fail("no Aggregated row: the file is truncated or not Locust's", display)
    _check_sums(entries, aggregate, display)
    return entries, aggregate


def _stats_row(row: _Cells, display: str, line: int) -> Entry:
    """One row of `_stats.csv`, every cell checked."""
    entry = Entry(
        method=row.text("Type"),
        name=row.text("Name"),
        requests=row.count("Request Count"),
        failures=row.count("Failure Count"),
        avg_ms=row.number("Average Response Time"),
        min_ms=row.number("Min Response Time"),
        max_ms=row.number("Max Response Time"),
        percentiles={p: v for p, _ in PERCENTILES if (v := row.percentile(f"{p}%")) is not None},
        rps=row.number("Requests/s"),
    )
    if entry.requests and len(entry.percentiles) < len(PERCENTILES):
        gone = next(f"{p}%" for p, _ in PERCENTILES if p not in entry.percentiles)
        raise fail(
            f'{gone} is "N/A" on a row with {entry.requests} requests: Locust writes N/A '
            "only for a row without requests (corrupt or hand-edited file)",
            display,
            line,
        )
    row.number("Median Response Time")
    row.number("Average Content Size")
    row.number("Failures/s")
    if entry.failures > entry.requests:
        raise fail(
            f"Failure Count {entry.failures} exceeds Request Count {entry.requests}",
            display,
            line,
        )
    if entry.requests == 0:
        entry.avg_ms = entry.min_ms = entry.max_ms = None
    return entry


def _check_sums(entries: dict[str, Entry], aggregate: Entry, display: str) -> None:
    """Locust increments the Aggregated entry with every endpoint's, so both counts agree
    exactly (no rounding): a mismatch is a hand-edited or mixed file, and its failures figure
    is what a failure-ratio criterion would read."""
    for what in ("requests", "failures"):
        summed = sum(getattr(e, what) for e in entries.values())
        if summed != getattr(aggregate, what):
            raise fail(
                f"the Aggregated row counts {getattr(aggregate, what)} {what} but the endpoint "
                f"rows sum to {summed}",
                display,
            )


@dataclass(frozen=True)
class HistoryRow:
    """One Aggregated row of a history (a view of `History`'s columns, for tests and checks)."""

    ts: int
    users: int
    rps: float
    fails_per_s: float
    p50: float | None
    p95: float | None
    p99: float | None
    total_requests: int


@dataclass
class History:
    """The Aggregated rows of a `_stats_history.csv` in time order, one list per column (a soak's
    40,000 rows stay nine lists, not 40,000 objects), and whether the file is a full history
    (--csv-full-history: per-endpoint rows and rolling percentiles). Which metric reads which
    column is listed in `readiness.evidence.locust.history`."""

    ts: list[int]
    users: list[int]
    rps: list[float]
    fails_per_s: list[float]
    p50: list[float | None]
    p95: list[float | None]
    p99: list[float | None]
    total_requests: list[int]
    full: bool

    @classmethod
    def of_rows(cls, rows: list[HistoryRow], full: bool) -> History:
        """A history from its rows (tests, and small histories)."""
        return cls(
            [r.ts for r in rows],
            [r.users for r in rows],
            [r.rps for r in rows],
            [r.fails_per_s for r in rows],
            [r.p50 for r in rows],
            [r.p95 for r in rows],
            [r.p99 for r in rows],
            [r.total_requests for r in rows],
            full,
        )

    @property
    def rows(self) -> list[HistoryRow]:
        """The rows as objects, built on each access (tests; the readers use the columns)."""
        columns = (self.ts, self.users, self.rps, self.fails_per_s, self.p50, self.p95, self.p99)
        return [HistoryRow(*cells) for cells in zip(*columns, self.total_requests, strict=True)]


def read_history_rows(path: Path, display: str) -> History:
    """`_stats_history.csv` checked row by row in Python: the reference reader, which names the
    line and column of the first bad cell. `readiness.evidence.locust.history` reads the file
    column-wise and checks its rows with `HistoryRows` only where its vectorised checks find a
    problem (or cannot tell), so a broken file gets this exact message while a good one never
    pays for it."""
    rows = _iter_csv(path, display)
    header = next(rows)[1]
    check_history_header(header, display)
    checked = HistoryRows(header, display)
    for line, cells in rows:
        checked.add(line, cells)
    if not checked.rows:
        raise fail("no Aggregated rows: the file is truncated or not Locust's", display)
    return History.of_rows(checked.rows, checked.full)


@dataclass
class HistoryRows:
    """The row-by-row checks of a history's data rows, fed in file order: every cell, the
    timestamps in order, the Aggregated totals not decreasing; keeps the Aggregated rows.
    The state can start mid-file (`readiness.evidence.locust.history` checks one segment)."""

    header: list[str]
    display: str
    rows: list[HistoryRow] = field(default_factory=list)
    full: bool = False
    last_ts: int = -1
    last_total: int = -1  # the last Aggregated row's Total Request Count
    percentiles: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.percentiles = [c for c in self.header if _PCT_COLUMN.match(c)]

    def add(self, line: int, cells: list[str]) -> None:
        """Check one row (line `line`); EvidenceError naming the line and column."""
        row = _Cells(self.header, cells, self.display, line)
        ts = row.count("Timestamp")
        if ts < self.last_ts:
            raise fail(
                f"Timestamp {ts} goes backwards (after {self.last_ts}): two runs in one file?",
                self.display,
                line,
            )
        self.last_ts = ts
        entry = _history_row(row, self.percentiles, ts)
        if row.text("Type") or row.text("Name") != AGGREGATED:
            self.full = True
            return
        if entry.total_requests < self.last_total:
            raise fail("Total Request Count decreases: two runs in one file?", self.display, line)
        self.last_total = entry.total_requests
        self.rows.append(entry)

    def add_text(self, text: str, first_line: int) -> int:
        """Check the rows of `text`, whole lines of the file from line `first_line` on, split
        and tokenised as `_iter_csv` does; the number of the last line read."""
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            for cells in reader:
                if cells:
                    self.add(first_line + reader.line_num - 1, cells)
        except csv.Error as exc:
            line = first_line + reader.line_num - 1
            raise fail(f"malformed CSV: {exc}", self.display, line) from None
        return first_line + reader.line_num - 1


def check_history_header(header: list[str], display: str) -> None:
    """The header of a `_stats_history.csv`, with the expected columns on an error."""
    _check_header(
        header, display, "_stats_history.csv", HISTORY_HEAD, HISTORY_TAIL, percentiles=True
    )


def _history_row(row: _Cells, percentiles: list[str], ts: int) -> HistoryRow:
    """One history row, every cell checked (`percentiles`: the header's percentile columns)."""
    users = row.count("User Count")
    rps = row.number("Requests/s")
    fails = row.number("Failures/s")
    pcts = {c: row.percentile(c) for c in percentiles}
    total = row.count("Total Request Count")
    total_failures = row.count("Total Failure Count")
    for column in HISTORY_TAIL[2:]:
        row.number(column)
    if total_failures > total:
        raise fail(
            f"Total Failure Count {total_failures} exceeds Total Request Count {total}",
            row.display,
            row.line,
        )
    return HistoryRow(ts, users, rps, fails, pcts["50%"], pcts["95%"], pcts["99%"], total)


def read_failures(path: Path, display: str) -> list[tuple[str, str, int]]:
    header, rows = _read_csv(path, display)
    cells = tuple(c.strip() for c in header)
    if cells not in (FAILURES_COLUMNS, FAILURES_COLUMNS + FAILURES_OPTIONAL):
        _header_error(display, "_failures.csv", FAILURES_COLUMNS + FAILURES_OPTIONAL, list(cells))
    out = []
    for line, raw in rows:
        row = _Cells(header, raw, display, line)
        method, name = row.text("Method"), row.text("Name")
        key = f"{method} {name}" if method else name
        out.append((key, row.text("Error"), row.count("Occurrences")))
    return out


def read_exceptions(path: Path, display: str) -> list[str]:
    header, rows = _read_csv(path, display)
    _check_header(header, display, "_exceptions.csv", EXCEPTIONS_COLUMNS, percentiles=False)
    warnings = []
    for line, raw in rows:
        row = _Cells(header, raw, display, line)
        count = row.count("Count")
        message = " ".join(row.text("Message").split())[:200]
        warnings.append(
            f"{display}: the locustfile raised {count} exception(s): {message} "
            "(the load test itself misbehaved)"
        )
    return warnings
