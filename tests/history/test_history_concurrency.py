"""Concurrent writers lose nothing, and a fresh store opened by two processes at once works,
on SQLite and on PostgreSQL. Real processes, not threads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from history_helpers import __file__ as helpers_file
from readiness.history.store import open_store

HELPERS = Path(helpers_file)


def _run_together(url: str, tmp_path: Path, count: int) -> None:
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, str(HELPERS), url, str(count), tag, str(go)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    go.touch()  # both processes are waiting for it: they open and write at the same time
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err


def test_two_concurrent_writers_both_land(store_url: str, tmp_path: Path) -> None:
    """Two processes recording 50 evaluations each into one store: all 100 are there."""
    open_store(store_url, tmp_path).close()
    _run_together(store_url, tmp_path, 50)
    with open_store(store_url, tmp_path) as store:
        versions = sorted(e.version for e in store.list())
        assert all(len(e.criteria) == 2 for e in store.list(last=10))
    assert versions == sorted([f"a-{i}" for i in range(50)] + [f"b-{i}" for i in range(50)])


def test_a_fresh_store_opened_by_two_processes_at_once(store_url: str, tmp_path: Path) -> None:
    """Two processes creating the schema of the same empty store at once both succeed."""
    _run_together(store_url, tmp_path, 1)
    with open_store(store_url, tmp_path) as store:
        assert sorted(e.version for e in store.list()) == ["a-0", "b-0"]
