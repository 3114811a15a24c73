"""Exact latency percentiles for Locust: every request's response time into HdrHistograms.

Imported by the locustfiles (importing it registers the listeners). Locust's own statistics
round response times to about two significant digits and cannot see below 1 ms; this listener
records each request in microseconds (1 us .. 60 s, 3 significant digits) and writes an
HdrHistogram **interval log** that `readiness.evidence.locust` reads for exact percentiles.

What is recorded
    Every `request` event: `round(response_time_ms * 1000)` microseconds, clamped to the
    histogram's range, into the histogram of `"<METHOD> <name>"` for the wall-clock second the
    request completed in (the same second Locust counts it in). **Failed requests are recorded
    too**, in the same histograms: a failure still took that long, and Locust's own percentiles
    include failures as well, so the two stay comparable. (A target that is down therefore shows
    excellent latency; read the failure ratio beside it.) Requests without a response time
    (Locust's `num_none_requests`) are not recorded.

The log (`--hdr-log PATH`; default `<--csv prefix>_hdr.hlog`; nothing is written if neither)
    Standard HdrHistogram log format 1.3 (what HistogramLogProcessor and hdrh's reader take):
    `#[StartTime: ...]` and `#[BaseTime: ...]` comments, the legend, then one line per interval
    of one second: `[Tag=<tag>,]start,length,max,<compressed histogram>`. Start times are seconds
    relative to BaseTime; Interval_Max is in milliseconds; histogram values are microseconds.
    Each second has one **untagged** line (all requests) and one line per request name whose
    tag is the name percent-encoded (`POST%20/orders`: the spec forbids spaces and commas in
    tags). hdrh's `HistogramLogWriter` writes everything; it has no tag support (checked in
    hdrh 0.10.8), so the `Tag=...,` prefix is written just before its interval line.
    A second that reaches the master after it was written (a very late worker report) is
    written as one more line with the same start and tag: readers must add such lines.

Distributed runs (`--processes N`, `--master` / `--worker`)
    Workers record and, in every `report_to_master` (about every 3 s, and once more when they
    quit), send everything recorded since their last report as encoded per-second histograms,
    exactly like Locust's own stats (so a report lost at shutdown costs both the same samples).
    The master merges them in `worker_report` and alone writes the log, holding each second
    back long enough for every worker's report on it to arrive. Locust's `quit` event (after
    the workers' final reports) writes the remainder.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import gevent
from hdrh.histogram import HdrHistogram
from hdrh.log import HistogramLogWriter
from locust import events
from locust.runners import MasterRunner, WorkerRunner

LOWEST_US = 1
HIGHEST_US = 60_000_000
SIGNIFICANT_DIGITS = 3
FLUSH_EVERY_S = 1.0
LOCAL_LAG_S = 1  # a local second is complete once the clock has passed it
DISTRIBUTED_LAG_S = 8  # > 2 worker report intervals (3 s each) plus margin
REPORT_KEY = "readiness_hdr"
LOG_FORMAT_VERSION = "1.3"

log = logging.getLogger("hdr_listener")


def new_histogram() -> HdrHistogram:
    """An empty histogram with the listener's range and precision (microseconds)."""
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


def encode_tag(key: str) -> str:
    """The interval-log tag of a request key: percent-encoded, no spaces, commas or newlines."""
    return quote(key, safe="/")


class Recorder:
    """Per-second, per-request-key histograms of one process."""

    def __init__(self) -> None:
        self.seconds: dict[int, dict[str, HdrHistogram]] = {}

    def record(self, key: str, response_time_ms: float, now: float) -> None:
        """Record one request that completed at `now` (epoch seconds)."""
        value = min(max(round(response_time_ms * 1000), LOWEST_US), HIGHEST_US)
        per_key = self.seconds.setdefault(int(now), {})
        hist = per_key.get(key)
        if hist is None:
            hist = per_key[key] = new_histogram()
        hist.record_value(value)

    def drain(self, before: int | None) -> list[list[Any]]:
        """Remove and return the seconds earlier than `before` (all if None) as
        `[second, key, encoded histogram]` rows (plain types, for Locust's messages)."""
        done = [s for s in self.seconds if before is None or s < before]
        rows: list[list[Any]] = []
        for second in sorted(done):
            for key, hist in self.seconds.pop(second).items():
                rows.append([second, key, hist.encode().decode("ascii")])
        return rows


