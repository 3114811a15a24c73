"""CycloneDX VEX as waiver input.

Statements whose `analysis.state` is `not_affected` or `false_positive` become finding waivers
for the vulnerability id (CVE, GHSA, ...), with the approver and expiry the definition gives
(VEX has neither). Other states (`exploitable`, `in_triage`, `resolved`, ...) waive nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness.errors import EvidenceError
from readiness.evidence._json import load_json

if TYPE_CHECKING:
    from readiness.definition import Project, Waiver

WAIVING_STATES = ("not_affected", "false_positive")


def statements(path: Path, shown: str) -> list[tuple[str, str, str]]:
    """(vulnerability id, state, justification/detail) of every waiving statement."""
    data: Any = load_json(path, shown)
    if not isinstance(data, dict) or not isinstance(data.get("vulnerabilities", []), list):
        raise EvidenceError("not a CycloneDX VEX document (no vulnerabilities list)", path=shown)
    if data.get("bomFormat") != "CycloneDX":
        raise EvidenceError('not a CycloneDX document (bomFormat is not "CycloneDX")', path=shown)
    out = []
    for i, vuln in enumerate(data.get("vulnerabilities", [])):
        if not isinstance(vuln, dict) or not isinstance(vuln.get("id"), str):
            raise EvidenceError(f"vulnerabilities[{i}] has no string id", path=shown)
        analysis = vuln.get("analysis") or {}
        if not isinstance(analysis, dict):
            raise EvidenceError(f"vulnerabilities[{i}].analysis is not an object", path=shown)
        state = analysis.get("state")
        if state in WAIVING_STATES:
            why = " - ".join(
                str(x) for x in (analysis.get("justification"), analysis.get("detail")) if x
            )
            out.append((vuln["id"], str(state), why))
    return out


def vex_waivers(project: Project) -> tuple[list[tuple[Waiver, str]], list[str]]:
    """Finding waivers from the definition's VEX documents, and problems reading them."""
    from readiness.definition import Waiver

    waivers: list[tuple[Waiver, str]] = []
    problems: list[str] = []
    for source in project.definition.vex:
        path = project.root / source.file
        try:
            found = statements(path, source.file)
        except EvidenceError as exc:
            problems.append(f"VEX {exc}: its statements waive nothing")
            continue
        for vuln_id, state, why in found:
            reason = f"VEX {state}" + (f": {why}" if why else "")
            waiver = Waiver(
                criterion=source.criterion,
                finding=vuln_id,
                reason=reason,
                approver=source.approver,
                expires=source.expires,
            )
            waivers.append((waiver, source.file))
    return waivers, problems
