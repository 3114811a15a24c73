"""What `verify` checks once the signature holds: are the inputs still what was judged, and
are the waivers and risk acceptances the verdict relied on still in force?

Pure but for reading and globbing files; the date is passed in (SOURCE_DATE_EPOCH or today).
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from readiness.attestation import AttestationError


@dataclass
class Outcome:
    """The result of re-checking one attestation's inputs and expiries."""

    lines: list[str] = field(default_factory=list)  # what the attestation says
    problems: list[str] = field(default_factory=list)  # each one makes verify exit 1
    checked: int = 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _resolve(root: Path, shown: str) -> Path:
    p = Path(shown)
    return p if p.is_absolute() else root / PurePosixPath(shown)


def _evidence_path(root: Path, shown: str, base: str, evidence_dir: Path | None) -> Path:
    """Where an attested evidence file is now: under --evidence-dir when given (the file's
    place relative to the attested evidence base is kept), else where it was."""
    if evidence_dir is None or Path(shown).is_absolute():
        return _resolve(root, shown)
    if base in ("", "."):
        return evidence_dir / PurePosixPath(shown)
    try:
        return evidence_dir / PurePosixPath(shown).relative_to(PurePosixPath(base))
    except ValueError:
        return _resolve(root, shown)


def _compare(out: Outcome, shown: str, path: Path, attested: str) -> None:
    out.checked += 1
    try:
        now = _sha256(path)
    except FileNotFoundError:
        out.problems.append(f"missing: {shown} (attested sha256 {attested[:12]})")
        return
    except OSError as exc:
        out.problems.append(f"unreadable: {shown} ({exc.strerror})")
        return
    if now != attested:
        out.problems.append(f"changed: {shown} (sha256 {attested[:12]} attested, now {now[:12]})")


def _glob(patterns: list[str], base: Path) -> set[Path]:
    found: set[Path] = set()
    for pattern in patterns:
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        for match in glob.glob(full, recursive=True):  # noqa: PTH207 - absolute globs too
            p = Path(match)
            if p.is_file():
                found.add(p.resolve())
    return found


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _files(pred: dict[str, Any], root: Path, evidence_dir: Path | None, out: Outcome) -> None:
    inputs = pred["inputs"]
    policy = [inputs["definition"], *inputs["gates"], *inputs["checks"]]
    for item in policy:
        _compare(out, str(item["path"]), _resolve(root, str(item["path"])), str(item["sha256"]))
    for check in inputs["checks"]:
        ev = check["evidence"]
        base = str(ev["base"])
        attested: set[Path] = set()
        for f in ev["files"]:
            path = _evidence_path(root, str(f["path"]), base, evidence_dir)
            _compare(out, str(f["path"]), path, str(f["sha256"]))
            attested.add(path.resolve())
        where = evidence_dir if evidence_dir is not None else _resolve(root, base)
        patterns = [str(p) for p in ev["patterns"]]
        for extra in sorted(_glob(patterns, where) - attested):
            out.problems.append(
                f"extra: {_shown(extra, root)} matches check {check['id']}'s evidence "
                f"({', '.join(patterns)}) but was not attested"
            )


def _expiries(pred: dict[str, Any], today: dt.date, out: Outcome) -> None:
    for w in pred["waivers"]:
        if w["state"] == "applied" and dt.date.fromisoformat(w["expires"]) < today:
            what = f"{w['criterion']}" + (f" ({w['finding']})" if w.get("finding") else "")
            out.problems.append(
                f"expired: waiver for {what} expired on {w['expires']} "
                f"(approved by {w['approver']} ({w['role']}))"
            )
    for a in pred["riskAcceptances"]:
        if a["status"] == "accepted" and dt.date.fromisoformat(a["expires"]) < today:
            out.problems.append(
                f"expired: acceptance of risk {a['risk']} ({a['title']}) expired on "
                f"{a['expires']} (accepted by {a['approver']} ({a['role']}))"
            )


