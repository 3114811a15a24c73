"""SARIF 2.1.0 logs from any producer -> Findings.

`adapter` holds the adapter and the per-result steps, `rules` resolves a run's rules and
invocations once, `results` reads a result's location, suppressions and Trivy package.
"""

from __future__ import annotations

from readiness.evidence.sarif.adapter import SarifAdapter, SarifParams

__all__ = ["SarifAdapter", "SarifParams"]
