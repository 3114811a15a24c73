"""The scanner adapters' import point (`readiness.evidence.scanners:<Class>` in the registry).

Each format lives in its own module: `scanners_bandit` (Bandit), `scanners_deps` (pip-audit,
Trivy), `scanners_code` (gitleaks, Semgrep), `scanners_zap` (OWASP ZAP); `scanners_common` holds
what they share. SARIF from any of these tools is read by `readiness.evidence.sarif`.
"""

from __future__ import annotations

from readiness.evidence.scanners_bandit import BanditAdapter, BanditParams
from readiness.evidence.scanners_code import GitleaksAdapter, SemgrepAdapter
from readiness.evidence.scanners_deps import (
    PipAuditAdapter,
    PipAuditParams,
    TrivyAdapter,
    TrivyParams,
)
from readiness.evidence.scanners_zap import ZapAdapter

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
