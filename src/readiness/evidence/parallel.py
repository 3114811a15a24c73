"""Reading big evidence of several checks in two processes (or more) at once.

A release's checks are independent: its JUnit file, its Locust run and its SARIF log can be
read at the same time. When two checks or more are big (`MIN_CHECK_BYTES` each, together
`PARALLEL_BYTES`), worker processes (one per core but this one's) read some while this
process reads others; small evidence and sign-offs stay here, where a trip to a worker would
cost more than it saves.

Who reads what is decided as the reading goes, not in advance: the big checks wait in one
queue, biggest first, and each process takes the next one when it is free, so a check that
reads slowly (a Locust history, say) does not leave the other core idle. What a worker
reads comes back pickled, so the two ends of the queue differ: workers take the checks whose
records are summaries first (a TestRun keeps a capped list of problems, a LoadStats
per-second aggregates), this process the ones whose records grow with the evidence first
(Findings: a SARIF log's 200,000 findings travel as plain rows, but still cost a pickling);
either takes the other kind when its own runs out.

A worker is forked where that is safe (Linux, no other thread in this process, no library
loaded that runs threads of its own): it starts at once with what this process has imported.
Elsewhere it is spawned, a fresh interpreter importing only what reading needs (about a
quarter of a second, while this process reads). Anything a worker fails to return is read
here again: a worker's failure never drops a check.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from readiness.errors import PluginError
from readiness.evidence import base, registry
from readiness.evidence.gather import evidence_base, gather_one, resolve_files
from readiness.evidence.records import Evidence

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.context import BaseContext

    from readiness.definition import CheckSpec, Project

SWITCH_INTERVAL = 0.0005  # s: how long a thread holds the GIL when another waits (default 5 ms)
PARALLEL_BYTES = 32 * 1024**2  # 32 MiB between the big checks: below it, reading in line is as fast
MIN_CHECK_BYTES = 4 * 1024**2  # a check smaller than this is not worth a trip to a worker
STAY_HERE = frozenset({"SignOffs"})  # records always read here (keys, signatures: kept local)
GROWS = frozenset({"Findings"})  # records that grow with their evidence: this process's first
# Modules that start threads of their own (thread pools in C++): a fork could copy a lock held
# by one of them. With any of them loaded, workers are spawned.
THREADED_MODULES = ("pyarrow",)


def gather(project: Project, evidence_dir: Path, now: float) -> dict[str, Evidence]:
    """Every check's evidence, in the definition's order."""
    order = list(project.definition.checks)
    specs = {ident: project.checks[ident] for ident in order}
    root = project.root
    shared = _shared(specs, root, evidence_dir)
    if not shared:
        return {i: gather_one(specs[i], root, evidence_dir, now) for i in order}
    queue = _Queue(shared)
    workers = min((os.cpu_count() or 1) - 1, len(shared) - 1)
    spare = base.spare_cores()
    base.spare_cores(False)  # the cores are this gather's: no reader forks helpers of its own
    switch = sys.getswitchinterval()
    # The pool's thread here receives a worker's record from a pipe, 64 KiB a read, and
    # needs the GIL back after each: while this thread walks a SARIF log in Python, it waited
    # the whole switch interval (5 ms) each time, and a soak's 12 MB record arrived 0.6 s
    # after the worker had finished, too late for it to take the next check.
    sys.setswitchinterval(min(switch, SWITCH_INTERVAL))
    try:
        return _gather_shared(specs, order, shared, queue, workers, root, evidence_dir, now)
    finally:
        sys.setswitchinterval(switch)
        base.spare_cores(spare)


def _gather_shared(
    specs: dict[str, CheckSpec],
    order: list[str],
    shared: list[str],
    queue: _Queue,
    workers: int,
    root: Path,
    evidence_dir: Path,
    now: float,
) -> dict[str, Evidence]:
    """`gather` with the pool: the big checks from the queue, here and in `workers`."""
    # with the pool: small evidence never imports multiprocessing or concurrent.futures
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=_context()) as pool:
        feeder = _Feeder(pool, queue, specs, root, evidence_dir, now)
        for _ in range(workers):
            feeder.feed()
        here = {i: gather_one(specs[i], root, evidence_dir, now) for i in order if i not in shared}
        while (ident := queue.for_here()) is not None:
            here[ident] = gather_one(specs[ident], root, evidence_dir, now)
        there = {i: _result(f, specs[i], root, evidence_dir, now) for i, f in feeder.sent().items()}
    return {i: here[i] if i in here else there[i] for i in order}


class _Queue:
    """The big checks not started yet: the workers' end holds summaries, biggest first; this
    process's end the checks whose records grow, biggest first."""

    def __init__(self, ordered: list[str]) -> None:
        self._items = deque(ordered)
        self._lock = threading.Lock()

    def for_worker(self) -> str | None:
        with self._lock:
            return self._items.popleft() if self._items else None

    def for_here(self) -> str | None:
        with self._lock:
            return self._items.pop() if self._items else None


