"""Signed sign-offs: what a signer signs, which keys may sign for a role, and checking a signature.

The signed statement of a sign-off record is the RFC 8785 canonical JSON of its decision fields
and a type that keeps it from being mistaken for any other document signed with the same key:

    {"_type": "https://readiness.dev/signoff/v1", "comment": "...", "date": "2026-11-24T16:05:00Z",
     "decision": "approve", "evidence-digest": "sha256:<hex>" | null, "name": "...",
     "role": "security", "version": "2.0.0"}

The date is the record's, in UTC as `YYYY-MM-DDTHH:MM:SSZ`. `evidence-digest` is the digest of the
evidence set the signer approved (`readiness signoff` writes it), so every party signs over the
same evidence digest, each in their own record (multi-party). The signature is securesystemslib's
(Ed25519 or ECDSA P-256 through pyca/cryptography), stored in the record as
`signature: {keyid, sig}`: the key id is securesystemslib's (sha256 of the canonical public key),
`sig` the signature in hex.

Which keys may sign for a role (`signoffs.keys` in the definition): a directory, where role R's
public keys are `<dir>/R.pub` and every `<dir>/R/*.pub`, or a mapping role -> PEM files (paths
relative to the project root). One key serves one role only: a key listed for two roles would let
one person stand for two parties.

securesystemslib, cryptography and rfc8785 are imported only inside the functions that need them,
and only definitions with `signoffs.signed` roles call those.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from readiness.errors import DefinitionError

if TYPE_CHECKING:
    from securesystemslib.signer import SSlibKey

    from readiness.definition import Project

SIGNOFF_TYPE = "https://readiness.dev/signoff/v1"
MAX_KEY_BYTES = 64 * 1024  # a PEM public key is a few hundred bytes


def read_key_file(path: Path) -> bytes:
    """A key file's bytes: a regular file of at most MAX_KEY_BYTES, read with that bound (a
    device or FIFO reports no size: /dev/zero would be read forever). OSError for a file that
    cannot be read, ValueError for one that is no key file."""
    import os
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("not a regular file: a key is a PEM file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_KEY_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_KEY_BYTES:
        raise ValueError(f"larger than {MAX_KEY_BYTES} bytes: not a PEM key")
    return data


SUPPORTED = "Ed25519 and ECDSA P-256 keys are supported"
_EXTRA = "signed sign-offs need the attest extra: pip install 'readiness[attest]'"


def statement(
    *,
    role: str,
    name: str,
    decision: str,
    date: str,
    version: str,
    comment: str,
    evidence_digest: str | None,
) -> bytes:
    """The bytes a signer signs: RFC 8785 canonical JSON of the decision fields (see above)."""
    try:
        import rfc8785
    except ImportError as exc:
        raise DefinitionError(f"{_EXTRA} ({exc.name} is not installed)") from None
    return rfc8785.dumps(
        {
            "_type": SIGNOFF_TYPE,
            "role": role,
            "name": name,
            "decision": decision,
            "date": date,
            "version": version,
            "comment": comment,
            "evidence-digest": evidence_digest or None,
        }
    )


def sign(data: bytes, signer: Any) -> dict[str, str]:
    """`{keyid, sig}` of `data` signed by a securesystemslib Signer."""
    sig = signer.sign(data)
    return {"keyid": sig.keyid, "sig": sig.signature}


def public_key(data: bytes) -> SSlibKey:
    """The Ed25519 or ECDSA P-256 public key in PEM `data`; ValueError saying why not."""
    try:
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
        from securesystemslib.signer import SSlibKey
    except ImportError as exc:
        raise DefinitionError(f"{_EXTRA} ({exc.name} is not installed)") from None
    if b"PRIVATE KEY" in data:
        raise ValueError("a private key; only public keys belong here")
    try:
        key = load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise ValueError("not a PEM public key") from None
    p256 = isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    if not (isinstance(key, ed25519.Ed25519PublicKey) or p256):
        raise ValueError(f"unsupported key type: {SUPPORTED}")
    return SSlibKey.from_crypto(key)


@dataclass(frozen=True)
class RoleKey:
    """A public key allowed to sign one role's sign-off."""

    role: str
    path: str  # relative to the project root, as the definition names it
    sha256: str  # of the PEM file
    keyid: str
    key: Any  # securesystemslib SSlibKey


