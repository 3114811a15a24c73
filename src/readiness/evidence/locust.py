"""Locust load-test evidence: `--json-file`, `--csv` files and an HDR interval log -> LoadStats.

Files are recognised by name (all files matched by the check's globs are passed in):

    *_stats.csv            per-endpoint totals + the Aggregated row (may be stale, see below)
    *_stats_history.csv    one row per second (per endpoint with --csv-full-history)
    *_failures.csv         (method, name, error, occurrences)
    *_exceptions.csv       errors raised inside the locustfile itself (become warnings)
    *.json                 `--json-file` output (also the `NAME.json.json` that
                           `--json-file NAME.json` produces)
    *.hlog                 HdrHistogram interval log (loadtests/hdr_listener.py)

Other files are ignored with a warning; two files of one kind are an error (two runs mixed).

Sources of each number, in order of trust (see FORMATS.md section 2):

- **Totals** (requests, failures, avg/min/max, per-endpoint) come from the JSON when present:
  Locust does not rewrite `_stats.csv` at shutdown, so the CSV can miss the last second. When
  both exist they are cross-checked and a discrepancy becomes a warning. Without JSON the CSV
  is used, with a warning.
- **Percentiles** ("50", "90", "95", "99", "99.9") come from the HDR log when present (exact,
  microseconds; `percentile_source="hdr"`), else from the JSON's `response_times` buckets,
  recomputed exactly as Locust's `calculate_response_time_percentile` does (stats.py), else from
  the CSV's (bucketed) percentile cells. Locust rounds to ~2 significant digits and picks the
  (floor(n*p)+1)-th bucket, so its values are coarse and biased upward at bucket boundaries.
- **Duration**: JSON first request to last request; else the history's first to last row.
- **Peak users** and **series** come from the history's Aggregated rows.
- **Steady state**: from the end of ramp-up (param `ramp-up` seconds after the start, or by
  default the second after the user count first reaches its peak) to the last full second of
  the run. It is cut into consecutive windows of `window` seconds (a trailing partial window
  is dropped; a steady state shorter than one window is one window, with a warning).
  `sustained_min_rps` is the lowest window rate and `sustained_p99_ms` the worst window p99:
  exact from the HDR intervals when present; otherwise the rate comes from the JSON's
  per-second counts (or the history's cumulative counts) and the p99 from the history's
  rolling ~10 s percentiles (only with `--csv-full-history`; without it Locust writes
  cumulative percentiles there, and no sustained p99 is reported).

Every problem is an EvidenceError naming the file and, where known, the line: empty or
truncated files, wrong CSV headers (the expected columns are listed), non-numeric, negative or
NaN cells, inconsistent JSON entries, undecodable histograms. A run with zero requests is an
error (it proves nothing); a run with 100% failures (target down) is valid evidence.
This module reads files only: it never imports Locust or gevent, and imports `hdrh` only when
an `.hlog` file is present.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import unquote

from pydantic import BaseModel, Field

from readiness.errors import EvidenceError
from readiness.evidence.base import MAX_EVIDENCE_BYTES, AdapterParams, iter_text_lines
from readiness.evidence.records import EndpointStats, LoadStats, Series

PERCENTILES: tuple[tuple[str, float], ...] = (
    ("50", 0.50),
    ("90", 0.90),
    ("95", 0.95),
    ("99", 0.99),
    ("99.9", 0.999),
)
LOCUST_ROLLING_WINDOW_S = 10  # stats.CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW
AGGREGATED = "Aggregated"
FileKind = Literal["stats", "history", "failures", "exceptions", "json", "hlog"]

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
_UINT = re.compile(r"^\d+$")
_WS = re.compile(r"[ \t\r\n]*")


class LocustParams(AdapterParams):
    """Options of a `locust` check (kebab-case in YAML)."""

    min_duration: float | None = Field(
        default=None, gt=0, description="seconds; a shorter run is an evidence error"
    )
    min_requests: int | None = Field(
        default=None, ge=1, description="fewer requests in total is an evidence error"
    )
    target_users: int | None = Field(
        default=None,
        ge=1,
        description="the user count the run must reach (needs the _stats_history.csv)",
    )
    ramp_up: float | None = Field(
        default=None,
        ge=0,
        description="seconds skipped at the start for sustained metrics "
        "(default: until the user count first reaches its peak)",
    )
    window: int = Field(
        default=10, ge=1, description="seconds per window for sustained p99 and minimum rate"
    )


# ---- small helpers -----------------------------------------------------------------------


def _fail(message: str, display: str, line: int | None = None) -> EvidenceError:
    return EvidenceError(message, path=display, line=line)


def classify(path: Path) -> FileKind | None:
    """The kind of a Locust output file from its name, or None for anything else."""
    name = path.name
    if name.endswith("_stats_history.csv"):
        return "history"
    if name.endswith("_stats.csv"):
        return "stats"
    if name.endswith("_failures.csv"):
        return "failures"
    if name.endswith("_exceptions.csv"):
        return "exceptions"
    if name.endswith(".json"):
        return "json"
    if name.endswith(".hlog"):
        return "hlog"
    return None


def _check_size(path: Path, display: str) -> int:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _fail(f"cannot read ({exc.strerror})", display) from None
    if size > MAX_EVIDENCE_BYTES:
        raise _fail(f"file is {size} bytes, over the {MAX_EVIDENCE_BYTES}-byte limit", display)
    if size == 0:
        raise _fail("empty file (Locust was killed before writing it?)", display)
    return size


def calculate_response_time_percentile(
    response_times: dict[int, int], num_requests: int, percent: float
) -> int:
    """Locust's own percentile over its bucketed response times (locust/stats.py, 2.47).

    Walks the buckets from the slowest down and returns the bucket at which the requests still
    to come number no more than int(num_requests * percent).
    """
    num_of_request = int(num_requests * percent)
    processed_count = 0
    for response_time in sorted(response_times, reverse=True):
        processed_count += response_times[response_time]
        if num_requests - processed_count <= num_of_request:
            return response_time
    return 0


# ---- CSV ---------------------------------------------------------------------------------


class _TrackedLines:
    """Iterates a file's lines and remembers whether the last one ended with a line break."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.last = ""

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            self.last = line
            yield line