class IntervalLog:
    """Merges per-second histograms and writes them, in order, with hdrh's log writer."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.pending: dict[int, dict[str, HdrHistogram]] = {}
        self.start: int | None = None
        self._fh: IO[str] | None = None
        self._writer: HistogramLogWriter | None = None
        self.intervals_written = 0

    def add_encoded(self, rows: list[list[Any]]) -> None:
        """Merge `[second, key, encoded]` rows (from `Recorder.drain` or a worker's report)."""
        for second, key, payload in rows:
            per_key = self.pending.setdefault(int(second), {})
            hist = per_key.get(key)
            if hist is None:
                hist = per_key[key] = new_histogram()
            hist.decode_and_add(payload)

    def _open(self, first_second: int) -> HistogramLogWriter:
        if self._writer is not None:
            return self._writer
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        base = self.start if self.start is not None else first_second
        self.start = base
        self._fh = fh = Path(self.path).open("w", encoding="utf-8")  # noqa: SIM115 - see close()
        writer = HistogramLogWriter(fh)
        writer.base_time = base * 1000  # msec, the unit of the histograms' time stamps
        when = datetime.fromtimestamp(base, tz=UTC).isoformat()
        # hdrh's own output_start_time() is broken in 0.10.8 (it calls datetime.iso_format),
        # and its format version says 1.2, which predates tags: write both lines as comments.
        writer.output_comment(f"[Histogram log format version {LOG_FORMAT_VERSION}]")
        writer.output_comment(f"[StartTime: {base:.3f} (seconds since epoch), {when}]")
        writer.output_base_time(base * 1000)
        writer.output_comment(
            "[readiness hdr_listener: values in microseconds, Interval_Max in milliseconds; "
            "untagged lines hold all requests, Tag= is the percent-encoded '<METHOD> <name>']"
        )
        writer.output_legend()
        self._writer = writer
        return writer

    def write(self, before: int | None) -> None:
        """Write (and forget) the pending seconds earlier than `before` (all if None)."""
        done = sorted(s for s in self.pending if before is None or s < before)
        if not done:
            return
        writer = self._open(done[0])
        for second in done:
            per_key = self.pending.pop(second)
            total = new_histogram()
            for key in sorted(per_key):
                hist = per_key[key]
                total.add(hist)
                self._line(writer, hist, second, encode_tag(key))
            self._line(writer, total, second, None)
        writer.log.flush()

    def _line(
        self, writer: HistogramLogWriter, hist: HdrHistogram, second: int, tag: str | None
    ) -> None:
        hist.set_start_time_stamp(second * 1000)
        hist.set_end_time_stamp((second + 1) * 1000)
        if tag is not None:
            writer.log.write(f"Tag={tag},")  # the spec's tag prefix; hdrh writes the rest
        writer.output_interval_histogram(hist, max_value_unit_ratio=1000.0)
        self.intervals_written += 1

    def close(self) -> None:
        """Write everything still pending (a header at least) and close the file."""
        self.write(None)
        if self._writer is None:
            self._open(self.start if self.start is not None else int(time.time()))
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class _State:
    recorder = Recorder()
    interval_log: IntervalLog | None = None
    flusher: Any = None


def _log_path(options: Any) -> str | None:
    path = getattr(options, "hdr_log", None)
    if path:
        return str(path)
    prefix = getattr(options, "csv_prefix", None)
    return f"{prefix}_hdr.hlog" if prefix else None


@events.init_command_line_parser.add_listener
def _add_arguments(parser: Any) -> None:
    parser.add_argument(
        "--hdr-log",
        type=str,
        default="",
        help="HdrHistogram interval log of exact (microsecond) response times; "
        "default: <--csv prefix>_hdr.hlog",
    )


@events.request.add_listener
def _on_request(request_type: str, name: str, response_time: float | None, **_kwargs: Any) -> None:
    if response_time is None:
        return
    _State.recorder.record(f"{request_type} {name}", response_time, time.time())


@events.init.add_listener
def _on_init(environment: Any, **_kwargs: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        environment.events.report_to_master.add_listener(_on_report_to_master)
        return
    path = _log_path(environment.parsed_options)
    if not path:
        log.info("no --hdr-log and no --csv: exact HDR percentiles are not written")
        return
    _State.interval_log = IntervalLog(path)
    distributed = isinstance(runner, MasterRunner)
    if distributed:
        environment.events.worker_report.add_listener(_on_worker_report)
    lag = DISTRIBUTED_LAG_S if distributed else LOCAL_LAG_S
    environment.events.test_start.add_listener(_on_test_start)
    environment.events.quit.add_listener(_on_quit)
    _State.flusher = gevent.spawn(_flush_forever, lag)


def _on_test_start(**_kwargs: Any) -> None:
    if _State.interval_log is not None and _State.interval_log.start is None:
        _State.interval_log.start = int(time.time())


def _flush_forever(lag: int) -> None:
    while True:
        gevent.sleep(FLUSH_EVERY_S)
        interval_log = _State.interval_log
        if interval_log is None:
            return
        cutoff = int(time.time()) - lag + 1
        interval_log.add_encoded(_State.recorder.drain(cutoff))
        interval_log.write(cutoff)


def _on_quit(**_kwargs: Any) -> None:
    interval_log = _State.interval_log
    if interval_log is None:
        return
    if _State.flusher is not None:
        _State.flusher.kill(block=False)
    interval_log.add_encoded(_State.recorder.drain(None))
    interval_log.close()
    _State.interval_log = None
    log.info("HDR interval log written: %s", interval_log.path)


def _on_worker_report(client_id: str, data: dict[str, Any], **_kwargs: Any) -> None:
    rows = data.get(REPORT_KEY)
    if rows and _State.interval_log is not None:
        _State.interval_log.add_encoded(rows)


def _on_report_to_master(client_id: str, data: dict[str, Any], **_kwargs: Any) -> None:
    # Everything, including the current second: the master adds partial seconds together.
    rows = _State.recorder.drain(None)
    if rows:
        data[REPORT_KEY] = rows
