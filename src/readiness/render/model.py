"""The report as renderers see it: the verdict plus the context of the evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field

from readiness.evidence.records import Evidence
from readiness.verdict import ReleaseVerdict


@dataclass(frozen=True)
class ReleaseInfo:
    name: str
    version: str
    stage: str
    target_stage: str
    owner: str
    components: tuple[str, ...]
    definition_path: str
    definition_sha256: str
    description: str = ""


@dataclass
class Report:
    """Everything a renderer needs; built once by the CLI."""

    release: ReleaseInfo
    verdict: ReleaseVerdict
    evidence: dict[str, Evidence]
    generated_at: str  # ISO 8601 UTC, from SOURCE_DATE_EPOCH when set
    tool_version: str
    exit_code: int
    extra: dict[str, object] = field(default_factory=dict)  # governance sections, etc.
