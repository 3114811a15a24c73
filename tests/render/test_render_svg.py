"""The inline SVG chart helpers: ticks, well-formed escaped markup, robust to odd data."""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

import pytest

from readiness.render import svg

NS = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("lo", "hi"), [(0, 27.3), (0, 527), (0.2, 0.9), (3.1, 3.1), (0, 0), (-4, 12), (0, 1e6)]
)
def test_ticks_are_round_and_cover_the_range(lo: float, hi: float) -> None:
    """Ticks start at or below the minimum, end at or above the maximum, in equal round steps."""
    ticks = svg.nice_ticks(lo, hi)
    assert ticks[0] <= lo
    assert ticks[-1] >= hi
    assert 2 <= len(ticks) <= 12
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 2.5, 5)


def test_tick_and_time_labels() -> None:
    """Tick labels are short; elapsed time reads in seconds for short runs, m:ss otherwise."""
    assert [svg.fmt_tick(v) for v in (0, 2.5, 20, 1500, 25_000, 3_000_000)] == [
        "0",
        "2.5",
        "20",
        "1500",
        "25k",
        "3M",
    ]
    assert svg.fmt_elapsed(45, span=90) == "45 s"
    assert svg.fmt_elapsed(60, span=300) == "1:00"
    assert svg.fmt_elapsed(3725, span=7200) == "1:02:05"


def test_line_chart_is_well_formed_with_axes_legend_and_escaped_labels() -> None:
    """The chart parses as XML, has a title, tick labels, one path per series, and escapes a
    hostile label."""
    pts = [(1000.0 + 10 * i, float(i % 7)) for i in range(40)]
    out = svg.line_chart(
        [svg.Line("p50", pts), svg.Line("<b>p99</b>", [(x, y * 2) for x, y in pts])],
        title="Latency & more",
        unit="ms",
        reference=svg.Reference(10.0, "p99 <= 10 ms"),
    )
    root = ET.fromstring(out)
    assert root.tag == f"{NS}svg"
    assert root.find(f"{NS}title").text == "Latency & more"  # type: ignore[union-attr]
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "<b>p99</b>" in texts  # as text, after XML unescaping
    assert "p99 <= 10 ms" in texts
    assert "6:30" in texts or "6:00" in texts  # m:ss ticks over a 390 s span
    assert "elapsed time" in texts
    assert "<b>" not in out
    assert len([p for p in root.iter(f"{NS}path") if p.get("stroke-dasharray") is not None]) == 1


def test_line_chart_without_data_says_so() -> None:
    """No finite point at all: a labelled empty chart, not an exception."""
    out = svg.line_chart([svg.Line("p99", [(0.0, math.nan)])], title="t", unit="ms")
    assert ">no data<" in out
    ET.fromstring(out)


def test_long_series_are_reduced_keeping_spikes() -> None:
    """36,000 points are cut to at most MAX_POINTS, and the single spike survives."""
    pts = [(float(i), 5.0) for i in range(36_000)]
    pts[12_345] = (12_345.0, 900.0)
    reduced = svg.reduce_points(pts)
    assert len(reduced) <= svg.MAX_POINTS
    assert (12_345.0, 900.0) in reduced
    assert reduced == sorted(reduced)


def test_bar_chart_shows_zero_and_non_zero_bars() -> None:
    """Each bar has its label and value; a zero bar has no width; the markup is well-formed."""
    out = svg.bar_chart(
        [svg.Bar("high", 3, "#c00"), svg.Bar("low", 0), svg.Bar("<x>", 1)], title="by severity"
    )
    root = ET.fromstring(out)
    widths = [r.get("width") for r in root.iter(f"{NS}rect")]
    assert widths[1] == "0"
    assert float(widths[0] or 0) > float(widths[2] or 0) > 0
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert {"high", "low", "<x>", "3", "0", "1"} <= set(texts)
