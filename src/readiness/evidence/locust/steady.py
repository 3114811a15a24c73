"""The steady state of a Locust run: from the end of ramp-up to the last full second, cut into
windows, and the sustained metrics over them (the worst window p99, the lowest window rate).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from itertools import pairwise

from readiness.errors import EvidenceError
from readiness.evidence.locust.common import MAX_STEADY_S, Entry
from readiness.evidence.locust.csv import History
from readiness.evidence.locust.hdr import HdrResult

LOCUST_ROLLING_WINDOW_S = 10  # stats.CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW


@dataclass(frozen=True)
class Steady:
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
        start, length, windows = self.start, self.window_len, self.windows
        limit = start + windows * length  # = window_of's bounds: never past the end
        sums = [0] * windows
        for second, n in counts.items():
            if start <= second < limit:
                sums[(second - start) // length] += n
        return min(sums) / length


def steady_state(
    ramp_up: float | None,
    window: int,
    aggregate: Entry,
    history: History | None,
    warnings: list[str],
) -> Steady | None:
    """From `ramp_up` seconds after the start (default: the second after the user count first
    reaches its peak) to the last whole second of requests; None when the run gives no times
    or ends before ramp-up does."""
    # The end: the last whole second of requests (the final one is cut off by the stop).
    if aggregate.last is not None:
        end = math.floor(aggregate.last)
    elif history is not None:
        active = (
            t for t, u in zip(reversed(history.ts), reversed(history.users), strict=True) if u > 0
        )
        end = next(active, history.ts[-1])
    else:
        return None
    if history is not None:
        run_start = history.ts[0]
    elif aggregate.start is not None:
        run_start = math.floor(aggregate.start)
    else:
        return None
    if ramp_up is not None:
        start = run_start + math.ceil(ramp_up)
    elif history is not None:
        start = history.ts[history.users.index(max(history.users))] + 1
    else:
        start = run_start
        warnings.append(
            "no _stats_history.csv: the end of ramp-up is unknown, so sustained metrics "
            "include it (set ramp-up, or run Locust with --csv)"
        )
    steady = Steady(start, end, window)
    if steady.span > MAX_STEADY_S:
        raise EvidenceError(
            f"the steady state would span {steady.span:,} s (from {start} to {end}), more than "
            f"{MAX_STEADY_S // 86400} days: not one Locust run (corrupt or doctored timestamps?)"
        )
    if steady.span <= 0:
        warnings.append("no steady state: the run ended before ramp-up did; no sustained metrics")
        return None
    if steady.span < window:
        warnings.append(
            f"the steady state ({steady.span} s) is shorter than one window "
            f"({window} s): sustained metrics cover {steady.span} s"
        )
    return steady


def sustained_metrics(
    steady: Steady | None,
    hdr: HdrResult | None,
    history: History | None,
    json_aggregate: Entry | None,
    warnings: list[str],
) -> tuple[float | None, float | None]:
    """(sustained p99 in ms, sustained minimum rate): the worst window p99 and the lowest
    window rate, exact from the HDR log when present (see `readiness.evidence.locust`)."""
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
        late = _p99s(history, steady.start + LOCUST_ROLLING_WINDOW_S, steady.end)
        if not late:
            late = _p99s(history, steady.start, steady.end)
            if late:
                warnings.append(
                    "sustained p99 from Locust's rolling 10 s percentiles, which overlap "
                    "the ramp-up in a steady state this short"
                )
        p99 = max(late) if late else None
    return p99, rps


def _p99s(history: History, first: int, last: int) -> list[float]:
    """The 99% cells of the rows from `first` to `last` (seconds, inclusive) that have one,
    found by bisection over the timestamps (read_history keeps them in order)."""
    cells = history.p99[
        bisect.bisect_left(history.ts, first) : bisect.bisect_right(history.ts, last)
    ]
    return [v for v in cells if v is not None]


def _history_min_rps(history: History, steady: Steady) -> float | None:
    """Lowest window rate from the history's cumulative request counts: at each window
    boundary, the last row at or before it (found by bisection over the rows' timestamps,
    which read_history keeps in order, from the boundary before it), so the cost is linear in
    the history's length. A window's end is the next one's start: found once."""
    stamps, totals = history.ts, history.total_requests
    start, length = steady.start, steady.window_len
    ends = []  # for each boundary, how many rows are at or before it
    lo = 0
    for k in range(steady.windows + 1):
        lo = bisect.bisect_right(stamps, start + k * length, lo)
        ends.append(lo)
    rates = []
    for i, j in pairwise(ends):
        if i == 0 or stamps[j - 1] <= stamps[i - 1]:
            continue
        rates.append((totals[j - 1] - totals[i - 1]) / (stamps[j - 1] - stamps[i - 1]))
    return min(rates) if rates else None
