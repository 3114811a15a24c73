"""The options of the `sarif` kind, as a pydantic model (imported only to validate options)."""

from __future__ import annotations

from pydantic import Field

from readiness.evidence.records import Severity
from readiness.evidence.scanners.params import ScannerParams


class SarifParams(ScannerParams):
    """Options of the `sarif` kind."""

    unknown_severity: Severity = Field(
        "high",
        description="Severity of a result its producer rates UNKNOWN (Trivy SARIF tags such "
        "rules UNKNOWN, with security-severity 0.0).",
    )
