"""The Locust full history read column-wise (pyarrow): the same rows as the row-by-row reader
on a good file, and that reader's located error (file, line, column) on a bad one."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from readiness.errors import EvidenceError
from readiness.evidence.locust import history
from readiness.evidence.locust.csv import read_history_rows
from readiness.evidence.locust.history import read_history

FIXTURE = Path(__file__).parent.parent / "fixtures" / "locust" / "stale" / "run_stats_history.csv"
PCTS = "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
HEAD = (
    f"Timestamp,User Count,Type,Name,Requests/s,Failures/s,{PCTS},Total Request Count,"
    "Total Failure Count,Total Median Response Time,Total Average Response Time,"
    "Total Min Response Time,Total Max Response Time,Total Average Content Size\n"
)


@pytest.fixture(autouse=True)
def columnwise(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every history here is read column-wise, however small (these are a few hundred KiB)."""
    monkeypatch.setattr(history, "COLUMNWISE_BYTES", 1)


def _history(path: Path, seconds: int, endpoints: int = 4) -> list[str]:
    """A full history of `seconds` seconds and `endpoints` endpoints, Locust's layout."""
    lines = [HEAD]
    totals = [0] * endpoints
    for sec in range(seconds):
        ts, users = 1_795_000_000 + sec, min(50, sec + 1)
        for k in range(endpoints):
            totals[k] += 3
            pct = ",".join(str(4 + k + j) for j in range(11))
            lines.append(
                f"{ts},{users},GET,/e{k},3.000000,0.000000,{pct},{totals[k]},0,4,4.5,0.4,14,212\n"
            )
        na = ",".join(["N/A"] * 11)
        agg = ",".join(str(4 + j + sec % 7) for j in range(11)) if sec else na
        lines.append(
            f"{ts},{users},,Aggregated,{3.0 * endpoints:.6f},0.000000,{agg},{sum(totals)},0,"
            "4,4.5,0.4,14,212\n"
        )
    path.write_text("".join(lines), encoding="utf-8")
    return lines


def test_columnwise_read_equals_the_row_by_row_reader(tmp_path: Path) -> None:
    """On a 2,500-row full history and on a real Locust one, both readers give the same
    Aggregated rows (timestamps, users, rates, percentiles with N/A as None, totals)."""
    big = tmp_path / "big_stats_history.csv"
    _history(big, 500)
    for path in (big, FIXTURE):
        fast = read_history(path, path.name)
        assert fast == read_history_rows(path, path.name)
    fast = read_history(big, big.name)
    assert len(fast.rows) == 500 and fast.full
    assert fast.rows[0].p99 is None and fast.rows[1].p99 == 12.0


def test_a_column_named_twice_counts_as_in_the_row_by_row_reader(tmp_path: Path) -> None:
    """A header that names 99% twice (99.9% renamed 99%): the column-wise read took the first
    such column, the row-by-row reader the last, so a file's sustained p99 depended on its
    size (a 98% renamed 99% lowered it); both now take the last."""
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 200)
    lines[0] = lines[0].replace("99.9%", "99%").replace("99.99%", "99.9%")
    path.write_text("".join(lines), encoding="utf-8")
    fast = read_history(path, path.name)
    assert fast == read_history_rows(path, path.name)
    assert fast.p99[5] == 4 + 8 + 5  # the 99.9% position on second 5


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        (1, "-3", r"User Count is \"-3\", expected a non-negative integer"),
        (1, "", r"User Count is \"\", expected a non-negative integer"),
        (0, "17e9", r"Timestamp is \"17e9\", expected a non-negative integer"),
        (4, "inf", r"Requests/s is \"inf\", expected a number from 0"),
        (4, "nan", r"Requests/s is \"nan\", expected a number from 0"),
        (4, "N/A", r"Requests/s is \"N/A\", expected a number from 0"),
        (13, "1e13", r"99% is \"1e13\", expected a number from 0"),
        (18, "99999", r"Total Failure Count 99999 exceeds Total Request Count"),
        (17, "10000000000000000", r"Total Request Count is \"10000000000000000\""),
        # what pyarrow's parsers take but the reference does not: hex, a sign, no digit before
        # the point
        (1, "0x1", r"User Count is \"0x1\", expected a non-negative integer"),
        (4, "+12.0", r"Requests/s is \"\+12.0\", expected a number from 0"),
        (5, "-0", r"Failures/s is \"-0\", expected a number from 0"),
        (13, ".5", r"99% is \".5\", expected a number from 0"),
    ],
)
def test_a_bad_cell_deep_in_a_big_history_is_located(
    tmp_path: Path, column: int, cell: str, message: str
) -> None:
    """A bad cell on line 901 of a 1,000-row history: the error names the file, that line
    and the column, as the row-by-row reader words it."""
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 200, endpoints=4)
    cells = lines[900].split(",")
    cells[column] = cell
    lines[900] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(EvidenceError, match=rf"run_stats_history\.csv:901: {message}"):
        read_history(path, path.name)


