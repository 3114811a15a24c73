"""The HDR log's percentiles are hdrh's own, value for value (`hdr.values_at`)."""

from __future__ import annotations

from hdrh.histogram import HdrHistogram
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.evidence.locust import hdr

PERCENTS = [0.0, 0.001, 1.0, 25.0, 50.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0, 100.5, 150.0]


def _histogram(values: list[tuple[int, int]], *, decoded: bool) -> HdrHistogram:
    """Values (microseconds, count) recorded into the histogram the HDR listener writes; read
    back from its encoding when `decoded` (a payload shorter than the counts, as in a log)."""
    hist = HdrHistogram(1, 60_000_000, 3)
    for value, count in values:
        hist.record_value(value, count)
    return HdrHistogram.decode(hist.encode()) if decoded else hist


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(
        st.tuples(st.integers(1, 60_000_000), st.integers(1, 1_000)), min_size=0, max_size=40
    ),
    decoded=st.booleans(),
)
def test_values_at_are_hdrhs_own(values: list[tuple[int, int]], decoded: bool) -> None:
    """For any histogram (empty, one value, spread over the whole range, decoded from a log)
    and any percentile (0, fractions, 100, beyond 100), `values_at` gives what hdrh's
    get_value_at_percentile and get_percentile_to_value_dict give: the same values, and no
    value where hdrh gives none."""
    hist = _histogram(values, decoded=decoded)
    found = hdr.values_at(hist, PERCENTS)
    assert found == hist.get_percentile_to_value_dict(PERCENTS)
    for q in PERCENTS:
        if q <= 100:
            assert found.get(q, 0) == hist.get_value_at_percentile(q), q


def test_at_percentiles_in_milliseconds_and_zero_when_empty() -> None:
    """`at_percentiles` gives milliseconds in the order asked, 0 for an empty histogram."""
    hist = _histogram([(1_000, 98), (250_000, 2)], decoded=True)
    assert hdr.at_percentiles(hist, (99.0, 50.0)) == (
        hist.get_value_at_percentile(99.0) / 1000.0,
        hist.get_value_at_percentile(50.0) / 1000.0,
    )
    assert hdr.at_percentiles(_histogram([], decoded=False), (50.0, 99.0)) == (0.0, 0.0)
