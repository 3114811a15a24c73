"""The portfolio as one self-contained HTML page (no network, no script): the release table,
the dependency graph as inline SVG coloured by verdict with the critical path to the next
launch, the risk matrix, what expires, the sign-offs owed and what changed since the review."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from readiness.portfolio import milestones, view
from readiness.portfolio.model import Portfolio, ReleaseRow
from readiness.render import safe

if TYPE_CHECKING:
    import jinja2

FILL = {"GO": "#1b7f3b", "CONDITIONAL GO": "#9a6700", "NO-GO": "#b3261e"}
NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 190, 54, 70, 22, 16


def _finalize(value: object) -> object:
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return safe.visible(value, keep="\n\r")
    return value


@functools.cache
def environment() -> jinja2.Environment:
    """Autoescaped and strict, like the single-release report's."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("readiness.portfolio", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def layers(rows: Sequence[ReleaseRow]) -> dict[str, int]:
    """Each release's column: one more than the deepest release it requires (rows are in
    dependency order, so every requirement has its column already)."""
    col: dict[str, int] = {}
    for r in rows:
        deps = [col[q.requirement.release] for q in r.requires if q.requirement.release in col]
        col[r.release] = 1 + max(deps) if deps else 0
    return col


def _text(value: object, limit: int = 26) -> str:
    text = safe.visible(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def graph_svg(p: Portfolio) -> Markup:
    """Releases as boxes in columns by dependency depth, arrows from a required release to the
    one needing it (red and dashed when unmet), the critical path drawn thick."""
    rows = list(p.releases)
    if not rows:
        return Markup("")
    col = layers(rows)
    slots: dict[int, int] = {}
    pos: dict[str, tuple[int, int]] = {}
    for r in rows:
        c = col[r.release]
        pos[r.release] = (PAD + c * (NODE_W + GAP_X), PAD + slots.get(c, 0) * (NODE_H + GAP_Y))
        slots[c] = slots.get(c, 0) + 1
    width = PAD * 2 + (max(col.values()) + 1) * (NODE_W + GAP_X) - GAP_X
    height = PAD * 2 + max(slots.values()) * (NODE_H + GAP_Y) - GAP_Y
    path = list(p.critical_path)
    on_path = set(itertools.pairwise(path))
    parts = [
        f'<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Dependency graph of {len(rows)} releases">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" '
        'markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    for r in rows:
        x2, y2 = pos[r.release]
        for res in r.requires:
            dep = res.requirement.release
            if dep not in pos:
                continue
            x1, y1 = pos[dep]
            critical = (dep, r.release) in on_path
            colour = "#b3261e" if not res.met else "#555"
            dash = "" if res.met else ' stroke-dasharray="6 4"'
            stroke = 4 if critical else 1.5
            parts.append(
                f'<path class="edge{" critical" if critical else ""}" d="M{x1 + NODE_W},'
                f"{y1 + NODE_H / 2} C{x1 + NODE_W + GAP_X / 2},{y1 + NODE_H / 2} "
                f'{x2 - GAP_X / 2},{y2 + NODE_H / 2} {x2},{y2 + NODE_H / 2}" fill="none" '
                f'stroke="{colour}" stroke-width="{stroke}"{dash} marker-end="url(#arrow)">'
                f"<title>{escape(res.text)}</title></path>"
            )
    for r in rows:
        x, y = pos[r.release]
        fill = FILL.get(r.verdict, "#6b6f76")
        ring = ' stroke="#111" stroke-width="3"' if r.release in path else ""
        ms = r.milestone
        sub = f"{r.verdict}" + (f" · {ms.state}" if ms is not None else "")
        parts.append(
            f'<g class="node" data-release="{escape(r.release)}" data-verdict="{r.verdict}">'
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="8" fill="{fill}"{ring}/>'
            f'<text x="{x + 10}" y="{y + 22}" fill="#fff" font-size="13" font-weight="700">'
            f"{escape(_text(r.release))}</text>"
            f'<text x="{x + 10}" y="{y + 41}" fill="#fff" font-size="11.5">'
            f"{escape(_text(r.version, 12))} · {escape(sub)}</text>"
            f"<title>{escape(view.milestone_text(ms))}</title></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def render(p: Portfolio) -> str:
    """The page."""
    data = view.build(p)
    rows: list[dict[str, Any]] = []
    for r in data["releases"]:
        row = p.row(r["release"])
        rows.append({**r, "milestone_text": view.milestone_text(row.milestone if row else None)})
    return (
        environment()
        .get_template("portfolio.html.j2")
        .render(
            data=data,
            rows=rows,
            graph=graph_svg(p),
            stage_title=lambda s: milestones.title(s or "-"),
            css=Markup(_CSS_PATH().read_text(encoding="utf-8")),  # noqa: S704 - our own file
        )
    )


def _CSS_PATH() -> Any:
    from importlib.resources import files

    return files("readiness.portfolio") / "templates" / "portfolio.css"
