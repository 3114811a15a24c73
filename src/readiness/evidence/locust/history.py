"""Locust's `_stats_history.csv`, read column-wise with pyarrow's CSV reader.

A soak test with `--csv-full-history` writes one row per endpoint and second: a million rows
for 24 endpoints over 11 hours. Read row by row in Python (a list of strings per row, then a
dict and a regex per cell) that takes half a minute to keep the 40,000 Aggregated rows; here
pyarrow parses the columns the metrics read, a segment of the file at a time (on both cores
within a segment), the checks run on whole columns, and only the Aggregated rows are kept,
as columns (`History`), never as one Python object per row.

Which cells are parsed: only those a metric or a chart reads, and those the order checks
need. Every row's Timestamp, Type and Name; the Aggregated rows' (one in 25 of a soak's rows)
other kept columns. On the endpoint rows, those are parsed as bytes and never converted; every
other column (66%, 75%, 80%, 90%, 98%, 99.9%, 99.99%, 100%, the Total median/average/min/max
/size) is only counted, on every row. What each is for:

- Timestamp: every row, in order (else two runs in one file); the Aggregated rows' give
  `duration` without a JSON, the steady state's bounds and every series' times;
- Type, Name: which rows are Aggregated, and whether others exist (a full history, whose
  rolling percentiles give `sustained.p99`);
- User Count: `peak_users`, `target-users`, the default end of ramp-up, the `users` series;
- Requests/s, Failures/s: the `rps` and `failures_per_s` series;
- 50%, 95%: the `p50` and `p95` series; 99%: `sustained.p99` and the `p99` series;
- Total Request Count: `sustained.min_rps` without a JSON or HDR log (the Aggregated totals
  must not decrease);
- Total Failure Count: checked only (never above Total Request Count).

Every metric of the record is computed whatever a gate asks (`inspect` shows them all and the
report draws the series), so all of these are read on every Aggregated row, and each is
checked as the row-by-row reader checks it: each cell stripped and matched whole against the
reference's patterns (`csv.UINT`, `csv.DECIMAL`: pyarrow's own parsers also take "0x1A",
"-0", "+5", ".5", "nan" and "inf"), then counts at most MAX_COUNT, numbers at most MAX_NUMBER
(a percentile may be N/A); timestamps in order; failures within requests; the Aggregated
totals not decreasing. A check is one pass over a column (a pattern, a minimum and maximum,
NaN through the column's sum), never a Python loop. Every row's Timestamp is read as text and
checked whole as the reference checks it (1 to 16 ASCII digits), then converted.
A cell on an endpoint row that nothing reads is not checked here, as the columns nobody reads
are not: converting the eight columns on all rows cost a third of the read (the row-by-row
reader, which reads the small histories, checks every cell of every row). Every row must still
have the header's number of cells, and every byte of the file must be UTF-8 text.

The row-by-row checks (`csv.HistoryRows`, behind `csv.read_history_rows`) stay the reference.
When a check fails, or pyarrow refuses a segment (a cell that is not a number, a row with a
cell too many, text that is not UTF-8, a quoted line break), or the file's last line has no
line break (Locust killed mid-write), that segment's rows are checked row by row from the state
the segments before it left, its first line numbered by counting the line breaks before it: the
line is computed on the failure path only, and the error is the reference's, word for word, for
the first bad row of that segment (the reference reading the whole file would name an earlier
row first if an endpoint row had a bad cell that nothing reads). Only when that finds nothing
(pyarrow refused what the reference accepts), or the lines cannot be counted that way, is the
whole file read row by row (half a minute for a million rows); a good file never pays for it.

pyarrow's thread pool parses the blocks of a segment on both cores (`use_threads`, as
`read_csv` does by default), and the next segment is read and parsed in a thread while this
one is checked: the segments bound the memory (two segments' columns at a time plus the
Aggregated rows kept) without giving up the second core. pyarrow is imported here
only, when a history is read: `validate`, `--help` and evaluations without a Locust history
never load it.
"""

from __future__ import annotations

import codecs
import math
import sys
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from readiness.errors import EvidenceError
from readiness.evidence.locust.common import AGGREGATED, MAX_COUNT, MAX_NUMBER, check_size, fail
from readiness.evidence.locust.csv import (
    DECIMAL,
    UINT,
    UINT_DIGITS,
    History,
    HistoryRows,
    check_history_header,
    read_history_rows,
)

