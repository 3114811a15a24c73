"""Big evidence read in two processes at once, files hashed while they are parsed: the same
evidence, statuses, records, digests and messages as reading everything in line, whether
the worker is forked or spawned, and when the worker fails."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from readiness.definition import load_project
from readiness.evidence import base, parallel
from readiness.evidence import gather as gather_mod

REPO = Path(__file__).parent.parent.parent
RECORDED = REPO / "examples" / "recorded"
DEFINITION = REPO / "definitions" / "2026.12-options-launch.yaml"
RECORDED_AT = 1795925167.0  # examples/recorded/README.md
TWO_CORES = (os.cpu_count() or 1) >= 2


def _everything_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    """Size thresholds at zero: every check but the sign-offs goes to the shared queue, and
    its files are hashed in a thread."""
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "MIN_CHECK_BYTES", 0)
    monkeypatch.setattr(gather_mod, "OVERLAP_BYTES", 0)


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_a_worker_process_reads_what_this_process_reads(
    monkeypatch: pytest.MonkeyPatch, start: str
) -> None:
    """With the size thresholds at zero, the recorded release's checks are shared between
    this process and a worker (forked or spawned): every check's evidence equals the in-line
    read's (status, record, sha256 of each file, warnings, messages), in the same order."""
    project = load_project(DEFINITION)
    now = RECORDED_AT + 3600
    in_line = gather_mod.gather(project, RECORDED, now)
    _everything_shared(monkeypatch)
    monkeypatch.setattr(parallel, "_context", lambda: multiprocessing.get_context(start))
    switch = sys.getswitchinterval()
    both = gather_mod.gather(project, RECORDED, now)
    assert list(both) == list(in_line)
    assert both == in_line
    assert {e.status for e in both.values()} >= {"ok"}
    # what the gather changed for its own time is back as it was
    assert sys.getswitchinterval() == switch
    assert base.spare_cores()


def test_the_queue_gives_workers_summaries_and_keeps_findings_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The workers' end of the queue holds the checks with summary records (JUnit, Locust),
    biggest first; this process's end the SARIF log; sign-offs are never shared."""
    project = load_project(DEFINITION)
    _everything_shared(monkeypatch)
    specs = {i: project.checks[i] for i in project.definition.checks}
    shared = parallel._shared(specs, project.root, RECORDED)
    if not TWO_CORES:
        assert shared == []
        return
    kinds = [specs[i].kind for i in shared]
    assert "signoffs" not in kinds
    assert kinds[-1] == "sarif"
    assert set(kinds[:-1]) == {"junit", "locust"}
    sizes = [parallel._bytes(specs[i], project.root, RECORDED) for i in shared[:-1]]
    assert sizes == sorted(sizes, reverse=True)


def test_checks_a_broken_worker_pool_cannot_take_are_read_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pool that refuses work (a worker died) drops no check: each is read in line, and the
    evidence equals the in-line read's."""
    project = load_project(DEFINITION)
    now = RECORDED_AT + 3600
    in_line = gather_mod.gather(project, RECORDED, now)
    _everything_shared(monkeypatch)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise BrokenProcessPool("a worker died")

    monkeypatch.setattr(ProcessPoolExecutor, "submit", broken)
    assert gather_mod.gather(project, RECORDED, now) == in_line


_PARENT = os.getpid()


def _dies_in_a_worker(*args: Any) -> Any:
    """gather_one, except that a worker process dies abruptly on its first check."""
    if os.getpid() != _PARENT:
        os._exit(70)
    return gather_mod.gather_one(*args)


@pytest.mark.skipif(not TWO_CORES, reason="one core: no worker")
def test_a_worker_that_dies_drops_no_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """A (forked) worker that dies while it reads: the pool breaks, and the check it held and
    every other are read here; the evidence equals the in-line read's."""
    project = load_project(DEFINITION)
    now = RECORDED_AT + 3600
    in_line = gather_mod.gather(project, RECORDED, now)
    _everything_shared(monkeypatch)
    monkeypatch.setattr(parallel, "_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(parallel, "gather_one", _dies_in_a_worker)
    assert gather_mod.gather(project, RECORDED, now) == in_line


def test_small_evidence_stays_in_this_process() -> None:
    """The recorded release's evidence (kilobytes) is read in line: no worker is started."""
    project = load_project(DEFINITION)
    specs = {i: project.checks[i] for i in project.definition.checks}
    assert parallel._shared(specs, project.root, RECORDED) == []


def test_a_big_file_is_hashed_in_a_thread_whose_failure_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file over a mebibyte is hashed in a thread of its own (named for it) while it is read;
    a bug in the hashing is raised in the caller, not lost in the thread."""
    gather = gather_mod
    big = tmp_path / "big.xml"
    cases = "".join(f'<testcase classname="c" name="t{i}"/>\n' for i in range(30_000))
    big.write_text(f"<testsuite>{cases}</testsuite>")
    assert big.stat().st_size > gather.OVERLAP_BYTES
    seen: list[str] = []

    def broken(files: list[Path], root: Path) -> None:
        seen.append(threading.current_thread().name)
        raise RuntimeError("hashing bug")

    monkeypatch.setattr(gather, "file_metas", broken)
    with pytest.raises(RuntimeError, match="hashing bug"):
        gather.hash_and_read("junit", [big], tmp_path, {})
    assert seen == ["readiness-hash"]
