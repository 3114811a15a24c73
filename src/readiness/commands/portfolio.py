"""`portfolio`: build the portfolio, and the text of each format (printed, or written into
--report-dir)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from readiness.errors import UsageError

if TYPE_CHECKING:
    from readiness.portfolio.build import Runner
    from readiness.portfolio.model import Portfolio

FORMATS = ("terminal", "markdown", "json", "html")
FILE_NAMES = {"json": "portfolio.json", "markdown": "portfolio.md", "html": "portfolio.html"}


def build(
    directory: Path,
    *,
    since: str | None,
    record: bool,
    store_url: str | None,
    expiring_within: int,
    runner: Runner | None,
) -> Portfolio:
    """Evaluate every definition of `directory` in dependency order (UsageError for a --since
    that is neither N days nor a date)."""
    from readiness import pipeline
    from readiness.portfolio import build as build_mod

    opts = build_mod.Options(
        store_url=store_url or None,
        record=record,
        since=since,
        expiry_days=expiring_within,
        runner=runner,
    )
    if since is not None:
        try:
            build_mod.parse_since(since, pipeline.Clock())
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return build_mod.build(directory, opts)


def _renderers() -> dict[str, Callable[[Portfolio], str]]:
    from readiness.portfolio import render_html, render_text

    return {
        "json": render_text.render_json,
        "markdown": render_text.render_markdown,
        "html": render_html.render,
    }


def text(result: Portfolio, format_: str, *, color: bool) -> str:
    """The portfolio in `format_` (terminal: coloured when `color`)."""
    if format_ == "terminal":
        from readiness.portfolio import render_text

        return render_text.render_terminal(result, color=color)
    return _renderers()[format_](result)


def files(result: Portfolio, report_dir: Path) -> list[tuple[Path, str]]:
    """Every file --report-dir gets: (path, text)."""
    return [(report_dir / FILE_NAMES[k], render(result)) for k, render in _renderers().items()]
