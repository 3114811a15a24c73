"""Running the checks' commands for `run` and `portfolio --run`, with the progress display
on the stream cli hands over (standard error)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from readiness.definition import Project
    from readiness.portfolio.resolve import Member


def collect(
    project: Project,
    base: Path,
    logs: Path,
    *,
    only: set[str] | None,
    allow_remote: bool,
    stream: IO[str] | None,
    tty: bool,
    interval: float,
) -> dict[str, str]:
    """Run the checks' commands (`only` those, when given) with a progress display on
    `stream`: live on a terminal (`tty`), else a line per running check every `interval`
    seconds. Returns {check: why its command failed}."""
    from readiness import cli_progress
    from readiness import collect as collect_mod

    shown = cli_progress.display(stream, tty, interval)
    with collect_mod.interrupt_as_keyboard(), shown:
        results = collect_mod.collect(
            project,
            base,
            logs,
            only=only,
            allow_remote=allow_remote,
            progress=shown.line,
            watch=shown.watch,
        )
    return {c: r.message for c, r in results.items() if r.outcome != "ok"}


def check_only(project: Project, only: tuple[str, ...]) -> set[str] | None:
    """The checks `--only` names (None: all), each a check of the definition, and every tool
    their commands need present; UsageError or CollectError otherwise."""
    from readiness import collect as collect_mod
    from readiness.errors import UsageError

    unknown = sorted(set(only) - set(project.checks))
    if unknown:
        raise UsageError(f"--only: no check {', '.join(unknown)} in the definition")
    collect_mod.require_tools(project, set(only) or None)
    return set(only) or None


def portfolio_runner(
    directory: Path, stream: IO[str] | None, tty: bool
) -> Callable[[Member, set[str]], dict[str, str]]:
    """`portfolio --run`: each release's checks' commands, every shared check only once, with
    the same progress display as `run`."""

    def run_member(member: Member, done: set[str]) -> dict[str, str]:
        todo = set(member.project.checks) - done
        if not todo:
            return {}
        failed = collect(
            member.project,
            member.project.root,
            directory / "build" / "logs",
            only=todo,
            allow_remote=False,
            stream=stream,
            tty=tty,
            interval=10.0,
        )
        return {c: why for c, why in failed.items() if c in todo}

    return run_member
