"""Security scanners' own report formats: one module per tool, on a shared findings base.

`bandit`, `pip_audit`, `trivy`, `gitleaks`, `semgrep` and `zap` each hold one adapter (the
registry's `readiness.evidence.scanners:<Class>` targets resolve here); `base` holds what they
share: the common options, severity words and CVSS scores, fingerprints, and the per-file
`Partial` merged into one `Findings` record. SARIF from any of these tools is read by
`readiness.evidence.sarif`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readiness.evidence.scanners.bandit import BanditAdapter
    from readiness.evidence.scanners.gitleaks import GitleaksAdapter
    from readiness.evidence.scanners.params import BanditParams, PipAuditParams, TrivyParams
    from readiness.evidence.scanners.pip_audit import PipAuditAdapter
    from readiness.evidence.scanners.semgrep import SemgrepAdapter
    from readiness.evidence.scanners.trivy import TrivyAdapter
    from readiness.evidence.scanners.zap import ZapAdapter

# Exported name -> the module holding it, imported on first use (PEP 562), so a check of one
# kind, or the SARIF reader (which shares Bandit's helpers), loads only the tool it reads; the
# options' pydantic models (`params`) only when options are validated.
_MODULES = {
    "BanditAdapter": "bandit",
    "BanditParams": "params",
    "GitleaksAdapter": "gitleaks",
    "PipAuditAdapter": "pip_audit",
    "PipAuditParams": "params",
    "SemgrepAdapter": "semgrep",
    "TrivyAdapter": "trivy",
    "TrivyParams": "params",
    "ZapAdapter": "zap",
}


def __getattr__(name: str) -> object:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "BanditAdapter",
    "BanditParams",
    "GitleaksAdapter",
    "PipAuditAdapter",
    "PipAuditParams",
    "SemgrepAdapter",
    "TrivyAdapter",
    "TrivyParams",
    "ZapAdapter",
]
