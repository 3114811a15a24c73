"""The default SQLite store through the standard library's sqlite3: what `evaluate` and `run`
do with it (the baseline, the trends, the previous evaluation, the record) without importing
SQLAlchemy, which costs more than the rest of the evaluation of a small release.

Used only for the default file (`.readiness/history.sqlite`) when it already exists at the
schema head; a fresh or older store, another URL, PostgreSQL and the `history` commands go
through `store` (SQLAlchemy, Alembic). The two cannot drift apart: the statements are
`lite_sql`'s, compiled from the same SQLAlchemy Core statements `store` runs (a test compiles
them again), the rows are made and read by `rows` for both, the connection is set up with the
same pragmas (`PRAGMAS`) and transactions (BEGIN, or BEGIN IMMEDIATE to write), and a failure
is the same `StoreError` with the same reason (`reason`).
"""

from __future__ import annotations

import builtins
import contextlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from readiness.errors import StoreError
from readiness.history import rows, schema, statements
from readiness.history.lite_sql import SQL
from readiness.history.record import EvaluationRecord, SeriesPoint, StoredEvaluation

DEFAULT_DIR = ".readiness"
DEFAULT_FILE = "history.sqlite"


def pragmas(timeout: float) -> tuple[str, ...]:
    """What every SQLite connection of the store runs first (isolation_level None: the store
    emits BEGIN itself)."""
    return (
        f"PRAGMA busy_timeout = {int(timeout * 1000)}",
        "PRAGMA journal_mode = WAL",
        # NORMAL is safe with WAL (a power cut may lose the last commits, never corrupt) and
        # keeps a commit to one write instead of two fsyncs.
        "PRAGMA synchronous = NORMAL",
        "PRAGMA foreign_keys = ON",
    )


def reason(orig: BaseException, timeout: float) -> str:
    """One line saying why the store failed (`orig`: the driver's own exception), classified
    for the person reading it."""
    text = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    low = str(orig).lower()
    sqlstate = str(getattr(orig, "sqlstate", "") or "")
    if "database is locked" in low or "database table is locked" in low:
        return f"locked by another process (waited {timeout:g} s): {text}"
    if "not a database" in low or "malformed" in low:
        return f"corrupt: the file is not a readable SQLite database ({text})"
    if (
        "readonly" in low
        or "read-only" in low
        or isinstance(orig, PermissionError)
        or "unable to open database file" in low
    ):
        return f"cannot write there (read-only location or missing folder): {text}"
    fatal = text.split("FATAL:", 1)[-1].strip()  # the server's own words, when it answered
    if (
        sqlstate.startswith("28")
        or any(s in low for s in ("password authentication", "no pg_hba.conf", "authentication"))
        or re.search(r'role "[^"]*" does not exist', low)
    ):
        return f"authentication refused: {fatal}"
    if sqlstate == "3D000" or re.search(r'database "[^"]*" does not exist', low):
        return f"no such database: {fatal}"
    if any(
        s in low
        for s in ("connection refused", "could not connect", "timeout expired", "translate host")
    ) or ("connection" in low and "failed" in low):
        return f"server unreachable: {text}"
    return text


def default_file(root: Path, name: str) -> Path:
    """The default store's file under `root`, its folder made (with a `.gitignore` saying
    never to commit it) if missing; StoreError naming the store when that fails."""
    folder = root / DEFAULT_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# readiness's evaluation store: local, never committed\n*\n")
    except OSError as e:
        raise StoreError(name, f"cannot create {folder}: {e.strerror or e}") from None
    return folder / DEFAULT_FILE


def _row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> dict[str, Any]:
    return {d[0]: v for d, v in zip(cursor.description, values, strict=True)}