COLUMNWISE_BYTES = 1 << 20  # 1 MiB (about 6,000 rows): smaller histories are read row by row
SEGMENT_BYTES = 8 << 20  # parsed at a time: 8 blocks of pyarrow's 1 MiB for its threads
TEXTS = ("Type", "Name")  # parsed as text on every row, with the Timestamp
# Parsed as bytes on every row, converted and checked on the Aggregated rows only:
COUNTS = ("User Count", "Total Request Count", "Total Failure Count")
NUMBERS = ("Requests/s", "Failures/s")
PERCENTILES = ("50%", "95%", "99%")  # N/A when the row has no requests yet
# The Aggregated rows' columns kept, in `History`'s order.
KEPT = ("Timestamp", "User Count", "Requests/s", "Failures/s", *PERCENTILES, "Total Request Count")


@dataclass
class _Carry:
    """What the checks carry from one segment to the next."""

    last_ts: int = -1
    last_total: int = -1  # the last Aggregated row's Total Request Count
    full: bool = False


@dataclass
class _Where:
    """The segment the column-wise read refused: its offset in the file, its bytes, the
    checks' state before it, and whether it ends with a line break (the file's last does not
    when the file is truncated)."""

    offset: int
    data: bytes
    carry: _Carry
    complete: bool


class _Refused(Exception):
    """The column-wise read cannot vouch for the file: the row-by-row checks decide, on the
    segment refused (`where`) when known, else on the whole file."""

    def __init__(self, where: _Where | None = None) -> None:
        super().__init__()
        self.where = where


def read_history(path: Path, display: str) -> History:
    """The history's Aggregated rows and whether it is a full history; EvidenceError naming
    the file, line and column for any problem (see the module docstring)."""
    if check_size(path, display) < COLUMNWISE_BYTES:
        return read_history_rows(path, display)  # importing pyarrow would cost more
    header = _header(path)
    if header is None:
        return read_history_rows(path, display)
    check_history_header(header[0], display)
    try:
        return _read_columns(path, *header)
    except _Refused as refused:
        if refused.where is not None:
            _locate(path, display, header[0], refused.where)
        return read_history_rows(path, display)


def _header(path: Path) -> tuple[list[str], int] | None:
    """The header's cells and its length in bytes, if the file's first line is a plain header;
    None sends the file to the row-by-row reader (BOM, quotes)."""
    try:
        with path.open("rb") as fh:
            first = fh.readline(1 << 16)
    except OSError:
        return None
    if not first.endswith(b"\n") or b'"' in first:
        return None
    try:
        return first.decode("ascii").rstrip("\r\n").split(","), len(first)
    except UnicodeDecodeError:
        return None


def _pyarrow() -> tuple[Any, Any, Any]:
    """pyarrow, its csv module and its compute functions' caller (`call_function`), or a clear
    error naming the package. The caller is taken from the compiled `pyarrow._compute`:
    importing `pyarrow.compute` would build a Python wrapper for each of its hundreds of
    functions (a third of pyarrow's import time) to call seven of them.

    NumPy is hidden while pyarrow loads, unless something imported it already: pyarrow (since
    16) does not need it, but imports it whenever it is installed (the `regression` extra
    installs it), for conversions to and from arrays that this reader never makes: about
    0.1 s, more than the rest of pyarrow's import. NumPy stays importable afterwards."""
    hide = "numpy" not in sys.modules
    if hide:
        sys.modules["numpy"] = None  # type: ignore[assignment]  # import numpy: ImportError
    try:
        import pyarrow as pa
        from pyarrow import csv

        try:
            from pyarrow._compute import call_function
        except ImportError:  # pragma: no cover - should pyarrow move it
            from pyarrow.compute import call_function
    except ImportError:  # pragma: no cover - a base dependency; a broken install only
        raise EvidenceError(
            "reading a Locust _stats_history.csv needs pyarrow, a dependency of readiness: "
            "reinstall readiness (pip install readiness)"
        ) from None
    finally:
        if hide and sys.modules.get("numpy", False) is None:
            del sys.modules["numpy"]
    return pa, csv, call_function


