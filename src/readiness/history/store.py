"""The evaluation store: SQLAlchemy 2 over an embedded SQLite file or a shared PostgreSQL.

`open_store(None, root)` is the default `<root>/.readiness/history.sqlite` (the folder carries
its own `.gitignore`); `open_store("postgresql://user:pw@host/db", root)` or
`open_store("sqlite:///path", root)` selects the back-end. The code above the engine does not
know which. Every failure of the store is a `StoreError` naming the store (password masked)
with one line of reason: never a traceback.

SQLite: WAL, so readers never block the writer; a busy timeout, so concurrent writers wait
for each other instead of failing; write transactions start with BEGIN IMMEDIATE, so a
transaction never has to upgrade a read lock (which SQLite refuses at once, timeout or not).
"""

from __future__ import annotations

import builtins
import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from readiness.errors import StoreError
from readiness.history import convert, lite, queries, schema, statements
from readiness.history.convert import CRITERION, EVALUATION, OWNED, STATEMENT
from readiness.history.lite import DEFAULT_DIR, DEFAULT_FILE
from readiness.history.record import (
    BASELINE_VERDICTS,
    EvaluationRecord,
    SeriesPoint,
    StoredEvaluation,
)

__all__ = ["DEFAULT_DIR", "DEFAULT_FILE", "SeriesPoint", "Store", "open_store"]
DEFAULT_TIMEOUT_S = 10.0
_WRITE = "readiness_write"  # execution option: this transaction writes (BEGIN IMMEDIATE)
_CHUNK = 500  # ids per DELETE ... IN (...), well under every back-end's parameter limit
_NEWEST = (EVALUATION.c.epoch.desc(), EVALUATION.c.id.desc())


