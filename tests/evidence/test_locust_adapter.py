"""The Locust adapter on real Locust output (runs against the sandbox) and on trap fixtures."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import helpers
from locust_helpers import LocustRun, free_port, locust_run, start_sandbox
from readiness.errors import EvidenceError
from readiness.evidence.locust import LocustAdapter, LocustParams
from readiness.evidence.records import LoadStats

FIXTURES = helpers.FIXTURES / "locust"
RUN_TIMEOUT_S = 60
MATCHING_KEYS = {"POST /orders", "DELETE /orders", "GET /book", "GET /trades"}


def read(files: list[Path], **params: Any) -> LoadStats:
    return LocustAdapter().read(files, {p: p.name for p in files}, LocustParams(**params))


def fixture_files(name: str) -> list[Path]:
    return sorted((FIXTURES / name).iterdir())


def copy_fixture(name: str, dest: Path) -> list[Path]:
    shutil.copytree(FIXTURES / name, dest, dirs_exist_ok=True)
    return sorted(dest.iterdir())


# ---- real Locust runs --------------------------------------------------------------------


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LocustRun]]:
    """Three bounded runs at once against one sandbox: local (with --hdr-log and the
    `.json.json` trap), --processes 2 (HDR log named after --csv), and a port nobody listens on."""
    out = tmp_path_factory.mktemp("locust")
    sandbox = start_sandbox()
    started: list[LocustRun] = []
    try:
        runs = {
            "local": locust_run(out / "local", "run", sandbox.url, json_file="run.json"),
            "distributed": locust_run(
                out / "dist", "run", sandbox.url, processes=2, users=6, run_time="5s", hdr_log=False
            ),
            "down": locust_run(out / "down", "run", f"http://127.0.0.1:{free_port()}"),
        }
        for run in runs.values():
            run.start()
            started.append(run)
        for run in runs.values():
            run.wait(RUN_TIMEOUT_S)
        yield runs
    finally:
        for run in started:
            if run.proc is not None and run.proc.poll() is None:
                run.wait(0)
        sandbox.stop()


@pytest.mark.slow
def test_real_run_totals_come_from_json_and_percentiles_from_hdr(
    runs: dict[str, LocustRun],
) -> None:
    """A real local run: per-endpoint keys are "METHOD name", totals add up, the HDR log
    replaces Locust's percentiles, and the HDR sample counts equal Locust's request counts."""
    run = runs["local"]
    assert run.returncode == 0, run.log.read_text()
    names = {p.name for p in run.files()}
    assert "run.json.json" in names, "--json-file run.json writes run.json.json"
    stats = read(run.files(), window=1)
    assert {e.name for e in stats.endpoints} == MATCHING_KEYS
    assert stats.aggregate.requests == sum(e.requests for e in stats.endpoints) > 100
    assert stats.aggregate.failures == 0
    for e in (*stats.endpoints, stats.aggregate):
        assert e.percentile_source == "hdr"
        assert set(e.percentiles_ms) == {"50", "90", "95", "99", "99.9"}
        assert 0 < e.percentiles_ms["50"] <= e.percentiles_ms["99"] <= e.percentiles_ms["99.9"]
        assert e.rps == pytest.approx(e.requests / stats.duration_s)
    # what the run produced, not how fast this machine was: a -t 4s run lasts at most 4 s, and
    # on a loaded machine Locust starts late and lasts less (1.3 s seen with both cores busy)
    assert 0 < stats.duration_s < 5
    assert stats.peak_users == 5
    if any("no steady state" in w for w in stats.warnings):  # it ended before ramp-up did
        assert stats.sustained_p99_ms is None and stats.sustained_min_rps is None
    else:
        assert stats.sustained_p99_ms is not None and stats.sustained_p99_ms > 0
        assert stats.sustained_min_rps is not None and stats.sustained_min_rps > 0
    assert {"users", "rps", "p99", "hdr_p99"} <= {s.name for s in stats.series}
    assert not [w for w in stats.warnings if "HDR log holds" in w], stats.warnings


@pytest.mark.slow
def test_real_run_percentiles_match_locusts_own_function(
    runs: dict[str, LocustRun], tmp_path: Path
) -> None:
    """Without the HDR log, percentiles are recomputed from the JSON buckets exactly as
    locust.stats.calculate_response_time_percentile does (checked by calling it)."""
    run = runs["local"]
    files = [p for p in run.files() if p.suffix != ".hlog"]
    stats = read(files)
    assert stats.aggregate.percentile_source == "locust"
    json_file = next(p for p in files if p.name.endswith(".json"))
    script = (
        "import json, sys\n"
        "from locust.stats import calculate_response_time_percentile as f\n"
        "out = {}\n"
        "for e in json.load(open(sys.argv[1])):\n"
        "    rt = {int(k): v for k, v in e['response_times'].items()}\n"
        "    n = e['num_requests'] - e['num_none_requests']\n"
        "    out[e['method'] + ' ' + e['name']] = [f(rt, n, p) for p in (.5, .9, .95, .99, .999)]\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(json_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    expected = json.loads(done.stdout)
    for e in stats.endpoints:
        got = [e.percentiles_ms[p] for p in ("50", "90", "95", "99", "99.9")]
        assert got == expected[e.name], e.name


@pytest.mark.slow
def test_processes_2_run_has_its_hdr_log_merged_by_the_master(runs: dict[str, LocustRun]) -> None:
    """--processes 2: the master alone writes PREFIX_hdr.hlog (named after --csv), merging
    both workers' histograms, and its sample counts match Locust's totals per endpoint."""
    run = runs["distributed"]
    assert run.returncode == 0, run.log.read_text()
    hlog = run.out_dir / "run_hdr.hlog"
    assert hlog.is_file()
    stats = read(run.files())
    assert stats.aggregate.requests > 100
    assert stats.aggregate.percentile_source == "hdr"
    assert {e.name for e in stats.endpoints} == MATCHING_KEYS
    assert stats.peak_users == 6
    assert not [w for w in stats.warnings if "HDR" in w], stats.warnings


@pytest.mark.slow
def test_hdr_log_is_a_standard_interval_log_readable_by_hdrh(runs: dict[str, LocustRun]) -> None:
    """hdrh's own HistogramLogReader reads the log: per-tag totals equal the JSON's counts."""
    from urllib.parse import unquote

    from hdrh.histogram import HdrHistogram
    from hdrh.log import HistogramLogReader

    run = runs["local"]
    reader = HistogramLogReader(str(run.out_dir / "run.hlog"), HdrHistogram(1, 60_000_000, 3))
    counts: dict[str | None, int] = {}
    try:
        while (hist := reader.get_next_interval_histogram()) is not None:
            tag = hist.get_tag()
            key = unquote(tag) if tag else None
            counts[key] = counts.get(key, 0) + hist.get_total_count()
    finally:
        reader.close()
    entries = json.loads((run.out_dir / "run.json.json").read_text())
    expected = {f"{e['method']} {e['name']}": e["num_requests"] for e in entries}
    assert {k: v for k, v in counts.items() if k is not None} == expected
    assert counts[None] == sum(expected.values())


@pytest.mark.slow
def test_target_down_is_valid_evidence_with_all_requests_failed(runs: dict[str, LocustRun]) -> None:
    """Against a port where nothing listens every request fails (Locust exits 1); the adapter
    still returns a record, with failures == requests and the connection errors listed."""
    run = runs["down"]
    assert run.returncode == 1, run.log.read_text()
    stats = read(run.files())
    assert stats.aggregate.requests > 0
    assert stats.aggregate.failures == stats.aggregate.requests
    assert all(e.failures == e.requests for e in stats.endpoints)
    assert stats.failures
    assert all("ConnectionRefusedError" in error for _, error, _ in stats.failures)
    listed = sum(n for _, _, n in stats.failures)
    if listed != stats.aggregate.failures:  # _failures.csv is as stale as _stats.csv can be
        assert any(f"lists {listed} failures" in w for w in stats.warnings)


@pytest.mark.slow
def test_target_down_is_a_no_go_despite_excellent_latency(
    runs: dict[str, LocustRun], tmp_path: Path
) -> None:
    """End to end: a down target's latency looks great, but it is latency over failed
    requests: the p99 criterion is ERROR saying so, the failure ratio FAILs, the verdict is
    NO-GO, and the terminal names the connection errors."""
    from helpers import Project, flat, invoke

    project = Project(tmp_path)
    for f in runs["down"].files():
        shutil.copy(f, tmp_path / f.name)
    project.write("checks/load.yaml", "schema: 1\nid: load\nkind: locust\nevidence: 'run*'\n")
    project.write(
        "gates/perf.yaml",
        """
        schema: 1
        id: perf
        criteria:
          - {id: p99, metric: 'load.requests["POST /orders"].p99', pass: "<= 50 ms"}
          - {id: errors, metric: load.aggregated.failure_ratio, pass: "<= 1%"}
        """,
    )
    project.write(
        "definitions/d.yaml",
        "schema: 1\nrelease: r\nversion: '1'\nstage: mvp\nchecks: [load]\ngates: [perf]\n",
    )
    r = invoke(["evaluate", "definitions/d.yaml"], tmp_path)
    assert r.code == 1, r.out + r.err
    assert "ERROR   perf.p99" in r.out
    assert "POST /orders: 100% of " in r.out
    assert "its latency and throughput are not measured" in flat(r.out)
    assert "FAIL    perf.errors: 100% (threshold <= 1%)" in r.out
    assert "Load-test failures in load (most frequent first):" in r.out
    assert "ConnectionRefusedError" in r.out


@pytest.mark.slow
def test_target_users_min_duration_and_min_requests_are_enforced(
    runs: dict[str, LocustRun],
) -> None:
    """target-users above the history's peak, a min-duration longer than the run, and a
    min-requests above the total are evidence errors naming the shortfall."""
    files = runs["local"].files()
    with pytest.raises(EvidenceError, match=r"never reached 50 users \(peak 5\)"):
        read(files, target_users=50)
    with pytest.raises(EvidenceError, match="less than min-duration 600 s"):
        read(files, min_duration=600)
    with pytest.raises(EvidenceError, match="fewer than min-requests 100000000"):
        read(files, min_requests=100_000_000)
    assert read(files, target_users=5, min_duration=1, min_requests=10).peak_users == 5


# ---- trap fixtures -----------------------------------------------------------------------


def test_stale_stats_csv_loses_to_the_json_with_a_warning() -> None:
    """A stale _stats.csv (615/40) beside the JSON (688/45): totals come from the JSON and the
    discrepancy is a warning; the NAME.json.json file is recognised as the JSON."""
    stats = read(fixture_files("stale"))
    assert (stats.aggregate.requests, stats.aggregate.failures) == (688, 45)
    by_name = {e.name: e for e in stats.endpoints}
    assert (by_name["POST /orders"].requests, by_name["GET /book"].requests) == (400, 288)
    stale = [w for w in stats.warnings if "stale" in w]
    assert len(stale) == 1
    assert "CSV 615 requests / 40 failures, JSON 688 / 45" in stale[0]


def test_failures_and_locustfile_exceptions_are_reported() -> None:
    """_failures.csv rows become (name, error, occurrences); _exceptions.csv rows (multi-line
    tracebacks) become warnings that the load test itself misbehaved."""
    stats = read(fixture_files("stale"))
    assert stats.failures == (
        ("POST /orders", "ConnectionResetError(104, 'Connection reset by peer')", 30),
        ("GET /book", "HTTPError('503 Server Error: Service Unavailable for url: /book')", 15),
    )
    assert any("raised 2 exception(s): KeyError('order_id')" in w for w in stats.warnings)


def test_percentiles_are_recomputed_from_json_buckets_like_locust(tmp_path: Path) -> None:
    """Locust picks the bucket holding the (floor(n*p)+1)-th slowest-excluded request: with
    98 x 1 ms, 1 x 50 ms and 1 x 200 ms, p50 = p95 = 1 but p99 = 200 (the upward bias)."""
    entry = json.loads((FIXTURES / "stale" / "run.json.json").read_text())[0]
    entry.update(
        num_requests=100,
        num_failures=0,
        response_times={"1": 98, "50": 1, "200": 1},
        total_response_time=348.0,
    )
    path = tmp_path / "run.json"
    path.write_text(json.dumps([entry]))
    e = read([path]).endpoints[0]
    assert e.percentiles_ms == {"50": 1.0, "90": 1.0, "95": 1.0, "99": 200.0, "99.9": 200.0}
    assert e.avg_ms == pytest.approx(3.48)
    assert e.percentile_source == "locust"


def test_sustained_metrics_from_history_and_json_skip_ramp_up_and_warm_up() -> None:
    """Without HDR: the worst rolling p99 over the steady state (the 120 ms bump, not the 0/N/A
    warm-up rows) and the lowest 10 s window rate from the JSON's per-second counts."""
    stats = read(fixture_files("stale"))
    assert stats.peak_users == 10
    assert stats.sustained_p99_ms == 120.0
    # steady state: from the second after users first hit 10 (ts+5) to the last whole second
    # (ts+30): two full 10 s windows of the JSON's per-second counts (22 or 23 requests each)
    assert stats.sustained_min_rps == pytest.approx(22.3)
    assert read(fixture_files("stale"), ramp_up=20).sustained_p99_ms == 40.0
    series = {s.name: s for s in stats.series}
    assert len(series["users"].points) == 31
    assert len(series["p99"].points) == 30, "the N/A warm-up row has no point"