def _read_csv(path: Path, display: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, cells)]) of a complete CSV file; blank lines are skipped."""
    _check_size(path, display)
    lines = _TrackedLines(iter_text_lines(path, display))
    reader = csv.reader(lines, strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if cells:
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise _fail(f"malformed CSV: {exc}", display, reader.line_num) from None
    if not rows:
        raise _fail("empty file (no header)", display)
    if not lines.last.endswith("\n"):
        raise _fail("truncated: the last line has no line break", display, reader.line_num)
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
    raise _fail(
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
            raise _fail(
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
        return _fail(
            f'{column} is "{self.values[column]}", expected {expected}', self.display, self.line
        )

    def count(self, column: str) -> int:
        cell = self.values[column].strip()
        if not _UINT.match(cell):
            raise self._bad(column, "a non-negative integer")
        return int(cell)

    def number(self, column: str) -> float:
        cell = self.values[column].strip()
        try:
            value = float(cell)
        except ValueError:
            raise self._bad(column, "a number") from None
        if not math.isfinite(value) or value < 0:
            raise self._bad(column, "a finite number >= 0")
        return value

    def percentile(self, column: str) -> float | None:
        if self.values[column].strip() == "N/A":
            return None
        return self.number(column)


@dataclass
class _Entry:
    """One endpoint's (or the aggregate's) totals, from the JSON or the CSV."""

    method: str
    name: str
    requests: int
    failures: int
    avg_ms: float | None
    min_ms: float | None
    max_ms: float | None
    percentiles: dict[str, float]
    none_requests: int = 0
    response_times: dict[int, int] = field(default_factory=dict)
    per_second: dict[int, int] = field(default_factory=dict)
    fail_per_second: dict[int, int] = field(default_factory=dict)
    start: float | None = None
    last: float | None = None
    rps: float | None = None  # Locust's own total rate (CSV only)

    @property
    def key(self) -> str:
        return f"{self.method} {self.name}" if self.method else self.name


def _read_stats(path: Path, display: str) -> tuple[dict[str, _Entry], _Entry]:
    header, rows = _read_csv(path, display)
    _check_header(header, display, "_stats.csv", STATS_HEAD, percentiles=True)
    entries: dict[str, _Entry] = {}
    aggregate: _Entry | None = None
    for line, cells in rows:
        row = _Cells(header, cells, display, line)
        if aggregate is not None:
            raise _fail("a row follows the Aggregated row (two runs in one file?)", display, line)
        entry = _Entry(
            method=row.text("Type"),
            name=row.text("Name"),
            requests=row.count("Request Count"),
            failures=row.count("Failure Count"),
            avg_ms=row.number("Average Response Time"),
            min_ms=row.number("Min Response Time"),
            max_ms=row.number("Max Response Time"),
            percentiles={
                p: v for p, _ in PERCENTILES if (v := row.percentile(f"{p}%")) is not None
            },
            rps=row.number("Requests/s"),
        )
        row.number("Median Response Time")
        row.number("Average Content Size")
        row.number("Failures/s")
        if entry.failures > entry.requests:
            raise _fail(
                f"Failure Count {entry.failures} exceeds Request Count {entry.requests}",
                display,
                line,
            )
        if entry.requests == 0:
            entry.avg_ms = entry.min_ms = entry.max_ms = None
        if not entry.method and entry.name == AGGREGATED:
            aggregate = entry
            continue
        if entry.key in entries:
            raise _fail(f'duplicate row for "{entry.key}"', display, line)
        entries[entry.key] = entry
    if aggregate is None:
        raise _fail("no Aggregated row: the file is truncated or not Locust's", display)
    summed = sum(e.requests for e in entries.values())
    if summed != aggregate.requests:
        raise _fail(
            f"the Aggregated row counts {aggregate.requests} requests but the endpoint rows "
            f"sum to {summed}",
            display,
        )
    return entries, aggregate


@dataclass(frozen=True)
class _HistoryRow:
    ts: int
    users: int
    rps: float
    fails_per_s: float
    p50: float | None
    p95: float | None
    p99: float | None
    total_requests: int
    total_failures: int


@dataclass
class _History:
    rows: list[_HistoryRow]  # Aggregated rows, in time order
    full: bool  # --csv-full-history: per-endpoint rows and rolling percentiles


def _read_history(path: Path, display: str) -> _History:
    header, rows = _read_csv(path, display)
    _check_header(
        header, display, "_stats_history.csv", HISTORY_HEAD, HISTORY_TAIL, percentiles=True
    )
    out: list[_HistoryRow] = []
    full = False
    last_ts = -1
    for line, cells in rows:
        row = _Cells(header, cells, display, line)
        ts = row.count("Timestamp")
        if ts < last_ts:
            raise _fail(
                f"Timestamp {ts} goes backwards (after {last_ts}): two runs in one file?",
                display,
                line,
            )
        last_ts = ts
        users = row.count("User Count")
        rps = row.number("Requests/s")
        fails = row.number("Failures/s")
        pcts = {c: row.percentile(c) for c in header if _PCT_COLUMN.match(c)}
        total = row.count("Total Request Count")
        total_failures = row.count("Total Failure Count")
        for column in HISTORY_TAIL[2:]:
            row.number(column)
        if total_failures > total:
            raise _fail(
                f"Total Failure Count {total_failures} exceeds Total Request Count {total}",
                display,
                line,
            )
        if row.text("Type") or row.text("Name") != AGGREGATED:
            full = True
            continue
        if out and total < out[-1].total_requests:
            raise _fail("Total Request Count decreases: two runs in one file?", display, line)
        out.append(
            _HistoryRow(
                ts, users, rps, fails, pcts["50%"], pcts["95%"], pcts["99%"], total, total_failures
            )
        )
    if not out:
        raise _fail("no Aggregated rows: the file is truncated or not Locust's", display)
    return _History(out, full)


def _read_failures(path: Path, display: str) -> list[tuple[str, str, int]]:
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


def _read_exceptions(path: Path, display: str) -> list[str]:
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


# ---- JSON --------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _json_entries(path: Path, display: str) -> list[tuple[int, Any]]:
    """The top-level array's elements with the line each starts on."""
    _check_size(path, display)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(f"not UTF-8 text ({exc.reason})", display) from None
    except OSError as exc:
        raise _fail(f"cannot read ({exc.strerror})", display) from None
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    end = len(text)

    def ws(i: int) -> int:
        match = _WS.match(text, i)
        return match.end() if match else i

    def line_at(i: int) -> int:
        return text.count("\n", 0, i) + 1

    i = ws(0)
    if i >= end:
        raise _fail("empty file", display)
    if text[i] != "[":
        raise _fail(
            "expected a JSON array of Locust stats entries (the --json-file output)",
            display,
            line_at(i),
        )
    out: list[tuple[int, Any]] = []
    i = ws(i + 1)
    line, counted = 1, 0
    if i < end and text[i] == "]":
        i += 1
    else:
        while True:
            if i >= end:
                raise _fail("truncated JSON: the array is not closed", display, line_at(end))
            line += text.count("\n", counted, i)
            counted = i
            try:
                value, i = decoder.raw_decode(text, i)
            except json.JSONDecodeError as exc:
                raise _fail(f"invalid JSON: {exc.msg}", display, exc.lineno) from None
            except ValueError as exc:  # NaN / Infinity, via parse_constant
                raise _fail(f"invalid JSON: {exc}", display, line) from None
            out.append((line, value))
            i = ws(i)
            if i < end and text[i] == ",":
                i = ws(i + 1)
                continue
            if i < end and text[i] == "]":
                i += 1
                break
            if i >= end:
                raise _fail("truncated JSON: the array is not closed", display, line_at(end))
            raise _fail("invalid JSON: expected ',' or ']'", display, line_at(i))
    if ws(i) != end:
        raise _fail("invalid JSON: extra data after the array", display, line_at(ws(i)))
    return out