def _reason(exc: BaseException, timeout: float) -> str:
    """One line saying why the store failed (`lite.reason` of the driver's own exception)."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return lite.reason(orig, timeout)


def _sqlite_pragmas(engine: Engine, timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        for pragma in lite.pragmas(timeout):  # the same as the lean path's
            cur.execute(pragma)
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _mask(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.rsplit("@", maxsplit=1)[-1] if "@" in url else url


def _engine_url(url: str | None, root: Path, name: str, *, create: bool = True) -> URL:
    if url is None:
        if not create:
            return URL.create("sqlite", database=str(root / DEFAULT_DIR / DEFAULT_FILE))
        return URL.create("sqlite", database=str(lite.default_file(root, name)))
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            name, "not a database URL: use postgresql://USER@HOST/DB or sqlite:///PATH"
        ) from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return parsed.set(drivername="sqlite")
    raise StoreError(name, "unsupported store: use postgresql://USER@HOST/DB or sqlite:///PATH")


def open_store(
    url: str | None, root: Path, *, timeout: float = DEFAULT_TIMEOUT_S, create: bool = True
) -> Store:
    """Open (creating and migrating as needed) the store at `url`, or the default SQLite file
    under `root` when `url` is None. `timeout`: how long a writer waits for a lock (SQLite) or
    for the server to answer (PostgreSQL). `create=False`: a store that does not exist yet (no
    SQLite file, a database without the store's schema) is a StoreError, not made empty (an
    older one is still upgraded). Raises StoreError."""
    name = _mask(url) if url is not None else str(root / DEFAULT_DIR / DEFAULT_FILE)
    target = _engine_url(url, root, name, create=create)
    sqlite = target.get_backend_name() == "sqlite"
    if not create and sqlite and not Path(str(target.database)).is_file():
        raise StoreError(name, "does not exist: no evaluation was recorded there")
    try:
        if sqlite:
            engine = create_engine(target, connect_args={"timeout": timeout})
            _sqlite_pragmas(engine, timeout)
        else:
            engine = create_engine(
                target,
                connect_args={"connect_timeout": max(1, round(timeout))},
                pool_pre_ping=True,
            )
    except ImportError as e:  # the driver: psycopg comes with the `postgres` extra
        raise StoreError(name, f"needs {e.name}: pip install 'readiness[postgres]'") from None
    store = Store(engine, name, timeout)
    with store._errors(close_on_error=True):
        schema.ensure_head(engine, store._write_engine, name, create=create)
    return store


class Store(statements.EvaluationReads):
    """Evaluations past: record, read back, find the baseline, trend lines, prune."""

    def __init__(self, engine: Engine, name: str, timeout: float) -> None:
        self.name = name
        self.backend = engine.dialect.name
        self._engine = engine
        self._write_engine = engine.execution_options(**{_WRITE: True})
        self._timeout = timeout

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _errors(self, *, close_on_error: bool = False) -> Iterator[None]:
        try:
            yield
        except StoreError:
            if close_on_error:
                self.close()
            raise
        except (SQLAlchemyError, sqlite3.Error, OSError) as e:
            if close_on_error:
                self.close()
            raise StoreError(self.name, _reason(e, self._timeout)) from None

    def close(self) -> None:
        """Release every connection."""
        self._engine.dispose()

    def record(self, rec: EvaluationRecord, *, statement: str | None = None) -> int:
        """Store one evaluation in one transaction, with the attestation statement (JSON) that
        `statement` gives, if any; its id."""
        with self._errors(), self._write_engine.begin() as conn:
            return convert.insert(conn, rec, statement)

    def _read(self, call: statements.Call) -> builtins.list[StoredEvaluation]:
        key, params = call
        with self._errors(), self._engine.connect() as conn:
            found = conn.execute(queries.statement(key), params).mappings().all()
            return convert.load(conn, found)

    def criterion_series(
        self, release: str, key: str, last: int, *, stage: str | None = None
    ) -> builtins.list[SeriesPoint]:
        """One criterion (`gate/criterion` key) across the last `last` evaluations of a release
        line (optionally at one stage), newest first; evaluations without it are skipped."""
        e, c = EVALUATION.c, CRITERION.c
        query = (
            select(e.id, e.version, e.generated_at, c.status, c.value, c.unit, c.threshold)
            .join_from(EVALUATION, CRITERION, c.evaluation_id == e.id)
            .where(e.release == release, c.key == key)
            .order_by(*_NEWEST)
            .limit(max(0, last))
        )
        if stage is not None:
            query = query.where(e.stage == stage)
        with self._errors(), self._engine.connect() as conn:
            return [SeriesPoint(*r) for r in conn.execute(query)]

    def trends(
        self, release: str, stage: str, last: int, *, before_epoch: float | None = None
    ) -> dict[str, builtins.list[SeriesPoint]]:
        """Every criterion's points in the last `last` evaluations of `release` at `stage`
        (strictly before `before_epoch` when given), by `gate/criterion` key, oldest first.

        One query whatever the number of criteria: the evaluations are chosen by a subquery
        (the release-stage-epoch index answers it), then their criteria are joined. A criterion
        absent from one of those evaluations has no point there; the x axis is the evaluations,
        so every trend line of one report spans the same ones."""
        key, params = statements.trends(release, stage, last, before_epoch)
        out: dict[str, builtins.list[SeriesPoint]] = {}
        with self._errors(), self._engine.connect() as conn:
            for crit, *point in conn.execute(queries.statement(key), params):
                out.setdefault(crit, []).append(SeriesPoint(*point))
        return out

    def prune(self, keep: int | None = None, older_than_epoch: float | None = None) -> int:
        """Delete old evaluations; the number deleted (their criteria, evidence, series and
        governance rows go with them).

        Per release line: `keep` keeps its newest N; `older_than_epoch` deletes what is older.
        With both, an evaluation goes only when both say so. The baseline of each release and
        stage (its latest GO or CONDITIONAL GO) is never deleted: the next run compares with it.
        """
        if keep is None and older_than_epoch is None:
            return 0
        e = EVALUATION.c
        with self._errors(), self._write_engine.begin() as conn:
            rows = conn.execute(
                select(e.id, e.release, e.stage, e.epoch, e.verdict).order_by(e.release, *_NEWEST)
            ).all()
            doomed = _doomed(rows, keep, older_than_epoch)
            for start in range(0, len(doomed), _CHUNK):
                chunk = doomed[start : start + _CHUNK]
                for child in OWNED:
                    conn.execute(delete(child).where(child.c.evaluation_id.in_(chunk)))
                conn.execute(delete(EVALUATION).where(e.id.in_(chunk)))
            return len(doomed)

    def statement(self, id: int) -> str | None:
        """The attestation statement (JSON) recorded with evaluation `id`; None when it was
        recorded without one (before revision 0003, or its policy files could not be read);
        StoreError when there is no such evaluation."""
        e, s = EVALUATION.c, STATEMENT.c
        query = (
            select(e.id, s.data)
            .join_from(EVALUATION, STATEMENT, s.evaluation_id == e.id, isouter=True)
            .where(e.id == id)
        )
        with self._errors(), self._engine.connect() as conn:
            row = conn.execute(query).first() if 0 < id < 2**63 else None
        if row is None:
            raise StoreError(self.name, f"has no evaluation {id}")
        return None if row.data is None else str(row.data)

    def set_attestation(self, id: int, digest: str) -> None:
        """Record the digest of the attestation made for evaluation `id`."""
        with self._errors(), self._write_engine.begin() as conn:
            done = conn.execute(
                update(EVALUATION).where(EVALUATION.c.id == id).values(attestation_digest=digest)
            )
            if done.rowcount == 0:
                raise StoreError(self.name, f"has no evaluation {id}")


def _doomed(
    rows: Sequence[Any], keep: int | None, older_than_epoch: float | None
) -> builtins.list[int]:
    """Ids to delete; `rows` are (id, release, stage, epoch, verdict), newest first per release."""
    seen: dict[str, int] = {}
    baselines: set[tuple[str, str]] = set()
    doomed: builtins.list[int] = []
    for id_, release, stage, epoch, verdict in rows:
        rank = seen.get(release, 0)
        seen[release] = rank + 1
        if verdict in BASELINE_VERDICTS and (release, stage) not in baselines:
            baselines.add((release, stage))
            continue
        beyond = keep is None or rank >= keep
        old = older_than_epoch is None or epoch < older_than_epoch
        if beyond and old:
            doomed.append(id_)
    return doomed
