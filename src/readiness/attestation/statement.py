"""The in-toto Statement v1 of one evaluation, as plain JSON, and its canonical bytes.

Subjects: the release (`<release>@<version>`, digest: sha256 of the definition file) and, when
the project is in a git work tree, its commit (digest `gitCommit`). The predicate
(`https://readiness.dev/attestation/evaluation/v1`) carries the decision, every criterion, the
digest of every input (definition, gates, checks, evidence), the waivers, risk acceptances and
sign-offs, plus the fields of SLSA's Verification Summary Attestation v1 (`verifier`,
`timeVerified`, `resourceUri`, `policy`, `inputAttestations`, `verificationResult`,
`verifiedLevels`) so a VSA consumer can read it.

Deterministic: everything comes from the report (whose time is SOURCE_DATE_EPOCH when set) and
from file contents, paths are relative to the project root, and the bytes signed are RFC 8785
canonical JSON. Same inputs, same SOURCE_DATE_EPOCH: byte-identical statement.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from readiness.attestation import (
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    VERIFIER_ID,
    AttestationError,
    need_extra,
)
from readiness.evidence.gather import display_path

if TYPE_CHECKING:
    from readiness.definition import Project
    from readiness.evaluation import CriterionResult
    from readiness.render.model import Report

_COMMIT = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def git_commit(root: Path) -> str | None:
    """The commit checked out in `root`'s git work tree, or None (no git, not a repository)."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        proc = subprocess.run(
            [git, "-C", str(root), "rev-parse", "--verify", "--quiet", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = proc.stdout.strip()
    return sha if proc.returncode == 0 and _COMMIT.match(sha) else None


def _num(value: float | None) -> float | int | str | None:
    """A JSON number RFC 8785 accepts: integral values as integers, non-finite ones as text."""
    if value is None:
        return None
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 2**53:
        return int(value)
    return float(value)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve(root: Path, shown: str) -> Path:
    """The file behind a path as the report shows it (relative to the root, or absolute)."""
    p = Path(shown)
    return p if p.is_absolute() else root / PurePosixPath(shown)


def _file(root: Path, shown: str) -> dict[str, Any]:
    try:
        digest = _sha256(resolve(root, shown))
    except OSError as exc:
        raise AttestationError(f"{shown}: cannot read ({exc.strerror})") from None
    return {"path": shown, "sha256": digest}


def _criterion(r: CriterionResult) -> dict[str, Any]:
    return {
        "key": r.key,
        "gate": r.gate,
        "metric": r.metric,
        "mode": r.mode,
        "stage": r.stage,
        "status": r.status,
        "value": _num(r.value),
        "unit": r.unit or None,
        "threshold": r.threshold or None,
        "warn": r.warn or None,
    }


def _waivers(report: Report) -> list[dict[str, Any]]:
    """Every waiver applied to (or refused for) a criterion, plus each further finding waiver
    the findings list names; sorted, without duplicates."""
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for r in report.verdict.results:
        w = r.waiver
        if w is None:
            continue
        row = {
            "criterion": w.criterion,
            "finding": w.finding,
            "reason": w.reason,
            "approver": w.approver,
            "role": w.role,
            "expires": w.expires,
            "state": w.state,
            "source": w.source or "definition",
        }
        rows[(w.criterion, w.approver, w.role, w.expires, w.reason)] = row
    behind = report.extra.get("findings_by_criterion")
    if isinstance(behind, dict):
        for key, findings in behind.items():
            for f in findings if isinstance(findings, list) else []:
                by = f.get("waived_by") if isinstance(f, dict) else None
                if not isinstance(by, dict):
                    continue
                ident = (key, by["approver"], by["role"], by["expires"], by["reason"])
                rows.setdefault(
                    ident,
                    {
                        "criterion": key,
                        "finding": f.get("rule"),
                        "reason": by["reason"],
                        "approver": by["approver"],
                        "role": by["role"],
                        "expires": by["expires"],
                        "state": "applied",
                        "source": "definition",
                    },
                )
    return [rows[k] for k in sorted(rows)]


def _acceptances(report: Report) -> list[dict[str, Any]]:
    out = []
    risks = report.extra.get("risks")
    for risk in risks if isinstance(risks, list) else []:
        acc = risk.get("accepted")
        if not isinstance(acc, dict):
            continue
        out.append(
            {
                "risk": risk["id"],
                "title": risk["title"],
                "impact": risk["impact"],
                "status": risk["status"],
                "reason": acc["reason"],
                "approver": acc["approver"],
                "role": acc["role"],
                "expires": acc["expires"],
            }
        )
    return out


def _signoffs(report: Report) -> list[dict[str, Any]]:
    rows = report.extra.get("signoffs")
    keys = ("role", "required", "status", "name", "decision", "date", "version", "comment")
    return [{k: row.get(k) for k in keys} for row in rows] if isinstance(rows, list) else []


def build(
    report: Report,
    project: Project,
    *,
    evidence_dir: Path | None = None,
    commit: str | None = None,
) -> dict[str, Any]:
    """The Statement of `report`, evaluated from `project` with evidence under `evidence_dir`
    (default: the project root). AttestationError if a policy file cannot be read."""
    rel, v = report.release, report.verdict
    root = project.root
    base = display_path(evidence_dir, root) if evidence_dir is not None else "."
    release = f"{rel.name}@{rel.version}"
    definition = {"path": rel.definition_path, "sha256": rel.definition_sha256}
    gates = [{"id": g, **_file(root, project.gate_docs[g].path)} for g in project.definition.gates]
    checks = []
    evidence_files = []
    for ident in project.definition.checks:
        spec = project.checks[ident]
        ev = report.evidence.get(ident)
        files = (
            [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in ev.files] if ev else []
        )
        evidence_files.extend(files)
        checks.append(
            {
                "id": ident,
                **_file(root, project.check_docs[ident].path),
                "kind": spec.kind,
                "status": ev.status if ev else "missing",
                "evidence": {"base": base, "patterns": list(spec.evidence), "files": files},
            }
        )
    passed = report.exit_code == 0
    subjects: list[dict[str, Any]] = [
        {"name": release, "digest": {"sha256": rel.definition_sha256}}
    ]
    if commit is not None:
        subjects.append({"name": "git-commit", "digest": {"gitCommit": commit}})
    predicate: dict[str, Any] = {
        "release": {
            "name": rel.name,
            "version": rel.version,
            "owner": rel.owner,
            "components": list(rel.components),
        },
        "verdict": v.verdict.value,
        "exitCode": report.exit_code,
        "stage": rel.stage,
        "targetStage": rel.target_stage,
        "criteria": [_criterion(r) for r in v.results],
        "blockers": [str(b) for b in v.blockers],
        "conditions": [str(c) for c in v.conditions],
        "inputs": {"definition": definition, "gates": gates, "checks": checks},
        "waivers": _waivers(report),
        "riskAcceptances": _acceptances(report),
        "signoffs": _signoffs(report),
        # SLSA Verification Summary Attestation v1 fields:
        "verifier": {
            "id": VERIFIER_ID,
            "name": "readiness",
            "version": {"readiness": report.tool_version},
        },
        "timeVerified": report.generated_at,
        "resourceUri": f"pkg:generic/{rel.name}@{rel.version}",
        "policy": {"uri": rel.definition_path, "digest": {"sha256": rel.definition_sha256}},
        "inputAttestations": [
            {"uri": f["path"], "digest": {"sha256": f["sha256"]}} for f in evidence_files
        ],
        "verificationResult": "PASSED" if passed else "FAILED",
        "verifiedLevels": [f"READINESS_STAGE_{rel.stage.upper()}"] if passed else [],
    }
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def canonical(statement: dict[str, Any]) -> bytes:
    """RFC 8785 (JSON Canonicalization Scheme) bytes of the statement: what is signed."""
    try:
        import rfc8785
    except ImportError as exc:
        raise need_extra(exc) from None
    try:
        return rfc8785.dumps(statement)
    except rfc8785.CanonicalizationError as exc:
        raise AttestationError(f"the statement cannot be canonicalised: {exc}") from None