class _JsonEntry:
    """Typed access to one JSON stats entry, with errors naming the file, line and field."""

    def __init__(self, value: Any, display: str, line: int, index: int) -> None:
        if not isinstance(value, dict):
            raise _fail(f"entry {index} is not an object", display, line)
        self.value = value
        self.display = display
        self.line = line
        name = value.get("name")
        self.where = f"entry {index}" + (f' ("{name}")' if isinstance(name, str) else "")

    def _bad(self, key: str, expected: str) -> EvidenceError:
        got = self.value.get(key, "<missing>")
        return _fail(
            f"{self.where}: {key} is {got!r}, expected {expected}", self.display, self.line
        )

    def text(self, key: str, *, optional: bool = False) -> str:
        value = self.value.get(key)
        if value is None and optional:
            return ""
        if not isinstance(value, str):
            raise self._bad(key, "a string")
        return value

    def count(self, key: str, *, default: int | None = None) -> int:
        value = self.value.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self._bad(key, "a non-negative integer")
        return value

    def number(self, key: str, *, optional: bool = False) -> float | None:
        value = self.value.get(key)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._bad(key, "a number")
        if not math.isfinite(value) or value < 0:
            raise self._bad(key, "a finite number >= 0")
        return float(value)

    def histogram(self, key: str) -> dict[int, int]:
        value = self.value.get(key)
        if not isinstance(value, dict):
            raise self._bad(key, "an object of {number: count}")
        out: dict[int, int] = {}
        for k, n in value.items():
            try:
                bucket = int(k)
            except ValueError:
                try:
                    number = float(k)
                except ValueError:
                    number = math.nan
                if not math.isfinite(number) or not number.is_integer():
                    raise _fail(
                        f"{self.where}: {key} has a non-integer key {k!r}", self.display, self.line
                    ) from None
                bucket = int(number)
            if isinstance(n, bool) or not isinstance(n, int) or n < 0 or bucket < 0:
                raise _fail(
                    f"{self.where}: {key}[{k!r}] is {n!r}, expected a non-negative count",
                    self.display,
                    self.line,
                )
            out[bucket] = out.get(bucket, 0) + n
        return out


