"""The default store through sqlite3 alone (`lite`) does what the SQLAlchemy store does: the
same statements, the same records back, the same failures, and no SQLAlchemy imported."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from history_helpers import criterion, record
from readiness.errors import StoreError
from readiness.history import lite, lite_sql, open_recorder, queries, statements
from readiness.history.record import SeriesRecord
from readiness.history.store import Store, open_store

T0 = 1_800_000_000.0
LITE_SQL = Path(lite_sql.__file__)


def test_lite_sql_is_the_core_statements_compiled_for_sqlite() -> None:
    """Every statement `lite` runs is the SQLAlchemy Core statement of the same name compiled
    with SQLite's dialect, parameter for parameter (READINESS_UPDATE_GOLDEN=1 rewrites the
    module from the Core statements; then `ruff format` it)."""
    expected = {key: queries.compiled(key) for key in queries.names()}
    if os.environ.get("READINESS_UPDATE_GOLDEN") == "1":
        LITE_SQL.write_text(queries.lite_module(), encoding="utf-8")
        pytest.skip("lite_sql.py rewritten: run ruff format on it")
    kept = lite_sql.SQL
    assert kept == expected


def test_every_statement_a_store_operation_names_is_in_lite_sql() -> None:
    """The names the operations choose (every combination of their optional filters) are the
    names compiled: no operation can reach a statement `lite_sql` lacks."""
    calls = [
        statements.get(1),
        *(statements.listing(r, s, n) for r in (None, "r") for s in (None, "s") for n in (None, 3)),
        *(statements.baseline("r", "s", v, b) for v in (None, "1.0") for b in (None, T0)),
        *(statements.trends("r", "s", 5, b) for b in (None, T0)),
        *(statements.children(t, 1) for t in statements.CHILD_TABLES),
    ]
    names = {key for key, _ in calls} | {statements.insert("evaluation")}
    names |= {statements.insert(t) for t in statements.INSERT_TABLES}
    assert names | {"revision"} == set(lite_sql.SQL)


def _default(root: Path) -> Store:
    """The default store under `root`, created and migrated by SQLAlchemy and Alembic."""
    return open_store(None, root)


def _history(store: Store) -> list[int]:
    """Evaluations of two releases at two stages, passing and not, with series and governance."""
    series = (SeriesRecord("load.p99", "ms", 1.0, (0.1, 1e-300, 8.125, -0.0)),)
    ids = []
    for i in range(8):
        rec = record(
            version=f"2026.12.{i}",
            epoch=T0 + i,
            stage="beta" if i % 2 else "ga",
            verdict=("GO", "NO-GO", "CONDITIONAL GO")[i % 3],
            series=series if i % 2 else (),
            criteria=(criterion(), criterion("tests/missing", "MISSING", None, "")),
        )
        ids.append(store.record(rec))
    ids.append(store.record(record(release="other", epoch=T0 + 50)))
    return ids


def test_lite_reads_what_the_sqlalchemy_store_reads(tmp_path: Path) -> None:
    """get, list, baseline and trends, with and without each filter, give the same records
    and points on both ways to the same file."""
    with _default(tmp_path) as full:
        ids = _history(full)
        light = lite.open_lite(tmp_path, timeout=10.0)
        assert light is not None
        with light:
            for eid in ids:
                assert light.get(eid) == full.get(eid)
            for release in (None, "2026.12", "other", "none"):
                for stage in (None, "beta", "ga"):
                    for last in (None, 0, 1, 3):
                        assert light.list(release, stage, last) == full.list(release, stage, last)
            for version in (None, "2026.12.0", "2026.12.3", "9"):
                for before in (None, T0 + 3, T0 + 100):
                    assert light.baseline(
                        "2026.12", "ga", version=version, before_epoch=before
                    ) == full.baseline("2026.12", "ga", version=version, before_epoch=before)
            for before in (None, T0 + 5):
                for last in (0, 2, 20):
                    assert light.trends(
                        "2026.12", "beta", last, before_epoch=before
                    ) == full.trends("2026.12", "beta", last, before_epoch=before)


def test_what_lite_records_the_sqlalchemy_store_reads_back(tmp_path: Path) -> None:
    """An evaluation recorded through sqlite3 is, read by SQLAlchemy, the record itself with its
    attestation statement, and the rows are those SQLAlchemy writes for it (same ids, same
    bytes)."""
    series = (SeriesRecord("load.p99", "ms", 1.0, (0.1, 1e-300, 8.125, 1e300, -0.0)),)
    rec = record(verdict="CONDITIONAL GO", series=series)
    rec = dataclasses.replace(rec, commit=None, attestation_digest="sha256:x")
    for where in ("a", "b"):
        _default(tmp_path / where).close()
    light = lite.open_lite(tmp_path / "a", timeout=10.0)
    assert light is not None
    stmt = '{"_type":"https://in-toto.io/Statement/v1","subject":[]}'
    with light:
        got = light.record(rec, statement=stmt)
        assert light.record(rec) == got + 1  # and one without a statement
    with _default(tmp_path / "b") as full:
        assert full.record(rec, statement=stmt) == got
        assert full.record(rec) == got + 1
    with _default(tmp_path / "a") as full:
        assert full.get(got) == dataclasses.replace(full.get(got), **vars(rec))
        assert full.statement(got) == stmt
        assert full.statement(got + 1) is None

    def dump(where: str) -> list[str]:
        conn = sqlite3.connect(tmp_path / where / ".readiness" / "history.sqlite")
        try:
            return list(conn.iterdump())
        finally:
            conn.close()

    assert dump("a") == dump("b")


def test_lite_is_used_only_for_a_default_store_at_head(tmp_path: Path) -> None:
    """No file: nothing to open (SQLAlchemy creates it); an empty file or an older schema:
    SQLAlchemy migrates it; at head: sqlite3; another URL: SQLAlchemy."""
    assert lite.open_lite(tmp_path, timeout=1.0) is None
    folder = tmp_path / ".readiness"
    folder.mkdir()
    (folder / "history.sqlite").write_bytes(b"")
    assert lite.open_lite(tmp_path, timeout=1.0) is None
    with open_recorder(None, tmp_path) as first:  # type: ignore[attr-defined]
        assert isinstance(first, Store)  # migrated it
    with open_recorder(None, tmp_path) as again:  # type: ignore[attr-defined]
        assert isinstance(again, lite.LiteStore)
    url = f"sqlite:///{folder / 'history.sqlite'}"
    with open_recorder(url, tmp_path) as other:  # type: ignore[attr-defined]
        assert isinstance(other, Store)
    conn = sqlite3.connect(folder / "history.sqlite")
    conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.commit()
    conn.close()
    assert lite.open_lite(tmp_path, timeout=1.0) is None


@pytest.mark.parametrize("damage", ["newer", "corrupt"])
def test_lite_fails_as_the_sqlalchemy_store_fails(tmp_path: Path, damage: str) -> None:
    """A newer schema or a corrupt file is the same StoreError, word for word."""
    _default(tmp_path).close()
    path = tmp_path / ".readiness" / "history.sqlite"
    if damage == "newer":
        conn = sqlite3.connect(path)
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.commit()
        conn.close()
    else:
        for extra in ("-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
        path.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    with pytest.raises(StoreError) as by_lite:
        lite.open_lite(tmp_path, timeout=1.0)
    with pytest.raises(StoreError) as by_sqlalchemy:
        open_store(None, tmp_path, timeout=1.0)
    assert str(by_lite.value) == str(by_sqlalchemy.value)


def test_a_locked_store_is_the_same_error(tmp_path: Path) -> None:
    """A store another process holds the write lock on: recording waits for the timeout, then
    fails with the reason the SQLAlchemy store gives."""
    _default(tmp_path).close()
    holder = sqlite3.connect(tmp_path / ".readiness" / "history.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        light = lite.open_lite(tmp_path, timeout=0.1)
        assert light is not None
        with light, pytest.raises(StoreError) as by_lite:
            light.record(record())
        with open_store(None, tmp_path, timeout=0.1) as full, pytest.raises(StoreError) as by_sa:
            full.record(record())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert str(by_lite.value) == str(by_sa.value)
    assert "locked by another process (waited 0.1 s)" in str(by_lite.value)


def test_recording_in_a_default_store_imports_no_sqlalchemy(tmp_path: Path) -> None:
    """Opening the default store at head, looking up the baseline, the trends and the previous
    evaluation, and recording, import neither SQLAlchemy nor Alembic."""
    _default(tmp_path).close()
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from readiness.history import open_recorder\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from history_helpers import record\n"
        "s = open_recorder(None, Path(sys.argv[1]))\n"
        "s.baseline('2026.12', 'beta', before_epoch=2e9)\n"
        "s.trends('2026.12', 'beta', 10, before_epoch=2e9)\n"
        "s.list('2026.12', 'beta', 5)\n"
        "s.get(s.record(record()))\n"
        "s.close()\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "    ('sqlalchemy', 'alembic'))))\n"
    )
    tests = Path(__file__).parents[1]
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), str(tests)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(done.stdout) == []
