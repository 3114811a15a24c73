"""Inline SVG charts for the HTML report: line charts over time and horizontal bar charts.

Pure string building, no dependencies: every label is XML-escaped here, so the HTML template may
insert the result as markup. Output is deterministic (coordinates rounded to 0.1 px), works
without scripts or network, and prints. Colours come from the Okabe-Ito palette (readable with
colour-blindness); each line also has its own dash pattern, so charts survive greyscale printing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from readiness.render import safe

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 2", "8 3 2 3", "1 3", "10 4")
MAX_POINTS = 600  # per line; longer series are reduced keeping each bucket's min and max
FONT = "font-family:system-ui,sans-serif;font-size:12px"


@dataclass(frozen=True)
class Line:
    """One series of a line chart: (x, y) points, x in seconds."""

    label: str
    points: Sequence[tuple[float, float]]


@dataclass(frozen=True)
class Bar:
    """One bar: a label, a value, and a fill colour."""

    label: str
    value: float
    color: str = PALETTE[0]


@dataclass(frozen=True)
class Reference:
    """A horizontal reference line, e.g. a threshold: value and label."""

    value: float
    label: str


def _a(text: str) -> str:
    return escape(safe.visible(text), quote=True)


def _n(value: float) -> str:
    """A coordinate: rounded to 0.1, without a trailing `.0`."""
    text = f"{round(value, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten.

    The first tick is <= lo and the last >= hi; an empty range is widened around its value.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.1
        lo, hi = (lo - pad, hi + pad) if pad else (0.0, 1.0)
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    ticks = [round(i * step, 12) for i in range(first, last + 1)]
    return ticks


def fmt_tick(value: float) -> str:
    """A tick label: `1.5`, `20`, `1.2k`, `3M`."""
    size = abs(value)
    if size >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if size >= 10_000:
        return f"{value / 1000:g}k"
    if size >= 100 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.3g}"


def fmt_elapsed(seconds: float, span: float | None = None) -> str:
    """An elapsed-time label: `45 s` on an axis under two minutes, else `m:ss` or `h:mm:ss`."""
    s = round(seconds)
    if abs(span if span is not None else s) < 120:
        return f"{s} s"
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _time_ticks(span: float) -> list[float]:
    """Elapsed-time ticks on round minutes (or seconds) covering [0, span]."""
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600):
        if span / step <= 7:
            break
    else:
        step = math.ceil(span / 7 / 3600) * 3600
    return [float(step * i) for i in range(int(span // step) + 1)]


def reduce_points(
    points: Sequence[tuple[float, float]], limit: int = MAX_POINTS
) -> list[tuple[float, float]]:
    """Drop non-finite points; above `limit`, keep each bucket's min and max (spikes stay)."""
    clean = [(x, y) for x, y in points if math.isfinite(x) and math.isfinite(y)]
    if len(clean) <= limit:
        return clean
    buckets = max(limit // 2, 1)
    size = len(clean) / buckets
    out: list[tuple[float, float]] = []
    for b in range(buckets):
        chunk = clean[int(b * size) : int((b + 1) * size)]
        if not chunk:
            continue
        lo = min(chunk, key=lambda p: p[1])
        hi = max(chunk, key=lambda p: p[1])
        out.extend(sorted({lo, hi}))
    return out


def line_chart(
    lines: Sequence[Line],
    *,
    title: str,
    unit: str,
    width: int = 560,
    height: int = 250,
    reference: Reference | None = None,
    zero_based: bool = True,
    x_range: tuple[float, float] | None = None,
) -> str:
    """A line chart over elapsed time, with axes, ticks, a unit label and a legend.

    x values are seconds (epoch or relative): the axis shows time elapsed since the earliest
    point, or since `x_range[0]` when given (charts of one run then share their time axis).
    The y axis starts at zero unless `zero_based` is false.
    """
    series = [(ln.label, reduce_points(ln.points)) for ln in lines]
    series = [(label, pts) for label, pts in series if pts]
    left, right, top, bottom = 52, 14, 26, 52
    pw, ph = width - left - right, height - top - bottom
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_a(title)}">'
        f"<title>{_a(title)}</title>"
        f'<text x="{left}" y="16" style="{FONT};font-size:13px;font-weight:600">{_a(title)}</text>'
    )
    if not series:
        return (
            head + f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" '
            f'style="{FONT}" fill="#666">no data</text></svg>'
        )
    x0 = min(p[0] for _, pts in series for p in pts)
    x1 = max(p[0] for _, pts in series for p in pts)
    if x_range is not None:
        x0, x1 = min(x0, x_range[0]), max(x1, x_range[1])
    span = x1 - x0 or 1.0
    ys = [p[1] for _, pts in series for p in pts]
    if reference is not None and math.isfinite(reference.value):
        ys.append(reference.value)
    ticks = nice_ticks(min([*ys, 0.0]) if zero_based else min(ys), max(ys))
    y_lo, y_hi = ticks[0], ticks[-1]

    def sx(x: float) -> float:
        return left + (x - x0) / span * pw

    def sy(y: float) -> float:
        return top + ph - (y - y_lo) / ((y_hi - y_lo) or 1.0) * ph

    out = [head, '<g stroke="#ddd" stroke-width="1">']
    for t in ticks:
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{_n(sy(t))}" y2="{_n(sy(t))}"/>')
    out.append("</g>")
    out.append(f'<g style="{FONT}" fill="#333">')
    for t in ticks:
        out.append(
            f'<text x="{left - 6}" y="{_n(sy(t) + 4)}" text-anchor="end">{fmt_tick(t)}</text>'
        )
    for t in _time_ticks(span):
        x = _n(sx(x0 + t))
        out.append(
            f'<line x1="{x}" x2="{x}" y1="{top + ph}" y2="{top + ph + 4}" stroke="#333"/>'
            f'<text x="{x}" y="{top + ph + 16}" text-anchor="middle">{fmt_elapsed(t, span)}</text>'
        )
    out.append(
        f'<text x="{left + pw / 2:.0f}" y="{top + ph + 31}" text-anchor="middle">'
        "elapsed time</text>"
        f'<text transform="translate(12 {top + ph / 2:.0f}) rotate(-90)" text-anchor="middle">'
        f"{_a(unit)}</text></g>"
    )
    out.append(
        f'<path d="M{left} {top}V{top + ph}H{left + pw}" fill="none" stroke="#333" '
        'stroke-width="1"/>'
    )
    if reference is not None and math.isfinite(reference.value):
        y = _n(sy(reference.value))
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{y}" y2="{y}" stroke="#B00020" '
            f'stroke-width="1.5" stroke-dasharray="4 4"/><text x="{left + pw - 4}" '
            f'y="{_n(sy(reference.value) - 4)}" text-anchor="end" style="{FONT}" '
            f'fill="#B00020">{_a(reference.label)}</text>'
        )
    for i, (label, pts) in enumerate(series):
        color, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        d = "M" + " L".join(f"{_n(sx(x))} {_n(sy(y))}" for x, y in pts)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<path d="{d}" fill="none" stroke="{color}" stroke-width="1.8"{dash_attr}>'
            f"<title>{_a(label)}</title></path>"
        )
    legend_x = left
    for i, (label, _) in enumerate(series):
        color, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        base = height - 6
        out.append(
            f'<line x1="{legend_x}" x2="{legend_x + 18}" y1="{base - 4}" y2="{base - 4}" '
            f'stroke="{color}" stroke-width="2"{dash_attr}/><text x="{legend_x + 22}" y="{base}" '
            f'style="{FONT}">{_a(label)}</text>'
        )
        legend_x += 30 + 7 * len(label)
    out.append("</svg>")
    return "".join(out)


