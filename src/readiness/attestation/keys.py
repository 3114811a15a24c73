"""Keys from PEM files: Ed25519 and ECDSA P-256, through securesystemslib and pyca/cryptography.

Private keys are PKCS#8 PEM (an encrypted one reads its password from
READINESS_SIGNING_KEY_PASSWORD); public keys are SubjectPublicKeyInfo PEM, the format
`cosign`, `openssl pkey -pubout` and `readiness keygen` write. The key id is securesystemslib's
default: the sha256 of the canonical JSON of the public key.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from readiness import atomic
from readiness.attestation import PASSWORD_ENV, AttestationError, need_extra

if TYPE_CHECKING:
    from securesystemslib.signer import CryptoSigner, SSlibKey

KeyType = Literal["ed25519", "ecdsa-p256"]
KEY_TYPES: tuple[KeyType, ...] = ("ed25519", "ecdsa-p256")
SUPPORTED = "Ed25519 and ECDSA P-256 keys are supported"


def _read(path: Path, what: str) -> bytes:
    from readiness.evidence.signing import read_key_file

    try:
        return read_key_file(path)
    except ValueError as exc:
        raise AttestationError(f"{path}: {exc} ({what})") from None
    except FileNotFoundError:
        raise AttestationError(f"{path}: no such {what} file") from None
    except OSError as exc:
        raise AttestationError(f"{path}: cannot read the {what} ({exc.strerror})") from None


def load_signer(path: Path) -> CryptoSigner:
    """A signer for the PEM private key at `path` (AttestationError if unusable)."""
    try:
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
        from securesystemslib.signer import CryptoSigner
    except ImportError as exc:
        raise need_extra(exc) from None
    data = _read(path, "private key")
    password = os.environ.get(PASSWORD_ENV)
    try:
        key = load_pem_private_key(data, password.encode() if password else None)
    except TypeError:
        raise AttestationError(
            f"{path}: the key is encrypted: set {PASSWORD_ENV}"
            if not password
            else f"{path}: the key is not encrypted: unset {PASSWORD_ENV}"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        if b"PUBLIC KEY" in data:
            raise AttestationError(f"{path}: a public key; signing needs the private key") from None
        raise AttestationError(
            f"{path}: not a PEM private key (or a wrong {PASSWORD_ENV})"
        ) from None
    p256 = isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)
    if not (isinstance(key, ed25519.Ed25519PrivateKey) or p256):
        raise AttestationError(f"{path}: unsupported key type: {SUPPORTED}")
    return CryptoSigner(key)


def load_public(path: Path) -> SSlibKey:
    """The public key in the PEM file at `path` (AttestationError if unusable)."""
    try:
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
        from securesystemslib.signer import SSlibKey
    except ImportError as exc:
        raise need_extra(exc) from None
    data = _read(path, "public key")
    if b"PRIVATE KEY" in data:
        raise AttestationError(f"{path}: a private key; verify needs the public key")
    try:
        key = load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise AttestationError(f"{path}: not a PEM public key") from None
    p256 = isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    if not (isinstance(key, ed25519.Ed25519PublicKey) or p256):
        raise AttestationError(f"{path}: unsupported key type: {SUPPORTED}")
    return SSlibKey.from_crypto(key)


def public_pem(signer: CryptoSigner) -> bytes:
    """The SubjectPublicKeyInfo PEM of a signer's public key."""
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_pem_private_key,
    )

    private = load_pem_private_key(signer.private_bytes, None)
    return private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def keygen(kind: KeyType, out: Path, name: str = "readiness") -> tuple[Path, Path, str]:
    """Make a key pair: `out/<name>.key` (PKCS#8 PEM, mode 0600, never overwritten) and
    `out/<name>.pub` (PEM). Returns both paths and the key id."""
    try:
        from securesystemslib.signer import CryptoSigner
    except ImportError as exc:
        raise need_extra(exc) from None
    signer = CryptoSigner.generate_ed25519() if kind == "ed25519" else CryptoSigner.generate_ecdsa()
    private, public = out / f"{name}.key", out / f"{name}.pub"
    for p in (private, public):
        if p.exists():
            raise AttestationError(f"{p}: already exists (not overwritten)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise AttestationError(f"{private}: cannot create ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(signer.private_bytes)
            fh.flush()
            os.fsync(fh.fileno())
        atomic.write_bytes(public, public_pem(signer))
    except BaseException:
        with contextlib.suppress(OSError):
            private.unlink()
        raise
    return private, public, signer.public_key.keyid