def test_na_cells_mean_no_percentiles_not_zero() -> None:
    """An endpoint row with zero requests has N/A percentiles: it gets none (not zeros), and
    min/avg/max are None; the CSV-only run is read with a warning about staleness."""
    stats = read(fixture_files("na"))
    health = next(e for e in stats.endpoints if e.name == "GET /health")
    assert health.requests == 0 and health.percentiles_ms == {}
    assert health.avg_ms is None and health.min_ms is None
    assert stats.aggregate.requests == 357
    assert stats.aggregate.percentiles_ms["99"] == 40.0
    assert any("no --json-file output" in w for w in stats.warnings)


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("wrong_header", r"run_stats\.csv:1: not a Locust _stats\.csv file .*expected columns "
         r"Type,Name,Request Count,Failure Count"),
        ("non_numeric", r'run_stats\.csv:3: Request Count is "3S7", expected a non-negative'),
        ("truncated", r"run_stats\.csv:3: truncated"),
        ("empty", r"run_stats\.csv: empty file"),
    ],
)  # fmt: skip
def test_broken_csv_fixtures_are_located_errors(fixture: str, message: str) -> None:
    """Wrong header, non-numeric cell, truncated and empty files raise EvidenceError naming
    the file and line (and, for the header, the expected columns)."""
    with pytest.raises(EvidenceError, match=message):
        read(fixture_files(fixture))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("-3", "a non-negative integer"), ("NaN", "a non-negative integer"), ("", "integer")],
)
def test_bad_count_cells_in_the_history_are_located(
    tmp_path: Path, cell: str, expected: str
) -> None:
    """Negative, NaN or empty counts in the history raise an error naming file and line."""
    files = copy_fixture("stale", tmp_path)
    history = tmp_path / "run_stats_history.csv"
    lines = history.read_text().split("\n")
    cells = lines[9].split(",")
    cells[1] = cell  # User Count
    lines[9] = ",".join(cells)
    history.write_text("\n".join(lines))
    with pytest.raises(EvidenceError, match=rf"run_stats_history\.csv:10: User Count .*{expected}"):
        read(files)


