"""Signed, re-checkable verdicts: in-toto Statements in DSSE envelopes (`--attest`, `verify`).

`statement` turns an evaluation's `Report` into an in-toto Statement v1 whose predicate
(`PREDICATE_TYPE`) is the decision plus the digest of every input, and serialises it as RFC 8785
canonical JSON. `keys` loads and makes key pairs, `envelope` signs and reads DSSE envelopes
through securesystemslib, and `check` re-hashes the inputs and re-checks expiries for `verify`.

Only this package imports securesystemslib, cryptography and rfc8785, and only inside the
functions that sign or verify: `evaluate` without `--attest` never loads them (the `attest`
extra is optional).
"""

from __future__ import annotations

from readiness.errors import ReadinessError

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://readiness.dev/attestation/evaluation/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
VERIFIER_ID = "https://readiness.dev/verifier/v1"
FILE_NAME = "readiness.intoto.json"
KEY_ENV = "READINESS_SIGNING_KEY"
PASSWORD_ENV = "READINESS_SIGNING_KEY_PASSWORD"  # noqa: S105 - the variable's name, no secret


class AttestationError(ReadinessError):
    """An attestation, envelope or key cannot be used: unreadable, malformed, badly signed."""

    exit_code = 2


def need_extra(exc: ImportError) -> AttestationError:
    """The one message for a missing optional dependency."""
    return AttestationError(
        f"signing and verifying need the attest extra ({exc.name} is not installed): "
        "pip install 'readiness[attest]'"
    )
