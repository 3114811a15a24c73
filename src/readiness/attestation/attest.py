"""The operations the CLI offers: attest an evaluation (just made, or stored), verify an
attestation.

`attest` builds the statement of a `Report` and signs it; `sign` signs a statement already
built, which is how `evaluate --attest` and the store share one statement (`evaluate` builds it
once, signs it and records it; `readiness attest --evaluation` signs the one read back with
`statement.from_stored`). `Attested.statement_sha256` is the digest kept with the evaluation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness import atomic
from readiness.attestation import AttestationError, check, envelope, statement

if TYPE_CHECKING:
    from securesystemslib.signer import Key, Signer

    from readiness.definition import Project
    from readiness.report import Report


@dataclass(frozen=True)
class Attested:
    """An attestation as written."""

    path: Path
    keyid: str
    statement_sha256: str  # sha256 of the canonical statement (the DSSE payload)


def attest(
    report: Report,
    project: Project,
    signer: Signer,
    out: Path,
    *,
    evidence_dir: Path | None = None,
) -> Attested:
    """Build, canonicalise, sign and atomically write the attestation of `report`."""
    stmt = statement.build(
        report,
        project,
        evidence_dir=evidence_dir,
        commit=statement.git_commit(project.root),
    )
    return sign(stmt, signer, out)


def sign(stmt: dict[str, Any], signer: Signer, out: Path) -> Attested:
    """Canonicalise, sign and atomically write the attestation of a statement."""
    payload = statement.canonical(stmt)
    data = envelope.sign(payload, signer)
    path = atomic.write_bytes(out, data)
    return Attested(path, signer.public_key.keyid, hashlib.sha256(payload).hexdigest())


@dataclass(frozen=True)
class Verified:
    """A verified attestation: who signed it and what re-checking it found."""

    keyids: list[str]
    outcome: check.Outcome


def verify(
    path: Path,
    public_keys: list[Path],
    *,
    threshold: int = 1,
    root: Path,
    evidence_dir: Path | None,
    today: dt.date,
) -> Verified:
    """Check the envelope's signature with the public keys, then the attested inputs and
    expiries. AttestationError when the attestation cannot be trusted or read."""
    from readiness.attestation import keys

    pubs: list[Key] = [keys.load_public(p) for p in public_keys]
    if len({k.keyid for k in pubs}) != len(pubs):
        raise AttestationError("--key: the same public key is given twice")
    where = str(path)
    env = envelope.load(envelope.read_bytes(path), where)
    signed = envelope.verify(env, pubs, threshold, where)
    stmt = envelope.statement_of(env, where)
    return Verified(signed, check.check(stmt, root, evidence_dir, today))