def _read_json(path: Path, display: str) -> dict[str, _Entry]:
    entries: dict[str, _Entry] = {}
    for index, (line, value) in enumerate(_json_entries(path, display)):
        e = _JsonEntry(value, display, line, index)
        requests = e.count("num_requests")
        failures = e.count("num_failures")
        none_requests = e.count("num_none_requests", default=0)
        total_rt = e.number("total_response_time")
        response_times = e.histogram("response_times")
        entry = _Entry(
            method=e.text("method", optional=True),
            name=e.text("name"),
            requests=requests,
            failures=failures,
            none_requests=none_requests,
            avg_ms=None,
            min_ms=e.number("min_response_time", optional=True),
            max_ms=e.number("max_response_time"),
            percentiles={},
            response_times=response_times,
            per_second=e.histogram("num_reqs_per_sec"),
            fail_per_second=e.histogram("num_fail_per_sec"),
            start=e.number("start_time"),
            last=e.number("last_request_timestamp", optional=True),
        )
        timed = requests - none_requests
        if failures > requests or none_requests > requests:
            raise _fail(
                f"{e.where}: num_failures/num_none_requests exceed num_requests {requests}",
                display,
                line,
            )
        if sum(response_times.values()) != timed:
            raise _fail(
                f"{e.where}: response_times hold {sum(response_times.values())} samples but "
                f"num_requests - num_none_requests is {timed}",
                display,
                line,
            )
        if timed:
            entry.avg_ms = (total_rt or 0.0) / timed
            entry.percentiles = {
                p: float(calculate_response_time_percentile(response_times, timed, q))
                for p, q in PERCENTILES
            }
        else:
            entry.min_ms = entry.max_ms = None
        if requests and entry.last is None:
            raise _fail(f"{e.where}: requests but no last_request_timestamp", display, line)
        if entry.key in entries:
            raise _fail(f'duplicate entry for "{entry.key}"', display, line)
        entries[entry.key] = entry
    return entries


def _aggregate_json(entries: dict[str, _Entry]) -> _Entry:
    """Locust's Aggregated entry, rebuilt: its totals are the sums of the endpoints'."""
    merged: dict[int, int] = {}
    per_second: dict[int, int] = {}
    fail_per_second: dict[int, int] = {}
    for e in entries.values():
        for src, dst in (
            (e.response_times, merged),
            (e.per_second, per_second),
            (e.fail_per_second, fail_per_second),
        ):
            for k, n in src.items():
                dst[k] = dst.get(k, 0) + n
    requests = sum(e.requests for e in entries.values())
    timed = requests - sum(e.none_requests for e in entries.values())
    total_rt = sum((e.avg_ms or 0.0) * (e.requests - e.none_requests) for e in entries.values())
    mins = [e.min_ms for e in entries.values() if e.min_ms is not None]
    maxs = [e.max_ms for e in entries.values() if e.max_ms is not None]
    starts = [e.start for e in entries.values() if e.start is not None]
    lasts = [e.last for e in entries.values() if e.last is not None]
    return _Entry(
        method="",
        name=AGGREGATED,
        requests=requests,
        failures=sum(e.failures for e in entries.values()),
        none_requests=requests - timed,
        avg_ms=total_rt / timed if timed else None,
        min_ms=min(mins) if mins else None,
        max_ms=max(maxs) if maxs else None,
        percentiles={
            p: float(calculate_response_time_percentile(merged, timed, q)) for p, q in PERCENTILES
        }
        if timed
        else {},
        response_times=merged,
        per_second=per_second,
        fail_per_second=fail_per_second,
        start=min(starts) if starts else None,
        last=max(lasts) if lasts else None,
    )


# ---- HDR interval log --------------------------------------------------------------------

_START_TIME = re.compile(r"^#\[StartTime: *([-+0-9.eE]+)")
_BASE_TIME = re.compile(r"^#\[BaseTime: *([-+0-9.eE]+)")
_INTERVAL = re.compile(r"^([-+0-9.eE]+),([-+0-9.eE]+),([-+0-9.eE]+),(\S+)$")
_YEAR_S = 365 * 24 * 3600.0


@dataclass(frozen=True)
class _Interval:
    line: int
    tag: str | None  # None: the untagged (all requests) line
    start: float  # absolute epoch seconds
    payload: str