@pytest.mark.parametrize("shape", ["hex", "sign", "17 digits", "blank"])
def test_a_timestamp_the_reference_refuses_is_refused_on_any_row(
    tmp_path: Path, shape: str
) -> None:
    """Every row's Timestamp is read, so each is checked as the row-by-row reader checks it:
    pyarrow's integer parser also takes hex ("0x6afd4a73"), a sign ("-0", which would not
    even go backwards) and more than the 16 digits the reference allows; on an endpoint row
    those were values in a big history and errors in a small one."""
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 200, endpoints=4)
    cells = lines[899].split(",")
    assert cells[2] == "GET"  # an endpoint row
    ts = int(cells[0])
    cells[0] = {"hex": hex(ts), "sign": "+" + str(ts), "17 digits": f"{ts:017d}", "blank": ""}[
        shape
    ]
    lines[899] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")
    shown = cells[0].replace("+", r"\+")
    with pytest.raises(
        EvidenceError,
        match=rf"run_stats_history\.csv:900: Timestamp is \"{shown}\", expected a non-negative",
    ):
        read_history(path, path.name)


@pytest.mark.parametrize("column", [1, 4, 5, 9, 13, 17, 18])
def test_an_endpoint_row_is_read_for_its_timestamp_type_and_name_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, column: int
) -> None:
    """No metric or chart reads an endpoint row's users, rates, percentiles or totals (they
    come from the Aggregated rows), so in a big history those cells are counted, not checked,
    as the 66% to 100% columns always were: a bad one there is no error, the Aggregated rows
    read are those of the clean file, and the whole file is never read row by row for it."""
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 200, endpoints=4)
    clean = read_history(path, path.name)
    assert lines[899].split(",")[2] == "GET"  # an endpoint row, the one before line 901
    lines[899] = ",".join(_set(column, "x")(lines[899].split(",")))
    path.write_text("".join(lines), encoding="utf-8")

    def whole_file(*_args: object) -> None:
        raise AssertionError("read the whole file row by row")

    monkeypatch.setattr(history, "read_history_rows", whole_file)
    assert read_history(path, path.name) == clean


@pytest.mark.parametrize("column", [4, 9, 20])
def test_bytes_that_are_not_utf8_anywhere_in_a_big_history_are_an_error(
    tmp_path: Path, column: int
) -> None:
    """The reference reads the history as text, so a byte that is not UTF-8 is an error
    wherever it is, also in a cell nothing reads (an endpoint row's rate, its 90%, its Total
    Median Response Time): the column-wise read checks every byte, not only those it parses."""
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 200, endpoints=4)
    cells = lines[899].split(",")
    assert cells[2] == "GET"  # an endpoint row
    cells[column] = "3\udcff"
    lines[899] = ",".join(cells)
    path.write_bytes("".join(lines).encode("utf-8", "surrogateescape"))
    with pytest.raises(EvidenceError, match=r"run_stats_history\.csv: not UTF-8 text"):
        read_history(path, path.name)


def test_utf8_text_beyond_ascii_in_a_big_history_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Endpoint names in other scripts (valid UTF-8, not ASCII) are no error: the segments
    that hold them are decoded whole, and the rows read are the reference's."""
    monkeypatch.setattr(history, "SEGMENT_BYTES", 1 << 14)
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 200, endpoints=4)
    assert ",/e3," in lines[899]
    lines[899] = lines[899].replace(",/e3,", ",/caf\u00e9/\u8ba2\u5355,")
    path.write_text("".join(lines), encoding="utf-8")
    assert read_history(path, path.name) == read_history_rows(path, path.name)


