"""`evaluate` and `run`: look up the baseline, evaluate, attest, record; then the reports to
write, the GitHub Actions outputs and the exit code of the whole."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness import atomic
from readiness.errors import ExitCode, UsageError, WriteError

if TYPE_CHECKING:
    from securesystemslib.signer import CryptoSigner as Signer

    from readiness.definition import Project
    from readiness.recording import Memory
    from readiness.render.formats import Format
    from readiness.report import Report


def signer(key: Path | None, out: Path | None) -> Signer | None:
    """The signer of `--attest KEY`, loaded before anything is evaluated (a bad key fails
    fast); None without --attest."""
    if key is None:
        if out is not None:
            raise UsageError("--attest-out needs --attest KEY")
        return None
    from readiness.attestation import keys

    return keys.load_signer(key)


@dataclass(frozen=True)
class Judged:
    """An evaluation done: its report, what became of its recording, and the line saying
    where its attestation was written (empty without --attest)."""

    report: Report
    memory: Memory
    attestation: str


def judge(
    project: Project,
    definition: Path,
    opts: Mapping[str, Any],
    failed_checks: dict[str, str] | None = None,
) -> Judged:
    """Look up the baseline, evaluate, attest and record, with the options of `evaluate`."""
    from readiness import pipeline, recording

    if opts["no_record"] and opts["require_record"]:
        raise UsageError("--require-record and --no-record contradict each other")
    sign = signer(opts["attest_key"], opts["attest_out"])
    clock = pipeline.Clock()
    stage = opts["stage"] or project.definition.stage
    memory = recording.open_memory(
        project,
        db=opts["db"],
        record=not opts["no_record"],
        baseline_id=opts["baseline_id"],
        stage=stage,
        epoch=clock.epoch,
    )
    report = pipeline.build_report(
        project,
        definition,
        stage=opts["stage"],
        evidence_dir=opts["evidence_dir"],
        clock=clock,
        strict=opts["strict"],
        failed_checks=failed_checks,
        baseline=memory.baseline,
        trends=memory.trends,
    )
    digest, line, stmt = None, "", None
    if sign is not None or memory.records:
        # one statement, built once: what --attest signs now is what the store keeps for
        # `readiness attest --evaluation` to sign later
        stmt = recording.statement(
            report,
            project,
            evidence_dir=opts["evidence_dir"],
            commit=recording.head_commit(project.root),
            required=sign is not None,
        )
    if sign is not None:
        assert stmt is not None  # required: built or raised
        digest, line = _attest(stmt, sign, opts)
    recording.record(
        memory, report, project, clock.epoch, attestation_digest=digest, statement=stmt
    )
    return Judged(report, memory, line)


def _attest(stmt: dict[str, Any], sign: Signer, opts: Mapping[str, Any]) -> tuple[str, str]:
    """Write the attestation: the sha256 of its statement (kept with the evaluation) and the
    line saying where it went."""
    from readiness.attestation import FILE_NAME
    from readiness.attestation.attest import sign as sign_statement

    out, report_dir = opts["attest_out"], opts["report_dir"]
    if out is None:
        out = report_dir / FILE_NAME if report_dir is not None else Path(FILE_NAME)
    done = sign_statement(stmt, sign, out)
    line = f"attestation: {done.path} (key {done.keyid[:16]})"
    return f"sha256:{done.statement_sha256}", line


def outputs(
    report: Report,
    json_path: Path | None,
    report_dir: Path | None,
    formats_: tuple[str, ...],
    notes_template: Path | None,
) -> list[tuple[Path, str]]:
    """Every report asked for (`--json`, `--report-dir` with `--format`, all formats by
    default), rendered before anything is written: (path, text)."""
    from readiness.render import jsonreport

    texts: list[tuple[Path, str]] = []
    if json_path is not None:
        texts.append((json_path, jsonreport.render(report)))
    if formats_ and report_dir is None:
        raise UsageError("--format needs --report-dir")
    if report_dir is not None:
        from readiness.render import formats

        names: list[Format] = [formats.parse(n) for n in (formats_ or formats.NAMES)]
        rendered = formats.render_all(report, report_dir, names, notes_template=notes_template)
        texts.extend(rendered.values())
    return texts


def github_annotations(report: Report, environ: Mapping[str, str]) -> list[str]:
    """The workflow commands that annotate each blocker and condition in GitHub Actions."""
    from readiness.render import github

    return github.annotations(report, path_prefix=environ.get("READINESS_PATH_PREFIX", ""))


def github_step_summary(report: Report, environ: Mapping[str, str]) -> list[str]:
    """Append the Markdown summary to $GITHUB_STEP_SUMMARY (shared by the whole step: append);
    the problem writing it, if any."""
    from readiness.render import github, markdown

    path = github.summary_path(environ)
    if path is None:
        return []
    try:
        atomic.append_text(path, markdown.render(report))
    except WriteError as exc:
        return [f"GITHUB_STEP_SUMMARY: {exc}"]
    return []


def exit_code(report: Report, problems: list[str], memory: Memory, require_record: bool) -> int:
    """The verdict's code, unless the evaluation was not recorded under --require-record
    (`NOT_RECORDED`), or a report could not be written after a GO (`REPORT_NOT_WRITTEN`): a CI
    step relying on them must not see a plain GO."""
    if memory.failed and require_record:
        return ExitCode.NOT_RECORDED
    if problems and report.exit_code == ExitCode.GO:
        return ExitCode.REPORT_NOT_WRITTEN
    return report.exit_code