def _read_hlog_lines(path: Path, display: str) -> list[_Interval]:
    """The interval lines of an HdrHistogram log, with absolute start times (the Java
    HistogramLogReader's rules: BaseTime if given; else timestamps more than a year before
    StartTime are relative to it; else they are absolute)."""
    _check_size(path, display)
    start_time: float | None = None
    base_time: float | None = None
    raw: list[tuple[int, str | None, float, str]] = []
    last = ""
    number = 0
    for number, line in enumerate(iter_text_lines(path, display), start=1):
        last = line
        text = line.strip()
        if not text:
            continue
        if text.startswith("#"):
            if m := _START_TIME.match(text):
                start_time = _finite(m[1], display, number, "StartTime")
            elif m := _BASE_TIME.match(text):
                base_time = _finite(m[1], display, number, "BaseTime")
            continue
        if text.startswith('"StartTimestamp"'):
            continue
        tag: str | None = None
        if text.startswith("Tag="):
            tag_text, sep, text = text[4:].partition(",")
            if not sep or not tag_text:
                raise _fail("malformed Tag= prefix", display, number)
            tag = unquote(tag_text)
        m = _INTERVAL.match(text)
        if m is None:
            raise _fail("not an interval line (start,length,max,histogram)", display, number)
        ts = _finite(m[1], display, number, "StartTimestamp")
        length = _finite(m[2], display, number, "Interval_Length")
        _finite(m[3], display, number, "Interval_Max")
        if length < 0:
            raise _fail("negative Interval_Length", display, number)
        raw.append((number, tag, ts, m[4]))
    if not last.endswith("\n"):
        raise _fail("truncated: the last line has no line break", display, number)
    if not raw:
        raise _fail("no interval histograms (empty or truncated HDR log)", display)
    first = raw[0][2]
    if base_time is None:
        start = start_time if start_time is not None else first
        base_time = start if first < start - _YEAR_S else 0.0
    return [_Interval(n, tag, ts + base_time, payload) for n, tag, ts, payload in raw]


