"""The Locust adapter on hostile and misleading input: failed requests posing as latency,
counts that contradict each other, HDR logs from another run, values that do not fit, deep or
duplicated JSON. Every case is a real file written in tmp_path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import helpers
from helpers import Project, invoke
from readiness.errors import EvidenceError
from readiness.evidence.locust import LocustAdapter, LocustParams
from readiness.evidence.records import Evidence, LoadStats
from readiness.metrics import MetricTable

FIXTURES = helpers.FIXTURES / "locust"
STATS_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,"
    "75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)


def read(files: list[Path], **params: Any) -> LoadStats:
    return LocustAdapter().read(files, {p: p.name for p in files}, LocustParams(**params))


def stats_row(kind: str, name: str, requests: int | str, failures: int | str, ms: int = 7) -> str:
    """One _stats.csv row (CSV-quoted name) whose latency cells are all `ms`."""
    quoted = '"' + name.replace('"', '""') + '"'
    pcts = ",".join([str(ms)] * 11)
    return f"{kind},{quoted},{requests},{failures},{ms},{ms}.0,1,{ms},10.0,10.0,0.0,{pcts}\n"


def write_stats(path: Path, rows: list[tuple[str, str, int | str, int | str, int]]) -> Path:
    path.write_text(STATS_HEADER + "".join(stats_row(*r) for r in rows), encoding="utf-8")
    return path


def table_of(stats: LoadStats) -> MetricTable:
    return MetricTable.build({"load": Evidence("load", "locust", "ok", record=stats)})


# ---- failed requests are not latency ---------------------------------------------------


def test_an_endpoint_whose_requests_mostly_failed_has_unusable_latency(tmp_path: Path) -> None:
    """POST /orders with 1000/1000 failed: its latency and rate metrics carry the reason they
    are unusable (GET /book, 0 failed, stays usable); its failure counts stay usable."""
    path = write_stats(
        tmp_path / "run_stats.csv",
        [
            ("POST", "/orders", 1000, 1000, 7),
            ("GET", "/book", 1000, 0, 900),
            ("", "Aggregated", 2000, 1000, 900),
        ],
    )
    table = table_of(read([path]))
    p99 = table.resolve('load.requests["POST /orders"].p99')
    assert len(p99) == 1
    assert p99[0].unusable == (
        "POST /orders: 100% of 1,000 requests failed (over max-failure-ratio 10%); "
        "its latency and throughput are not measured"
    )
    for key in ("avg", "min", "max", "p50", "p90", "p95", "p99.9", "rps"):
        assert table.resolve(f'load.requests["POST /orders"].{key}')[0].unusable
    assert not table.resolve('load.requests["POST /orders"].failure_ratio')[0].unusable
    assert not table.resolve('load.requests["GET /book"].p99')[0].unusable
    assert "50% of 2,000 requests failed" in table.resolve("load.aggregated.p99")[0].unusable


def test_the_failure_share_is_a_parameter_and_its_bound_is_inclusive(tmp_path: Path) -> None:
    """max-failure-ratio (percent, default 10) : exactly 10% failed is still usable, 10.1% is
    not; a stricter option of 5 makes 10% unusable; 100 turns the check off."""
    path = write_stats(
        tmp_path / "run_stats.csv",
        [
            ("POST", "/a", 1000, 100, 7),
            ("POST", "/b", 1000, 101, 7),
            ("", "Aggregated", 2000, 201, 7),
        ],
    )
    stats = read([path])
    by_name = {e.name: e for e in stats.endpoints}
    assert by_name["POST /a"].unusable == ""
    assert "10.1% of 1,000 requests failed" in by_name["POST /b"].unusable
    assert read([path], max_failure_ratio=5).endpoints[0].unusable
    assert all(not e.unusable for e in read([path], **{"max-failure-ratio": 100}).endpoints)
    assert LocustParams().max_failure_ratio == 10.0
    for bad in (-1, 101, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"max.failure.ratio"):
            LocustParams(max_failure_ratio=bad)


def test_a_latency_only_gate_over_a_down_target_is_an_error_not_go(tmp_path: Path) -> None:
    """End to end: every request failed fast (p99 7 ms); a gate with only latency criteria
    (an exact name, a glob and the aggregate) is not GO: each criterion is ERROR with why."""
    project = Project(tmp_path)
    write_stats(
        tmp_path / "run_stats.csv",
        [("POST", "/orders", 1000, 1000, 7), ("", "Aggregated", 1000, 1000, 7)],
    )
    project.write("checks/load.yaml", "schema: 1\nid: load\nkind: locust\nevidence: 'run*'\n")
    project.write(
        "gates/perf.yaml",
        """
        schema: 1
        id: perf
        criteria:
          - {id: orders, metric: 'load.requests["POST /orders"].p99', pass: "<= 50 ms"}
          - {id: all, metric: 'load.requests["*"].p99', pass: "<= 50 ms"}
          - {id: agg, metric: load.aggregated.p99, pass: "<= 50 ms"}
          - {id: rate, metric: load.aggregated.rps, pass: ">= 1/s"}
        """,
    )
    project.write(
        "definitions/d.yaml",
        "schema: 1\nrelease: r\nversion: '1'\nstage: mvp\nchecks: [load]\ngates: [perf]\n",
    )
    r = invoke(
        ["evaluate", "definitions/d.yaml", "--report-dir", "out", "--format", "json"], tmp_path
    )
    assert r.code == 1, r.out + r.err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    results = {c["criterion"]: c for c in report["criteria"]}
    for cid in ("orders", "all", "agg", "rate"):
        assert results[f"perf.{cid}"]["status"] == "ERROR", results[f"perf.{cid}"]
        assert "100% of 1,000 requests failed" in results[f"perf.{cid}"]["message"]
    assert report["verdict"] == "NO-GO"


# ---- Aggregated failures are cross-checked ----------------------------------------------


def test_aggregated_failures_must_match_the_endpoint_rows(tmp_path: Path) -> None:
    """Endpoint rows with 500 failures and an Aggregated row with 0: an evidence error naming
    both figures (a 0% failure ratio would be a false GO)."""
    path = write_stats(
        tmp_path / "run_stats.csv",
        [("POST", "/orders", 1000, 500, 7), ("", "Aggregated", 1000, 0, 7)],
    )
    with pytest.raises(
        EvidenceError,
        match=r"run_stats\.csv: the Aggregated row counts 0 failures but the endpoint rows "
        r"sum to 500",
    ):
        read([path])


def test_the_target_down_fixture_reads_with_copies(tmp_path: Path) -> None:
    """The stale fixture (7.5% and 5.2% failed) stays usable under the default share."""
    shutil.copytree(FIXTURES / "stale", tmp_path / "s")
    stats = read(sorted((tmp_path / "s").iterdir()))
    assert all(not e.unusable for e in (*stats.endpoints, stats.aggregate))


# ---- an HDR log must belong to the run --------------------------------------------------


def _hlog(path: Path, base: int, seconds: int, per_second: int, value_us: int) -> None:
    """An hdr_listener-style log: per second one tagged and one untagged line."""
    from hdrh.histogram import HdrHistogram
    from hdrh.log import HistogramLogWriter

    with path.open("w") as fh:
        writer = HistogramLogWriter(fh)
        writer.base_time = base * 1000
        writer.output_comment(f"[StartTime: {base:.3f} (seconds since epoch), x]")
        writer.output_base_time(base * 1000)
        writer.output_legend()
        for s in range(seconds):
            hist = HdrHistogram(1, 60_000_000, 3)
            for _ in range(per_second):
                hist.record_value(value_us)
            hist.set_start_time_stamp((base + s) * 1000)
            hist.set_end_time_stamp((base + s + 1) * 1000)
            fh.write("Tag=POST%20/orders,")
            writer.output_interval_histogram(hist, max_value_unit_ratio=1000.0)
            writer.output_interval_histogram(hist, max_value_unit_ratio=1000.0)


def _json(path: Path, base: int, seconds: int, per_second: int, ms: int) -> None:
    n = seconds * per_second
    entry = {
        "name": "/orders",
        "method": "POST",
        "num_requests": n,
        "num_none_requests": 0,
        "num_failures": 0,
        "total_response_time": float(n * ms),
        "min_response_time": float(ms),
        "max_response_time": float(ms),
        "total_content_length": 0,
        "start_time": base + 0.01,
        "last_request_timestamp": base + seconds - 0.01,
        "response_times": {str(ms): n},
        "num_reqs_per_sec": {str(base + s): per_second for s in range(seconds)},
        "num_fail_per_sec": {},
    }
    path.write_text(json.dumps([entry]))


BASE = 1_764_072_000


def test_an_hdr_log_from_another_time_is_an_error(tmp_path: Path) -> None:
    """Same counts, but the HDR log covers a day earlier: it is not this run's, and its 1 ms
    must not replace Locust's 900 ms: an evidence error naming both time ranges."""
    _json(tmp_path / "run.json", BASE, 20, 50, 900)
    _hlog(tmp_path / "run.hlog", BASE - 86_400, 20, 50, 1_000)
    with pytest.raises(EvidenceError, match=r"run\.hlog: not this run's HDR log: it covers"):
        read(sorted(tmp_path.iterdir()))


