"""A store that cannot be used is one clear StoreError naming it, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from history_helpers import PostgresServer, free_port, record
from readiness.errors import ReadinessError, StoreError
from readiness.history.store import open_store


def test_store_error_is_a_readiness_error_with_exit_code_2() -> None:
    """StoreError goes through the CLI's one handler: exit 2, one line."""
    err = StoreError("x.sqlite", "locked")
    assert isinstance(err, ReadinessError)
    assert err.exit_code == 2
    assert str(err) == "evaluation store x.sqlite: locked"


def test_default_store_lives_under_dot_readiness_and_is_git_ignored(tmp_path: Path) -> None:
    """No URL: <root>/.readiness/history.sqlite, created with a .gitignore beside it."""
    with open_store(None, tmp_path) as store:
        eid = store.record(record())
        assert store.backend == "sqlite"
        assert store.name == str(tmp_path / ".readiness" / "history.sqlite")
    assert (tmp_path / ".readiness" / "history.sqlite").is_file()
    assert (tmp_path / ".readiness" / ".gitignore").read_text().splitlines()[-1] == "*"
    with open_store(None, tmp_path) as store:
        assert store.get(eid).release == "2026.12"


def test_sqlite_store_is_in_wal_mode(tmp_path: Path) -> None:
    """The SQLite store runs in WAL mode, so readers never block the writer."""
    open_store(None, tmp_path).close()
    conn = sqlite3.connect(tmp_path / ".readiness" / "history.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_corrupt_sqlite_file(tmp_path: Path) -> None:
    """A file that is not a SQLite database is reported as corrupt, naming the file."""
    bad = tmp_path / "history.sqlite"
    bad.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    with pytest.raises(StoreError) as caught:
        open_store(f"sqlite:///{bad}", tmp_path)
    assert str(caught.value).startswith(f"evaluation store sqlite:///{bad}: corrupt")
    assert "\n" not in str(caught.value)


def test_locked_sqlite_store(tmp_path: Path) -> None:
    """A writer that cannot get the lock within the busy timeout gets a 'locked' StoreError."""
    path = tmp_path / "history.sqlite"
    open_store(f"sqlite:///{path}", tmp_path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with open_store(f"sqlite:///{path}", tmp_path, timeout=0.2) as store:
            assert store.list() == []  # WAL: readers still read
            with pytest.raises(StoreError, match=r"locked by another process \(waited 0.2 s\)"):
                store.record(record())
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_read_only_sqlite_store(tmp_path: Path) -> None:
    """A store that can be read but not written says so when recording."""
    path = tmp_path / "history.sqlite"
    with open_store(f"sqlite:///{path}", tmp_path) as store:
        store.record(record())
    with open_store(f"sqlite:///file:{path}?mode=ro&uri=true", tmp_path) as store:
        assert len(store.list()) == 1
        with pytest.raises(StoreError, match="read-only location"):
            store.record(record())


def test_default_store_where_no_folder_can_be_made(tmp_path: Path) -> None:
    """A project root where .readiness cannot be created is a StoreError, not an OSError."""
    root = tmp_path / "a-file"
    root.write_text("not a folder")
    with pytest.raises(StoreError, match=r"cannot create .*\.readiness"):
        open_store(None, root)


def test_missing_folder_in_a_sqlite_url(tmp_path: Path) -> None:
    """A sqlite URL into a folder that does not exist cannot be opened: a clear error."""
    with pytest.raises(StoreError, match="missing folder"):
        open_store(f"sqlite:///{tmp_path}/nowhere/h.sqlite", tmp_path)


@pytest.mark.parametrize(
    "url", ["mysql://u@h/db", "not a url at all", "sqlite://", "sqlite:///:memory:"]
)
def test_unsupported_urls(url: str, tmp_path: Path) -> None:
    """Anything but postgresql:// and a sqlite file is refused with the accepted forms."""
    with pytest.raises(StoreError, match=r"postgresql://USER@HOST/DB or sqlite:///PATH"):
        open_store(url, tmp_path)


def test_unreachable_postgresql_masks_the_password(tmp_path: Path) -> None:
    """A closed port is 'server unreachable', and the password never appears."""
    url = f"postgresql://ci:s3cret@127.0.0.1:{free_port()}/history"
    with pytest.raises(StoreError) as caught:
        open_store(url, tmp_path, timeout=2)
    message = str(caught.value)
    assert message.startswith("evaluation store postgresql://ci:***@127.0.0.1:")
    assert "server unreachable" in message
    assert "s3cret" not in message
    assert "\n" not in message


def test_refused_postgresql_role(postgres: PostgresServer, tmp_path: Path) -> None:
    """A role the server does not accept is 'authentication refused'."""
    with pytest.raises(StoreError, match="authentication refused"):
        open_store(postgres.url(user="nobody"), tmp_path)


def test_missing_postgresql_database(postgres: PostgresServer, tmp_path: Path) -> None:
    """A database that does not exist on the server is named as such."""
    with pytest.raises(StoreError, match="no such database"):
        open_store(postgres.url("no_such_db"), tmp_path)


def test_without_the_postgresql_driver(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A postgresql:// store without psycopg installed says which extra to install."""
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(StoreError, match=r"needs psycopg: pip install 'readiness\[postgres\]'"):
        open_store(f"postgresql://u:pw@127.0.0.1:{free_port()}/db", tmp_path)


def test_without_sqlalchemy_the_package_entry_point_says_what_to_install(tmp_path: Path) -> None:
    """readiness.history.open_store without SQLAlchemy: a StoreError, not an ImportError."""
    import subprocess
    import sys

    code = (
        "import sys\nsys.modules['sqlalchemy'] = None\n"
        "from pathlib import Path\nfrom readiness.errors import StoreError\n"
        "from readiness.history import open_store\n"
        "try:\n    open_store('postgresql://u:pw@h/db', Path('.'))\n"
        "except StoreError as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == (
        "evaluation store postgresql://u:***@h/db: "
        "needs sqlalchemy: reinstall readiness (pip install readiness)"
    )
