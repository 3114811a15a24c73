"""`signoff`: a sign-off of the definition's version, bound to the digests of the evidence it
approves, appended atomically to the sign-off file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness.errors import UsageError

if TYPE_CHECKING:
    from readiness.definition import Project


def signer_field(option: str, value: str) -> str:
    """A --role or --name value, stripped; UsageError if blank or holding control characters."""
    value = value.strip()
    if not value:
        raise UsageError(f"{option} must not be empty or blank")
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in value):
        raise UsageError(f"{option} {value!r} holds control characters")
    return value


@dataclass
class Signed:
    """What `signoff` says: on standard output, then notes for standard error."""

    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _check_role(project: Project, role: str) -> None:
    d = project.definition
    known = d.signoffs.known_roles()
    if role not in known:
        raise UsageError(
            f"--role {role!r} is not a sign-off role of {d.release} {d.version}; "
            + (f"known roles: {', '.join(known)}" if known else "it names none")
            + " (signoffs.required and signoffs.optional)"
        )


def _signoff_file(project: Project, base: Path) -> Path:
    """The signoffs check's evidence file, when its first entry is a plain path (not a glob)."""
    from readiness.evidence import gather

    check = project.checks.get(project.definition.signoffs.check or "")
    if check is None or any(ch in check.evidence[0] for ch in "*?["):
        raise UsageError(
            "no sign-off file: give --file, or a `signoffs.check` whose first evidence "
            "entry is a plain path"
        )
    return gather.evidence_base(check, project.root, base) / check.evidence[0]


def _signoff_signer(key: Path | None) -> Any:
    """The signer of `signoff --key`, or None."""
    if key is None:
        return None
    from readiness.attestation import keys

    return keys.load_signer(key)


def signoff(
    definition: Path,
    root: Path | None,
    evidence_dir: Path | None,
    *,
    role: str,
    name: str,
    decision: str,
    comment: str,
    file_: Path | None,
    key: Path | None = None,
) -> Signed:
    """Record one sign-off (UsageError for a role, decision or file that does not fit), signed
    with the PEM private key `key` when given (loaded before anything is read or written)."""
    from readiness import pipeline
    from readiness.errors import EvidenceError
    from readiness.evidence import gather
    from readiness.evidence.signing import signer_problem
    from readiness.evidence.signoffs import (
        SignOffRecord,
        append_record,
        combined_digest,
        evidence_digests,
    )

    role = signer_field("--role", role)
    name = signer_field("--name", name)
    signer = _signoff_signer(key)
    project = pipeline.load(definition, root)
    d = project.definition
    _check_role(project, role)
    base = evidence_dir if evidence_dir is not None else project.root
    if file_ is None:
        file_ = _signoff_file(project, base)
    if decision == "approve-with-conditions" and not comment.strip():
        raise UsageError("--decision approve-with-conditions needs --comment stating them")
    clock = pipeline.Clock()
    evidence = gather.gather(project, base, clock.epoch)
    digests = evidence_digests(evidence)  # what this sign-off approves
    record = SignOffRecord(
        role=role,
        name=name,
        decision=decision,
        date=dt.datetime.fromtimestamp(clock.epoch, dt.UTC).replace(microsecond=0),
        version=d.version,
        comment=comment,
        evidence_digest=combined_digest(digests),
        evidence=digests,
    )
    problem = signer_problem(project, role, signer.public_key.keyid if signer else None)
    if problem:
        raise UsageError(problem)
    if signer is not None:
        record = record.signed_by(signer)
    try:
        count = append_record(file_, record)
    except EvidenceError as exc:
        raise UsageError(f"{exc} (not modified)") from None
    done = Signed()
    done.lines.append(
        f"{file_}: {name} ({role}) {decision} {d.release} {d.version} ({count} records)"
    )
    done.lines.append(f"  bound to evidence {record.evidence_digest} ({len(digests)} checks)")
    if record.signature is not None:
        done.lines.append(f"  signed by key {record.signature.keyid[:16]}")
    for ident in digests:
        ev = evidence[ident]
        if ev.status != "ok":
            done.notes.append(f"  note: {ident}: evidence {ev.status}: {ev.message}")
    return done
