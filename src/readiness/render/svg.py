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
class Reference:
    """A reference line, e.g. a threshold: value and label; `next` draws it as the next
    stage's (grey, dotted) rather than the current one's (red, dashed)."""

    value: float
    label: str
    next: bool = False
    short: str = ""  # drawn beside the line (e.g. `≤ 10 ms`); `label` is its tooltip


@dataclass(frozen=True)
class Bar:
    """One bar: a label, a value, a fill colour, and the budgets (thresholds) drawn across it."""

    label: str
    value: float
    color: str = PALETTE[0]
    budgets: tuple[Reference, ...] = ()


CURRENT_COLOR, NEXT_COLOR = "#B00020", "#5F6368"


def _ref_style(ref: Reference) -> str:
    """A threshold line's stroke: red dashed for the current stage, grey dotted for the next."""
    color, dash = (NEXT_COLOR, "2 3") if ref.next else (CURRENT_COLOR, "6 3")
    return f'stroke="{color}" stroke-width="1.6" stroke-dasharray="{dash}"'


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


def _legend(
    entries: Sequence[tuple[str, str]], *, left: int, width: int, top: float
) -> tuple[list[str], float]:
    """Legend entries (label, stroke attributes) in rows that fit `width`; (markup, height)."""
    out: list[str] = []
    x, y = float(left), top
    for label, stroke in entries:
        size = 30 + 6.6 * len(label)
        if x > left and x + size > width - 4:
            x, y = float(left), y + 16
        out.append(
            f'<line x1="{_n(x)}" x2="{_n(x + 18)}" y1="{_n(y - 4)}" y2="{_n(y - 4)}" {stroke}/>'
            f'<text x="{_n(x + 22)}" y="{_n(y)}" style="{FONT}">{_a(label)}</text>'
        )
        x += size
    return out, y - top + 16 if entries else 0.0


