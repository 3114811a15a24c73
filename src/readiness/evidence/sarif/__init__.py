"""SARIF 2.1.0 logs from any producer -> Findings.

`adapter` holds the adapter and the per-result steps, `rules` resolves a run's rules and
invocations once, `results` reads a result's location, suppressions and Trivy package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readiness.evidence.sarif.adapter import SarifAdapter

if TYPE_CHECKING:
    from readiness.evidence.sarif.params import SarifParams


def __getattr__(name: str) -> object:
    """`SarifParams`, imported on first use (pydantic: only to validate options)."""
    if name == "SarifParams":
        from readiness.evidence.sarif import params

        return params.SarifParams
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["SarifAdapter", "SarifParams"]