def _read_columns(path: Path, header: list[str], header_bytes: int) -> History:
    """Parse the needed columns a segment at a time, check them whole, keep the Aggregated
    rows' columns."""
    pa, csv, call = _pyarrow()
    convert = _Convert(pa)
    names = [c.strip() for c in header]
    if len(set(names)) != len(names):
        raise _Refused  # pyarrow would parse the first of two same-named columns, the reference
        # reader (a dict of the row's cells) the last: it decides
    types = {c: pa.string() for c in ("Timestamp", *TEXTS)}
    types.update({c: pa.binary() for c in (*COUNTS, *NUMBERS, *PERCENTILES)})
    options = {
        "read_options": csv.ReadOptions(column_names=names, use_threads=True),
        "parse_options": csv.ParseOptions(newlines_in_values=False),
        "convert_options": csv.ConvertOptions(
            include_columns=list(types),
            column_types=types,
            null_values=["N/A"],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }
    refused = (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError)

    def parse(segment: memoryview) -> Any:
        try:
            _check_utf8(segment)
            return csv.read_csv(pa.BufferReader(pa.py_buffer(segment)), **options)
        except refused:
            return None

    carry = _Carry()
    kept = []
    for offset, size, complete, parsed in _parsed(path, header_bytes, parse):
        before = replace(carry)
        try:
            if parsed is None:
                raise _Refused  # pyarrow refused it, or the file's last line has no line break
            table = _check_timestamps(parsed, call, carry, convert)
            kept.append(_aggregated(table, call, carry, convert))
        except (_Refused, *refused):  # a check failed; a cast refused an Aggregated cell
            data = _bytes_at(path, offset, size)
            raise _Refused(_Where(offset, data, before, complete)) from None
    if not kept:
        raise _Refused  # no rows: the reference reader words it
    agg = pa.concat_tables(kept)
    if agg.num_rows == 0:
        raise _Refused
    ts, users, rps, fails, p50, p95, p99, totals = (agg.column(c).to_pylist() for c in KEPT)
    return History(ts, users, rps, fails, p50, p95, p99, totals, full=carry.full)


def _check_utf8(segment: memoryview) -> None:
    """UnicodeDecodeError unless every byte of `segment` is UTF-8, as the reference reads
    the file as text (pyarrow checks only its text columns). ASCII throughout the buffer the
    segment is in proves it (0.5 ms for 8 MiB, nothing allocated: decoding built an 8 MiB
    string each time); anything else is decoded."""
    whole = segment.obj
    if not (isinstance(whole, bytearray) and whole.isascii()):
        codecs.utf_8_decode(segment, "strict", True)


def _parsed(
    path: Path, start: int, parse: Callable[[memoryview], Any]
) -> Iterator[tuple[int, int, bool, Any]]:
    """(offset, size, ends with a line break, table or None) of each segment, the next segment
    read and parsed in a thread while the caller checks this one: the checks, the reads and
    the tail of each parse (its last block, on one core) overlap instead of leaving a core idle
    at every segment (0.09 s of wall time for a million rows). The thread alone reads the
    segments' buffer, and a table does not point into it."""

    def next_one() -> Any:
        item = next(segments, None)
        if item is None:
            return None
        offset, view, complete = item
        return offset, len(view), complete, parse(view) if complete else None

    segments = _segments(path, start)
    pending = _Ahead(next_one)
    try:
        while (got := pending.get()) is not None:
            pending = _Ahead(next_one)
            yield got
    finally:
        pending.join()  # no segment is being read
        segments.close()


class _Ahead:
    """One call run in a thread of its own; `get` waits for its result or raises its error.
    (A thread, not concurrent.futures: that import costs about 5 ms, logging with it.)"""

    def __init__(self, call: Callable[[], Any]) -> None:
        import threading

        self._done: list[tuple[bool, Any]] = []
        self._thread = threading.Thread(target=self._run, args=(call,), name="readiness-history")
        self._thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self._done.append((True, call()))
        except BaseException as exc:  # raised again by `get`
            self._done.append((False, exc))

    def join(self) -> None:
        self._thread.join()

    def get(self) -> Any:
        self._thread.join()
        ok, value = self._done[0]
        if not ok:
            raise value
        return value


def _bytes_at(path: Path, offset: int, size: int) -> bytes:
    """The file's bytes from `offset` (a refused segment's, read again: its buffer is reused)."""
    with path.open("rb") as fh:
        fh.seek(offset)
        return fh.read(size)


def _segments(path: Path, start: int) -> Generator[tuple[int, memoryview, bool], None, None]:
    """The file after its header as (offset, view, ends with a line break): whole lines, up to
    SEGMENT_BYTES each, then what follows the last line break, if anything. One buffer is read
    into again (each view is parsed before the next is read: pyarrow copies what it parses,
    the columns never point into the buffer)."""
    buffer = bytearray(SEGMENT_BYTES)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as fh:
        fh.seek(start)
        offset = start
        carried = 0  # the start of a line cut by the end of the last segment, moved to the front
        while True:
            end = carried + (fh.readinto(view[carried:]) or 0)
            if end == carried:  # the end of the file
                if carried:
                    yield offset, view[:carried], False
                return
            cut = buffer.rfind(b"\n", 0, end) + 1
            if cut == 0:
                if end == len(buffer):
                    raise _Refused  # a line longer than a segment: the row-by-row reader
                carried = end
                continue
            yield offset, view[:cut], True
            offset += cut
            carried = end - cut
            buffer[:carried] = buffer[cut:end]


def _locate(path: Path, display: str, header: list[str], where: _Where) -> None:
    """The row-by-row checks of the segment the column-wise read refused, from the state the
    segments before it left, with its first line's number counted now (the failure path
    only): they raise the reference reader's located error, or the truncation for a last
    line without a line break. Returns without one when they find nothing wrong there (pyarrow
    refuses what the reference accepts, such as a quoted line break), the segment holds a
    quote (its ends may cut a quoted line break), the text is not UTF-8, or a carriage
    return alone ends a line before the segment (the line breaks counted would
    number the lines otherwise; within the segment the rows are split as the reference
    splits them): the whole file is then the reference reader's."""
    if b'"' in where.data:
        return  # the segment may start or end inside quotes (a quoted line break)
    try:
        text = where.data.decode("utf-8")
    except UnicodeDecodeError:
        return
    first_line = _line_at(path, where.offset)
    if first_line is None:
        return
    carry = where.carry
    rows = HistoryRows(header, display, [], carry.full, carry.last_ts, carry.last_total)
    last_line = rows.add_text(text, first_line)
    if not where.complete:
        raise fail("truncated: the last line has no line break", display, last_line)


def _line_at(path: Path, offset: int) -> int | None:
    """The number of the line that starts at byte `offset`; None when a carriage return
    alone may end a line before it (the reference reader splits lines there too)."""
    breaks = 0
    with path.open("rb") as fh:
        while offset > 0:
            chunk = fh.read(min(offset, SEGMENT_BYTES))
            if not chunk or chunk.count(b"\r") != chunk.count(b"\r\n"):
                return None
            breaks += chunk.count(b"\n")
            offset -= len(chunk)
    return breaks + 1


def _any(call: Any, function: str, *args: Any) -> bool:
    """Whether the compute function `function` holds on any row (nulls are false)."""
    return call("any", [call(function, list(args))]).as_py() is True


def _check_timestamps(table: Any, call: Any, carry: _Carry, convert: _Convert) -> Any:
    """Every row's Timestamp a count as the reference reads one (`csv.UINT`: 1 to 16 ASCII
    digits; pyarrow's integer parser also takes hex, "-0" and more digits), never going
    backwards: the table with the Timestamps as integers, or _Refused. (`ascii_is_decimal`
    over the column costs what pyarrow's parser saves; a cell with white space round it,
    which the reference strips, is left to the reference.)"""
    if table.num_rows == 0:
        return table
    text = table.column("Timestamp")
    longest = call("max", [call("binary_length", [text])]).as_py()
    if longest > UINT_DIGITS or not _all(call, call("ascii_is_decimal", [text])):
        raise _Refused
    ts = call("cast", [text.combine_chunks()], convert.int)
    if call("max", [ts]).as_py() > MAX_COUNT:
        raise _Refused
    if ts[0].as_py() < carry.last_ts or _any(call, "less", ts[1:], ts[:-1]):
        raise _Refused  # goes backwards: two runs in one file
    carry.last_ts = ts[-1].as_py()
    return table.set_column(table.schema.get_field_index("Timestamp"), "Timestamp", ts)


def _check_numbers(column: Any, call: Any, *, may_be_na: bool) -> None:
    """Finite, from 0 to MAX_NUMBER; N/A (null) only where `may_be_na`."""
    if column.null_count and not may_be_na:
        raise _Refused
    if column.null_count == len(column):
        return  # all N/A
    low, high = (v.as_py() for v in call("min_max", [column]).values())
    # min_max skips NaN (all NaN gives NaN, which fails both comparisons); a NaN among
    # finite cells shows in the sum, which is finite otherwise (cells <= MAX_NUMBER)
    if not (low >= 0 and high <= MAX_NUMBER) or math.isnan(call("sum", [column]).as_py()):
        raise _Refused


class _Convert:
    """The pyarrow types, options and typed scalars the Aggregated rows' cells are converted
    with. A scalar is typed once here: a Python str would be converted on every call, and
    pyarrow's type inference tries to import pandas and dateutil each time."""

    def __init__(self, pa: Any) -> None:
        from pyarrow._compute import CastOptions, MatchSubstringOptions  # see `_pyarrow`

        self.text = CastOptions(pa.string())  # for the white-space trim, which takes text
        self.int = CastOptions(pa.int64())
        self.float = CastOptions(pa.float64())
        # the reference's patterns, whole cells (pyarrow's parsers also take "0x1A", "-0",
        # "+5", ".5", "nan" and "inf")
        self.count = MatchSubstringOptions(f"^{UINT.pattern}$")
        self.number = MatchSubstringOptions(f"^{DECIMAL.pattern}$")
        self.empty = pa.scalar("", pa.string())
        self.aggregated = pa.scalar(AGGREGATED, pa.string())
        self.na = pa.scalar("N/A", pa.string())
        self.null = pa.scalar(None, pa.string())
        self.table = pa.table

    def cells(self, call: Any, column: Any, to: Any, *, may_be_na: bool = False) -> Any:
        """A column of bytes as numbers, read as the reference reads a cell: stripped of white
        space, matched whole against its pattern (`csv.UINT`, `csv.DECIMAL`), N/A as null where
        `may_be_na`. _Refused for a cell that does not match (the segment's bytes were proved
        UTF-8 before it was parsed). Cells that match as they are (Locust writes no white
        space) are converted at once: three kernel calls rather than seven."""
        shape = self.count if to is self.int else self.number
        if _all(call, call("match_substring_regex", [column], shape)):
            return call("cast", [column], to)  # digits and the like: UTF-8 already
        text = call("ascii_trim_whitespace", [call("cast", [column], self.text)])
        if may_be_na:
            text = call("if_else", [call("equal", [text, self.na]), self.null, text])
        if not _all(call, call("match_substring_regex", [text], shape)):
            raise _Refused
        return call("cast", [text], to)


def _all(call: Any, column: Any) -> bool:
    """Whether a boolean column holds everywhere (nulls, for N/A, are skipped)."""
    return call("all", [column]).as_py() is not False


def _aggregated(table: Any, call: Any, carry: _Carry, convert: _Convert) -> Any:
    """The Aggregated rows' kept columns, converted and checked; notes whether any other row
    exists (a full history). _Refused, or pyarrow's ArrowInvalid, for a cell that fails."""
    no_type = call("equal", [table.column("Type"), convert.empty])
    is_agg = call("and", [no_type, call("equal", [table.column("Name"), convert.aggregated])])
    rows = call("filter", [table.drop_columns(list(TEXTS)), is_agg]).combine_chunks()
    # one chunk, not a segment's 8: a kernel call costs per chunk (a pattern is compiled each)
    if rows.num_rows != table.num_rows:
        carry.full = True
    columns = {"Timestamp": rows.column("Timestamp")}
    for name in COUNTS:
        column = columns[name] = convert.cells(call, rows.column(name), convert.int)
        if rows.num_rows:
            low, high = call("min_max", [column]).values()
            if column.null_count or low.as_py() < 0 or high.as_py() > MAX_COUNT:
                raise _Refused
    for name in (*NUMBERS, *PERCENTILES):
        na = name in PERCENTILES
        column = columns[name] = convert.cells(call, rows.column(name), convert.float, may_be_na=na)
        _check_numbers(column, call, may_be_na=na)
    failures, requests = columns["Total Failure Count"], columns["Total Request Count"]
    if _any(call, "greater", failures, requests):
        raise _Refused
    if rows.num_rows:
        totals = requests.combine_chunks()
        if totals[0].as_py() < carry.last_total or _any(call, "less", totals[1:], totals[:-1]):
            raise _Refused  # the totals decrease: two runs in one file
        carry.last_total = totals[-1].as_py()
    return convert.table({name: columns[name] for name in KEPT})