@pytest.mark.parametrize(("column", "padded"), [(1, " 50"), (4, "12.000000 "), (13, " N/A ")])
def test_an_aggregated_cell_with_spaces_reads_as_the_reference_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, column: int, padded: str
) -> None:
    """The reference strips a cell before reading it; so does the column-wise read of the
    Aggregated rows' cells, without falling back to the row-by-row reader."""
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 200, endpoints=4)
    row = lines[5].split(",")  # the first Aggregated row: 50 users would be its 1
    assert row[3] == "Aggregated"
    lines[5] = ",".join(_set(column, padded)(row))
    path.write_text("".join(lines), encoding="utf-8")
    want = read_history_rows(path, path.name)

    def whole_file(*_args: object) -> None:
        raise AssertionError("read the whole file row by row")

    monkeypatch.setattr(history, "read_history_rows", whole_file)
    got = read_history(path, path.name)
    assert got == want
    assert (got.users[0], got.rps[0], got.p99[0]) == (
        50 if column == 1 else 1,
        12.0,
        None,
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("backwards", r":901: Timestamp 1795000000 goes backwards"),
        ("short row", r":901: row has 23 cells, the header 24"),
        ("truncated", r":1001: truncated: the last line has no line break"),
        ("not utf-8", r": not UTF-8 text"),
        ("no aggregated", r": no Aggregated rows"),
    ],
)
def test_a_broken_big_history_is_located(tmp_path: Path, edit: str, message: str) -> None:
    """Rows out of order, a short row, a missing final line break, bytes that are not UTF-8
    and a history without Aggregated rows are errors naming the file (and line)."""
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 200, endpoints=4)
    if edit == "backwards":
        lines[900] = lines[1]
    elif edit == "short row":
        lines[900] = lines[900].split(",", 1)[1]
    elif edit == "truncated":
        lines[-1] = lines[-1].rstrip("\n")
    elif edit == "no aggregated":
        lines = [line for line in lines if "Aggregated" not in line]
    data = "".join(lines).encode()
    if edit == "not utf-8":
        data = data.replace(b"/e3", b"/e\xff", 1)
    path.write_bytes(data)
    with pytest.raises(EvidenceError, match=rf"run_stats_history\.csv{message}"):
        read_history(path, path.name)


@pytest.mark.parametrize("segment", [1 << 12, 1 << 15, 100_003])
def test_a_history_read_in_many_segments_equals_the_row_by_row_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, segment: int
) -> None:
    """Segments far smaller than the file (one buffer read into again and again, lines cut at
    every place): the same Aggregated rows as the row-by-row reader, a long line included."""
    monkeypatch.setattr(history, "SEGMENT_BYTES", segment)
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 500)
    lines[700] = lines[700].replace("/e1", "/" + "e" * 5000)  # longer than the small segment
    path.write_text("".join(lines), encoding="utf-8")
    fast = read_history(path, path.name)
    assert fast == read_history_rows(path, path.name)
    assert len(fast.ts) == 500 and fast.full


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("backwards", r":901: Timestamp 1795000000 goes backwards"),
        ("total decreases", r":901: Total Request Count decreases"),
    ],
)
def test_rows_out_of_order_across_two_segments_are_located(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str, message: str
) -> None:
    """The order checks carry from one segment to the next: a segment that ends right before
    the row that goes back still sends the file to the located error."""
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 200, endpoints=4)
    if edit == "backwards":
        lines[900] = lines[1]
    else:
        cells = lines[900].split(",")
        cells[17] = "1"
        lines[900] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr(history, "SEGMENT_BYTES", len("".join(lines[1:900])))
    with pytest.raises(EvidenceError, match=rf"run_stats_history\.csv{message}"):
        read_history(path, path.name)


def _error(path: Path) -> str:
    """The row-by-row reader's error for the file (the reference's exact words and line)."""
    with pytest.raises(EvidenceError) as caught:
        read_history_rows(path, path.name)
    return str(caught.value)


def _set(column: int, cell: str) -> Callable[[list[str]], list[str]]:
    return lambda cells: [*cells[:column], cell, *cells[column + 1 :]]


BAD_ROWS: dict[str, Callable[[list[str]], list[str]]] = {
    "User Count": _set(1, "-3"),
    "Requests/s": _set(4, "nan"),
    "99%": _set(13, "1e13"),
    "Total Failure Count": _set(18, "99999"),
    "backwards": _set(0, "1795000000"),
    "total decreases": _set(17, "1"),
    "short row": lambda cells: cells[1:],
    "a cell too many": lambda cells: ["X", *cells],
}


