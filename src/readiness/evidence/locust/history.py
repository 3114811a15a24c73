"""Locust's `_stats_history.csv`, read column-wise with pyarrow's CSV reader.

A soak test with `--csv-full-history` writes one row per endpoint and second: a million rows
for 24 endpoints over 11 hours. Read row by row in Python (a list of strings per row, then a
dict and a regex per cell) that took 79 s and 1.9 GB to keep the 40,000 Aggregated rows; here
pyarrow parses the columns the metrics read (on both cores), the checks run on whole columns
(counts whole and non-negative, numbers finite and in range, timestamps in order, failures
within requests, the Aggregated totals not decreasing), and only the Aggregated rows become
Python objects.

The checks are the row-by-row reader's (`csv.read_history_rows`), which stays the reference:
when a column check fails, or pyarrow refuses the file (a cell that is not a number, a row
with a cell too many, text that is not UTF-8), the file is read again by that reader, which
names the file, line and column of the first bad cell. A broken file pays for that second
read; a good one never does. Columns no metric reads (66%, 75%, 80%, 90%, 98%, 99.9%, 99.99%,
100% and the Total median/average/min/max/size) are counted for their cells but not parsed.

pyarrow is imported here only, when a history is read: `validate`, `--help` and evaluations
without a Locust history never load it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from readiness.errors import EvidenceError
from readiness.evidence.locust.common import AGGREGATED, MAX_COUNT, MAX_NUMBER, check_size
from readiness.evidence.locust.csv import (
    History,
    HistoryRow,
    check_history_header,
    read_history_rows,
)

COLUMNWISE_BYTES = 1 << 20  # 1 MiB (about 6,000 rows): smaller histories are read row by row
COUNTS = ("Timestamp", "User Count", "Total Request Count", "Total Failure Count")
NUMBERS = ("Requests/s", "Failures/s")
PERCENTILES = ("50%", "95%", "99%")  # N/A when the row has no requests yet
TEXTS = ("Type", "Name")


class _Refused(Exception):
    """The column-wise read cannot vouch for the file: the row-by-row reader decides."""


def read_history(path: Path, display: str) -> History:
    """The history's Aggregated rows and whether it is a full history; EvidenceError naming
    the file, line and column for any problem (see the module docstring)."""
    if check_size(path, display) < COLUMNWISE_BYTES:
        return read_history_rows(path, display)  # importing pyarrow would cost more
    header = _header(path)
    if header is None:
        return read_history_rows(path, display)
    check_history_header(header, display)
    try:
        return _read_columns(path, header)
    except _Refused:
        return read_history_rows(path, display)


def _header(path: Path) -> list[str] | None:
    """The header's cells, if the file's first line is a plain header and its last byte a line
    break; None sends the file to the row-by-row reader (BOM, quotes, a truncated file)."""
    try:
        with path.open("rb") as fh:
            first = fh.readline(1 << 16)
            fh.seek(-1, 2)
            last = fh.read(1)
    except OSError:
        return None
    if last != b"\n" or not first.endswith(b"\n") or b'"' in first:
        return None
    try:
        return first.decode("ascii").rstrip("\r\n").split(",")
    except UnicodeDecodeError:
        return None


def _pyarrow() -> tuple[Any, Any]:
    """pyarrow's csv and compute modules, or a clear error naming the package."""
    try:
        import pyarrow.compute as pc
        from pyarrow import csv
    except ImportError:  # pragma: no cover - a base dependency; a broken install only
        raise EvidenceError(
            "reading a Locust _stats_history.csv needs pyarrow, a dependency of readiness: "
            "reinstall readiness (pip install readiness)"
        ) from None
    return csv, pc


def _read_columns(path: Path, header: list[str]) -> History:
    """Parse the needed columns, check them whole, and keep the Aggregated rows."""
    csv, pc = _pyarrow()
    import pyarrow as pa

    names = [c.strip() for c in header]
    types = {c: pa.int64() for c in COUNTS}
    types.update({c: pa.float64() for c in (*NUMBERS, *PERCENTILES)})
    types.update({c: pa.string() for c in TEXTS})
    try:
        table = csv.read_csv(
            path,
            read_options=csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=csv.ParseOptions(newlines_in_values=False),
            convert_options=csv.ConvertOptions(
                include_columns=list(types),
                column_types=types,
                null_values=["N/A"],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        raise _Refused from None
    if table.num_rows == 0:
        raise _Refused
    _check_columns(table, pc)
    return _aggregated(table, pc)


def _any(pc: Any, mask: Any) -> bool:
    """Whether a boolean column holds a true value (nulls are false)."""
    return pc.any(mask).as_py() is True


def _check_columns(table: Any, pc: Any) -> None:
    """The row-by-row reader's checks, on whole columns: _Refused at the first that fails."""
    for name in COUNTS:
        column = table.column(name)
        if column.null_count or _any(pc, pc.less(column, 0)):
            raise _Refused
        if _any(pc, pc.greater(column, MAX_COUNT)):
            raise _Refused
    for name in (*NUMBERS, *PERCENTILES):
        column = table.column(name)
        if name in NUMBERS and column.null_count:
            raise _Refused
        finite = pc.is_finite(column)
        if _any(pc, pc.invert(finite)):
            raise _Refused
        if _any(pc, pc.less(column, 0)) or _any(pc, pc.greater(column, MAX_NUMBER)):
            raise _Refused
    ts = table.column("Timestamp").combine_chunks()
    if len(ts) > 1 and _any(pc, pc.less(ts.slice(1), ts.slice(0, len(ts) - 1))):
        raise _Refused  # goes backwards: two runs in one file
    if _any(
        pc, pc.greater(table.column("Total Failure Count"), table.column("Total Request Count"))
    ):
        raise _Refused


def _aggregated(table: Any, pc: Any) -> History:
    """The Aggregated rows as HistoryRows; whether any other row exists (a full history)."""
    is_agg = pc.and_(pc.equal(table.column("Type"), ""), pc.equal(table.column("Name"), AGGREGATED))
    agg = table.filter(is_agg)
    if agg.num_rows == 0:
        raise _Refused
    totals = agg.column("Total Request Count").combine_chunks()
    if len(totals) > 1 and _any(pc, pc.less(totals.slice(1), totals.slice(0, len(totals) - 1))):
        raise _Refused  # the totals decrease: two runs in one file
    columns = [
        agg.column(c).to_pylist()
        for c in (
            "Timestamp",
            "User Count",
            "Requests/s",
            "Failures/s",
            "50%",
            "95%",
            "99%",
            "Total Request Count",
            "Total Failure Count",
        )
    ]
    rows = [HistoryRow(*cells) for cells in zip(*columns, strict=True)]
    return History(rows, full=agg.num_rows != table.num_rows)
