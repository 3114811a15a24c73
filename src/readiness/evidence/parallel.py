"""Reading big evidence of several checks in two processes at once.

A release's checks are independent: its JUnit file, its Locust run and its SARIF log can be
read at the same time. When the evidence is big (`PARALLEL_BYTES` over the checks a worker
would take), one worker process reads some checks while this process reads the others; small
evidence stays in this process, where starting a worker (an interpreter importing readiness)
would cost more than it saves.

What a worker reads comes back pickled, so the split is by the cost of that trip: a record
that grows with its evidence (Findings: one object per scanner result; 200,000 of them take
3 s to pickle and unpickle, more than reading the log) is always read here, and the worker
takes the checks whose records are summaries (a TestRun keeps a capped list of problems, a
LoadStats per-second aggregates). Sign-offs, small files and anything a worker fails to
return are read here too: a worker's failure never drops a check, it is read again in line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from readiness.errors import PluginError
from readiness.evidence import registry
from readiness.evidence.gather import evidence_base, gather_one, resolve_files
from readiness.evidence.records import Evidence

if TYPE_CHECKING:
    from concurrent.futures import Future

    from readiness.definition import CheckSpec, Project

PARALLEL_BYTES = 32 * 1024**2  # 32 MiB for the worker: below it, start-up costs more than it saves
MIN_CHECK_BYTES = 4 * 1024**2  # a check smaller than this is not worth a trip to the worker
STAY_HERE = frozenset({"Findings", "SignOffs"})  # records that grow with their evidence


def gather(project: Project, evidence_dir: Path, now: float) -> dict[str, Evidence]:
    """Every check's evidence, in the definition's order."""
    order = list(project.definition.checks)
    specs = {ident: project.checks[ident] for ident in order}
    away = _for_worker(specs, project.root, evidence_dir)
    if not away:
        return {i: gather_one(specs[i], project.root, evidence_dir, now) for i in order}
    # spawn, not fork: `run` may have threads (the progress display) that a fork would copy
    # mid-lock. The worker is a fresh interpreter: it imports only what reading needs.
    import multiprocessing  # with the pool: small evidence never starts one
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        futures = {
            i: pool.submit(gather_one, specs[i], project.root, evidence_dir, now) for i in away
        }
        here = {
            i: gather_one(specs[i], project.root, evidence_dir, now) for i in order if i not in away
        }
        there = {
            i: _result(f, specs[i], project.root, evidence_dir, now) for i, f in futures.items()
        }
    return {i: here[i] if i in here else there[i] for i in order}


def _result(
    future: Future[Evidence], spec: CheckSpec, root: Path, evidence_dir: Path, now: float
) -> Evidence:
    """The worker's evidence for a check, or the check read here if the worker failed."""
    try:
        return future.result()
    except Exception:
        return gather_one(spec, root, evidence_dir, now)


def _for_worker(specs: dict[str, CheckSpec], root: Path, evidence_dir: Path) -> set[str]:
    """The checks a worker process reads: big ones whose records are summaries, when they add
    up to PARALLEL_BYTES and something else is left to read here meanwhile."""
    if (os.cpu_count() or 1) < 2 or len(specs) < 2:
        return set()
    sizes = {i: _bytes(spec, root, evidence_dir) for i, spec in specs.items()}
    away = {
        i
        for i, spec in specs.items()
        if sizes[i] >= MIN_CHECK_BYTES and _record(spec.kind) not in STAY_HERE
    }
    if sum(sizes[i] for i in away) < PARALLEL_BYTES or len(away) == len(specs):
        return set()
    return away


def _record(kind: str) -> str:
    try:
        return registry.get(kind).record
    except PluginError:
        return "Findings"  # read here: gather_one reports the unknown kind


def _bytes(spec: CheckSpec, root: Path, evidence_dir: Path) -> int:
    total = 0
    for p in resolve_files(spec, evidence_base(spec, root, evidence_dir)):
        try:
            total += p.stat().st_size
        except OSError:
            continue  # gather_one reports it
    return total
