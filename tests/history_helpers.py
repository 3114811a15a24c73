"""Sample evaluation records and a PostgreSQL server for the history tests.

Also run as a script by the concurrency tests: `python history_helpers.py URL N TAG [GO_FILE]`
opens the store (after GO_FILE appears, so two processes start together) and records N
evaluations tagged TAG.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from readiness.history.record import (
    CriterionRecord,
    EvaluationRecord,
    EvidenceDigest,
    SeriesRecord,
)


def criterion(
    key: str = "perf/p99", status: str = "PASS", value: float | None = 8.1, unit: str = "ms"
) -> CriterionRecord:
    """One criterion record; key is gate/id."""
    gate, _, id_ = key.partition("/")
    return CriterionRecord(
        key=key,
        gate=gate,
        id=id_,
        title=f"Title of {id_} — ünïcode",
        metric=f"load.{id_}",
        matched=f"load.{id_}",
        mode="blocking",
        status=status,
        value=value,
        unit=unit,
        threshold="<= 10 ms",
        warn="<= 12 ms",
        message=f"{id_}: {value} {unit}",
        evidence=(("build/load.csv", "ab" * 32), ("build/junit.xml", "cd" * 32)),
    )


def record(
    *,
    release: str = "2026.12",
    version: str = "2026.12.0",
    stage: str = "beta",
    verdict: str = "GO",
    epoch: float = 1_800_000_000.0,
    criteria: tuple[CriterionRecord, ...] | None = None,
    series: tuple[SeriesRecord, ...] = (),
) -> EvaluationRecord:
    """An evaluation record with every field set to something distinctive."""
    return EvaluationRecord(
        release=release,
        version=version,
        stage=stage,
        target_stage="ga",
        verdict=verdict,
        generated_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)),
        epoch=epoch,
        commit="0123456789abcdef0123456789abcdef01234567",
        branch="main",
        ci_run="github:42/1",
        definition_path="definitions/2026.12.yaml",
        definition_sha256="ef" * 32,
        tool_version="0.1.0",
        blockers=("perf/p99: 12 ms vs <= 10 ms",) if verdict == "NO-GO" else (),
        conditions=("docs/links: WARN",) if verdict == "CONDITIONAL GO" else (),
        criteria=criteria if criteria is not None else (criterion(), criterion("tests/count")),
        evidence=(EvidenceDigest(check="load", path="build/load.csv", sha256="ab" * 32, size=123),),
        signoffs=(
            {
                "role": "qa",
                "name": "Ana",
                "decision": "approve",
                "date": "2026-11-30",
                "version": version,
            },
        ),
        waivers=(
            {
                "criterion": "sec/findings",
                "finding": "CVE-2026-1",
                "approver": "Bo",
                "role": "security",
                "expires": "2026-12-31",
                "state": "active",
            },
        ),
        series=series,
        attestation_digest=None,
    )


def free_port() -> int:
    """A TCP port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_bindir() -> Path | None:
    """Where initdb and pg_ctl are: PATH, else the newest /usr/lib/postgresql/*/bin."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb).resolve().parent
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name.split(".")[0]),
    )
    return found[-1].parent if found else None


@dataclass(frozen=True)
class PostgresServer:
    """A running throw-away server: superuser `readiness`, trust auth, loopback only."""

    port: int
    socket_dir: Path

    def url(self, database: str = "postgres", user: str = "readiness") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"


@contextlib.contextmanager
def postgres_server(bindir: Path) -> Iterator[PostgresServer]:
    """initdb a temporary cluster, start it on a free loopback port, always stop it.

    initdb refuses root, so as root the server runs as the `postgres` system user."""
    as_user: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")  # KeyError: no such user; the caller explains
        as_user = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="readiness-pg-"))
    data, sockets, log = base / "data", base / "sock", base / "server.log"
    sockets.mkdir()
    if owner is not None:
        for p in (base, sockets):
            os.chown(p, owner.pw_uid, owner.pw_gid)
    port = free_port()
    started = False
    try:
        subprocess.run(
            [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "readiness",
             "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        done = subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
             "-t", "60", "-o", options, "start"],
            capture_output=True, text=True, timeout=90, check=False,
        )  # fmt: skip
        started = True
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr}\n{tail}")
        yield PostgresServer(port=port, socket_dir=sockets)
    finally:
        if started:
            subprocess.run(
                [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "stop", "-m", "immediate",
                 "-w"],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def _main(argv: list[str]) -> int:
    from readiness.history.store import open_store

    url, count, tag = argv[0], int(argv[1]), argv[2]
    if len(argv) > 3:
        go = Path(argv[3])
        while not go.exists():
            time.sleep(0.005)
    with open_store(url, Path.cwd()) as store:
        for i in range(count):
            store.record(record(version=f"{tag}-{i}", epoch=1_800_000_000.0 + i))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))


_databases = itertools.count(1)


def new_database(server: PostgresServer) -> str:
    """A fresh empty database on the server; its URL."""
    from sqlalchemy import create_engine, text

    name = f"t{next(_databases)}"
    engine = create_engine(server.url().replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server.url(name)
