"""The store's schema revision: read it cheaply, refuse a newer one, upgrade an older one in place.

The schema version is Alembic's revision. Opening a store at head costs one small query and does
not import Alembic at all (`HEAD_REVISION` is known here; a test checks it against Alembic's own
head). Only a fresh or older store imports Alembic and upgrades, under a lock held in the
migration's own transaction: `BEGIN IMMEDIATE` on SQLite (the busy timeout makes a second opener
wait), `pg_advisory_xact_lock` on PostgreSQL. Both back-ends have transactional DDL, so a second
process that waited sees head and does nothing, and a failed upgrade leaves the old schema.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from readiness.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

# SQLAlchemy is imported by the functions that use it: `lite` reads the revision (REVISION_SQL)
# and refuses a newer one (`refuse_newer`) through sqlite3 alone.

MIGRATIONS = Path(__file__).parent / "migrations"
#: The newest revision this readiness knows; moves with every file in migrations/versions/.
HEAD_REVISION = "0003"
VERSION_TABLE = "alembic_version"
# pg_advisory_xact_lock key: the bytes of "rdns-mig" as a signed 64-bit integer.
_LOCK_KEY = int.from_bytes(b"rdns-mig", "big", signed=True)
_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")
REVISION_SQL = f"SELECT version_num FROM {VERSION_TABLE}"  # noqa: S608 - a constant


def known_revisions() -> tuple[str, ...]:
    """The revisions shipped with this readiness, oldest first (from the file names)."""
    names = (p.name for p in (MIGRATIONS / "versions").iterdir())
    return tuple(sorted(m.group(1) for n in names if (m := _REVISION_FILE.match(n))))


def current_revision(conn: Connection) -> str | None:
    """The store's revision; None for a store without a schema yet."""
    from sqlalchemy import inspect, text

    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    value = conn.execute(text(REVISION_SQL)).scalar()
    return None if value is None else str(value)


def refuse_newer(name: str, revision: str | None) -> None:
    if revision is not None and revision not in known_revisions():
        raise StoreError(
            name,
            f"the store has schema revision {revision}; this readiness knows up to "
            f"{HEAD_REVISION}: upgrade readiness",
        )


def ensure_head(engine: Engine, write_engine: Engine, name: str, *, create: bool = True) -> None:
    """Bring the store to HEAD_REVISION, or refuse a store whose schema is newer (or, with
    `create=False`, a database without the store's schema: nothing was ever recorded there).

    `write_engine` begins its transactions with the write lock (see `store._sqlite_pragmas`)."""
    with engine.connect() as conn:
        revision = current_revision(conn)
    refuse_newer(name, revision)
    if revision is None and not create:
        raise StoreError(name, "holds no evaluation store: no evaluation was recorded there")
    if revision == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config
    from alembic.util.exc import CommandError
    from sqlalchemy import text

    with write_engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        revision = current_revision(conn)  # another process may have upgraded meanwhile
        refuse_newer(name, revision)
        if revision == HEAD_REVISION:
            return
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("path_separator", "os")
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, "head")
        except CommandError as e:
            raise StoreError(name, f"cannot upgrade the schema: {e}") from None
