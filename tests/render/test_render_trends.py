"""The trend line of a criterion: svg.sparkline draws dots, the threshold and escaped tooltips."""

from __future__ import annotations

import re

from readiness.render import svg


def test_sparkline_draws_each_dot_the_threshold_and_now() -> None:
    """One circle per finite value, the last ringed as now, a dashed threshold line, and every
    coordinate inside the box even when the threshold lies beyond the values."""
    dots = [svg.Dot(v, "#1B7F3B", f"v{i}") for i, v in enumerate((8.0, 9.5, float("nan")))]
    dots.append(svg.Dot(12.0, "#B00020", "now", now=True))
    out = svg.sparkline(dots, title="p99", threshold=20.0, threshold_label="threshold now")
    assert 'data-points="3"' in out and 'data-thresholds="1"' in out
    assert out.count("<circle") == 3 and out.count('class="now"') == 1
    assert '<line class="threshold"' in out and "<title>threshold now</title>" in out
    ys = [float(y) for y in re.findall(r'cy="([\d.]+)"', out)]
    line_y = float(re.search(r'class="threshold"[^>]*y1="([\d.]+)"', out)[1])  # type: ignore[index]
    assert all(5 <= y <= 29 for y in [*ys, line_y])
    assert line_y < min(ys)  # 20 is above every value: drawn higher


def test_sparkline_escapes_tooltips_and_draws_nothing_without_values() -> None:
    """Versions and titles from the store are untrusted: escaped; no value, no dot or line."""
    out = svg.sparkline([svg.Dot(1.0, "#000", '<img src=x onerror="1">')], title="<b>t</b>")
    assert "<img" not in out and "&lt;img src=x onerror=&quot;1&quot;&gt;" in out
    assert "<b>" not in out
    empty = svg.sparkline([], title="none", threshold=1.0)
    assert "<circle" not in empty and "<line" not in empty
    assert 'data-points="0"' in empty and 'data-thresholds="0"' in empty
