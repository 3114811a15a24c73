"""Shared fixtures: a throw-away project tree and the standard small project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import Project, make_standard


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty project tree in tmp_path."""
    return Project(tmp_path)


@pytest.fixture
def standard(project: Project) -> Project:
    """A small valid project: one junit check, one tests gate, one definition."""
    return make_standard(project)


def _store_state(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


@pytest.fixture(scope="session", autouse=True)
def _repository_history_untouched() -> Iterator[None]:
    """The repository's own history store (`make demo`'s) is the user's: a test that evaluates
    the bundled example records nothing there (it passes --no-record or works in tmp_path)."""
    from helpers import REPO

    store = REPO / ".readiness" / "history.sqlite"
    before = _store_state(store)
    yield
    if _store_state(store) != before:
        pytest.fail(f"a test wrote {store}: evaluate the bundled example with --no-record")
