"""The options of the scanner kinds (`bandit`, `pip-audit`, `trivy`; `sarif` builds on
`ScannerParams`), as pydantic models: imported only to validate options."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from readiness.evidence.params import AdapterParams
from readiness.evidence.records import Severity


class ScannerParams(AdapterParams):
    """Base of the scanner adapters' options: strict, immutable, kebab-case in YAML."""


class BanditParams(ScannerParams):
    """Options of the `bandit` kind."""

    min_confidence: Literal["any", "low", "medium", "high"] = Field(
        "any",
        description="Findings whose confidence is below this are kept but marked suppressed "
        "(shown, not counted).",
    )


class PipAuditParams(ScannerParams):
    """Options of the `pip-audit` kind."""

    unknown_severity: Severity = Field(
        "high", description="pip-audit reports no severity: every vulnerability gets this one."
    )


class TrivyParams(ScannerParams):
    """Options of the `trivy` kind."""

    unknown_severity: Severity = Field(
        "high", description="Severity given to Trivy's UNKNOWN (not rated yet in its databases)."
    )
