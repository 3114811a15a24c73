"""Memory: past evaluations in a store (embedded SQLite or a shared PostgreSQL), baselines and
the statistics of the regression criterion.

Importing this package imports nothing heavy: `record` is plain dataclasses, and `store`
(SQLAlchemy, Alembic, psycopg) and `regression` (scipy) are imported only by whoever records,
reads or compares, so `evaluate --no-record` stays lean.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from readiness.errors import StoreError

if TYPE_CHECKING:
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
