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
    """The chart parses as XML, has a title, tick labels, one path per series, a threshold line
    per reference (the next stage's marked `next`) with its short label beside it and its long
    one as a tooltip, the shaded ramp-up, and escapes a hostile label."""
    pts = [(1000.0 + 10 * i, float(i % 7)) for i in range(40)]
    out = svg.line_chart(
        [svg.Line("p50", pts), svg.Line("<b>p99</b>", [(x, y * 2) for x, y in pts])],
        title="Latency & more",
        unit="ms",
        references=[
            svg.Reference(10.0, "p99 <= 10 ms", short="<= 10 ms"),
            svg.Reference(40.0, "p99 <= 40 ms at launch", next=True, short="<= 40 ms"),
        ],
        shade=(1000.0, 1050.0),
    )
    root = ET.fromstring(out)
    assert root.tag == f"{NS}svg"
    assert root.find(f"{NS}title").text == "Latency & more"  # type: ignore[union-attr]
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "<b>p99</b>" in texts  # as text, after XML unescaping
    assert "<= 10 ms" in texts and "<= 40 ms" in texts
    assert "6:30" in texts or "6:00" in texts  # m:ss ticks over a 390 s span
    assert "elapsed time" in texts and "ramp-up" in texts
    assert "<b>" not in out
    assert len([p for p in root.iter(f"{NS}path") if p.get("stroke-dasharray") is not None]) == 1
    lines = [ln for ln in root.iter(f"{NS}line") if "threshold" in (ln.get("class") or "")]
    assert [(ln.get("class"), ln.find(f"{NS}title").text) for ln in lines] == [  # type: ignore[union-attr]
        ("threshold", "p99 <= 10 ms"),
        ("threshold next", "p99 <= 40 ms at launch"),
    ]
    assert float(lines[1].get("y1") or 0) < float(lines[0].get("y1") or 0)  # 40 ms drawn higher
    assert root.get("data-thresholds") == "2"
    assert [r.get("class") for r in root.iter(f"{NS}rect")] == ["ramp-up"]


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
    assert 'class="threshold' not in out
    root = ET.fromstring(out)
    widths = [r.get("width") for r in root.iter(f"{NS}rect")]
    assert widths[1] == "0"
    assert float(widths[0] or 0) > float(widths[2] or 0) > 0
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert {"high", "low", "<x>", "3", "0", "1"} <= set(texts)


def test_bar_chart_draws_each_bars_budget_across_it() -> None:
    """A bar's budgets are vertical threshold lines at their value on the bar's own row (the
    next stage's marked `next`), labelled, and a budget above every bar widens the scale."""
    out = svg.bar_chart(
        [
            svg.Bar("high", 3, "#c00", (svg.Reference(0, "budget = 0"),)),
            svg.Bar(
                "low",
                4,
                "#00c",
                (svg.Reference(8, "budget <= 8"), svg.Reference(2, "<= 2", next=True)),
            ),
        ],
        title="by severity",
    )
    root = ET.fromstring(out)
    lines = [ln for ln in root.iter(f"{NS}line") if "threshold" in (ln.get("class") or "")]
    assert [ln.get("class") for ln in lines] == ["threshold", "threshold", "threshold next"]
    rects = list(root.iter(f"{NS}rect"))
    x_of = [float(ln.get("x1") or 0) for ln in lines]
    left = float(rects[0].get("x") or 0)
    assert x_of[0] - left <= 1  # budget 0 at the start of the bar
    assert x_of[1] == pytest.approx(left + float(rects[1].get("width") or 0) * 2, abs=0.2)
    assert (
        float(lines[0].get("y1") or 0)
        < float(rects[1].get("y") or 0)
        <= float(lines[1].get("y1") or 0) + 2
    )
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "budget = 0" in texts and "budget <= 8, <= 2" in texts
