"""DSSE envelopes through securesystemslib: sign a statement, read and verify an envelope.

Reading is defensive, since an envelope comes from anywhere: a size ceiling before reading,
strict UTF-8, no duplicate keys (two parsers must never see two different envelopes), no
NaN/Infinity, bounded nesting, only the three DSSE fields, at most MAX_SIGNATURES signatures
and never two with the same key id. The signature is checked over DSSE's pre-authentication
encoding (`DSSEv1 <len> <payloadType> <len> <payload>`, so the payload type is bound too)
before the payload is parsed at all. Every problem is one AttestationError line.
"""

from __future__ import annotations

import binascii
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness.attestation import (
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    AttestationError,
    need_extra,
)

if TYPE_CHECKING:
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import Key, Signer

MAX_ENVELOPE_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 32  # the statement nests 6 deep; an envelope 3
MAX_SIGNATURES = 16


def sign(payload: bytes, signer: Signer) -> bytes:
    """The DSSE envelope (JSON, UTF-8, newline-terminated) of `payload`, signed by `signer`."""
    try:
        from securesystemslib.dsse import Envelope
    except ImportError as exc:
        raise need_extra(exc) from None
    env = Envelope(payload, PAYLOAD_TYPE, {})
    env.sign(signer)
    return (json.dumps(env.to_dict(), indent=2, sort_keys=True) + "\n").encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _Refused(f"duplicate key {k!r}")
        out[k] = v
    return out


class _Refused(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, d = stack.pop()
        deepest = max(deepest, d)
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


def parse_json(data: bytes, what: str) -> Any:
    """Strict JSON: UTF-8, no duplicate keys, no NaN, bounded nesting; AttestationError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AttestationError(f"{what}: not UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        ends = text.rstrip()[-1:]
        hint = " (truncated?)" if exc.pos >= len(text.rstrip()) or ends not in ("}", "]") else ""
        raise AttestationError(
            f"{what}: not valid JSON{hint}: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise AttestationError(f"{what}: nested too deeply (at most {MAX_DEPTH} levels)") from None
    except _Refused as exc:
        raise AttestationError(f"{what}: {exc}") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise AttestationError(f"{what}: unreadable JSON ({exc})") from None
    if _depth(value) > MAX_DEPTH:
        raise AttestationError(f"{what}: nested too deeply (at most {MAX_DEPTH} levels)")
    return value


def read_bytes(path: Path) -> bytes:
    """The envelope file's bytes, refusing one larger than MAX_ENVELOPE_BYTES before reading."""
    try:
        size = path.stat().st_size
        if size > MAX_ENVELOPE_BYTES:
            raise AttestationError(
                f"{path}: {size} bytes exceeds the {MAX_ENVELOPE_BYTES}-byte attestation limit"
            )
        if size == 0:
            raise AttestationError(f"{path}: empty file")
        with path.open("rb") as fh:
            return fh.read(MAX_ENVELOPE_BYTES + 1)[:MAX_ENVELOPE_BYTES]
    except FileNotFoundError:
        raise AttestationError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AttestationError(f"{path}: a directory, not an attestation") from None
    except OSError as exc:
        raise AttestationError(f"{path}: cannot read ({exc.strerror})") from None


def load(data: bytes, where: str) -> Envelope:
    """A DSSE envelope from JSON bytes, refusing anything malformed or ambiguous."""
    try:
        from securesystemslib.dsse import Envelope
        from securesystemslib.exceptions import FormatError
    except ImportError as exc:
        raise need_extra(exc) from None
    doc = parse_json(data, where)
    if not isinstance(doc, dict):
        raise AttestationError(f"{where}: not a DSSE envelope (expected a JSON object)")
    unknown = sorted(set(doc) - {"payload", "payloadType", "signatures"})
    missing = sorted({"payload", "payloadType", "signatures"} - set(doc))
    if missing or unknown:
        what = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}"
        raise AttestationError(f"{where}: not a DSSE envelope ({what})")
    if not isinstance(doc["payload"], str) or not isinstance(doc["payloadType"], str):
        raise AttestationError(f"{where}: payload and payloadType must be strings")
    _check_signatures(doc["signatures"], where)
    try:
        return Envelope.from_dict(doc)
    except (binascii.Error, ValueError, KeyError, TypeError, FormatError) as exc:
        raise AttestationError(
            f"{where}: malformed envelope (bad base64 or signature: {exc})"
        ) from None


