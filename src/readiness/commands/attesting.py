"""`attest` and `verify`: sign the verdict of the evidence on disk, or of an evaluation in the
store; check an attestation offline. Each returns the lines to print and the exit code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from readiness.criteria import Stage
from readiness.errors import ExitCode, StoreError

if TYPE_CHECKING:
    from readiness.history.store import Store


def attest(
    definition: Path,
    *,
    stage: Stage | None,
    evidence_dir: Path | None,
    root: Path | None,
    key: Path,
    out: Path,
    strict: bool,
) -> tuple[str, int]:
    """Evaluate and write a signed in-toto attestation of the verdict: the line saying what was
    attested where, and the verdict's exit code (as `evaluate`)."""
    from readiness import pipeline
    from readiness.attestation import keys
    from readiness.attestation.attest import attest as attest_report

    signer = keys.load_signer(key)
    project = pipeline.load(definition, root)
    report = pipeline.build_report(
        project,
        definition,
        stage=stage,
        evidence_dir=evidence_dir,
        clock=pipeline.Clock(),
        strict=strict,
    )
    done = attest_report(report, project, signer, out, evidence_dir=evidence_dir)
    rel = report.release
    line = (
        f"attested {report.verdict.verdict.value} for {rel.name} {rel.version} at stage "
        f"{rel.stage}: {done.path} (key {done.keyid[:16]}, statement sha256 "
        f"{done.statement_sha256})"
    )
    return line, report.exit_code


def _evaluation_id(store: Store, which: str) -> int:
    """The id `--evaluation` names: a number, `latest` (the newest in the store), or a release
    name (that release line's newest evaluation)."""
    if which.isdigit():
        return int(which)
    if which == "latest":
        found = store.list(last=1)
        if not found:
            raise StoreError(store.name, "has no evaluation")
        return found[0].id
    found = store.list(which, last=1)
    if not found:
        raise StoreError(
            store.name,
            f"has no evaluation of a release {which!r} "
            "(--evaluation takes an id, `latest` or a release name)",
        )
    return found[0].id


def attest_stored(
    which: str, *, db: str | None, root: Path | None, key: Path, out: Path
) -> tuple[str, int]:
    """Sign the statement recorded with a stored evaluation (`--evaluation ID|latest|RELEASE`)
    and keep the attestation's digest with it: the line saying what was attested where, and
    the attested verdict's exit code (as `evaluate` gave it then).

    The statement is the one built when the evaluation was made, so the attestation is byte
    for byte what `evaluate --attest` would have written then; nothing is evaluated again. A
    store that does not exist is an error (never created empty), and so is an evaluation
    recorded without a statement (before schema revision 0003)."""
    from readiness.attestation import AttestationError, keys, statement
    from readiness.attestation.attest import sign
    from readiness.history import open_store

    signer = keys.load_signer(key)
    with open_store(db or None, root if root is not None else Path.cwd(), create=False) as store:
        ident = _evaluation_id(store, which)
        text = store.statement(ident)
        if text is None:
            raise AttestationError(
                f"evaluation #{ident} in {store.name} cannot be attested: it was recorded "
                "without its attestation statement (by a readiness before schema revision "
                "0003, or its gate and check files could not be read then); evaluate again "
                "and attest the new evaluation"
            )
        stmt = statement.from_stored(text, f"evaluation #{ident} in {store.name}")
        done = sign(stmt, signer, out)
        store.set_attestation(ident, f"sha256:{done.statement_sha256}")
    pred = stmt["predicate"]
    rel = pred.get("release", {})
    line = (
        f"attested {pred.get('verdict')} for {rel.get('name')} {rel.get('version')} at stage "
        f"{pred.get('stage')} (evaluation #{ident}, evaluated {pred.get('timeVerified')}): "
        f"{done.path} (key {done.keyid[:16]}, statement sha256 {done.statement_sha256})"
    )
    code = pred.get("exitCode")
    return line, code if isinstance(code, int) and code in (0, 1) else ExitCode.NO_GO


def verify(
    attestation: Path,
    key_paths: tuple[Path, ...],
    *,
    threshold: int,
    evidence_dir: Path | None,
    root: Path | None,
) -> tuple[list[str], int]:
    """Verify the signature, then every attested input and expiry: the lines of the outcome
    and its exit code (1 when a file changed, is missing or extra, or a waiver expired)."""
    from readiness import pipeline
    from readiness.attestation.attest import verify as verify_file

    done = verify_file(
        attestation,
        list(key_paths),
        threshold=threshold,
        root=root if root is not None else Path.cwd(),
        evidence_dir=evidence_dir,
        today=pipeline.Clock().today,
    )
    out = done.outcome
    ids = ", ".join(k[:16] for k in done.keyids)
    lines = [f"signature: OK (key {ids}; {len(done.keyids)} of {threshold} required)"]
    lines += [*out.lines, *out.problems]
    if out.problems:
        lines.append(f"verify: FAILED: {len(out.problems)} problem(s), {out.checked} files checked")
        return lines, ExitCode.NO_GO
    lines.append(f"verify: OK: {out.checked} files unchanged, no expired waiver or acceptance")
    return lines, ExitCode.GO