def test_an_hdr_log_with_another_sample_count_is_an_error(tmp_path: Path) -> None:
    """Same time range, a tenth of the samples: an evidence error naming both counts."""
    _json(tmp_path / "run.json", BASE, 20, 50, 900)
    _hlog(tmp_path / "run.hlog", BASE, 20, 5, 1_000)
    with pytest.raises(
        EvidenceError,
        match=r"run\.hlog: not this run's HDR log: POST /orders: it holds 100 samples, "
        r"Locust counted 1,000 timed requests",
    ):
        read(sorted(tmp_path.iterdir()))


def test_an_hdr_log_of_this_run_is_still_used(tmp_path: Path) -> None:
    """The matching log (same seconds, same counts) replaces Locust's percentiles."""
    _json(tmp_path / "run.json", BASE, 20, 50, 1)
    _hlog(tmp_path / "run.hlog", BASE, 20, 50, 1_234)
    stats = read(sorted(tmp_path.iterdir()))
    assert stats.aggregate.percentile_source == "hdr"
    assert stats.aggregate.percentiles_ms["99"] == pytest.approx(1.234, rel=0.001)


# ---- values that do not fit --------------------------------------------------------------


@pytest.mark.parametrize("digits", [20, 400, 5_000])
@pytest.mark.parametrize("column", ["Request Count", "Failure Count"])
def test_huge_counts_in_the_stats_csv_are_located_errors(
    tmp_path: Path, digits: int, column: str
) -> None:
    """A 20-, 400- or 5,000-digit count is a located error naming the column, not an
    OverflowError or ValueError traceback."""
    huge = "9" * digits
    row: tuple[str, str, int | str, int | str, int] = (
        ("POST", "/orders", huge, 0, 7) if column == "Request Count" else ("POST", "/o", 5, huge, 7)
    )
    rows = [row, ("", "Aggregated", 5, 0, 7)]
    path = write_stats(tmp_path / "run_stats.csv", rows)
    with pytest.raises(EvidenceError, match=rf"run_stats\.csv:2: {column} is \"9{{9}}"):
        read([path])


