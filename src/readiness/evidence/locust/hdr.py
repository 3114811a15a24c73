"""HdrHistogram interval logs (`*.hlog`, written by loadtests/hdr_listener.py): exact
microsecond percentiles per request name, per second and per steady-state window.

`hdrh` is imported inside `read_hlog` only, when a log is read: evidence without one never
loads it.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from readiness.evidence.base import iter_text_lines
from readiness.evidence.locust.common import MAX_NUMBER, PERCENTILES, check_size, fail, shown

_START_TIME = re.compile(r"^#\[StartTime: *([-+0-9.eE]+)")
_BASE_TIME = re.compile(r"^#\[BaseTime: *([-+0-9.eE]+)")
_INTERVAL = re.compile(r"^([-+0-9.eE]+),([-+0-9.eE]+),([-+0-9.eE]+),(\S+)$")
_YEAR_S = 365 * 24 * 3600.0


@dataclass(frozen=True)
class _Interval:
    line: int
    tag: str | None  # None: the untagged (all requests) line
    start: float  # absolute epoch seconds
    length: float  # seconds
    payload: str


def _read_hlog_lines(path: Path, display: str) -> list[_Interval]:
    """The interval lines of an HdrHistogram log, with absolute start times (the Java
    HistogramLogReader's rules: BaseTime if given; else timestamps more than a year before
    StartTime are relative to it; else they are absolute)."""
    check_size(path, display)
    header: dict[str, float] = {}
    raw: list[tuple[int, str | None, float, float, str]] = []
    last = ""
    number = 0
    for number, line in enumerate(iter_text_lines(path, display), start=1):
        last = line
        text = line.strip()
        if not text or text.startswith('"StartTimestamp"'):
            continue
        if text.startswith("#"):
            _header_line(text, display, number, header)
        else:
            raw.append(_interval_line(text, display, number))
    if not last.endswith("\n"):
        raise fail("truncated: the last line has no line break", display, number)
    if not raw:
        raise fail("no interval histograms (empty or truncated HDR log)", display)
    first = raw[0][2]
    base_time = header.get("BaseTime")
    if base_time is None:
        start = header.get("StartTime", first)
        base_time = start if first < start - _YEAR_S else 0.0
    return [_Interval(n, tag, ts + base_time, span, data) for n, tag, ts, span, data in raw]


def _header_line(text: str, display: str, number: int, header: dict[str, float]) -> None:
    """A `#[StartTime: ...]` or `#[BaseTime: ...]` comment into `header`; others are ignored."""
    if m := _START_TIME.match(text):
        header["StartTime"] = _finite(m[1], display, number, "StartTime")
    elif m := _BASE_TIME.match(text):
        header["BaseTime"] = _finite(m[1], display, number, "BaseTime")


def _interval_line(
    text: str, display: str, number: int
) -> tuple[int, str | None, float, float, str]:
    """(line, tag, start, length, payload) of an interval line, with its optional `Tag=`."""
    tag: str | None = None
    if text.startswith("Tag="):
        tag_text, sep, text = text[4:].partition(",")
        if not sep or not tag_text:
            raise fail("malformed Tag= prefix", display, number)
        tag = unquote(tag_text)
    m = _INTERVAL.match(text)
    if m is None:
        raise fail("not an interval line (start,length,max,histogram)", display, number)
    ts = _finite(m[1], display, number, "StartTimestamp")
    length = _finite(m[2], display, number, "Interval_Length")
    _finite(m[3], display, number, "Interval_Max")
    if length < 0:
        raise fail("negative Interval_Length", display, number)
    return number, tag, ts, length, m[4]


def _finite(text: str, display: str, line: int, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise fail(f"{what} {shown(text)!r} is not a number", display, line) from None
    if not abs(value) <= MAX_NUMBER:  # also NaN and infinities
        raise fail(
            f"{what} {shown(text)!r} is out of range (a finite number within +-{MAX_NUMBER:.0e})",
            display,
            line,
        )
    return value


@dataclass
class HdrResult:
    totals: dict[str | None, Any]  # key (None = all requests) -> merged HdrHistogram
    counts_per_second: dict[int, int]  # all requests
    window_p99_ms: dict[int, float]
    p50_series: list[tuple[float, float]]
    p99_series: list[tuple[float, float]]
    key_p99: dict[str, dict[int, float]]  # request key -> second -> p99 ms (tagged lines)
    start_s: float  # epoch seconds: the first interval's start
    end_s: float  # epoch seconds: the last interval's end


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


def _decoded(decode: Callable[[str], Any], interval: _Interval, display: str) -> Any:
    """An interval's histogram; an undecodable one is an evidence error at its line."""
    try:
        return decode(interval.payload)
    except Exception as exc:  # hdrh raises exceptions of many types on bad input
        raise fail(
            f"undecodable histogram ({type(exc).__name__})", display, interval.line
        ) from None


