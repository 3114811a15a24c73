"""The regression criterion's statistics on synthetic samples: FAIL only on a significant
shift beyond the allowance, PASS only on a significant absence, INCONCLUSIVE otherwise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.history.regression import compare, hodges_lehmann, kth_difference


def _samples(seed: int, n: int, mean: float, sd: float) -> list[float]:
    return list(np.random.default_rng(seed).normal(mean, sd, n))


BASE = _samples(1, 120, 100.0, 5.0)


def test_clear_shift_fails() -> None:
    """A 30% slower run fails against a +10% allowance, with the shift and its interval."""
    result = compare(_samples(2, 120, 130.0, 5.0), BASE, max_shift=0.10)
    assert result.outcome == "FAIL"
    assert result.shift is not None and result.shift_ci is not None
    assert 27 < result.shift < 33
    assert result.shift_ci[0] > 10
    assert result.relative_shift is not None and 0.25 < result.relative_shift < 0.35
    assert result.p_value is not None and result.p_value < 1e-6
    assert "significant regression" in result.reason
    assert "current run 120 intervals, baseline 120" in result.reason


def test_no_shift_with_enough_samples_passes() -> None:
    """The same distribution, enough intervals: the interval lies below the allowance."""
    result = compare(_samples(3, 120, 100.0, 5.0), BASE, max_shift=0.10)
    assert result.outcome == "PASS"
    assert result.shift_ci is not None and result.shift_ci[1] < 10
    assert result.allowed_shift == pytest.approx(0.10 * float(np.median(BASE)))


def test_shift_within_the_allowance_passes() -> None:
    """A real but small shift (+5% against +10% allowed) is a PASS, though significant."""
    base = _samples(4, 200, 100.0, 2.0)
    result = compare(_samples(5, 200, 105.0, 2.0), base, max_shift=0.10)
    assert result.outcome == "PASS"
    assert result.p_value is not None and result.p_value < 0.05
    assert result.shift is not None and 4 < result.shift < 6


def test_three_samples_are_inconclusive_never_pass() -> None:
    """Too few intervals is INCONCLUSIVE, with the counts, even when the values look fine."""
    result = compare([100.0, 101.0, 99.0], BASE, max_shift=0.10)
    assert result.outcome == "INCONCLUSIVE"
    assert result.shift is None
    assert "current run 3 intervals, baseline 120" in result.reason
    assert "at least 10 each" in result.reason
    assert compare(BASE, BASE[:3], max_shift=0.10).outcome == "INCONCLUSIVE"


def test_a_shift_straddling_the_limit_is_inconclusive() -> None:
    """A shift near the allowance with a wide interval cannot be told: INCONCLUSIVE."""
    base = _samples(6, 15, 100.0, 10.0)
    result = compare(_samples(7, 15, 110.0, 10.0), base, max_shift=0.10)
    assert result.outcome == "INCONCLUSIVE"
    assert result.shift_ci is not None
    assert result.shift_ci[0] < result.allowed_shift < result.shift_ci[1]  # type: ignore[operator]
    assert "straddles" in result.reason


def test_absolute_allowance_and_the_lower_direction() -> None:
    """An absolute allowance is in the samples' unit; a negative one guards a drop."""
    base = _samples(9, 100, 100.0, 1.0)
    near = compare(_samples(8, 100, 101.0, 1.0), base, max_shift=2.0, relative=False)
    assert (near.outcome, near.allowed_shift) == ("PASS", 2.0)
    slow = compare(_samples(8, 100, 110.0, 1.0), _samples(9, 100, 100.0, 1.0), max_shift=2.0,
                   relative=False)  # fmt: skip
    assert slow.outcome == "FAIL"
    rps_base = _samples(10, 100, 1000.0, 20.0)
    assert compare(_samples(11, 100, 800.0, 20.0), rps_base, max_shift=-0.05).outcome == "FAIL"
    assert compare(_samples(12, 100, 1100.0, 20.0), rps_base, max_shift=-0.05).outcome == "PASS"


def test_identical_constant_samples_pass_without_noise() -> None:
    """Constant, equal samples: no shift, p = 1, PASS (no random noise as Kayenta adds)."""
    result = compare([5.0] * 20, [5.0] * 20, max_shift=0.10)
    assert (result.outcome, result.shift, result.shift_ci, result.p_value) == (
        "PASS", 0.0, (0.0, 0.0), 1.0,
    )  # fmt: skip


def test_non_finite_samples_are_left_out() -> None:
    """NaN and inf (intervals without requests) are not samples and are not counted."""
    result = compare([*BASE[:5], float("nan"), float("inf")], BASE, max_shift=0.10)
    assert (result.outcome, result.n_current) == ("INCONCLUSIVE", 5)


def test_zero_baseline_median_with_a_relative_allowance_is_inconclusive() -> None:
    """A relative allowance of a zero median is undefined: INCONCLUSIVE, never PASS."""
    result = compare([0.0] * 10 + [1.0] * 5, [0.0] * 20, max_shift=0.10)
    assert result.outcome == "INCONCLUSIVE"
    assert "median is 0" in result.reason


def test_deterministic_and_order_independent() -> None:
    """Same samples, same result; the order of the samples does not matter."""
    current = _samples(13, 300, 104.0, 6.0)
    first = compare(current, BASE, max_shift=0.05)
    assert compare(current, BASE, max_shift=0.05) == first
    assert compare(current[::-1], sorted(BASE), max_shift=0.05) == first


def test_large_samples_are_exact_without_an_n_by_m_array() -> None:
    """An hour of per-second samples on each side: the estimate is the true shift."""
    big_base = _samples(14, 3600, 100.0, 5.0)
    result = compare(_samples(15, 3600, 112.0, 5.0), big_base, max_shift=0.10)
    assert result.outcome == "FAIL"
    assert result.shift is not None and 11.5 < result.shift < 12.5


def test_confidence_must_be_a_probability() -> None:
    """A confidence outside (0, 1) is a programming error."""
    with pytest.raises(ValueError, match="confidence"):
        compare(BASE, BASE, max_shift=0.1, confidence=1.0)


floats = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, width=32)


@settings(max_examples=200, deadline=None)
@given(
    x=st.lists(floats, min_size=1, max_size=25),
    y=st.lists(floats, min_size=1, max_size=25),
    data=st.data(),
)
def test_kth_difference_matches_brute_force(
    x: list[float], y: list[float], data: st.DataObject
) -> None:
    """The bisection finds exactly the k-th smallest pairwise difference, ties included."""
    xs, ys = np.sort(np.array(x)), np.sort(np.array(y))
    every = np.sort((xs[:, None] - ys[None, :]).ravel())
    k = data.draw(st.integers(1, every.size))
    assert kth_difference(xs, ys, k) == every[k - 1]


def test_hodges_lehmann_is_the_median_of_differences() -> None:
    """The estimate is the median of all pairwise differences; the interval surrounds it."""
    x, y = np.array(_samples(16, 31, 10.0, 2.0)), np.array(_samples(17, 40, 9.0, 2.0))
    estimate, (low, high) = hodges_lehmann(x, y, 0.95)
    assert estimate == pytest.approx(float(np.median((x[:, None] - y[None, :]).ravel())))
    assert low < estimate < high
