"""What the store keeps of one evaluation: plain frozen dataclasses, no database import.

The lead's pipeline turns a `Report` into an `EvaluationRecord`; `store.Store.record` writes it
and `Store.get` / `Store.list` / `Store.baseline` give back `StoredEvaluation`s (the same record
with its id). `git_context` and `ci_run_id` fill the provenance fields; neither ever raises.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

#: The verdicts a baseline may have: failed evaluations never become baselines.
BASELINE_VERDICTS = ("GO", "CONDITIONAL GO")

_GIT_TIMEOUT_S = 2.0


class SeriesPoint(NamedTuple):
    """One criterion in one past evaluation: a point of its trend line."""

    id: int
    version: str
    generated_at: str
    status: str
    value: float | None
    unit: str
    threshold: str


@dataclass(frozen=True)
class EvidenceDigest:
    """One evidence file as it was read: which check, where, its sha256 and size in bytes."""

    check: str
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class CriterionRecord:
    """One criterion's result: status, observed value and unit, thresholds, evidence."""

    key: str  # "gate/criterion", unique within an evaluation
    gate: str
    id: str
    title: str
    metric: str
    matched: str
    mode: str
    status: str
    value: float | None
    unit: str
    threshold: str
    warn: str
    message: str
    evidence: tuple[tuple[str, str], ...]  # (path, sha256)


@dataclass(frozen=True)
class SeriesRecord:
    """Per-interval samples of one metric (e.g. per-second p99 of an endpoint), kept for a
    statistical comparison with a later run."""

    metric: str
    unit: str
    interval_s: float
    values: tuple[float, ...]


@dataclass(frozen=True)
class ProblemRecord:
    """A failing test (kind "test": id, outcome) or a finding (kind "finding": rule and
    location, severity) in the evidence of one check: what `diff` lists as appeared or gone."""

    check: str
    kind: str
    ident: str
    detail: str


@dataclass(frozen=True)
class EvaluationRecord:
    """One evaluation of one release at one stage, as the store keeps it."""

    release: str
    version: str
    stage: str
    target_stage: str
    verdict: str  # "GO" | "CONDITIONAL GO" | "NO-GO"
    generated_at: str  # ISO 8601 UTC, the reports' clock
    epoch: float  # the same instant, in seconds; orders evaluations
    commit: str | None
    branch: str | None
    ci_run: str | None
    definition_path: str
    definition_sha256: str
    tool_version: str
    blockers: tuple[str, ...]
    conditions: tuple[str, ...]
    criteria: tuple[CriterionRecord, ...]
    evidence: tuple[EvidenceDigest, ...]
    signoffs: tuple[dict[str, str], ...]  # role, name, decision, date, version
    waivers: tuple[dict[str, str], ...]  # criterion, finding, approver, role, expires, state
    series: tuple[SeriesRecord, ...]
    attestation_digest: str | None = None
    # id, title, impact, likelihood, owner, response, status (verified | accepted | unverified
    # | acceptance-expired), accepted-until: the register as evaluated, for "risks added or
    # accepted since the last review" (the portfolio). Kept as governance rows of kind "risk".
    risks: tuple[dict[str, str], ...] = ()
    problems: tuple[ProblemRecord, ...] = ()

    def criterion(self, key: str) -> CriterionRecord | None:
        """The criterion with that key, or None."""
        return next((c for c in self.criteria if c.key == key), None)

    def series_for(self, metric: str) -> SeriesRecord | None:
        """The per-interval series of that metric, or None."""
        return next((s for s in self.series if s.metric == metric), None)


@dataclass(frozen=True)
class StoredEvaluation(EvaluationRecord):
    """An evaluation read back from the store, with the id the store gave it."""

    id: int = field(kw_only=True)


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=root,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def git_context(root: Path) -> tuple[str | None, str | None]:
    """(commit, branch) of the repository holding `root`; (None, None) outside one or without
    git. A detached HEAD has no branch. Never raises; each git call has a short timeout."""
    commit = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    if commit is None:
        return None, None
    branch = _git(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    return commit, branch


def ci_run_id(env: Mapping[str, str]) -> str | None:
    """An id of the CI run from its environment, prefixed by the CI system; None outside CI.

    GitHub Actions: run id and attempt; GitLab: pipeline and job; Jenkins: job and build
    number; also Buildkite, CircleCI, Azure Pipelines and Travis."""

    def get(name: str) -> str:
        return env.get(name, "").strip()

    if get("GITHUB_RUN_ID"):
        attempt = get("GITHUB_RUN_ATTEMPT")
        return f"github:{get('GITHUB_RUN_ID')}" + (f"/{attempt}" if attempt else "")
    if get("CI_PIPELINE_ID"):
        job = get("CI_JOB_ID")
        return f"gitlab:{get('CI_PIPELINE_ID')}" + (f"/{job}" if job else "")
    if get("BUILD_NUMBER") and (get("JENKINS_URL") or get("JOB_NAME")):
        return f"jenkins:{get('JOB_NAME') or '-'}#{get('BUILD_NUMBER')}"
    if get("BUILDKITE_BUILD_ID"):
        return f"buildkite:{get('BUILDKITE_BUILD_ID')}"
    if get("CIRCLE_WORKFLOW_ID") or get("CIRCLE_BUILD_NUM"):
        return f"circleci:{get('CIRCLE_WORKFLOW_ID') or get('CIRCLE_BUILD_NUM')}"
    if get("BUILD_BUILDID") and get("TF_BUILD"):
        return f"azure:{get('BUILD_BUILDID')}"
    if get("TRAVIS_BUILD_ID"):
        return f"travis:{get('TRAVIS_BUILD_ID')}"
    if get("BUILD_NUMBER"):
        return f"build:{get('BUILD_NUMBER')}"
    return None
