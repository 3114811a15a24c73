"""Fixtures of the history tests: every store test runs on SQLite and on a real PostgreSQL
server that the session starts on loopback in a temporary data directory (and always stops)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from history_helpers import PostgresServer, new_database, pg_bindir, postgres_server

if TYPE_CHECKING:
    from readiness.history.store import Store


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session; skipped only when no PostgreSQL binaries exist."""
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip(
            "no PostgreSQL binaries (initdb, pg_ctl on PATH or in /usr/lib/postgresql/*/bin); "
            "install the Debian package `postgresql` (.ci/run does)"
        )
    with postgres_server(bindir) as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty store on each back-end."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return new_database(server)


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    """An open store on each back-end, closed afterwards."""
    from readiness.history.store import open_store

    s = open_store(store_url, tmp_path)
    yield s
    s.close()