@pytest.mark.parametrize("cell", ["1e400", "9" * 400, "9" * 5000, "1e300"])
def test_huge_times_in_the_stats_csv_are_located_errors(tmp_path: Path, cell: str) -> None:
    """A time that overflows a float, or is beyond any real response time, is a located error."""
    text = STATS_HEADER + stats_row("POST", "/o", 5, 0) + stats_row("", "Aggregated", 5, 0)
    path = tmp_path / "run_stats.csv"
    path.write_text(text.replace(",7.0,", f",{cell},"))
    with pytest.raises(EvidenceError, match=r"run_stats\.csv:2: Average Response Time is"):
        read([path])


def _stale_entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads((FIXTURES / "stale" / "run.json.json").read_text())
    return entries


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("num_requests", 10**400),
        ("num_failures", 10**30),
        ("total_response_time", 10**400),
        ("max_response_time", 1e300),
        ("start_time", 10**30),
        ("response_times", {"1" + "0" * 400: 400}),
        ("response_times", {"1": 10**400}),
        ("num_reqs_per_sec", {"1" + "0" * 30: 1}),
    ],
)
def test_huge_numbers_in_the_json_are_located_errors(
    tmp_path: Path, field: str, value: Any
) -> None:
    """Integers or floats beyond any real count, time or bucket are located errors, never an
    OverflowError later on."""
    entries = _stale_entries()
    entries[0][field] = value
    path = tmp_path / "run.json"
    path.write_text(json.dumps(entries))
    with pytest.raises(EvidenceError, match=r"run\.json:1: entry 0 \(\"/orders\"\)"):
        read([path])


def test_a_5000_digit_integer_in_the_json_is_a_located_error(tmp_path: Path) -> None:
    """Over Python's integer-parsing digit limit: an evidence error, not a ValueError."""
    huge = '"num_requests": ' + "9" * 5000
    text = json.dumps(_stale_entries()).replace('"num_requests": 400', huge)
    path = tmp_path / "run.json"
    path.write_text(text)
    with pytest.raises(EvidenceError, match=r"run\.json:1: invalid JSON"):
        read([path])