def _key_files(project: Project) -> tuple[dict[str, list[Path]], list[str]]:
    """role -> key files, per `signoffs.keys`; and the problems found."""
    policy, root = project.definition.signoffs, project.root
    where = project.doc.where(("signoffs", "keys"))
    files: dict[str, list[Path]] = {}
    problems: list[str] = []
    if isinstance(policy.keys, str):
        base = root / PurePosixPath(policy.keys)
        if not base.is_dir():
            return {}, [f"{where}: {policy.keys!r} is not a directory of public keys"]
        for role in policy.signed:
            found = [base / f"{role}.pub"] if (base / f"{role}.pub").is_file() else []
            found += sorted(p for p in (base / role).glob("*.pub") if p.is_file())
            files[role] = found
    elif policy.keys is not None:
        for role, names in policy.keys.items():
            files[role] = [root / PurePosixPath(n) for n in names]
    for role in policy.signed:
        if not files.get(role):
            layout = (
                f"{policy.keys}/{role}.pub or {policy.keys}/{role}/*.pub"
                if isinstance(policy.keys, str)
                else f"a `{role}:` entry"
            )
            problems.append(f"{where}: no public key for the signed role {role!r} ({layout})")
    return files, problems


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def role_keys(project: Project) -> tuple[dict[str, dict[str, RoleKey]], list[str]]:
    """role -> key id -> key, for the roles of `signoffs.signed`; and every problem found
    (unreadable, not PEM, private, unsupported, one key for two roles), located at
    `signoffs.keys`. Empty without signed roles (nothing imported)."""
    policy = project.definition.signoffs
    if not policy.signed:
        return {}, []
    where = project.doc.where(("signoffs", "keys"))
    files, problems = _key_files(project)
    out: dict[str, dict[str, RoleKey]] = {}
    owner: dict[str, str] = {}
    for role, paths in files.items():
        out[role] = {}
        for path in paths:
            shown = _shown(path, project.root)
            try:
                data = read_key_file(path)
                key = public_key(data)
            except FileNotFoundError:
                problems.append(f"{where}: {shown}: no such public key file")
                continue
            except OSError as exc:
                problems.append(f"{where}: {shown}: cannot read ({exc.strerror})")
                continue
            except ValueError as exc:
                problems.append(f"{where}: {shown}: {exc}")
                continue
            if owner.get(key.keyid, role) != role:
                problems.append(
                    f"{where}: {shown}: key {key.keyid[:16]} is listed for both "
                    f"{owner[key.keyid]!r} and {role!r}: each signing party needs its own key"
                )
                continue
            owner[key.keyid] = role
            digest = hashlib.sha256(data).hexdigest()
            out[role][key.keyid] = RoleKey(role, shown, digest, key.keyid, key)
    return out, problems


def load_role_keys(project: Project) -> dict[str, dict[str, RoleKey]]:
    """`role_keys`, or DefinitionError listing its problems."""
    keys, problems = role_keys(project)
    if problems:
        raise DefinitionError("unusable sign-off keys", problems=problems)
    return keys


def verify(data: bytes, keyid: str, sig: str, keys: Mapping[str, RoleKey], role: str) -> str:
    """Why the signature `{keyid, sig}` over `data` is not a valid signature by one of `role`'s
    `keys`; "" when it is."""
    from securesystemslib.exceptions import UnverifiedSignatureError, VerificationError
    from securesystemslib.signer import Signature

    ref = keys.get(keyid)
    if ref is None:
        return (
            f"is signed by key {keyid[:16]}, which signoffs.keys does not list for {role!r} "
            "(wrong key for the role)"
        )
    try:
        ref.key.verify_signature(Signature(keyid, sig), data)
    except (UnverifiedSignatureError, VerificationError, ValueError):
        return (
            f"has a signature by key {keyid[:16]} ({ref.path}) that does not verify: the record "
            "was changed after it was signed (or the signature is corrupt)"
        )
    return ""


def signer_problem(project: Project, role: str, keyid: str | None) -> str:
    """Why `readiness signoff --role ROLE` with the key `keyid` (None: no key) would write a
    record the rules count as missing; "" when it would not."""
    policy = project.definition.signoffs
    if role not in policy.signed:
        return ""
    if keyid is None:
        return f"--role {role!r} must sign (signoffs.signed): give --key or READINESS_SIGNOFF_KEY"
    keys = load_role_keys(project).get(role, {})
    if keyid not in keys:
        listed = ", ".join(f"{k.path} ({k.keyid[:16]})" for k in keys.values()) or "none"
        return (
            f"--key: key {keyid[:16]} is not listed for {role!r} in signoffs.keys "
            f"(listed: {listed})"
        )
    return ""
