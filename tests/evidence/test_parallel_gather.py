"""Big evidence read in two processes at once, files hashed while they are parsed: the same
evidence, statuses, records, digests and messages as reading everything in line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from readiness.definition import load_project
from readiness.evidence import gather as gather_mod
from readiness.evidence import parallel

REPO = Path(__file__).parent.parent.parent
RECORDED = REPO / "examples" / "recorded"
DEFINITION = REPO / "definitions" / "2026.12-options-launch.yaml"
RECORDED_AT = 1795925167.0  # examples/recorded/README.md


def test_a_worker_process_reads_what_this_process_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the size thresholds at zero, the recorded release's JUnit and Locust checks go to
    a worker process and its files are hashed in a thread: every check's evidence equals the
    in-line read's (status, record, sha256 of each file, warnings, messages)."""
    project = load_project(DEFINITION)
    now = RECORDED_AT + 3600
    evidence = RECORDED
    in_line = gather_mod.gather(project, evidence, now)
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "MIN_CHECK_BYTES", 0)
    monkeypatch.setattr(gather_mod, "OVERLAP_BYTES", 0)
    specs = {i: project.checks[i] for i in project.definition.checks}
    away = parallel._for_worker(specs, project.root, evidence)
    if (os.cpu_count() or 1) >= 2:
        kinds = {project.checks[i].kind for i in away}
        assert kinds == {"junit", "locust"}, away  # findings and sign-offs stay here
    both = gather_mod.gather(project, evidence, now)
    assert list(both) == list(in_line)
    assert both == in_line
    assert {e.status for e in both.values()} >= {"ok"}


def test_small_evidence_stays_in_this_process() -> None:
    """The recorded release's evidence (kilobytes) is read in line: no worker is started."""
    project = load_project(DEFINITION)
    specs = {i: project.checks[i] for i in project.definition.checks}
    assert parallel._for_worker(specs, project.root, RECORDED) == set()
