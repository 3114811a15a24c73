"""Security scanners' own report formats: one module per tool, on a shared findings base.

`bandit`, `pip_audit`, `trivy`, `gitleaks`, `semgrep` and `zap` each hold one adapter (the
registry's `readiness.evidence.scanners:<Class>` targets resolve here); `base` holds what they
share: the common options, severity words and CVSS scores, fingerprints, and the per-file
`Partial` merged into one `Findings` record. SARIF from any of these tools is read by
`readiness.evidence.sarif`.
"""

from __future__ import annotations

from readiness.evidence.scanners.bandit import BanditAdapter, BanditParams
from readiness.evidence.scanners.gitleaks import GitleaksAdapter
from readiness.evidence.scanners.pip_audit import PipAuditAdapter, PipAuditParams
from readiness.evidence.scanners.semgrep import SemgrepAdapter
from readiness.evidence.scanners.trivy import TrivyAdapter, TrivyParams
from readiness.evidence.scanners.zap import ZapAdapter

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
