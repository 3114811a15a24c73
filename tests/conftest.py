"""Shared fixtures: a throw-away project tree and the standard small project."""

from __future__ import annotations

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with slow tests (real tools, real process trees) first, each file's order kept:
    `make test` hands whole files to its workers in this order (`--dist loadfile`), and a
    long file handed out last would run alone while the other workers idle."""
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow)
