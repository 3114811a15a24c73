"""`attest` and `verify`: sign the verdict of the evidence on disk; check an attestation
offline. Each returns the lines to print and the exit code."""

from __future__ import annotations

from pathlib import Path

from readiness.criteria import Stage
from readiness.errors import ExitCode


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
    # Attesting a stored evaluation waits for the history store: it will rebuild the stored
    # Report and hand it to readiness.attestation.attest.attest, as below.
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