def _spread(wanted: list[float], gap: float = 13.0) -> list[float]:
    """Label positions near `wanted` (y, top to bottom) at least `gap` apart."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = list(wanted)
    last = -math.inf
    for i in order:
        placed[i] = max(wanted[i], last + gap)
        last = placed[i]
    return placed


def line_chart(
    lines: Sequence[Line],
    *,
    title: str,
    unit: str,
    width: int = 460,
    height: int = 220,
    references: Sequence[Reference] = (),
    zero_based: bool = True,
    x_range: tuple[float, float] | None = None,
    shade: tuple[float, float] | None = None,
    shade_label: str = "ramp-up",
) -> str:
    """A line chart over elapsed time, with axes, ticks, a unit label, threshold lines and a
    legend.

    x values are seconds (epoch or relative): the axis shows time elapsed since the earliest
    point, or since `x_range[0]` when given (charts of one run then share their time axis).
    The y axis starts at zero unless `zero_based` is false, and always takes in the
    `references` (thresholds: each a line with its label, `class="threshold"`). `shade` greys
    an x interval (the ramp-up) with `shade_label` on it.
    """
    series = [(ln.label, reduce_points(ln.points)) for ln in lines]
    series = [(label, pts) for label, pts in series if pts]
    refs = [r for r in references if math.isfinite(r.value)]
    left, top = 52, 26
    right = 14 + (max((len(r.short or r.label) for r in refs), default=0) * 6.4 if refs else 0)
    right = int(min(right, 110))
    legend, legend_h = _legend(_legend_entries(series, refs), left=left, width=width, top=0)
    bottom = 36 + legend_h
    height = height + int(legend_h) - 16
    pw, ph = width - left - right, height - top - bottom
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_a(title)}" '
        f'data-thresholds="{len(refs)}">'
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
    ys = [p[1] for _, pts in series for p in pts] + [r.value for r in refs]
    ticks = nice_ticks(min([*ys, 0.0]) if zero_based else min(ys), max(ys))
    plot = _Plot(left, top, pw, ph, x0, x1, x1 - x0 or 1.0, ticks[0], ticks[-1])
    out = [head]
    if shade is not None and shade[1] > shade[0]:
        a, b = plot.sx(shade[0]), plot.sx(shade[1])
        out.append(
            f'<rect class="ramp-up" x="{_n(a)}" y="{top}" width="{_n(b - a)}" height="{ph}" '
            f'fill="#eceef1"/><text x="{_n(a + 4)}" y="{top + 12}" style="{FONT};font-size:11px" '
            f'fill="#5f6368">{_a(shade_label)}</text>'
        )
    out += _axes(plot, ticks, unit)
    out += _series_paths(plot, series)
    out += _threshold_lines(plot, refs)
    out.append(f'<g transform="translate(0 {top + ph + 50})">')
    out.extend(legend)
    out.append("</g></svg>")
    return "".join(out)


def _legend_entries(
    series: Sequence[tuple[str, list[tuple[float, float]]]], refs: Sequence[Reference]
) -> list[tuple[str, str]]:
    """(label, stroke attributes): each series in its colour and dash, then the threshold
    styles present (this stage's, the next stage's)."""
    entries = [
        (
            label,
            f'stroke="{PALETTE[i % len(PALETTE)]}" stroke-width="2"'
            + (f' stroke-dasharray="{DASHES[i % len(DASHES)]}"' if DASHES[i % len(DASHES)] else ""),
        )
        for i, (label, _) in enumerate(series)
    ]
    if any(not r.next for r in refs):
        entries.append(("threshold now", _ref_style(Reference(0, ""))))
    if any(r.next for r in refs):
        entries.append(("next stage", _ref_style(Reference(0, "", next=True))))
    return entries


@dataclass(frozen=True)
class _Plot:
    """The plotting area of a line chart (`left`, `top`, width `pw`, height `ph`) and the data
    ranges it shows: x in [x0, x1] (`span` wide, never 0), y in [y_lo, y_hi]."""

    left: int
    top: int
    pw: float
    ph: float
    x0: float
    x1: float
    span: float
    y_lo: float
    y_hi: float

    def sx(self, x: float) -> float:
        return self.left + (min(max(x, self.x0), self.x1) - self.x0) / self.span * self.pw

    def sy(self, y: float) -> float:
        return self.top + self.ph - (y - self.y_lo) / ((self.y_hi - self.y_lo) or 1.0) * self.ph


def _axes(plot: _Plot, ticks: Sequence[float], unit: str) -> list[str]:
    """Grid lines, the y ticks, the elapsed-time ticks, the axis titles and the axes."""
    left, top, pw, ph, sy = plot.left, plot.top, plot.pw, plot.ph, plot.sy
    out = ['<g stroke="#ddd" stroke-width="1">']
    for t in ticks:
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{_n(sy(t))}" y2="{_n(sy(t))}"/>')
    out.append("</g>")
    out.append(f'<g style="{FONT}" fill="#333">')
    for t in ticks:
        out.append(
            f'<text x="{left - 6}" y="{_n(sy(t) + 4)}" text-anchor="end">{fmt_tick(t)}</text>'
        )
    for t in _time_ticks(plot.span):
        x = _n(plot.sx(plot.x0 + t))
        out.append(
            f'<line x1="{x}" x2="{x}" y1="{top + ph}" y2="{top + ph + 4}" stroke="#333"/>'
            f'<text x="{x}" y="{top + ph + 16}" text-anchor="middle">'
            f"{fmt_elapsed(t, plot.span)}</text>"
        )
    out.append(
        f'<text x="{left + pw}" y="{top + ph + 30}" text-anchor="end" fill="#5f6368">'
        "elapsed time</text>"
        f'<text transform="translate(12 {top + ph / 2:.0f}) rotate(-90)" text-anchor="middle">'
        f"{_a(unit)}</text></g>"
    )
    out.append(
        f'<path d="M{left} {top}V{top + ph}H{left + pw}" fill="none" stroke="#333" '
        'stroke-width="1"/>'
    )
    return out


def _series_paths(
    plot: _Plot, series: Sequence[tuple[str, list[tuple[float, float]]]]
) -> list[str]:
    out = []
    for i, (label, pts) in enumerate(series):
        color, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        d = "M" + " L".join(f"{_n(plot.sx(x))} {_n(plot.sy(y))}" for x, y in pts)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<path d="{d}" fill="none" stroke="{color}" stroke-width="1.8"{dash_attr}>'
            f"<title>{_a(label)}</title></path>"
        )
    return out


def _threshold_lines(plot: _Plot, refs: Sequence[Reference]) -> list[str]:
    """Each threshold as a line across the plot, its label to the right (spread apart)."""
    left, pw = plot.left, plot.pw
    out = []
    label_ys = _spread([plot.sy(r.value) + 4 for r in refs], gap=12.0)
    for ref, label_y in zip(refs, label_ys, strict=True):
        y = _n(plot.sy(ref.value))
        color = NEXT_COLOR if ref.next else CURRENT_COLOR
        out.append(
            f'<line class="threshold{" next" if ref.next else ""}" x1="{left}" x2="{left + pw}" '
            f'y1="{y}" y2="{y}" {_ref_style(ref)}><title>{_a(ref.label)}</title></line>'
            f'<text x="{left + pw + 4}" y="{_n(label_y)}" style="{FONT};font-size:11px" '
            f'fill="{color}">{_a(ref.short or ref.label)}<title>{_a(ref.label)}</title></text>'
        )
    return out


def bar_chart(bars: Sequence[Bar], *, title: str, width: int = 420, bar_height: int = 20) -> str:
    """A horizontal bar chart with a value label on each bar (for counts per severity) and each
    bar's budgets drawn across it (`class="threshold"`, labelled `budget N`)."""
    notes_width = max((len(", ".join(r.label for r in b.budgets)) for b in bars), default=0)
    left, top = 80, 26
    right = 48 + int(notes_width * 6.6)  # the bar's value, then its budgets' labels
    width += right - 48
    has_next = any(r.next for b in bars for r in b.budgets)
    height = top + len(bars) * (bar_height + 6) + 8 + (18 if any(b.budgets for b in bars) else 0)
    pw = width - left - right
    values = [b.value for b in bars] + [r.value for b in bars for r in b.budgets]
    top_value = max((v for v in values if math.isfinite(v)), default=0.0) or 1.0
    budgets = sum(len(b.budgets) for b in bars)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_a(title)}" data-thresholds="{budgets}"><title>{_a(title)}</title>'
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
        notes = []
        for ref in b.budgets:
            x = _n(left + max(ref.value, 0.0) / top_value * pw + (1 if ref.value <= 0 else 0))
            out.append(
                f'<line class="threshold{" next" if ref.next else ""}" x1="{x}" x2="{x}" '
                f'y1="{y - 2}" y2="{y + bar_height + 2}" {_ref_style(ref).replace("1.6", "2.4")}>'
                f"<title>{_a(ref.label)}</title></line>"
            )
            notes.append(ref.label)
        if notes:
            out.append(
                f'<text x="{width - 4}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
                f'fill="{CURRENT_COLOR}">{_a(", ".join(notes))}</text>'
            )
    if any(b.budgets for b in bars):
        entries = [("budget now", _ref_style(Reference(0, "")))]
        if has_next:
            entries.append(("next stage", _ref_style(Reference(0, "", next=True))))
        legend, _ = _legend(entries, left=left, width=width, top=height - 6)
        out.extend(legend)
    out.append("</g></svg>")
    return "".join(out)


