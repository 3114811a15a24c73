"""The statistics of the regression criterion: did the current run shift against the baseline?

As Kayenta's MannWhitneyClassifier judges a canary: a Mann-Whitney U test (scipy) on the
per-interval samples of both runs, and the Hodges-Lehmann estimate of the shift (the median of
all pairwise differences current - baseline) with its distribution-free confidence interval
(Moses' order statistics of those differences, with the normal approximation of the U
distribution's critical value). Fail closed:

- FAIL only when the shift is significant (p < 1 - confidence) and its whole confidence
  interval lies beyond the allowed shift;
- PASS only when the whole interval lies within the allowed shift (a significant absence of
  the regression);
- INCONCLUSIVE otherwise, and always when either run has fewer than `min_samples` intervals:
  never a PASS for want of data. The reason names the sample counts.

The direction is the sign of `max_shift`: `+0.10` allows at most 10% above the baseline (latency),
`-0.05` at most 5% below it (throughput); 0 means "no increase". A relative `max_shift` is a
fraction of the baseline's median; an absolute one is in the samples' unit.

Cost stays bounded without subsampling: the k-th smallest of the n*m pairwise differences is
found by bisection on the value, counting the differences below a value with a binary search
per row (O(n log m) per step), so an hour of per-second samples on both sides costs milliseconds
and no n*m array. The result is exact and deterministic (no randomness anywhere; Kayenta adds
Gaussian noise to constant data, we treat it exactly instead).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Outcome = Literal["PASS", "FAIL", "INCONCLUSIVE"]
DEFAULT_MIN_SAMPLES = 10
_MAX_BISECTIONS = 2000

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing the current run's samples with the baseline's."""

    outcome: Outcome
    shift: float | None  # Hodges-Lehmann estimate, current - baseline, in the samples' unit
    shift_ci: tuple[float, float] | None  # its confidence interval
    relative_shift: float | None  # shift / median(baseline); None when that median is 0
    p_value: float | None  # two-sided Mann-Whitney U
    n_current: int
    n_baseline: int
    reason: str
    allowed_shift: float | None = None  # the limit in the samples' unit
    confidence: float = 0.95


def _first_at_or_below(x: FloatArray, y: FloatArray, t: float) -> NDArray[np.intp]:
    """Per x_i, the first j with x_i - y_j <= t (m when none); x, y sorted ascending.

    A binary search over every row at once on the computed differences themselves (row i is
    non-increasing in j, and float subtraction keeps that order), so counts agree exactly with
    the differences a brute force would compute; `y_j >= x_i - t` would not, after rounding."""
    lo = np.zeros(x.size, dtype=np.intp)
    hi = np.full(x.size, y.size, dtype=np.intp)
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        below = (x - y[np.minimum(mid, y.size - 1)]) <= t
        hi = np.where(active & below, mid, hi)
        lo = np.where(active & ~below, mid + 1, lo)


def _count_le(x: FloatArray, y: FloatArray, t: float) -> int:
    """How many differences x_i - y_j are <= t (x, y sorted)."""
    return int((y.size - _first_at_or_below(x, y, t)).sum())


def _smallest_above(x: FloatArray, y: FloatArray, t: float) -> float:
    """The smallest difference x_i - y_j strictly above t (x, y sorted); such one must exist."""
    idx = _first_at_or_below(x, y, t) - 1  # per row, the last j whose difference is above t
    ok = idx >= 0
    return float(np.min(x[ok] - y[idx[ok]]))


def kth_difference(x: FloatArray, y: FloatArray, k: int) -> float:
    """The k-th smallest (1-based) of all differences x_i - y_j; x and y sorted ascending."""
    total = x.size * y.size
    if not 1 <= k <= total:
        raise ValueError(f"k={k} outside 1..{total}")
    lo = float(x[0] - y[-1])  # the smallest difference
    if k == 1:
        return lo
    hi = float(x[-1] - y[0])  # the largest difference: count(hi) == total >= k
    lo = float(np.nextafter(lo, -math.inf))  # count(lo) == 0 < k
    for _ in range(_MAX_BISECTIONS):
        candidate = _smallest_above(x, y, lo)
        if _count_le(x, y, candidate) >= k:
            return candidate
        mid = lo + (hi - lo) / 2
        if mid in (lo, hi):
            break
        if _count_le(x, y, mid) >= k:
            hi = mid
        else:
            lo = mid
    return hi  # pragma: no cover - bisection on floats always ends above


