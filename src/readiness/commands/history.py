"""`history`, `history prune` and `diff`: the store's evaluations as text (the work itself is
`readiness.history.commands`); here the store is opened and the targets resolved."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from readiness.errors import UsageError

if TYPE_CHECKING:
    from readiness.history.store import Store


def open_store(db: str | None, root: Path) -> Store:
    from readiness.history import open_store as open_

    return open_(db or None, root)


def show(
    definition: Path,
    root: Path | None,
    db: str | None,
    *,
    last: int,
    criterion: str | None,
    as_json: bool,
) -> str:
    """The definition's release's evaluations, newest first (or one criterion's series)."""
    from readiness import pipeline
    from readiness.history import commands
    from readiness.render import safe

    project = pipeline.load(definition, root)
    with open_store(db, project.root) as store:
        return commands.history(
            store,
            project.definition.release,
            last=last,
            criterion=criterion,
            as_json=as_json,
            safe_line=safe.terminal,
        )


def prune(db: str | None, root: Path | None, keep: int | None, older_than: str | None) -> str:
    """Delete old evaluations, always keeping each release line's baseline."""
    from readiness import pipeline
    from readiness.history import commands

    now = pipeline.Clock().epoch
    if keep is None and older_than is None:
        raise UsageError("history prune: give --keep N, --older-than AGE, or both")
    with open_store(db, root if root is not None else Path.cwd()) as store:
        return commands.prune(store, keep, older_than, now)


def diff(targets: tuple[str, ...], root: Path | None, db: str | None) -> str:
    """Two evaluations by id (`3 7`), or a definition's latest and its baseline (`DEF`)."""
    from readiness.history import commands
    from readiness.render import safe

    if len(targets) == 2 and all(t.isdigit() for t in targets):
        with open_store(db, root if root is not None else Path.cwd()) as store:
            a, b = store.get(int(targets[0])), store.get(int(targets[1]))
    elif len(targets) == 1 and not targets[0].isdigit():
        from readiness import pipeline

        project = pipeline.load(Path(targets[0]), root)
        d = project.definition
        with open_store(db, project.root) as store:
            a, b = commands.latest_and_baseline(store, d.release, d.stage)
    else:
        raise UsageError("diff takes two evaluation ids (diff 3 7) or one definition (diff DEF)")
    return commands.diff(a, b, safe_line=safe.terminal)