@dataclass(frozen=True)
class Dot:
    """One value of a sparkline: the value, its fill colour and its tooltip."""

    value: float
    color: str
    tip: str
    now: bool = False  # the evaluation of this report: drawn larger, ringed


def sparkline(
    dots: Sequence[Dot],
    *,
    title: str,
    threshold: float | None = None,
    threshold_label: str = "",
    width: int = 132,
    height: int = 34,
) -> str:
    """A small trend line (`class="spark"`): one dot per evaluation, equally spaced, oldest
    first, this evaluation's ringed (`now`); the threshold, when given, as a red dashed line
    (`class="threshold"`). The y axis spans the values and the threshold, not zero: it shows
    movement, the table beside it the numbers. Every dot has its tooltip."""
    pts = [d for d in dots if math.isfinite(d.value)]
    finite = threshold is not None and math.isfinite(threshold)
    limit = threshold if finite and pts else None
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="spark" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_a(title)}" '
        f'data-points="{len(pts)}" data-thresholds="{0 if limit is None else 1}">'
        f"<title>{_a(title)}</title>"
    )
    if not pts:
        return head + "</svg>"
    pad_x, pad_y = 5.0, 5.0
    ys = [d.value for d in pts] + ([limit] if limit is not None else [])
    lo, hi = min(ys), max(ys)
    if hi == lo:
        lo, hi = lo - (abs(lo) * 0.1 or 1.0), hi + (abs(hi) * 0.1 or 1.0)
    step = (width - 2 * pad_x) / max(len(pts) - 1, 1)

    def sx(i: int) -> float:
        return pad_x + i * step if len(pts) > 1 else width / 2

    def sy(y: float) -> float:
        return pad_y + (hi - y) / (hi - lo) * (height - 2 * pad_y)

    out = [head]
    if limit is not None:
        y = _n(sy(limit))
        out.append(
            f'<line class="threshold" x1="0" x2="{width}" y1="{y}" y2="{y}" '
            f'stroke="{CURRENT_COLOR}" stroke-width="1.2" stroke-dasharray="4 2">'
            f"<title>{_a(threshold_label)}</title></line>"
        )
    if len(pts) > 1:
        d = "M" + " L".join(f"{_n(sx(i))} {_n(sy(p.value))}" for i, p in enumerate(pts))
        out.append(f'<path d="{d}" fill="none" stroke="#5F6368" stroke-width="1.4"/>')
    for i, p in enumerate(pts):
        ring = ' class="now" stroke="#000" stroke-width="1"' if p.now else ""
        out.append(
            f'<circle cx="{_n(sx(i))}" cy="{_n(sy(p.value))}" r="{3.6 if p.now else 2.4}" '
            f'fill="{_a(p.color)}"{ring}><title>{_a(p.tip)}</title></circle>'
        )
    out.append("</svg>")
    return "".join(out)