class LiteStore(statements.EvaluationReads):
    """The operations of `store.Store` that `evaluate`, `run` and `requires` use, on the
    default SQLite file at the schema head."""

    backend = "sqlite"

    def __init__(self, conn: sqlite3.Connection, name: str, timeout: float) -> None:
        self.name = name
        self._conn = conn
        self._timeout = timeout

    def __enter__(self) -> LiteStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection."""
        self._conn.close()

    @contextlib.contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction (BEGIN IMMEDIATE to write, so it never has to upgrade a read lock),
        committed, or rolled back on any failure; sqlite3 and OS errors become StoreError."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            if write:
                conn.commit()
            else:
                conn.rollback()  # as SQLAlchemy ends a read: nothing to keep
        except (sqlite3.Error, OSError) as e:
            raise StoreError(self.name, reason(e, self._timeout)) from None

    def _execute(self, conn: sqlite3.Connection, call: statements.Call) -> sqlite3.Cursor:
        sql, fixed = SQL[call[0]]
        return conn.execute(sql, {**fixed, **call[1]})

    def _read(self, call: statements.Call) -> builtins.list[StoredEvaluation]:
        with self._transaction() as conn:
            found = self._execute(conn, call).fetchall()
            return [self._stored(conn, e) for e in found]

    def _stored(self, conn: sqlite3.Connection, e: dict[str, Any]) -> StoredEvaluation:
        kids = {
            t: self._execute(conn, statements.children(t, int(e["id"]))).fetchall()
            for t in statements.CHILD_TABLES
        }
        return rows.stored(e, kids)

    def record(self, rec: EvaluationRecord, *, statement: str | None = None) -> int:
        """Store one evaluation in one transaction, with its attestation statement (JSON) when
        given; its id."""
        with self._transaction(write=True) as conn:
            sql, fixed = SQL[statements.insert("evaluation")]
            done = conn.execute(sql, {**fixed, **rows.evaluation_row(rec)}).fetchall()
            eid = int(done[0]["id"])
            for table, children in rows.child_rows(rec, eid, statement).items():
                if children:
                    sql, fixed = SQL[statements.insert(table)]
                    conn.executemany(sql, [{**fixed, **c} for c in children])
            return eid

    def trends(
        self, release: str, stage: str, last: int, *, before_epoch: float | None = None
    ) -> dict[str, builtins.list[SeriesPoint]]:
        """Every criterion's points in the last `last` evaluations (see `Store.trends`)."""
        call = statements.trends(release, stage, last, before_epoch)
        out: dict[str, builtins.list[SeriesPoint]] = {}
        with self._transaction() as conn:
            cursor = conn.cursor()
            cursor.row_factory = None  # plain tuples, in the SELECT's order
            sql, fixed = SQL[call[0]]
            for key, *point in cursor.execute(sql, {**fixed, **call[1]}).fetchall():
                out.setdefault(key, []).append(SeriesPoint(*point))
        return out


def open_lite(root: Path, *, timeout: float) -> LiteStore | None:
    """The default store under `root` through sqlite3, when its file exists at the schema
    head; None when it does not exist or needs creating or upgrading (then `store` does it).
    StoreError when it cannot be used (locked, corrupt, newer)."""
    path = root / DEFAULT_DIR / DEFAULT_FILE
    if not path.is_file():
        return None
    name = str(path)
    default_file(root, name)  # the .gitignore, as `store` would have written it
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except (sqlite3.Error, OSError) as e:
        raise StoreError(name, reason(e, timeout)) from None
    conn.row_factory = _row
    store = LiteStore(conn, name, timeout)
    try:
        for pragma in pragmas(timeout):
            conn.execute(pragma)
        revision = _revision(conn)
        schema.refuse_newer(name, revision)
    except sqlite3.Error as e:
        store.close()
        raise StoreError(name, reason(e, timeout)) from None
    except BaseException:
        store.close()
        raise
    if revision != schema.HEAD_REVISION:
        store.close()
        return None
    return store


def _revision(conn: sqlite3.Connection) -> str | None:
    """The store's schema revision; None before it has one (no version table yet)."""
    sql, fixed = SQL["revision"]
    conn.execute("BEGIN")
    try:
        found = conn.execute(sql, fixed).fetchall()
    except sqlite3.OperationalError as e:
        if str(e).startswith("no such table"):
            return None
        raise
    finally:
        conn.rollback()
    if not found or found[0]["version_num"] is None:
        return None
    return str(found[0]["version_num"])