def _finite(text: str, display: str, line: int, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _fail(f"{what} {text!r} is not a number", display, line) from None
    if not math.isfinite(value):
        raise _fail(f"{what} {text!r} is not a finite number", display, line)
    return value


@dataclass
class _HdrResult:
    totals: dict[str | None, Any]  # key (None = all requests) -> merged HdrHistogram
    counts_per_second: dict[int, int]  # all requests
    window_p99_ms: dict[int, float]
    p50_series: list[tuple[float, float]]
    p99_series: list[tuple[float, float]]


class _WindowCache:
    """Per-window merged histograms with at most `size` decoded at once; the others are kept
    encoded (a few KB each instead of ~140 KB), so a long run's windows fit in memory."""

    def __init__(self, empty_like: Callable[[Any], Any], decode: Callable[[str], Any]) -> None:
        self._empty_like = empty_like
        self._decode = decode
        self._open: OrderedDict[int, Any] = OrderedDict()
        self._closed: dict[int, str] = {}
        self.size = 4

    def add(self, window: int, hist: Any) -> None:
        current = self._open.get(window)
        if current is None:
            encoded = self._closed.pop(window, None)
            current = self._empty_like(hist) if encoded is None else self._decode(encoded)
            self._open[window] = current
            while len(self._open) > self.size:
                old, old_hist = self._open.popitem(last=False)
                self._closed[old] = old_hist.encode().decode("ascii")
        else:
            self._open.move_to_end(window)
        current.add(hist)

    def items(self) -> Iterator[tuple[int, Any]]:
        yield from self._open.items()
        for window, encoded in self._closed.items():
            yield window, self._decode(encoded)


def _read_hlog(path: Path, display: str, window_of: Callable[[int], int | None]) -> _HdrResult:
    from hdrh.histogram import HdrHistogram  # lazy: only when an .hlog is evidence

    intervals = _read_hlog_lines(path, display)
    # The aggregate stream: the untagged lines, or every tagged line if there are none.
    untagged = any(i.tag is None for i in intervals)

    def empty_like(hist: Any) -> Any:
        return HdrHistogram(
            hist.lowest_trackable_value, hist.highest_trackable_value, hist.significant_figures
        )

    def decode(payload: str) -> Any:
        return HdrHistogram.decode(payload)

    totals: dict[str | None, Any] = {}
    counts: dict[int, int] = {}
    windows = _WindowCache(empty_like, decode)
    p50: dict[int, float] = {}
    p99: dict[int, float] = {}
    for interval in intervals:
        try:
            hist = decode(interval.payload)
        except Exception as exc:  # hdrh raises exceptions of many types on bad input
            raise _fail(
                f"undecodable histogram ({type(exc).__name__})", display, interval.line
            ) from None
        keys: list[str | None] = [interval.tag]
        if not untagged:
            keys.append(None)
        in_aggregate = None in keys
        try:
            for key in keys:
                if key not in totals:
                    totals[key] = empty_like(hist)
                totals[key].add(hist)
            second = math.floor(interval.start)
            window = window_of(second) if in_aggregate else None
            if window is not None:
                windows.add(window, hist)
        except Exception as exc:  # IndexError: values beyond the first histogram's range
            raise _fail(
                f"histogram incompatible with the earlier ones ({exc})", display, interval.line
            ) from None
        n = hist.get_total_count()
        if in_aggregate:
            counts[second] = counts.get(second, 0) + n
        if interval.tag is None and n and second not in p99:  # one point per second
            p50[second] = hist.get_value_at_percentile(50.0) / 1000.0
            p99[second] = hist.get_value_at_percentile(99.0) / 1000.0
    window_p99 = {
        w: h.get_value_at_percentile(99.0) / 1000.0
        for w, h in windows.items()
        if h.get_total_count()
    }
    return _HdrResult(
        totals,
        counts,
        window_p99,
        sorted((float(s), v) for s, v in p50.items()),
        sorted((float(s), v) for s, v in p99.items()),
    )


def _hdr_percentiles(hist: Any) -> dict[str, float]:
    return {p: hist.get_value_at_percentile(q * 100.0) / 1000.0 for p, q in PERCENTILES}


# ---- steady state ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Steady:
    """Whole seconds [start, end) of the steady state, cut into windows of `window` seconds."""

    start: int
    end: int
    window: int

    @property
    def span(self) -> int:
        return self.end - self.start

    @property
    def windows(self) -> int:
        if self.span <= 0:
            return 0
        return max(1, self.span // self.window)

    @property
    def window_len(self) -> int:
        return self.window if self.span >= self.window else self.span

    def window_of(self, second: int) -> int | None:
        if self.span <= 0 or not self.start <= second < self.end:
            return None
        index = (second - self.start) // self.window_len
        return index if index < self.windows else None

    def min_rps(self, counts: dict[int, int]) -> float | None:
        if self.windows == 0:
            return None
        sums = [0] * self.windows
        for second, n in counts.items():
            index = self.window_of(second)
            if index is not None:
                sums[index] += n
        return min(sums) / self.window_len


# ---- the adapter -------------------------------------------------------------------------


@dataclass
class _Inputs:
    files: dict[FileKind, tuple[Path, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _sort_files(files: list[Path], display: dict[Path, str]) -> _Inputs:
    found = _Inputs()
    ignored = []
    for path in files:
        shown = display.get(path, str(path))
        kind = classify(path)
        if kind is None:
            ignored.append(shown)
            continue
        if kind in found.files:
            other = found.files[kind][1]
            raise _fail(
                f"two Locust {kind} files ({other} and {shown}): the check's glob matches "
                "more than one run; narrow it",
                shown,
            )
        found.files[kind] = (path, shown)
    if ignored:
        found.warnings.append(f"ignored files that are not Locust output: {', '.join(ignored)}")
    return found


def _stale_warning(
    csv_entries: dict[str, _Entry], csv_aggregate: _Entry, json_entries: dict[str, _Entry],
    json_aggregate: _Entry, shown: str,
) -> str | None:  # fmt: skip
    diffs = []
    for key in sorted(set(csv_entries) | set(json_entries)):
        c, j = csv_entries.get(key), json_entries.get(key)
        c_counts = (c.requests, c.failures) if c else (0, 0)
        j_counts = (j.requests, j.failures) if j else (0, 0)
        if c_counts != j_counts:
            diffs.append(key)
    agg_c = (csv_aggregate.requests, csv_aggregate.failures)
    agg_j = (json_aggregate.requests, json_aggregate.failures)
    if not diffs and agg_c == agg_j:
        return None
    return (
        f"{shown} is stale or inconsistent with the JSON (Aggregated: CSV {agg_c[0]} requests / "
        f"{agg_c[1]} failures, JSON {agg_j[0]} / {agg_j[1]}; {len(diffs)} endpoint(s) differ): "
        "Locust does not rewrite _stats.csv at shutdown; totals are taken from the JSON"
    )


class LocustAdapter:
    """Locust output files -> LoadStats (see the module docstring)."""

    kind: ClassVar[str] = "locust"
    record: ClassVar[str] = "LoadStats"
    Params: ClassVar[type[BaseModel]] = LocustParams

    def read(self, files: list[Path], display: dict[Path, str], params: Any) -> LoadStats:
        """Read one run's files; EvidenceError for any problem, never a partial record."""
        opts = params if isinstance(params, LocustParams) else LocustParams.model_validate(params)
        inputs = _sort_files(files, display)
        warnings = inputs.warnings
        got = inputs.files

        if "json" not in got and "stats" not in got:
            shown = ", ".join(s for _, s in got.values()) or "no files"
            raise EvidenceError(
                "no Locust statistics: expected Locust's --json-file output (*.json) or "
                f"--csv output (*_stats.csv); found {shown}"
            )

        json_entries: dict[str, _Entry] | None = None
        json_aggregate: _Entry | None = None
        if "json" in got:
            path, shown = got["json"]
            json_entries = _read_json(path, shown)
            json_aggregate = _aggregate_json(json_entries)
        csv_entries: dict[str, _Entry] | None = None
        csv_aggregate: _Entry | None = None
        if "stats" in got:
            path, shown = got["stats"]
            csv_entries, csv_aggregate = _read_stats(path, shown)

        if json_entries is not None and json_aggregate is not None:
            entries, aggregate, source = json_entries, json_aggregate, got["json"][1]
            if csv_entries is not None and csv_aggregate is not None:
                stale = _stale_warning(
                    csv_entries, csv_aggregate, json_entries, json_aggregate, got["stats"][1]
                )
                if stale:
                    warnings.append(stale)
        else:
            assert csv_entries is not None and csv_aggregate is not None
            entries, aggregate, source = csv_entries, csv_aggregate, got["stats"][1]
            warnings.append(
                "no --json-file output: totals come from _stats.csv, which Locust does not "
                "rewrite at shutdown (it may miss the last second)"
            )

        if aggregate.requests == 0:
            raise _fail(
                "no requests recorded: a run that sent nothing proves nothing (an empty stats "
                "list is also what a worker, or --json combined with --json-file, writes)",
                source,
            )

        history = _read_history(*got["history"]) if "history" in got else None
        failures = tuple(_read_failures(*got["failures"])) if "failures" in got else ()
        listed = sum(n for _, _, n in failures)
        if "failures" in got and listed != aggregate.failures:
            warnings.append(
                f"{got['failures'][1]} lists {listed} failures, the totals say "
                f"{aggregate.failures}: Locust rewrites it only every second (like _stats.csv)"
            )
        if "exceptions" in got:
            warnings.extend(_read_exceptions(*got["exceptions"]))

        # -- duration and users
        duration = self._duration(aggregate, history, warnings)
        peak_users = max(r.users for r in history.rows) if history else None
        if opts.target_users is not None:
            if history is None:
                raise EvidenceError(
                    "target-users needs the _stats_history.csv (run Locust with --csv) to "
                    "show the user count reached"
                )
            if peak_users is None or peak_users < opts.target_users:
                raise _fail(
                    f"never reached {opts.target_users} users (peak {peak_users})",
                    got["history"][1],
                )
        if opts.min_duration is not None and duration < opts.min_duration:
            raise _fail(
                f"the run lasted {duration:.1f} s, less than min-duration {opts.min_duration:g} s",
                source,
            )
        if opts.min_requests is not None and aggregate.requests < opts.min_requests:
            raise _fail(
                f"{aggregate.requests} requests recorded, fewer than min-requests "
                f"{opts.min_requests}",
                source,
            )

        # -- steady state
        steady = self._steady(opts, aggregate, history, warnings)

        # -- HDR
        hdr: _HdrResult | None = None
        if "hlog" in got:
            path, shown = got["hlog"]
            hdr = _read_hlog(
                path, shown, steady.window_of if steady is not None else lambda _s: None
            )

        stats = {key: self._endpoint(e, key, duration, hdr, warnings) for key, e in entries.items()}
        aggregate_stats = self._endpoint(aggregate, None, duration, hdr, warnings)
        if hdr is not None:
            unknown = sorted(k for k in hdr.totals if k is not None and k not in entries)
            if unknown:
                warnings.append(
                    f"the HDR log has request names Locust did not count: {', '.join(unknown)}"
                )

        sustained_p99, sustained_rps = self._sustained(
            steady, hdr, history, json_aggregate, warnings
        )
        return LoadStats(
            endpoints=tuple(stats[k] for k in sorted(stats)),
            aggregate=aggregate_stats,
            duration_s=duration,
            peak_users=peak_users,
            sustained_p99_ms=sustained_p99,
            sustained_min_rps=sustained_rps,
            series=self._series(history, hdr, json_aggregate),
            failures=failures,
            warnings=tuple(warnings),
        )

    # -- pieces ----------------------------------------------------------------------------

    @staticmethod
    def _duration(aggregate: _Entry, history: _History | None, warnings: list[str]) -> float:
        if aggregate.start is not None and aggregate.last is not None:
            duration = aggregate.last - aggregate.start
        elif history is not None and len(history.rows) > 1:
            duration = float(history.rows[-1].ts - history.rows[0].ts)
        elif aggregate.rps:
            duration = aggregate.requests / aggregate.rps
        else:
            duration = 0.0
        if duration <= 0:
            warnings.append("the run's duration is unknown or zero: rates are reported as 0")
            return 0.0
        return duration

    @staticmethod
    def _steady(
        opts: LocustParams,
        aggregate: _Entry,
        history: _History | None,
        warnings: list[str],
    ) -> _Steady | None:
        # The end: the last whole second of requests (the final one is cut off by the stop).
        if aggregate.last is not None:
            end = math.floor(aggregate.last)
        elif history is not None:
            active = [r.ts for r in history.rows if r.users > 0]
            end = active[-1] if active else history.rows[-1].ts
        else:
            return None
        if history is not None:
            run_start = history.rows[0].ts
        elif aggregate.start is not None:
            run_start = math.floor(aggregate.start)
        else:
            return None
        if opts.ramp_up is not None:
            start = run_start + math.ceil(opts.ramp_up)
        elif history is not None:
            peak = max(r.users for r in history.rows)
            start = next(r.ts for r in history.rows if r.users == peak) + 1
        else:
            start = run_start
            warnings.append(
                "no _stats_history.csv: the end of ramp-up is unknown, so sustained metrics "
                "include it (set ramp-up, or run Locust with --csv)"
            )
        steady = _Steady(start, end, opts.window)
        if steady.span <= 0:
            warnings.append(
                "no steady state: the run ended before ramp-up did; no sustained metrics"
            )
            return None
        if steady.span < opts.window:
            warnings.append(
                f"the steady state ({steady.span} s) is shorter than one window "
                f"({opts.window} s): sustained metrics cover {steady.span} s"
            )
        return steady

    @staticmethod
    def _endpoint(
        e: _Entry,
        hdr_key: str | None,
        duration: float,
        hdr: _HdrResult | None,
        warnings: list[str],
    ) -> EndpointStats:
        """`hdr_key`: the HDR log's tag for this entry (None: the untagged, all-requests one)."""
        percentiles, source = e.percentiles, "locust"
        hist = hdr.totals.get(hdr_key) if hdr is not None else None
        label = e.key if hdr_key is not None else "all requests"
        if hist is not None and hist.get_total_count():
            percentiles, source = _hdr_percentiles(hist), "hdr"
            timed = e.requests - e.none_requests
            if hist.get_total_count() != timed:
                warnings.append(
                    f"{label}: the HDR log holds {hist.get_total_count()} samples, Locust "
                    f"counted {timed} timed requests"
                )
        elif hdr is not None and e.requests:
            warnings.append(f"{label}: not in the HDR log; Locust's bucketed percentiles kept")
        return EndpointStats(
            name=e.key,
            requests=e.requests,
            failures=e.failures,
            rps=e.requests / duration if duration > 0 else 0.0,
            avg_ms=e.avg_ms,
            min_ms=e.min_ms,
            max_ms=e.max_ms,
            percentiles_ms=percentiles,
            percentile_source=source,
        )

    @staticmethod
    def _sustained(
        steady: _Steady | None,
        hdr: _HdrResult | None,
        history: _History | None,
        json_aggregate: _Entry | None,
        warnings: list[str],
    ) -> tuple[float | None, float | None]:
        if steady is None:
            return None, None
        if hdr is not None:
            worst = max(hdr.window_p99_ms.values()) if hdr.window_p99_ms else None
            return worst, steady.min_rps(hdr.counts_per_second)

        # rate: exact per-second counts from the JSON, else the history's cumulative counts
        rps: float | None = None
        if json_aggregate is not None and json_aggregate.per_second:
            rps = steady.min_rps(json_aggregate.per_second)
        elif history is not None:
            rps = _history_min_rps(history, steady)

        p99: float | None = None
        if history is None:
            warnings.append("no HDR log and no _stats_history.csv: no sustained p99")
        elif not history.full:
            warnings.append(
                "the history has cumulative percentiles only (run without "
                "--csv-full-history): no sustained p99"
            )
        else:
            late = [
                r.p99
                for r in history.rows
                if steady.start + LOCUST_ROLLING_WINDOW_S <= r.ts <= steady.end
                and r.p99 is not None
            ]
            if not late:
                late = [
                    r.p99
                    for r in history.rows
                    if steady.start <= r.ts <= steady.end and r.p99 is not None
                ]
                if late:
                    warnings.append(
                        "sustained p99 from Locust's rolling 10 s percentiles, which overlap "
                        "the ramp-up in a steady state this short"
                    )
            p99 = max(late) if late else None
        return p99, rps

    @staticmethod
    def _series(
        history: _History | None, hdr: _HdrResult | None, json_aggregate: _Entry | None
    ) -> tuple[Series, ...]:
        out: list[Series] = []
        if history is not None:
            rows = history.rows
            out.append(Series("users", "count", tuple((float(r.ts), float(r.users)) for r in rows)))
            out.append(Series("rps", "/s", tuple((float(r.ts), r.rps) for r in rows)))
            out.append(
                Series("failures_per_s", "/s", tuple((float(r.ts), r.fails_per_s) for r in rows))
            )
            for name in ("p50", "p95", "p99"):
                points = tuple(
                    (float(r.ts), v) for r in rows if (v := getattr(r, name)) is not None
                )
                out.append(Series(name, "ms", points))
        elif json_aggregate is not None and json_aggregate.per_second:
            seconds = sorted(json_aggregate.per_second)
            out.append(
                Series(
                    "rps",
                    "/s",
                    tuple((float(s), float(json_aggregate.per_second[s])) for s in seconds),
                )
            )
            out.append(
                Series(
                    "failures_per_s",
                    "/s",
                    tuple(
                        (float(s), float(json_aggregate.fail_per_second.get(s, 0))) for s in seconds
                    ),
                )
            )
        if hdr is not None:
            out.append(Series("hdr_p50", "ms", tuple(hdr.p50_series)))
            out.append(Series("hdr_p99", "ms", tuple(hdr.p99_series)))
        return tuple(out)


def _history_min_rps(history: _History, steady: _Steady) -> float | None:
    """Lowest window rate from the history's cumulative request counts."""

    def count_at(ts: int) -> tuple[int, int] | None:
        best = None
        for r in history.rows:
            if r.ts <= ts:
                best = (r.ts, r.total_requests)
            else:
                break
        return best

    rates = []
    for k in range(steady.windows):
        a = count_at(steady.start + k * steady.window_len)
        b = count_at(steady.start + (k + 1) * steady.window_len)
        if a is None or b is None or b[0] <= a[0]:
            continue
        rates.append((b[1] - a[1]) / (b[0] - a[0]))
    return min(rates) if rates else None
