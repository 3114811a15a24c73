"""The progress display of `readiness run`, on standard error: what each check is doing.

- On a terminal: a live line per running check drawn with rich (spinner, a bar of elapsed time
  against the timeout, and Locust's live users, requests, rate, failures and p99 for a load
  test). rich is imported here only, on this path only: `evaluate` never loads it, and an
  install without it (the light one for gates) falls back to a plain redrawn status line.
- Not on a terminal (a CI log): the start and end line of each check, and a plain line every
  `interval` seconds while it runs, so a 15-minute soak test never looks hung.

Every piece of text that comes from a command's log or its evidence is shown through
`readiness.render.safe.terminal`: a log line cannot move the cursor or start a workflow command.
"""

from __future__ import annotations

import shutil
from typing import IO, Any

import click

from readiness import live
from readiness.render import safe


class Display:
    """Where `collect` reports: `line` for a check starting or ending, `watch` while it runs."""

    def __enter__(self) -> Display:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def line(self, text: str) -> None:
        click.echo(safe.terminal(text), err=True)

    def watch(self, status: live.Status) -> None:
        return None


class PeriodicLines(Display):
    """A CI log: a status line per running check every `interval` seconds."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.tickers: dict[str, live.Ticker] = {}

    def watch(self, status: live.Status) -> None:
        ticker = self.tickers.setdefault(status.check, live.Ticker(self.interval))
        if ticker.due():
            click.echo(safe.terminal(live.status_line(status, width=160)), err=True)


class StatusLine(Display):
    """A terminal without rich: one status line redrawn in place."""

    def _clear(self) -> None:
        click.echo("\r\x1b[K", err=True, nl=False)

    def line(self, text: str) -> None:
        self._clear()
        super().line(text)

    def watch(self, status: live.Status) -> None:
        width = shutil.get_terminal_size().columns - 1
        self._clear()
        click.echo(safe.terminal(live.status_line(status, width=width)), err=True, nl=False)

    def __exit__(self, *exc: object) -> None:
        self._clear()


class RichDisplay(Display):
    """A terminal with rich: a live progress row for the running check."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
        )

        self.console = Console(file=stream, highlight=False)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(bar_width=24),
            TextColumn("{task.fields[clock]}", markup=False),
            TextColumn("{task.fields[detail]}", markup=False),
            console=self.console,
            transient=True,
            refresh_per_second=4,
        )
        self.task: Any = None

    def __enter__(self) -> RichDisplay:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def line(self, text: str) -> None:
        from rich.text import Text

        if self.task is not None:  # a check ended (or the next starts): no stale row
            self.progress.update(self.task, visible=False, refresh=True)
        self.console.print(Text(safe.terminal(text)), soft_wrap=True)

    def watch(self, status: live.Status) -> None:
        detail = live.load_text(status.load) if status.load is not None else status.tail
        clock = f"{live.duration(status.elapsed)} / {live.duration(status.timeout)}"
        fields: dict[str, Any] = {
            "description": f"[{status.index}/{status.total}] {safe.terminal(status.check)}",
            "completed": min(status.elapsed, status.timeout),
            "total": status.timeout,
            "clock": clock,
            "detail": safe.terminal(detail, limit=70),
            "visible": True,
        }
        if self.task is None:
            self.task = self.progress.add_task(**fields)
        else:
            self.progress.update(self.task, **fields)


def display(stream: IO[str] | None, tty: bool, interval: float) -> Display:
    """The display for standard error: rich on a terminal (a plain status line without rich),
    periodic lines elsewhere."""
    if not tty or stream is None:
        return PeriodicLines(interval)
    try:
        return RichDisplay(stream)
    except ImportError:
        return StatusLine()
