"""Benchmark: the evaluation store with 10,000 evaluations of 50 criteria each (issue #10).

Generates the store (bulk inserts, not the code under test), then times what `evaluate`,
`history` and `diff` will do: record one more evaluation (50 criteria, 5 evidence digests,
a 600-sample series, sign-off and waiver) and, together, `list(last=20)` +
`criterion_series(last=50)` + a baseline lookup, and the trend lines of one report (every
criterion in the last 10 evaluations: `trends`, one query). SQLite always; PostgreSQL when
its binaries exist, started as the test suite starts it. Targets: record < 50 ms (SQLite), the three
queries < 0.5 s together. Median and worst of `--repeat` runs.

    .venv/bin/python benchmarks/history_store.py [--evaluations 10000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from history_helpers import criterion, pg_bindir, postgres_server, record
from readiness.history import convert
from readiness.history.record import (
    EvaluationRecord,
    EvidenceDigest,
    SeriesRecord,
)
from readiness.history.store import Store, open_store

RELEASES = [f"2026.{m:02d}" for m in range(1, 11)]
STAGES = ["alpha", "beta", "ga"]
T0 = 1_700_000_000.0


def sample(rng: random.Random, i: int) -> EvaluationRecord:
    """The i-th evaluation: 10 release lines, 3 stages, 70% GO, 10% CONDITIONAL GO."""
    roll = rng.random()
    verdict = "GO" if roll < 0.7 else "CONDITIONAL GO" if roll < 0.8 else "NO-GO"
    crits = tuple(
        criterion(f"gate{c // 10}/crit{c}", value=round(rng.uniform(1, 100), 3)) for c in range(50)
    )
    base = record(
        release=RELEASES[i % len(RELEASES)],
        version=f"v{i}",
        stage=STAGES[i % len(STAGES)],
        verdict=verdict,
        epoch=T0 + i * 60,
        criteria=crits,
        series=(SeriesRecord("load.p99", "ms", 1.0, tuple(rng.gauss(8, 1) for _ in range(600))),),
    )
    digests = tuple(
        EvidenceDigest(f"check{k}", f"build/e{k}.xml", f"{k:064x}", 1000 + k) for k in range(5)
    )
    return EvaluationRecord(**{**base.__dict__, "evidence": digests})


def generate(store: Store, count: int, rng: random.Random) -> None:
    """Insert `count` evaluations with their children, 500 per transaction."""
    for start in range(0, count, 500):
        with store._write_engine.begin() as conn:
            for i in range(start, min(count, start + 500)):
                convert.insert(conn, sample(rng, i))


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, worst) wall time in ms."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times)


def measure(name: str, url: str, root: Path, count: int, repeat: int) -> list[str]:
    """Generate the store at `url` and time the operations; table rows."""
    rng = random.Random(10)  # noqa: S311 - synthetic data, not cryptography
    t = time.perf_counter()
    store = open_store(url, root)
    generate(store, count, rng)
    gen_s = time.perf_counter() - t
    store.close()

    t = time.perf_counter()
    store = open_store(url, root)
    open_ms = (time.perf_counter() - t) * 1000
    more = iter([sample(rng, i) for i in range(count, count + repeat + 1)])
    store.record(next(more))  # warm the connection pool
    rec = timed(lambda: store.record(next(more)), repeat)

    def queries() -> None:
        release = RELEASES[3]
        assert len(store.list(release=release, last=20)) == 20
        assert len(store.criterion_series(release, "gate2/crit25", 50)) == 50
        assert store.baseline(release, "beta") is not None

    query = timed(queries, repeat)

    def trends() -> None:  # what every recorded `evaluate` reads for its reports' trend lines
        found = store.trends(RELEASES[3], "beta", 10, before_epoch=T0 + count * 60)
        assert len(found) == 50 and all(len(points) == 10 for points in found.values())

    trend = timed(trends, repeat)
    store.close()
    return [
        f"{name:<11} generate {count} evaluations  {gen_s:7.1f} s",
        f"{name:<11} open at head                  {open_ms:7.1f} ms",
        f"{name:<11} record one                    {rec[0]:7.1f} ms  worst {rec[1]:7.1f} ms"
        "  (target < 50 ms)",
        f"{name:<11} list+series+baseline          {query[0]:7.1f} ms  worst {query[1]:7.1f} ms"
        "  (target < 500 ms)",
        f"{name:<11} trends: 10 evals x 50 criteria {trend[0]:6.1f} ms  worst {trend[1]:7.1f} ms"
        "  (one query)",
    ]


@contextlib.contextmanager
def postgres_url() -> Iterator[str | None]:
    bindir = pg_bindir()
    if bindir is None:
        yield None
        return
    with postgres_server(bindir) as server:
        yield server.url()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lines += measure("SQLite", f"sqlite:///{root / 'h.sqlite'}", root, args.evaluations,
                         args.repeat)  # fmt: skip
        with postgres_url() as url:
            if url is None:
                lines.append("PostgreSQL  skipped: no initdb/pg_ctl found")
            else:
                lines += measure("PostgreSQL", url, root, args.evaluations, args.repeat)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