@pytest.mark.parametrize(
    "edit", [*BAD_ROWS, "truncated in a cell", "truncated between cells", "crlf"]
)
def test_a_bad_row_is_located_in_its_segment_without_reading_the_whole_file_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    """With the bad row in the middle of the file (six segments of 16 KiB), the error is the
    row-by-row reader's, word for word and line for line, found by checking that segment's rows
    alone: the file is not read row by row from its start. Also for a truncated last line and
    for Locust's own CRLF line ends."""
    monkeypatch.setattr(history, "SEGMENT_BYTES", 1 << 14)
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 200, endpoints=4)
    lines[700] = ",".join(BAD_ROWS.get(edit, BAD_ROWS["a cell too many"])(lines[700].split(",")))
    if edit == "truncated in a cell":
        lines[-1] = lines[-1][:40]
    elif edit == "truncated between cells":
        lines[-1] = lines[-1][:-1]
    elif edit == "crlf":
        lines = [line.replace("\n", "\r\n") for line in lines]
    path.write_bytes("".join(lines).encode())
    want = _error(path)

    def whole_file(*_args: object) -> None:
        raise AssertionError("read the whole file row by row")

    monkeypatch.setattr(history, "read_history_rows", whole_file)
    with pytest.raises(EvidenceError) as caught:
        read_history(path, path.name)
    assert str(caught.value) == want


@pytest.mark.parametrize("segment", [1 << 13, 8 << 20])
def test_a_lone_carriage_return_leaves_the_counting_to_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, segment: int
) -> None:
    """A carriage return alone ends a line for the row-by-row reader: before the bad row's
    segment, line breaks alone would number the lines one short, so the whole file is read
    row by row; within it, the segment's rows are split as that reader splits them. Either
    way the line is its."""
    monkeypatch.setattr(history, "SEGMENT_BYTES", segment)
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 200, endpoints=4)
    lines[10] = lines[10].replace("\n", "\r")
    lines[700] = "X," + lines[700]
    path.write_bytes("".join(lines).encode())
    want = _error(path)
    assert ":701:" in want  # one line break fewer, the same number of lines
    with pytest.raises(EvidenceError) as caught:
        read_history(path, path.name)
    assert str(caught.value) == want


@pytest.mark.parametrize("cut", ["in the quotes", "after the row"])
def test_a_quoted_line_break_cut_by_a_segment_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut: str
) -> None:
    """A request name quoted with a line break in it (valid CSV: the row-by-row reader reads
    it) that a segment's end cuts inside the quotes: the column-wise read refuses the segment,
    and its rows, checked alone, end in an open quote; that is not the file's error, so the
    whole file is read row by row, with the row-by-row reader's result."""
    path = tmp_path / "run_stats_history.csv"
    lines = _history(path, 200, endpoints=4)
    lines[501] = lines[501].replace(",/e0,", ',"/e0\nsecond line",')
    head = "".join(lines[1:501]) + lines[501].split("\n")[0] + "\n"
    size = len(head) if cut == "in the quotes" else len(head) + len(lines[501])
    monkeypatch.setattr(history, "SEGMENT_BYTES", size)
    path.write_text("".join(lines), encoding="utf-8")
    assert read_history(path, path.name) == read_history_rows(path, path.name)


@pytest.mark.parametrize("numpy_first", [False, True], ids=["numpy-hidden", "numpy-loaded"])
def test_pyarrow_loads_without_numpy_which_stays_importable(
    tmp_path: Path, numpy_first: bool
) -> None:
    """A fresh interpreter reads a history column-wise without loading NumPy (pyarrow would
    import it for nothing), and NumPy imports and works afterwards; if NumPy was loaded
    before, it is the same module after. Either way the rows are the row-by-row reader's."""
    big = tmp_path / "big_stats_history.csv"
    _history(big, 300)
    script = f"""
import sys
{"import numpy; first = numpy" if numpy_first else ""}
from pathlib import Path
from readiness.evidence.locust import history
from readiness.evidence.locust.csv import read_history_rows
history.COLUMNWISE_BYTES = 1
path = Path({str(big)!r})
got = history.read_history(path, "h.csv")
assert "pyarrow" in sys.modules
assert ("numpy" in sys.modules) is {numpy_first}, sorted(m for m in sys.modules if "numpy" in m)
assert got == read_history_rows(path, "h.csv")
import numpy
{"assert numpy is first" if numpy_first else ""}
assert int(numpy.arange(4).sum()) == 6
print("ok")
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0 and proc.stdout == "ok\n", proc.stderr
