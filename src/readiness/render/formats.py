"""The report formats `readiness evaluate --report-dir D --format NAME` writes: a plain registry.

`FORMATS` maps each name to its default file name and render function; `render` dispatches with
an exhaustive match ending in `assert_never`, so a new name in `Format` that is not handled is a
type error. Renderers are imported only when used: asking for JSON never imports Jinja.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, assert_never, get_args

from readiness.errors import UsageError

if TYPE_CHECKING:
    from readiness.report import Report

Format = Literal["json", "html", "markdown", "junit", "notes"]
NAMES: tuple[Format, ...] = get_args(Format)


def render(
    report: Report, name: Format, *, notes_template: str | os.PathLike[str] | None = None
) -> str:
    """`report` in format `name`; `notes_template` replaces the launch notes' template."""
    if name == "json":
        from readiness.render import jsonreport

        return jsonreport.render(report)
    if name == "html":
        from readiness.render import html

        return html.render(report)
    if name == "markdown":
        from readiness.render import markdown

        return markdown.render(report)
    if name == "junit":
        from readiness.render import junitxml

        return junitxml.render(report)
    if name == "notes":
        from readiness.render import notes

        return notes.render(report, notes_template)
    assert_never(name)


def _renderer(name: Format) -> Callable[[Report], str]:
    return lambda report: render(report, name)


FILE_NAMES: dict[Format, str] = {
    "json": "report.json",
    "html": "report.html",
    "markdown": "report.md",
    "junit": "readiness-junit.xml",
    "notes": "LAUNCH_NOTES.md",
}
FORMATS: dict[Format, tuple[str, Callable[[Report], str]]] = {
    name: (FILE_NAMES[name], _renderer(name)) for name in NAMES
}


def parse(name: str) -> Format:
    """A format name from the command line; UsageError naming the known ones otherwise."""
    for known in NAMES:
        if name == known:
            return known
    raise UsageError(f'unknown report format "{name}" (known: {", ".join(NAMES)})')


def render_all(
    report: Report,
    directory: Path,
    names: Iterable[Format],
    *,
    notes_template: str | os.PathLike[str] | None = None,
) -> dict[Format, tuple[Path, str]]:
    """The path and text of every format asked for (duplicates once, in the order asked)."""
    chosen = list(dict.fromkeys(names))
    return {
        name: (directory / FILE_NAMES[name], render(report, name, notes_template=notes_template))
        for name in chosen
    }


def write_all(
    report: Report,
    directory: Path,
    names: Iterable[Format],
    *,
    notes_template: str | os.PathLike[str] | None = None,
) -> dict[Format, Path]:
    """Render every format first, then write each file atomically into `directory`.

    Rendering everything before writing anything means a template error leaves no mix of new
    and stale reports behind. Returns the path written for each format, in the order asked;
    a file that cannot be written raises `WriteError` naming it.
    """
    from readiness import atomic  # tempfile: only when writing (cli imports this module)

    texts = render_all(report, directory, names, notes_template=notes_template)
    return {name: atomic.write_text(path, text) for name, (path, text) in texts.items()}