def hodges_lehmann(
    current: FloatArray, baseline: FloatArray, confidence: float
) -> tuple[float, tuple[float, float]]:
    """The shift estimate (median of pairwise differences) and its confidence interval.

    The interval is [d_(c), d_(N+1-c)] with N = n*m and c the lower critical value of U from
    its normal approximation (Hollander & Wolfe), floored at the first difference."""
    x, y = np.sort(current), np.sort(baseline)
    n, m = x.size, y.size
    total = n * m
    if total % 2:
        estimate = kth_difference(x, y, (total + 1) // 2)
    else:
        estimate = (kth_difference(x, y, total // 2) + kth_difference(x, y, total // 2 + 1)) / 2
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    c = math.floor(total / 2 - z * math.sqrt(total * (n + m + 1) / 12))
    c = min(max(c, 1), (total + 1) // 2)
    return estimate, (kth_difference(x, y, c), kth_difference(x, y, total + 1 - c))


def _finite(values: Iterable[float]) -> FloatArray:
    a = np.asarray(list(values), dtype=np.float64)
    return a[np.isfinite(a)]


def _p_value(x: FloatArray, y: FloatArray) -> float:
    if np.unique(np.concatenate([x, y])).size == 1:
        return 1.0  # every sample equal: no evidence of any shift (scipy would divide by 0)
    from scipy.stats import mannwhitneyu

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(mannwhitneyu(x, y, alternative="two-sided", method="auto").pvalue)
    return p if math.isfinite(p) else 1.0


def compare(
    current: Iterable[float],
    baseline: Iterable[float],
    *,
    max_shift: float,
    relative: bool = True,
    confidence: float = 0.95,
    min_samples: int = DEFAULT_MIN_SAMPLES,
) -> Comparison:
    """Classify the shift of `current` against `baseline` (see the module docstring).

    Non-finite samples (NaN, inf: an interval without requests) are left out and not counted.
    Pure and deterministic: the same samples always give the same Comparison."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    x, y = _finite(current), _finite(baseline)
    n, m = int(x.size), int(y.size)
    counts = f"current run {n} intervals, baseline {m}"
    if n < max(min_samples, 1) or m < max(min_samples, 1):
        return Comparison(
            "INCONCLUSIVE", None, None, None, None, n, m,
            f"too few samples to compare ({counts}; at least {min_samples} each needed)",
            confidence=confidence,
        )  # fmt: skip
    base_median = float(np.median(y))
    if relative and base_median == 0:
        return Comparison(
            "INCONCLUSIVE", None, None, None, _p_value(x, y), n, m,
            f"the baseline's median is 0, so a relative shift is undefined ({counts})",
            confidence=confidence,
        )  # fmt: skip
    allowed = max_shift * abs(base_median) if relative else max_shift
    shift, (ci_low, ci_high) = hodges_lehmann(x, y, confidence)
    p = _p_value(x, y)
    rel = shift / base_median if base_median else None
    significant = p < 1 - confidence
    up = max_shift >= 0  # the bad direction
    beyond = ci_low > allowed if up else ci_high < allowed
    within = ci_high <= allowed if up else ci_low >= allowed
    pct = f"{confidence:.0%}"
    interval = f"shift {shift:+.6g} ({pct} CI {ci_low:+.6g} .. {ci_high:+.6g}, p={p:.3g})"
    limit = f"the allowed {allowed:+.6g}"
    if beyond and significant:
        outcome: Outcome = "FAIL"
        reason = f"significant regression: {interval} is beyond {limit}; {counts}"
    elif within:
        outcome = "PASS"
        reason = f"no regression beyond {limit}: {interval}; {counts}"
    else:
        outcome = "INCONCLUSIVE"
        reason = f"cannot tell: {interval} straddles {limit}; {counts}"
    return Comparison(outcome, shift, (ci_low, ci_high), rel, p, n, m, reason, allowed, confidence)