@pytest.mark.parametrize("cell", ["nan", "inf", "-1.5", "fast"])
def test_bad_time_cells_in_the_stats_csv_are_located(tmp_path: Path, cell: str) -> None:
    """NaN, infinite, negative or non-numeric times are errors, never silently read."""
    path = tmp_path / "run_stats.csv"
    text = (FIXTURES / "na" / "run_stats.csv").read_text()
    path.write_text(text.replace("POST,/orders,357,27,1,1.8025", f"POST,/orders,357,27,1,{cell}"))
    with pytest.raises(EvidenceError, match=r"run_stats\.csv:3: Average Response Time"):
        read([path])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("   \n", "empty file"),
        ('[\n  {"name": "/x",', r"run\.json:2: invalid JSON"),
        ("[\n", "truncated JSON: the array is not closed"),
        ('{"stats": []}', "expected a JSON array"),
        ("[] []", "extra data"),
        ("[]", "no requests recorded"),
    ],
)
def test_broken_or_empty_json_is_an_error(tmp_path: Path, text: str, message: str) -> None:
    """Empty, truncated, wrongly shaped and zero-request JSON files are evidence errors."""
    path = tmp_path / "run.json"
    path.write_text(text)
    with pytest.raises(EvidenceError, match=message):
        read([path])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"num_requests": -1}, r"run\.json:8: entry 1 \(\"/book\"\): num_requests is -1"),
        ({"num_requests": True}, "num_requests is True"),
        ({"num_failures": 999}, "exceed num_requests"),
        ({"total_response_time": "fast"}, "total_response_time is 'fast', expected a number"),
        ({"response_times": {"1": 5}}, "response_times hold 5 samples but"),
        ({"response_times": {"x": 400}}, "non-integer key 'x'"),
        ({"name": None}, "name is None, expected a string"),
    ],
)
def test_inconsistent_json_entries_are_located_errors(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    """Negative, boolean, non-numeric or inconsistent JSON fields name the entry and its line."""
    entries = json.loads((FIXTURES / "stale" / "run.json.json").read_text())
    entries[1].update(change)
    path = tmp_path / "run.json"
    # the first entry on line 2, five blank lines, the second entry on line 8
    path.write_text(
        "[\n" + json.dumps(entries[0]) + ",\n" + "\n" * 5 + json.dumps(entries[1]) + "\n]\n"
    )
    with pytest.raises(EvidenceError, match=message):
        read([path])


@pytest.mark.parametrize(
    ("counts", "want"),
    [
        ({"1795000001": 3, "1795000002": 4}, {1795000001: 3, 1795000002: 4}),
        ({"1795000001": 3, "01795000001": 4}, {1795000001: 7}),  # one second, twice
        ({"1795000001.0": 3, "1795000002": 4}, {1795000001: 3, 1795000002: 4}),
        ({"1795000001": 3, "1795000002": True}, "expected a count"),
        ({"1795000001": 3, "1795000002": 2.0}, "expected a count"),
        ({"1795000001": -3}, "expected a count"),
        ({"-1": 3}, "out of range"),
        ({"1e13": 3}, "out of range"),
        ({"soon": 3}, "non-integer key"),
    ],
)
def test_per_second_counts_read_whole_or_located(
    tmp_path: Path, counts: dict[str, Any], want: dict[int, int] | str
) -> None:
    """An endpoint's per-second counts: plain ones are read at once, and a second written
    twice ("1" and "01"), a float key, a non-count value or a key out of range give what the
    key-by-key reading gives: the counts summed, the key converted, or the located error."""
    from readiness.evidence.locust.json import _JsonEntry

    entry = _JsonEntry({"name": "/x", "num_reqs_per_sec": counts}, "run.json", 8, 1)
    if isinstance(want, str):
        with pytest.raises(EvidenceError, match=rf'run\.json:8: entry 1 \("/x"\): .*{want}'):
            entry.histogram("num_reqs_per_sec")
    else:
        assert entry.histogram("num_reqs_per_sec") == want


def test_nan_in_json_is_rejected(tmp_path: Path) -> None:
    """NaN/Infinity are not JSON numbers: Python would accept them, the adapter refuses."""
    text = (FIXTURES / "stale" / "run.json.json").read_text()
    path = tmp_path / "run.json"
    path.write_text(text.replace('"max_response_time": 40.4', '"max_response_time": NaN'))
    with pytest.raises(EvidenceError, match="NaN is not a number"):
        read([path])


def test_file_selection_errors_and_warnings(tmp_path: Path) -> None:
    """Two JSON files (two runs) are an error; unrelated files are ignored with a warning;
    only a history or an HDR log (no totals) is an error."""
    files = copy_fixture("stale", tmp_path)
    (tmp_path / "notes.txt").write_text("hello")
    stats = read([*files, tmp_path / "notes.txt"])
    assert any("ignored files" in w and "notes.txt" in w for w in stats.warnings)
    second = tmp_path / "other.json"
    second.write_text("[]")
    with pytest.raises(EvidenceError, match="two Locust json files"):
        read([*files, second])
    with pytest.raises(EvidenceError, match="no Locust statistics"):
        read([tmp_path / "run_stats_history.csv"])


def test_history_going_back_in_time_is_two_runs_in_one_file(tmp_path: Path) -> None:
    """A history whose timestamps go backwards mixes two runs: an error with the line."""
    files = copy_fixture("stale", tmp_path)
    history = tmp_path / "run_stats_history.csv"
    lines = history.read_text().splitlines(keepends=True)
    history.write_text("".join(lines + lines[1:4]))
    with pytest.raises(EvidenceError, match=r"goes backwards"):
        read(files)


# ---- HDR logs ----------------------------------------------------------------------------


def _write_hlog(path: Path, seconds: dict[int, list[int]], *, tag: str = "POST%20/orders") -> None:
    """A log in hdr_listener's format: per second, a tagged and an untagged line (values us)."""
    from hdrh.histogram import HdrHistogram
    from hdrh.log import HistogramLogWriter

    base = 1_764_072_000
    with path.open("w") as fh:
        writer = HistogramLogWriter(fh)
        writer.base_time = base * 1000
        writer.output_comment("[Histogram log format version 1.3]")
        writer.output_comment(f"[StartTime: {base:.3f} (seconds since epoch), x]")
        writer.output_base_time(base * 1000)
        writer.output_legend()
        for second, values in sorted(seconds.items()):
            hist = HdrHistogram(1, 60_000_000, 3)
            for v in values:
                hist.record_value(v)
            hist.set_start_time_stamp((base + second) * 1000)
            hist.set_end_time_stamp((base + second + 1) * 1000)
            fh.write(f"Tag={tag},")
            writer.output_interval_histogram(hist, max_value_unit_ratio=1000.0)
            writer.output_interval_histogram(hist, max_value_unit_ratio=1000.0)


def _json_for(path: Path, seconds: dict[int, list[int]]) -> None:
    """A Locust JSON consistent with `seconds` (bucketed to whole ms like Locust)."""
    base = 1_764_072_000
    buckets: dict[str, int] = {}
    for values in seconds.values():
        for v in values:
            key = str(max(round(v / 1000), 0))
            buckets[key] = buckets.get(key, 0) + 1
    n = sum(len(v) for v in seconds.values())
    all_values = [v for vs in seconds.values() for v in vs]
    entry = {
        "name": "/orders",
        "method": "POST",
        "num_requests": n,
        "num_none_requests": 0,
        "num_failures": 0,
        "total_response_time": sum(all_values) / 1000,
        "min_response_time": min(all_values) / 1000,
        "max_response_time": max(all_values) / 1000,
        "total_content_length": 0,
        "start_time": base + min(seconds) + 0.01,
        "last_request_timestamp": base + max(seconds) + 0.99,
        "response_times": buckets,
        "num_reqs_per_sec": {str(base + s): len(v) for s, v in seconds.items()},
        "num_fail_per_sec": {},
    }
    path.write_text(json.dumps([entry]))


def test_hdr_log_gives_exact_percentiles_and_sustained_windows(tmp_path: Path) -> None:
    """With an .hlog, percentiles are HDR's (microsecond-exact, source "hdr"), the sustained
    p99 is the worst window's and the minimum rate the emptiest window's, over whole seconds
    after ramp-up; the final (partial) second is left out."""
    # 30 seconds at 100 requests/s of 400 us, except: s=12 has a slow tail (20 x 9.5 ms: 2% of
    # its window, 0.7% of the run) and s=25 has only 40 requests; s=30 is the partial last one.
    seconds = {s: [400] * 100 for s in range(30)}
    seconds[12] = [400] * 80 + [9_500] * 20
    seconds[25] = [400] * 40
    seconds[30] = [400] * 5
    _write_hlog(tmp_path / "run.hlog", seconds)
    _json_for(tmp_path / "run.json", seconds)
    stats = read(sorted(tmp_path.iterdir()), ramp_up=0, window=10)
    e = stats.aggregate
    assert e.percentile_source == "hdr"
    assert e.percentiles_ms["50"] == pytest.approx(0.4, abs=0.001)
    assert e.percentiles_ms["99"] == pytest.approx(0.4, abs=0.001)
    assert e.percentiles_ms["99.9"] == pytest.approx(9.5, rel=0.001)
    # windows [0,10) [10,20) [20,30): only [10,20) has its p99 in the slow tail
    assert stats.sustained_p99_ms == pytest.approx(9.5, rel=0.001)
    assert stats.sustained_min_rps == pytest.approx((9 * 100 + 40) / 10)
    # Locust's own view of the same run is bucketed to whole milliseconds
    without = read([tmp_path / "run.json"], ramp_up=0)
    assert without.aggregate.percentiles_ms["50"] == 0.0


def test_hdr_log_without_untagged_lines_builds_the_aggregate_from_tags(tmp_path: Path) -> None:
    """A log with only tagged lines (another writer) still yields an aggregate."""
    seconds = {s: [1000] * 10 for s in range(5)}
    _write_hlog(tmp_path / "run.hlog", seconds)
    lines = (tmp_path / "run.hlog").read_text().splitlines(keepends=True)
    (tmp_path / "run.hlog").write_text("".join(ln for ln in lines if not ln[:1].isdigit()))
    _json_for(tmp_path / "run.json", seconds)
    stats = read(sorted(tmp_path.iterdir()))
    assert stats.aggregate.percentile_source == "hdr"
    assert stats.aggregate.percentiles_ms["99"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda t: t.replace("HISTF", "HISTX", 1), r"run\.hlog:\d+: undecodable histogram"),
        (lambda t: t.rstrip("\n")[:-10], "truncated"),
        (lambda t: "".join(ln for ln in t.splitlines(True) if ln.startswith("#")),
         "no interval histograms"),
        (lambda t: t.replace("1.000000,", "x,", 1), "not an interval line"),
        (lambda t: "", "empty file"),
    ],
)  # fmt: skip
def test_broken_hdr_logs_are_located_errors(tmp_path: Path, mangle: Any, message: str) -> None:
    """Corrupt payloads, truncation, a log without intervals or with garbage lines, and an
    empty file are evidence errors naming the .hlog file."""
    seconds = {s: [500] * 10 for s in range(3)}
    _write_hlog(tmp_path / "run.hlog", seconds)
    _json_for(tmp_path / "run.json", seconds)
    hlog = tmp_path / "run.hlog"
    hlog.write_text(mangle(hlog.read_text()))
    with pytest.raises(EvidenceError, match=message):
        read(sorted(tmp_path.iterdir()))