def _check_signatures(sigs: object, where: str) -> None:
    """One to MAX_SIGNATURES signatures, each a keyid and a sig, no key twice."""
    if not isinstance(sigs, list) or not sigs:
        raise AttestationError(f"{where}: no signatures")
    if len(sigs) > MAX_SIGNATURES:
        raise AttestationError(f"{where}: {len(sigs)} signatures (at most {MAX_SIGNATURES})")
    seen: set[str] = set()
    for i, s in enumerate(sigs):
        if not isinstance(s, dict) or not all(isinstance(s.get(k), str) for k in ("keyid", "sig")):
            raise AttestationError(f"{where}: signatures[{i}] needs a keyid and a sig (strings)")
        if s["keyid"] in seen:
            raise AttestationError(
                f"{where}: duplicated signature: key id {s['keyid'][:16]} signs twice "
                "(a key counts once toward a threshold)"
            )
        seen.add(s["keyid"])


def verify(env: Envelope, keys: list[Key], threshold: int, where: str) -> list[str]:
    """Check the signatures over the PAE with `keys`; the key ids that verified (at least
    `threshold` distinct keys) or AttestationError saying why not."""
    try:
        from securesystemslib.exceptions import VerificationError
    except ImportError as exc:
        raise need_extra(exc) from None
    if threshold < 1 or threshold > len(keys):
        raise AttestationError(f"--threshold {threshold}: must be between 1 and {len(keys)}")
    ids = {k.keyid for k in keys}
    signed_by = sorted(env.signatures)
    if not ids & set(signed_by):
        raise AttestationError(
            f"{where}: signed by key {', '.join(k[:16] for k in signed_by)}, not by the given "
            f"key {', '.join(sorted(k[:16] for k in ids))} (wrong key?)"
        )
    matching = ids & set(signed_by)
    if len(matching) < threshold:
        raise AttestationError(
            f"{where}: {len(matching)} of the given keys signed, {threshold} required (--threshold)"
        )
    try:
        accepted = env.verify(keys, threshold)
    except VerificationError:
        raise AttestationError(
            f"{where}: the signature does not verify: the payload or its payloadType was "
            "altered after signing (or the signature is corrupt)"
        ) from None
    except ValueError as exc:
        raise AttestationError(f"{where}: {exc}") from None
    return sorted(accepted)


def statement_of(env: Envelope, where: str) -> dict[str, Any]:
    """The in-toto Statement in a verified envelope, checked for type and shape."""
    if env.payload_type != PAYLOAD_TYPE:
        raise AttestationError(
            f"{where}: payloadType {env.payload_type[:60]!r} is not {PAYLOAD_TYPE!r}"
        )
    stmt = parse_json(env.payload, f"{where}: payload")
    if not isinstance(stmt, dict) or stmt.get("_type") != STATEMENT_TYPE:
        raise AttestationError(f"{where}: the payload is not an in-toto Statement v1")
    if stmt.get("predicateType") != PREDICATE_TYPE:
        raise AttestationError(
            f"{where}: predicateType {str(stmt.get('predicateType'))[:80]!r} is not a readiness "
            f"evaluation ({PREDICATE_TYPE})"
        )
    if not isinstance(stmt.get("predicate"), dict) or not isinstance(stmt.get("subject"), list):
        raise AttestationError(f"{where}: the statement has no predicate or no subject")
    return stmt