def bar_chart(bars: Sequence[Bar], *, title: str, width: int = 420, bar_height: int = 20) -> str:
    """A horizontal bar chart with a value label on each bar (for counts per severity)."""
    left, right, top = 80, 48, 26
    height = top + len(bars) * (bar_height + 6) + 8
    pw = width - left - right
    top_value = max((b.value for b in bars if math.isfinite(b.value)), default=0.0) or 1.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_a(title)}"><title>{_a(title)}</title>'
        f'<text x="4" y="16" style="{FONT};font-weight:600">{_a(title)}</text>'
        f'<g style="{FONT}">'
    ]
    for i, b in enumerate(bars):
        y = top + i * (bar_height + 6)
        value = b.value if math.isfinite(b.value) and b.value > 0 else 0.0
        w = value / top_value * pw
        out.append(
            f'<text x="{left - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">'
            f"{_a(b.label)}</text>"
            f'<rect x="{left}" y="{y}" width="{_n(max(w, 1.0) if value else 0.0)}" '
            f'height="{bar_height}" fill="{_a(b.color)}"/>'
            f'<text x="{_n(left + w + 4)}" y="{y + bar_height * 0.7:.1f}">'
            f"{fmt_tick(b.value)}</text>"
        )
    out.append("</g></svg>")
    return "".join(out)