# ---- contract ----------------------------------------------------------------------------


def test_params_take_kebab_case_or_names_and_refuse_unknown_options() -> None:
    """Params accept `min-duration` and `min_duration`, default window 10, reject unknown
    options and non-positive values, and are frozen."""
    from pydantic import ValidationError

    p = LocustParams.model_validate({"min-duration": 60, "target-users": 50, "ramp-up": 5})
    assert (p.min_duration, p.target_users, p.ramp_up, p.window) == (60, 50, 5, 10)
    assert LocustParams.model_validate({"min_requests": 10}).min_requests == 10
    with pytest.raises(ValidationError):
        LocustParams.model_validate({"min-durations": 60})
    with pytest.raises(ValidationError):
        LocustParams.model_validate({"window": 0})
    with pytest.raises(ValidationError):
        p.window = 3  # type: ignore[misc]


def test_the_adapter_is_registered_and_never_imports_locust_gevent_or_eager_hdrh() -> None:
    """registry.get("locust") loads it; importing it and reading CSV/JSON evidence pulls in
    neither locust nor gevent, and hdrh only once an .hlog is read."""
    files = [str(p) for p in fixture_files("stale")]
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from readiness.evidence import registry\n"
        "a = registry.get('locust')\n"
        "assert (a.kind, a.record) == ('locust', 'LoadStats')\n"
        "files = [Path(f) for f in sys.argv[1:]]\n"
        "a.read(files, {p: p.name for p in files}, a.Params())\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent', 'hdrh'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", script, *files], check=True, timeout=60)


def test_summed_counts_are_the_key_by_key_sums_in_first_seen_order() -> None:
    """The Aggregated per-second counts: histograms with the same seconds in the same order
    (added with one zip), in another order, with other seconds, or empty, sum as a key-by-key
    loop does, and keep its order of keys."""
    from readiness.evidence.locust.json import _summed

    histograms = [{}, {5: 1, 6: 2}, {5: 10, 6: 20}, {6: 100, 5: 200}, {7: 1000}, {}, {5: 1}]
    naive: dict[int, int] = {}
    for h in histograms:
        for k, n in h.items():
            naive[k] = naive.get(k, 0) + n
    got = _summed(histograms)
    assert got == naive and list(got) == list(naive)