class _Feeder:
    """Gives a worker its next check each time it finishes one (from the pool's thread)."""

    def __init__(
        self,
        pool: ProcessPoolExecutor,
        queue: _Queue,
        specs: dict[str, CheckSpec],
        root: Path,
        evidence_dir: Path,
        now: float,
    ) -> None:
        self._pool, self._queue, self._specs = pool, queue, specs
        self._root, self._evidence_dir, self._now = root, evidence_dir, now
        self._sent: dict[str, Future[Evidence]] = {}
        self._lock = threading.Lock()

    def feed(self, _done: object = None) -> None:
        """Send the worker end's next check, if any; a pool that cannot take it any more
        (a worker died) leaves it failed, so that it is read here."""
        with self._lock:
            ident = self._queue.for_worker()
            if ident is None:
                return
            try:
                future = self._pool.submit(
                    gather_one, self._specs[ident], self._root, self._evidence_dir, self._now
                )
            except Exception as exc:  # BrokenProcessPool, or a pool shutting down
                from concurrent.futures import Future

                future = Future[Evidence]()
                future.set_exception(exc)
            self._sent[ident] = future
        future.add_done_callback(self.feed)

    def sent(self) -> dict[str, Future[Evidence]]:
        """Every check sent to a worker. Once this process's end of the queue is empty, no
        more are sent: each `feed` takes and records its check under the one lock."""
        with self._lock:
            return dict(self._sent)


def _context() -> BaseContext:
    """fork where it is safe, else spawn (see the module's docstring)."""
    import multiprocessing

    if (
        sys.platform == "linux"
        and threading.active_count() == 1
        and not any(m in sys.modules for m in THREADED_MODULES)
    ):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _result(
    future: Future[Evidence], spec: CheckSpec, root: Path, evidence_dir: Path, now: float
) -> Evidence:
    """The worker's evidence for a check, or the check read here if the worker failed."""
    try:
        return future.result()
    except Exception:
        return gather_one(spec, root, evidence_dir, now)


def _shared(specs: dict[str, CheckSpec], root: Path, evidence_dir: Path) -> list[str]:
    """The big checks, in queue order (the workers' end first), when there are two or more
    of them, they add up to PARALLEL_BYTES and there is a core to spare; else none."""
    if (os.cpu_count() or 1) < 2 or len(specs) < 2:
        return []
    sizes = {i: _bytes(spec, root, evidence_dir) for i, spec in specs.items()}
    big = [
        i
        for i, spec in specs.items()
        if sizes[i] >= MIN_CHECK_BYTES and _record(spec.kind) not in STAY_HERE
    ]
    if len(big) < 2 or sum(sizes[i] for i in big) < PARALLEL_BYTES:
        return []
    grows = {i for i in big if _record(specs[i].kind) in GROWS}
    summaries = sorted((i for i in big if i not in grows), key=lambda i: -sizes[i])
    return summaries + sorted(grows, key=lambda i: sizes[i])


def _record(kind: str) -> str:
    try:
        return registry.get(kind).record
    except PluginError:
        return "SignOffs"  # read here: gather_one reports the unknown kind


def _bytes(spec: CheckSpec, root: Path, evidence_dir: Path) -> int:
    total = 0
    for p in resolve_files(spec, evidence_base(spec, root, evidence_dir)):
        try:
            total += p.stat().st_size
        except OSError:
            continue  # gather_one reports it
    return total
