"""The sustained minimum rate from the history's cumulative counts: linear in the history's
length, and the same answer as a plain rescan."""

from __future__ import annotations

import pytest

import helpers
from readiness.evidence.locust.csv import History, HistoryRow
from readiness.evidence.locust.history import read_history
from readiness.evidence.locust.steady import Steady, _history_min_rps

FIXTURES = helpers.FIXTURES / "locust"


def _rescan(history: History, steady: Steady) -> float | None:
    """The reference: for every window boundary, scan the history from its start."""
    rates = []
    for k in range(steady.windows):
        ends = []
        for t in (steady.start + k * steady.window_len, steady.start + (k + 1) * steady.window_len):
            before = [(r.ts, r.total_requests) for r in history.rows if r.ts <= t]
            ends.append(before[-1] if before else None)
        a, b = ends
        if a is None or b is None or b[0] <= a[0]:
            continue
        rates.append((b[1] - a[1]) / (b[0] - a[0]))
    return min(rates) if rates else None


@pytest.mark.parametrize(
    ("start", "end", "window"),
    [(1764072005, 1764072030, 10), (1764072000, 1764072030, 1), (1764072003, 1764072029, 7),
     (1764071990, 1764072040, 5), (1764072010, 1764072012, 10)],
)  # fmt: skip
def test_min_rate_from_a_real_history_equals_the_rescan(start: int, end: int, window: int) -> None:
    """On the fixture's real-format history, every steady state gives the rescan's answer."""
    path = FIXTURES / "stale" / "run_stats_history.csv"
    history = read_history(path, path.name)
    steady = Steady(start, end, window)
    assert _history_min_rps(history, steady) == _rescan(history, steady)


def test_min_rate_over_a_long_history_is_linear() -> None:
    """100,000 one-second rows cut into 1 s windows: a rescan per boundary would take about
    10^10 steps (minutes); the answer (the one slow second) comes at once."""
    n = 100_000
    rows, total = [], 0
    for ts in range(n):
        total += 3 if ts == 54_321 else 10
        rows.append(HistoryRow(ts, 10, 10.0, 0.0, 1.0, 1.0, 1.0, total))
    history = History.of_rows(rows, full=False)
    assert _history_min_rps(history, Steady(0, n - 1, 1)) == 3.0


@pytest.mark.parametrize(
    ("start", "end", "window"),
    [(100, 130, 10), (100, 135, 10), (100, 104, 10), (100, 101, 1), (100, 160, 7)],
)
def test_min_rate_from_per_second_counts_equals_window_of(
    start: int, end: int, window: int
) -> None:
    """The lowest window rate from per-second counts (the JSON's or the HDR log's) sums each
    second into the window `window_of` gives it, seconds outside the windows left out (the
    ramp-up, the cut-off end, a trailing partial window)."""
    counts = {s: (s * 7919) % 13 + 1 for s in range(90, 170)}
    steady = Steady(start, end, window)
    sums = [0] * steady.windows
    for second, n in counts.items():
        if (index := steady.window_of(second)) is not None:
            sums[index] += n
    assert steady.min_rps(counts) == min(sums) / steady.window_len