def test_json_nested_100000_deep_is_an_error_not_a_recursion_traceback(tmp_path: Path) -> None:
    """A hostile JSON nested 100,000 deep is refused by a depth guard with a located error."""
    path = tmp_path / "run.json"
    path.write_text("[" + '{"a":' * 100_000 + "1" + "}" * 100_000 + "]")
    with pytest.raises(EvidenceError, match=r"run\.json(:1)?: .*nested deeper than"):
        read([path])
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(EvidenceError, match=r"run\.json(:1)?: .*nested deeper than"):
        read([path])


def test_duplicate_keys_in_the_json_are_refused_naming_the_key(tmp_path: Path) -> None:
    """`"num_failures": 30, "num_failures": 0` would silently hide failures: an error naming
    the key and the line of its entry."""
    entries = _stale_entries()
    twice = '"num_failures": 30, "num_failures": 0'
    text = json.dumps(entries[0]).replace('"num_failures": 30', twice)
    path = tmp_path / "run.json"
    path.write_text("[\n" + text + "\n]\n")
    with pytest.raises(EvidenceError, match=r'run\.json:2: duplicate key "num_failures"'):
        read([path])
    nested = json.dumps(entries[0]).replace('"1": 380', '"1": 380, "1": 0')
    path.write_text("[\n" + nested + "\n]\n")
    with pytest.raises(EvidenceError, match=r'run\.json:2: duplicate key "1"'):
        read([path])


def test_an_error_about_a_huge_json_value_does_not_copy_it(tmp_path: Path) -> None:
    """A 1 MB string where a count belongs: the message names the field, not the megabyte."""
    entries = _stale_entries()
    entries[0]["num_requests"] = "x" * 1_000_000
    path = tmp_path / "run.json"
    path.write_text(json.dumps(entries))
    with pytest.raises(EvidenceError) as info:
        read([path])
    assert "num_requests" in str(info.value)
    assert len(str(info.value)) < 400


def test_percentile_cells_missing_on_a_row_with_requests_are_an_error(tmp_path: Path) -> None:
    """Locust writes N/A only for rows without requests: N/A on a row with requests would drop
    that endpoint from a `requests["*"].p99` glob, so it is a located error."""
    text = STATS_HEADER + stats_row("POST", "/o", 5, 0) + stats_row("", "Aggregated", 5, 0)
    lines = text.splitlines(keepends=True)
    cells = lines[1].rstrip("\n").split(",")
    cells[-4] = "N/A"  # 99%
    lines[1] = ",".join(cells) + "\n"
    path = tmp_path / "run_stats.csv"
    path.write_text("".join(lines))
    with pytest.raises(EvidenceError, match=r"run_stats\.csv:2: 99% is \"N/A\" on a row with"):
        read([path])


@pytest.mark.parametrize("value", ["1e300", "9" * 400, "-1e300"])
def test_an_hdr_timestamp_out_of_range_is_a_located_error(tmp_path: Path, value: str) -> None:
    """An interval start far beyond any real epoch second is a located error in the .hlog."""
    _json(tmp_path / "run.json", BASE, 3, 5, 1)
    _hlog(tmp_path / "run.hlog", BASE, 3, 5, 1_000)
    hlog = tmp_path / "run.hlog"
    lines = hlog.read_text().splitlines(keepends=True)
    n = next(i for i, ln in enumerate(lines) if ln[:1].isdigit())
    lines[n] = value + lines[n][lines[n].index(",") :]
    hlog.write_text("".join(lines))
    with pytest.raises(EvidenceError, match=rf"run\.hlog:{n + 1}: StartTimestamp .* out of range"):
        read(sorted(tmp_path.iterdir()))


@pytest.mark.parametrize("last", [9.9e11, 1e9 + 32 * 86400])
def test_requests_a_lifetime_apart_are_an_error_not_a_memory_error(
    tmp_path: Path, last: float
) -> None:
    """A JSON whose first and last requests are 10^12 s (or just over a month) apart, each
    timestamp a valid number: the steady state's windows and per-second rates would need
    terabytes (a MemoryError, or minutes); it is an evidence error saying why."""
    entries = json.loads((FIXTURES / "stale" / "run.json.json").read_text())
    for entry in entries:
        entry["start_time"], entry["last_request_timestamp"] = 1e9, last
    path = tmp_path / "run.json"
    path.write_text(json.dumps(entries))
    with pytest.raises(EvidenceError, match=r"more than 31 days: not one Locust run"):
        read([path])
