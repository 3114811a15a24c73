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
