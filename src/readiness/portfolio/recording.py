"""A `Report` as the evaluation store keeps it, for `portfolio` recording each release: the
same record `evaluate` and `run` write (`readiness.recording.to_record`) and the same
attestation statement (so `readiness attest --evaluation` signs a portfolio's evaluation too),
with the repository's commit and branch read once for the whole portfolio."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from readiness import recording
from readiness.definition import Project
from readiness.history.record import EvaluationRecord, git_context
from readiness.report import Report


def to_record(
    report: Report, project: Project, git: tuple[str | None, str | None] = (None, None)
) -> EvaluationRecord:
    """The store's record of one evaluation: the same record `evaluate` writes."""
    epoch = dt.datetime.fromisoformat(report.generated_at.replace("Z", "+00:00")).timestamp()
    return recording.to_record(report, project, epoch, git=git)


def repo_context(root: Path) -> tuple[str | None, str | None]:
    """(commit, branch) of the portfolio's repository, read once for every record."""
    return git_context(root)


def statement(report: Report, project: Project, commit: str | None) -> str | None:
    """The attestation statement the store keeps with the evaluation (evidence under the
    project root, as the portfolio reads it); None when it cannot be built."""
    built = recording.statement(report, project, evidence_dir=None, commit=commit)
    return recording.stored_statement(built)