def _add(
    totals: dict[str | None, Any],
    hist: Any,
    tag: str | None,
    in_aggregate: bool,
    empty_like: Callable[[Any], Any],
) -> None:
    """Add `hist` to its tag's total and, when it is in the aggregate stream, to the aggregate's
    (the untagged lines, or every tagged line if there are none)."""
    keys: list[str | None] = [tag]
    if in_aggregate and tag is not None:
        keys.append(None)
    for key in keys:
        if key not in totals:
            totals[key] = empty_like(hist)
        totals[key].add(hist)


def read_hlog(path: Path, display: str, window_of: Callable[[int], int | None]) -> HdrResult:
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
    key_p99: dict[str, dict[int, float]] = {}
    for interval in intervals:
        hist = _decoded(decode, interval, display)
        in_aggregate = not untagged or interval.tag is None
        second = math.floor(interval.start)
        try:
            _add(totals, hist, interval.tag, in_aggregate, empty_like)
            window = window_of(second) if in_aggregate else None
            if window is not None:
                windows.add(window, hist)
        except Exception as exc:  # IndexError: values beyond the first histogram's range
            raise fail(
                f"histogram incompatible with the earlier ones ({exc})", display, interval.line
            ) from None
        n = hist.get_total_count()
        if in_aggregate:
            counts[second] = counts.get(second, 0) + n
        if interval.tag is None and n and second not in p99:  # one point per second
            p50[second], p99[second] = at_percentiles(hist, (50.0, 99.0))
        if interval.tag is not None and n:
            mine = key_p99.setdefault(interval.tag, {})
            if second not in mine:  # one point per second, as above
                mine[second] = at_percentiles(hist, (99.0,))[0]
    window_p99 = {
        w: at_percentiles(h, (99.0,))[0] for w, h in windows.items() if h.get_total_count()
    }
    return HdrResult(
        totals,
        counts,
        window_p99,
        sorted((float(s), v) for s, v in p50.items()),
        sorted((float(s), v) for s, v in p99.items()),
        key_p99,
        min(i.start for i in intervals),
        max(i.start + i.length for i in intervals),
    )


_CHUNK = 512  # buckets summed at a time: a low percentile stops after a few chunks


def values_at(hist: Any, percents: Iterable[float]) -> dict[float, int]:
    """The values at `percents` of an hdrh histogram, exactly as its get_value_at_percentile and
    get_percentile_to_value_dict give them: the first bucket where the running count reaches
    hdrh's target count, found by summing the counts a chunk at a time and bisecting the
    running sum within the chunk (sum, itertools and bisect, in C), instead of hdrh's walk of
    every bucket in Python, which took most of an evaluation of a 15-second load test. A
    percentile the counts never reach (an empty histogram) or above 100 has no value, as in
    hdrh."""
    reached = min(hist.counts_len, hist.encoder.payload.counts_len)  # hdrh: 0 beyond the payload
    targets = sorted((hist.get_target_count_at_percentile(q), q) for q in percents if q <= 100)
    found: dict[float, int] = {}
    total, start, k = 0, 0, 0
    while k < len(targets) and start < reached:
        chunk = hist.counts[start : min(start + _CHUNK, reached)]
        end_total = total + sum(chunk)
        if end_total >= targets[k][0]:
            running = list(itertools.accumulate(chunk, initial=total))[1:]
            while k < len(targets) and targets[k][0] <= end_total:
                target, q = targets[k]
                value = hist.get_value_from_index(start + bisect.bisect_left(running, target))
                exact = hist.get_highest_equivalent_value if q else hist.get_lowest_equivalent_value
                found[q] = exact(value)
                k += 1
        total, start = end_total, start + _CHUNK
    return found


def at_percentiles(hist: Any, percents: tuple[float, ...]) -> tuple[float, ...]:
    """The values (ms) at `percents` of a histogram of microseconds (`values_at`); 0 for an
    empty histogram."""
    found = values_at(hist, percents)
    return tuple(found.get(q, 0) / 1000.0 for q in percents)


def hdr_percentiles(hist: Any) -> dict[str, float]:
    values = at_percentiles(hist, tuple(q * 100.0 for _, q in PERCENTILES))
    return dict(zip((p for p, _ in PERCENTILES), values, strict=True))
