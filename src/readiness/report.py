"""The one typed result of an evaluation: what was decided, on which evidence, and why.

Built once by `readiness.pipeline.build_report`; everything after it (the renderers, the history
store, attestations, the portfolio) reads it and nothing walks back down into the evaluation.
It is also the vocabulary of the layers above: the record, result and section types they need
are re-exported here, so a renderer imports `readiness.report` and nothing below it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from readiness.criteria import STAGE_TITLES, STAGES, Stage, Threshold
from readiness.evaluation import (
    STATUS_ORDER,
    STATUSES,
    Baseline,
    BaselineValue,
    CriterionResult,
    FindingRow,
    NextStage,
    Status,
    WaivedBy,
)
from readiness.evidence.records import (
    SEVERITIES,
    EndpointStats,
    Evidence,
    EvidenceFile,
    Finding,
    Findings,
    LoadStats,
    Record,
    Series,
    Severity,
    SignOff,
    SignOffs,
    TestCase,
    TestRun,
)
from readiness.governance import Acceptance, RiskCheck, RiskRow, SignOffRow
from readiness.reasons import Reason
from readiness.requires import Resolution
from readiness.trends import MARKS, TREND_LENGTH, Mark, TrendPoint, mark, marks
from readiness.verdict import GateVerdict, ReleaseVerdict, Verdict
from readiness.waivers import WaiverUse

__all__ = [
    "MARKS",
    "SEVERITIES",
    "STAGES",
    "STAGE_TITLES",
    "STATUSES",
    "STATUS_ORDER",
    "TREND_LENGTH",
    "Acceptance",
    "Baseline",
    "BaselineValue",
    "CriterionResult",
    "EndpointStats",
    "Evidence",
    "EvidenceFile",
    "Finding",
    "FindingRow",
    "Findings",
    "GateVerdict",
    "LaunchNotes",
    "LoadStats",
    "Mark",
    "NextStage",
    "Reason",
    "Record",
    "ReleaseInfo",
    "ReleaseVerdict",
    "Report",
    "Resolution",
    "RiskCheck",
    "RiskRow",
    "Series",
    "Severity",
    "SignOff",
    "SignOffRow",
    "SignOffs",
    "Stage",
    "Status",
    "TestCase",
    "TestRun",
    "Threshold",
    "TrendPoint",
    "Verdict",
    "WaivedBy",
    "WaiverUse",
    "mark",
    "marks",
]


@dataclass(frozen=True)
class ReleaseInfo:
    """Which release was judged, at which stage, from which definition file."""

    name: str
    version: str
    stage: str
    target_stage: str
    owner: str
    components: tuple[str, ...]
    definition_path: str
    definition_sha256: str
    description: str = ""


@dataclass(frozen=True)
class LaunchNotes:
    """Launch-notes content written by people, from the definition."""

    summary: str = ""
    highlights: tuple[str, ...] = ()
    known_issues: tuple[str, ...] = ()


@dataclass
class Report:
    """Everything decided, and everything needed to explain it."""

    release: ReleaseInfo
    verdict: ReleaseVerdict
    evidence: dict[str, Evidence]
    generated_at: str  # ISO 8601 UTC, from SOURCE_DATE_EPOCH when set
    tool_version: str
    exit_code: int
    launch_notes: LaunchNotes = field(default_factory=LaunchNotes)
    signoffs: tuple[SignOffRow, ...] = ()
    risks: tuple[RiskRow, ...] = ()
    findings: dict[str, tuple[FindingRow, ...]] = field(default_factory=dict)  # by criterion
    waivers: tuple[WaiverUse, ...] = ()  # every waiver and what became of it
    finding_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # by check
    requirements: tuple[Resolution, ...] = ()  # the definition's `requires`, resolved
    baseline: Baseline | None = None  # what relative criteria and deltas compared with
    # by criterion key: its points in the evaluations before this one (same release and
    # stage, oldest first); empty when no store was consulted
    trends: dict[str, tuple[TrendPoint, ...]] = field(default_factory=dict)