def _summary(stmt: dict[str, Any], out: Outcome) -> None:
    pred = stmt["predicate"]
    rel = pred["release"]
    when = pred["timeVerified"]
    out.lines.append(
        f"attested: {pred['verdict']} for {rel['name']} {rel['version']} at stage "
        f"{pred['stage']}, evaluated {when} by readiness {pred['verifier']['version']['readiness']}"
    )
    for s in stmt["subject"]:
        digest = ", ".join(f"{k}:{v}" for k, v in sorted(s["digest"].items()))
        out.lines.append(f"subject: {s['name']} {digest}")
    signed = [
        f"{s['role']} ({s['name']}, {s['decision']})"
        for s in pred["signoffs"]
        if s["status"] in ("approved", "conditional")
    ]
    unsigned = [
        f"{s['role']} ({s['status']})"
        for s in pred["signoffs"]
        if s["status"] not in ("approved", "conditional")
    ]
    if signed:
        out.lines.append(f"signed off: {', '.join(signed)}")
    if unsigned:
        out.lines.append(f"not signed off: {', '.join(unsigned)}")
    for b in pred["blockers"]:
        out.lines.append(f"blocker: {b}")
    for c in pred["conditions"]:
        out.lines.append(f"condition: {c}")


def _reverify(s: dict[str, Any], ref: dict[str, Any], root: Path, out: Outcome) -> str:
    """Check one attested sign-off signature again with the attested key file, if present:
    how it went, for the summary line (a failure is also a problem)."""
    from readiness.evidence import signing

    path = _resolve(root, str(ref["path"]))
    try:
        data = signing.read_key_file(path)
    except ValueError as exc:
        return f"not re-checked: {ref['path']}: {exc}"
    except FileNotFoundError:
        return f"not re-checked: {ref['path']} is absent"
    except OSError as exc:
        return f"not re-checked: {ref['path']} unreadable ({exc.strerror})"
    out.checked += 1
    if hashlib.sha256(data).hexdigest() != ref["sha256"]:
        out.problems.append(f"changed: {ref['path']} (the public key attested for {s['role']})")
        return "not re-checked: its key file changed"
    try:
        key = signing.public_key(data)
    except ValueError as exc:  # the same bytes were attested as a key: cannot happen unless
        out.problems.append(f"unusable: {ref['path']} ({exc})")  # this readiness reads less
        return "not re-checked"
    sig = s["signature"]
    stmt = signing.statement(
        role=str(s["role"]),
        name=str(s["name"]),
        decision=str(s["decision"]),
        date=str(s["date"]),
        version=str(s["version"]),
        comment=str(s["comment"] or ""),
        evidence_digest=s["evidenceDigest"],
    )
    ref_key = signing.RoleKey(str(s["role"]), str(ref["path"]), "", key.keyid, key)
    problem = signing.verify(stmt, str(sig["keyid"]), str(sig["sig"]), {key.keyid: ref_key}, "")
    if problem:
        out.problems.append(f"signature: the sign-off of {s['role']} ({s['name']}) {problem}")
        return "does NOT verify"
    return f"re-verified with {ref['path']}"


def _signatures(pred: dict[str, Any], root: Path, out: Outcome) -> None:
    """Which signed roles signed, by which key, each signature checked again when the attested
    key file is present; attestations without a sign-off policy (older) have nothing to say."""
    policy = pred.get("signoffPolicy")
    if policy is None:
        return
    keys = {(str(k["role"]), str(k["keyid"])): k for k in policy["keys"]}
    signed, unsigned = [], []
    for s in pred["signoffs"]:
        if not s["signatureRequired"]:
            continue
        if not s["signed"]:
            unsigned.append(f"{s['role']} ({s['signatureProblem'] or 'no sign-off'})")
            continue
        ref = keys.get((str(s["role"]), str(s["keyid"])))
        if ref is None or s["signature"] is None or s["signature"]["keyid"] != s["keyid"]:
            out.problems.append(
                f"signature: {s['role']} is attested as signed by key {str(s['keyid'])[:16]}, "
                "which the attested sign-off policy does not list for it"
            )
            continue
        how = _reverify(s, ref, root, out)
        signed.append(f"{s['role']} ({s['name']}, key {str(s['keyid'])[:16]}, {how})")
    if signed:
        out.lines.append(f"signed with a key: {'; '.join(signed)}")
    if unsigned:
        out.lines.append(f"not signed with a listed key: {'; '.join(unsigned)}")


def check(stmt: dict[str, Any], root: Path, evidence_dir: Path | None, today: dt.date) -> Outcome:
    """Re-hash every attested input under `root` (evidence under `evidence_dir` when given),
    look for extra evidence, re-check expiries at `today`; AttestationError if the predicate
    does not have the fields this version writes."""
    out = Outcome()
    try:
        _summary(stmt, out)
        _signatures(stmt["predicate"], root, out)
        _files(stmt["predicate"], root, evidence_dir, out)
        _expiries(stmt["predicate"], today, out)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise AttestationError(
            f"the predicate is malformed ({type(exc).__name__}: {exc})"
        ) from None
    return out
