"""The in-toto Statement v1 of one evaluation, as plain JSON, and its canonical bytes.

Subjects: the release (`<release>@<version>`, digest: sha256 of the definition file) and, when
the project is in a git work tree, its commit (digest `gitCommit`). The predicate
(`https://readiness.dev/attestation/evaluation/v1`) carries the decision, every criterion, the
digest of every input (definition, gates, checks, evidence), the waivers, risk acceptances and
sign-offs (for signed roles: whether signed, by which key, and the signature itself) with the
sign-off policy and its public keys (`signoffPolicy`), plus the fields of SLSA's Verification
Summary Attestation v1 (`verifier`, `timeVerified`, `resourceUri`, `policy`,
`inputAttestations`, `verificationResult`, `verifiedLevels`) so a VSA consumer can read it.

Deterministic: everything comes from the report (whose time is SOURCE_DATE_EPOCH when set) and
from file contents, paths are relative to the project root, and the bytes signed are RFC 8785
canonical JSON. Same inputs, same SOURCE_DATE_EPOCH: byte-identical statement.

The evaluation store keeps each evaluation's statement (`to_stored`, `from_stored`), so a
stored evaluation can be attested later with exactly the bytes `--attest` would have signed.
"""

from __future__ import annotations

import hashlib
import json
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
from readiness.evidence import signing
from readiness.evidence.gather import display_path

if TYPE_CHECKING:
    from readiness.definition import Project
    from readiness.evaluation import CriterionResult
    from readiness.report import Report

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
    """Every waiver of the definition and its VEX documents, with what became of it (applied,
    expired, unused, ...); sorted, without duplicates."""
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for w in report.waivers:
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
        ident = (w.criterion, w.finding or "", w.approver, w.role, w.expires, w.reason, w.source)
        rows[ident] = row
    return [rows[k] for k in sorted(rows)]


def _acceptances(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "risk": risk.id,
            "title": risk.title,
            "impact": risk.impact,
            "status": risk.status,
            "reason": risk.accepted.reason,
            "approver": risk.accepted.approver,
            "role": risk.accepted.role,
            "expires": risk.accepted.expires,
        }
        for risk in report.risks
        if risk.accepted is not None
    ]


def _signoffs(report: Report) -> list[dict[str, Any]]:
    """Each role's sign-off as judged; for a role of `signoffs.signed`, whether a valid
    signature by one of its keys was accepted (`signed`, `keyid`), and the record's signature
    and evidence digest, so `verify` can check the signature again."""
    return [
        {
            "role": s.role,
            "required": s.required,
            "status": s.status,
            "name": s.name,
            "decision": s.decision,
            "date": s.date,
            "version": s.version,
            "comment": s.comment,
            "evidenceDigest": s.evidence_digest or None,
            "signatureRequired": s.signature_required,
            "signed": bool(s.signed_by),
            "keyid": s.signed_by or None,
            "signature": (
                {"keyid": s.signature[0], "sig": s.signature[1]} if s.signature else None
            ),
            "signatureProblem": s.signature_problem or None,
        }
        for s in report.signoffs
    ]


def _signoff_keys(project: Project) -> list[dict[str, Any]]:
    """The public keys allowed to sign each signed role: role, path, key id, sha256."""
    keys, _ = signing.role_keys(project)
    return [
        {"role": k.role, "path": k.path, "keyid": k.keyid, "sha256": k.sha256}
        for role in sorted(keys)
        for k in sorted(keys[role].values(), key=lambda k: k.path)
    ]


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
        "signoffPolicy": {
            "required": list(project.definition.signoffs.required),
            "signed": list(project.definition.signoffs.signed),
            "keys": _signoff_keys(project),
        },
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


def to_stored(statement: dict[str, Any]) -> str:
    """The statement as the evaluation store keeps it: JSON with sorted keys, ASCII only (any
    back-end holds it, whatever the paths and names contain), no NaN (ValueError if one slipped
    in). Not RFC 8785 itself: the store must not need the optional `attest` extra, and
    `canonical(from_stored(text))` gives the same bytes as `canonical(statement)`, since JSON
    gives back exactly the strings, integers, floats, booleans and nulls a statement holds."""
    return json.dumps(
        statement, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def from_stored(text: str, where: str) -> dict[str, Any]:
    """The statement kept in the store (`where` names it in errors), parsed back to the values
    it was built from; AttestationError when it is not a statement of this predicate type."""
    try:
        stmt = json.loads(text)
    except ValueError as exc:
        raise AttestationError(f"{where}: the stored statement is not JSON ({exc})") from None
    if (
        not isinstance(stmt, dict)
        or stmt.get("_type") != STATEMENT_TYPE
        or stmt.get("predicateType") != PREDICATE_TYPE
        or not isinstance(stmt.get("predicate"), dict)
    ):
        raise AttestationError(f"{where}: the stored statement is not a {PREDICATE_TYPE} statement")
    return stmt
