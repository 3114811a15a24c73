"""Memory: past evaluations in a store (embedded SQLite or a shared PostgreSQL), baselines and
the statistics of the regression criterion.

Importing this package imports nothing heavy: `record` is plain dataclasses, and `store`
(SQLAlchemy, Alembic, psycopg) and `regression` (scipy) are imported only by whoever records,
reads or compares, so `evaluate --no-record` stays lean. `open_recorder` goes further for
`evaluate` and `run`: the default SQLite file at the schema head is read and written through
the standard library's sqlite3 (`lite`), with no SQLAlchemy at all.
"""

from __future__ import annotations

import builtins
import re
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from readiness.errors import StoreError

if TYPE_CHECKING:
    from readiness.history.record import EvaluationRecord, SeriesPoint, StoredEvaluation
    from readiness.history.store import Store

_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def default_db(root: Path) -> Path:
    """The default SQLite store's file under `root` (`store.DEFAULT_DIR / store.DEFAULT_FILE`),
    known without importing the store."""
    return root / ".readiness" / "history.sqlite"


def open_store(url: str | None, root: Path, *, timeout: float = 10.0, create: bool = True) -> Store:
    """`store.open_store`, imported only now; with SQLAlchemy or Alembic missing (a broken
    install) this is a StoreError saying so, not an ImportError."""
    try:
        from readiness.history import store
    except ImportError as e:
        name = _PASSWORD.sub(r"\1***@", url) if url else str(root / ".readiness/history.sqlite")
        raise StoreError(
            name, f"needs {e.name or 'SQLAlchemy'}: reinstall readiness (pip install readiness)"
        ) from None
    return store.open_store(url, root, timeout=timeout, create=create)


class Recorder(Protocol):
    """What `evaluate`, `run`, `requires` and the portfolio do with a store: `store.Store`, or
    `lite.LiteStore` for the default SQLite file."""

    name: str

    def record(self, rec: EvaluationRecord, *, statement: str | None = None) -> int: ...

    def get(self, id: int) -> StoredEvaluation: ...

    def list(
        self, release: str | None = None, stage: str | None = None, last: int | None = None
    ) -> list[StoredEvaluation]: ...

    def baseline(
        self,
        release: str,
        stage: str,
        *,
        version: str | None = None,
        before_epoch: float | None = None,
    ) -> StoredEvaluation | None: ...

    def trends(
        self, release: str, stage: str, last: int, *, before_epoch: float | None = None
    ) -> dict[str, builtins.list[SeriesPoint]]: ...

    def close(self) -> None: ...


def open_recorder(url: str | None, root: Path, *, timeout: float = 10.0) -> Recorder:
    """The store to record in and compare with: the default SQLite file under `root` through
    sqlite3 alone when it exists at the schema head (`lite`), else `open_store` (SQLAlchemy:
    another URL, PostgreSQL, a store to create or upgrade). Raises StoreError."""
    if url is None:
        from readiness.history import lite

        found = lite.open_lite(root, timeout=timeout)
        if found is not None:
            return found
    return open_store(url, root, timeout=timeout)
