"""The command line: the only module that prints or exits.

One handler maps every error to the exit-code table of `readiness.errors.ExitCode`.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":  # `python -m readiness.cli`: a plain `inspect` runs before click loads
    from readiness import cli_inspect

    cli_inspect.fast(sys.argv[1:])

import contextlib
import errno
import functools
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click
from click.core import ParameterSource

from readiness import __version__, cli_inspect
from readiness.cli_paths import Directory, InputFile
from readiness.criteria import STAGES, Stage
from readiness.errors import ExitCode, ReadinessError, UsageError, WriteError
from readiness.render.formats import NAMES as FORMAT_NAMES

if TYPE_CHECKING:
    from readiness.commands.evaluate import Judged

# Heavy modules (pydantic models, the evaluation, renderers) are imported inside the commands
# that need them: `inspect` and `--help` stay fast, and no command imports what it does not use.


stage_option = click.option(
    "--stage",
    type=click.Choice(STAGES),
    default=None,
    help="Evaluate for this stage instead of the definition's own.",
)
root_option = click.option(
    "--root",
    type=Directory(),
    default=None,
    help="Project root holding checks/ and gates/ (default: the parent of definitions/).",
)
evidence_option = click.option(
    "--evidence-dir",
    type=Directory(),
    default=None,
    help="Directory the checks' evidence globs are relative to (default: the project root).",
)
definition_arg = click.argument("definition", type=InputFile())


OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EPIPE, errno.EIO, errno.EDQUOT})


def _finish(judged: Judged, opts: dict[str, Any]) -> NoReturn:
    """Print the summary, write the requested reports (and GitHub Actions annotations and step
    summary when running there), exit with the code `commands.evaluate.exit_code` says.

    A report that cannot be written never hides behind the verdict: each failure is one line
    after the summary, the other reports are still written, and the exit code is the verdict's
    when it is already non-zero, else `ExitCode.REPORT_NOT_WRITTEN` (2): a CI step relying on
    the reports must not see a plain GO. The same holds for the evaluation store: what became
    of the recording is one line after the reports, and an evaluation that was not recorded
    exits as its verdict says, unless `--require-record` (then `ExitCode.NOT_RECORDED`).
    """
    from readiness.commands import evaluate as work
    from readiness.render import terminal

    report, memory = judged.report, judged.memory
    outputs = work.outputs(
        report, opts["json_path"], opts["report_dir"], opts["formats_"], opts["notes_template"]
    )
    use_color = _isatty(sys.stdout) if opts["color"] is None else opts["color"]
    out = _Stdout()
    out.echo(terminal.render(report, color=use_color, final=not outputs), nl=False)
    problems = _write(outputs, out.echo)
    if outputs:  # the verdict stays the last line of a CI log, after the reports' paths
        out.echo("\n" + terminal.final_line(report, color=use_color), nl=False)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in work.github_annotations(report, os.environ):
            out.echo(line)
        problems.extend(work.github_step_summary(report, os.environ))
    if out.problem is not None:
        problems.insert(0, out.problem)
    for problem in problems:
        click.echo(f"readiness: error: {problem}", err=True)
    for line in memory.lines:
        if line.startswith("readiness:"):
            click.echo(line, err=True)
        else:
            out.echo(line)
    raise SystemExit(work.exit_code(report, problems, memory, opts["require_record"]))


def _write(outputs: list[tuple[Path, str]], echo: Callable[[str], None]) -> list[str]:
    """Write each file atomically, saying `report: PATH` for each; the failures, one line each."""
    from readiness import atomic

    problems: list[str] = []
    for path, text in outputs:
        try:
            atomic.write_text(path, text)
        except WriteError as exc:
            problems.append(str(exc))
        else:
            echo(f"report: {path}")
    return problems


def _isatty(stream: IO[str] | None) -> bool:
    """Whether `stream` is a terminal (False when it is closed: `readiness ... >&-`)."""
    return stream is not None and stream.isatty()


class _Stdout:
    """Standard output that remembers its first failure (a full disk, a closed pipe) instead of
    raising: the reports are still written, and the failure is reported with them."""

    def __init__(self) -> None:
        self.problem: str | None = None

    def echo(self, text: str, *, nl: bool = True) -> None:
        if self.problem is not None:
            return
        try:
            click.echo(text, nl=nl)  # click flushes after each call
        except OSError as exc:
            self.problem = _stdout_failed(exc)


def _stdout_failed(exc: OSError) -> str:
    """The one line for a standard output that cannot be written; later writes (and Python's
    own flush at exit) go to /dev/null instead of raising again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return f"cannot write to standard output: {exc.strerror or exc}"


attest_options = [
    click.option(
        "--attest",
        "attest_key",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="READINESS_SIGNING_KEY",
        default=None,
        help="Sign the verdict with this PEM private key (Ed25519 or ECDSA P-256): write an "
        "in-toto attestation (env: READINESS_SIGNING_KEY).",
    ),
    click.option(
        "--attest-out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Where --attest writes (default: readiness.intoto.json in --report-dir, or here).",
    ),
]


db_option = click.option(
    "--db",
    metavar="URL",
    envvar="READINESS_DB",
    default=None,
    help="The evaluation store: postgresql://USER@HOST/DB or sqlite:///PATH "
    "(env: READINESS_DB; default: .readiness/history.sqlite under the project root).",
)
history_options = [
    db_option,
    click.option("--no-record", is_flag=True, help="Do not record this evaluation in the store."),
    click.option(
        "--require-record",
        is_flag=True,
        help="Exit 2 when the evaluation could not be recorded (default: the verdict's code).",
    ),
    click.option(
        "--baseline",
        "baseline_id",
        type=click.IntRange(min=1),
        metavar="EVAL_ID",
        default=None,
        help="Compare with this stored evaluation instead of the latest GO or CONDITIONAL GO.",
    ),
]


def _judge_and_finish(
    project: Any,
    definition: Path,
    opts: dict[str, Any],
    failed_checks: dict[str, str] | None = None,
) -> NoReturn:
    """Look up the baseline, evaluate, attest, record (`commands.evaluate.judge`), then print
    and write (`_finish`)."""
    from readiness.commands import evaluate as work

    judged = work.judge(project, definition, opts, failed_checks)
    if judged.attestation:
        click.echo(judged.attestation)
    _finish(judged, opts)


def report_options(func: Any) -> Any:
    """The options `evaluate` and `run` share: where the evidence is and which reports to write."""
    options = [
        definition_arg,
        stage_option,
        evidence_option,
        root_option,
        click.option(
            "--json",
            "json_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write the JSON report to this file.",
        ),
        click.option(
            "--report-dir",
            type=Directory(),
            default=None,
            help="Write every report format into this directory (or those given by --format).",
        ),
        click.option(
            "--format",
            "formats_",
            multiple=True,
            type=click.Choice(FORMAT_NAMES),
            help="A report format to write into --report-dir (repeatable).",
        ),
        click.option(
            "--notes-template",
            type=InputFile(),
            default=None,
            help="Jinja2 template for the launch notes (format notes).",
        ),
        click.option("--strict", is_flag=True, help="Exit 1 on CONDITIONAL GO too."),
        click.option(
            "--color/--no-color", default=None, help="Colour the summary (default: on a tty)."
        ),
        *attest_options,
        *history_options,
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="readiness")
def cli() -> None:
    """Launch readiness: GO, CONDITIONAL GO or NO-GO for a release, and exactly why."""


@cli.command()
@definition_arg
@root_option
def validate(definition: Path, root: Path | None) -> None:
    """Validate a definition and every check and gate it names (exit 2 on any problem)."""
    from readiness import pipeline

    project = pipeline.load(definition, root)
    crits = project.criteria()
    click.echo(
        f"{project.doc.path}: valid ({len(project.checks)} checks, {len(project.gates)} gates, "
        f"{len(crits)} criteria)"
    )


@cli.command()
@report_options
def evaluate(definition: Path, root: Path | None, **opts: Any) -> None:
    """Evaluate the evidence already on disk, print the verdict and record it in the
    evaluation store (unless --no-record)."""
    from readiness import pipeline

    project = pipeline.load(definition, root)
    _judge_and_finish(project, definition, opts)


@cli.command()
@report_options
@click.option("--only", multiple=True, metavar="CHECK", help="Run only these checks' commands.")
@click.option(
    "--log-dir",
    type=Directory(),
    default=None,
    help="Where each command's log is kept (default: build/logs under the root).",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow services and load tests to target a non-loopback host.",
)
@click.option(
    "--progress-interval",
    type=click.FloatRange(min=0.5, max=3600),
    callback=lambda _ctx, _param, value: _finite("--progress-interval", value),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="Off a terminal (a CI log): print each running check's progress this often.",
)
def run(
    definition: Path,
    root: Path | None,
    evidence_dir: Path | None,
    only: tuple[str, ...],
    log_dir: Path | None,
    allow_remote: bool,
    progress_interval: float,
    **opts: Any,
) -> None:
    """Run the checks' commands (starting their services), then evaluate and record as
    `evaluate` does.

    Progress goes to standard error: a live display on a terminal, a line per running check
    every --progress-interval seconds otherwise."""
    from readiness import pipeline
    from readiness.commands import evaluate as work
    from readiness.commands import run as running

    work.signer(opts["attest_key"], opts["attest_out"])  # a bad key fails before anything runs
    opts["evidence_dir"] = evidence_dir
    project = pipeline.load(definition, root)
    chosen = running.check_only(project, only)
    failed = running.collect(
        project,
        evidence_dir if evidence_dir is not None else project.root,
        log_dir if log_dir is not None else project.root / "build" / "logs",
        only=chosen,
        allow_remote=allow_remote,
        stream=sys.stderr,
        tty=_isatty(sys.stderr),
        interval=progress_interval,
    )
    _judge_and_finish(project, definition, opts, failed_checks=failed)


@cli.command()
@definition_arg
@stage_option
@evidence_option
@root_option
@click.option(
    "--template",
    type=InputFile(),
    default=None,
    help="Your own Jinja2 template (sandboxed) instead of the built-in one.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the notes to this file (default: standard output).",
)
def notes(
    definition: Path,
    stage: Stage | None,
    evidence_dir: Path | None,
    root: Path | None,
    template: Path | None,
    output: Path | None,
) -> None:
    """Render the launch notes (Markdown) from the definition and the evaluated evidence."""
    from readiness import pipeline
    from readiness.render import notes as notes_mod

    report = pipeline.report_for(definition, root=root, stage=stage, evidence_dir=evidence_dir)
    text = notes_mod.render(report, template)
    if output is not None:
        from readiness import atomic

        atomic.write_text(output, text)
        click.echo(f"launch notes: {output}")
    else:
        click.echo(text, nl=False)


@cli.command()
@definition_arg
@evidence_option
@root_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def metrics(definition: Path, evidence_dir: Path | None, root: Path | None, as_json: bool) -> None:
    """List every metric the evidence provides, with value and unit."""
    from readiness.commands import inspecting

    rows, problems = inspecting.listing(definition, evidence_dir, root)
    if as_json:
        click.echo(inspecting.listing_json(rows, problems))
        return
    for line in inspecting.table(rows):
        click.echo(line)
    for p in problems:
        click.echo(f"  ! {p}", err=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    required=True,
    help="Evidence kind: junit, locust, sarif, bandit, pip-audit, trivy, gitleaks, semgrep, zap, "
    "signoffs, or a plugin's (`readiness kinds` describes each).",
)
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="An adapter option, as in a check's `options:` (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inspect(files: tuple[Path, ...], kind: str, options: tuple[str, ...], as_json: bool) -> None:
    """Show the metrics of evidence files, no definition needed (exit 1 if unreadable)."""
    from readiness.commands import inspecting

    opts = inspecting.adapter_options(options)
    missing = [str(f) for f in files if not f.exists()]
    special = [str(f) for f in files if f.exists() and not f.is_file()]
    from readiness.render import safe  # file names and errors may quote hostile text

    for what, paths in (("no such file", missing), ("not a regular file", special)):
        if paths:
            shown = safe.terminal_block(", ".join(paths))
            click.echo(f"readiness: error: {what}: {shown}", err=True)
            raise SystemExit(ExitCode.NO_GO)
    from readiness.errors import EvidenceError

    try:
        text = inspecting.inspect(files, kind, opts, as_json)
    except EvidenceError as exc:
        click.echo(f"readiness: error: {safe.terminal_block(exc)}", err=True)
        raise SystemExit(ExitCode.NO_GO) from None
    click.echo(text)


@cli.command()
@definition_arg
@root_option
@evidence_option
@click.option(
    "--role",
    required=True,
    help="The role signing: one of the definition's signoffs.required or signoffs.optional.",
)
@click.option("--name", required=True, help="The person signing.")
@click.option(
    "--decision",
    required=True,
    type=click.Choice(["approve", "reject", "approve-with-conditions"]),
)
@click.option("--comment", default="", help="Conditions, or the reason for a rejection.")
@click.option(
    "--file",
    "file_",
    type=InputFile(must_exist=False),
    default=None,
    help="Sign-off file to append to (default: the signoffs check's evidence file).",
)
@click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="READINESS_SIGNOFF_KEY",
    default=None,
    help="Sign the record with this PEM private key, Ed25519 or ECDSA P-256 "
    "(env: READINESS_SIGNOFF_KEY).",
)
def signoff(
    definition: Path,
    root: Path | None,
    evidence_dir: Path | None,
    role: str,
    name: str,
    decision: str,
    comment: str,
    file_: Path | None,
    key: Path | None,
) -> None:
    """Record a sign-off for the definition's version (appended atomically, never losing any),
    signed with --key when given."""
    from readiness.commands import signoff as work

    done = work.signoff(
        definition,
        root,
        evidence_dir,
        role=role,
        name=name,
        decision=decision,
        comment=comment,
        file_=file_,
        key=key,
    )
    for line in done.lines:
        click.echo(line)
    for note in done.notes:
        click.echo(note, err=True)


@cli.command()
@click.argument("kind", required=False)
def kinds(kind: str | None) -> None:
    """Describe the evidence kinds: what each reads, its options and its severity mapping."""
    from readiness.commands import describe

    click.echo(describe.kinds(kind), nl=False)


@cli.command()
@click.argument("kind", type=click.Choice(["definition", "gate", "check"]), default="definition")
def schema(kind: str) -> None:
    """Print the JSON Schema of definition, gate or check files (for editors)."""
    from readiness.commands import describe

    click.echo(describe.schema(kind))


@cli.command()
@click.option(
    "--type",
    "key_type",
    type=click.Choice(["ed25519", "ecdsa-p256"]),
    default="ed25519",
    show_default=True,
    help="The key type.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for readiness.key (private, mode 0600) and readiness.pub (public).",
)
def keygen(key_type: str, out: Path) -> None:
    """Make a signing key pair for trying attestations out (keep real keys in a KMS or vault)."""
    from readiness.attestation import keys

    kind: keys.KeyType = "ecdsa-p256" if key_type == "ecdsa-p256" else "ed25519"
    private, public, keyid = keys.keygen(kind, out)
    click.echo(f"private key: {private} (mode 0600; never commit it)")
    click.echo(f"public key:  {public}")
    click.echo(f"key id:      {keyid}")


@cli.command()
@click.argument("definition", type=InputFile(), required=False)
@click.option(
    "--evaluation",
    metavar="ID|latest|RELEASE",
    default=None,
    help="Attest this evaluation from the store instead of evaluating DEFINITION: its id, "
    "`latest`, or a release name (that release's newest).",
)
@stage_option
@evidence_option
@click.option(
    "--root",
    type=Directory(),
    default=None,
    help="Project root holding checks/ and gates/ (default: the parent of definitions/); with "
    "--evaluation, where the default store is (default: here).",
)
@db_option
@click.option(
    "--key",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="READINESS_SIGNING_KEY",
    help="PEM private key, Ed25519 or ECDSA P-256 (env: READINESS_SIGNING_KEY).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("readiness.intoto.json"),
    show_default=True,
    help="Where to write the attestation.",
)
@click.option("--strict", is_flag=True, help="Exit 1 on CONDITIONAL GO too.")
def attest(
    definition: Path | None,
    evaluation: str | None,
    stage: Stage | None,
    evidence_dir: Path | None,
    root: Path | None,
    db: str | None,
    key: Path,
    out: Path,
    strict: bool,
) -> None:
    """Evaluate the evidence on disk (DEFINITION) and write a signed in-toto attestation of the
    verdict; or, with --evaluation, attest an evaluation recorded in the store, as it was
    judged then, and mark it attested (exit code: the verdict's, as `evaluate`)."""
    from readiness.commands import attesting

    if evaluation is not None:
        if definition is not None:
            raise UsageError("attest: give a DEFINITION or --evaluation, not both")
        given = [o for o, v in (("--stage", stage), ("--evidence-dir", evidence_dir)) if v]
        if strict:
            given.append("--strict")
        if given:
            raise UsageError(
                f"attest --evaluation: {', '.join(given)} apply when evaluating a DEFINITION; "
                "a stored evaluation is attested as it was judged"
            )
        line, code = attesting.attest_stored(evaluation, db=db, root=root, key=key, out=out)
    elif definition is None:
        raise UsageError(
            "attest: give a DEFINITION to evaluate, or --evaluation ID for a stored evaluation"
        )
    elif click.get_current_context().get_parameter_source("db") == ParameterSource.COMMANDLINE:
        raise UsageError("attest DEFINITION: --db applies to --evaluation (a stored evaluation)")
    else:
        line, code = attesting.attest(
            definition,
            stage=stage,
            evidence_dir=evidence_dir,
            root=root,
            key=key,
            out=out,
            strict=strict,
        )
    click.echo(line)
    raise SystemExit(code)


@cli.command()
@click.argument("attestation", type=click.Path(path_type=Path))
@click.option(
    "--key",
    "key_paths",
    required=True,
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="PEM public key of a trusted signer (repeatable).",
)
@click.option(
    "--threshold",
    type=int,
    default=1,
    show_default=True,
    help="How many distinct given keys must have signed.",
)
@evidence_option
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project root the attested paths are relative to (default: the current directory).",
)
def verify(
    attestation: Path,
    key_paths: tuple[Path, ...],
    threshold: int,
    evidence_dir: Path | None,
    root: Path | None,
) -> None:
    """Verify an attestation offline: its signature, then that the definition, gates, checks
    and evidence are still what was judged and that no waiver or acceptance has expired.

    Exit 0: all holds; 1: a file changed, is missing or extra, or a waiver expired;
    2: the attestation, key or usage is unusable (bad signature, wrong key, malformed file).
    """
    from readiness.commands import attesting

    lines, code = attesting.verify(
        attestation, key_paths, threshold=threshold, evidence_dir=evidence_dir, root=root
    )
    for line in lines:
        click.echo(line)
    if code:
        raise SystemExit(code)


@cli.command()
@click.argument("directory", type=Directory(), default=".", required=False)
@click.option(
    "--since",
    default=None,
    metavar="7d|DATE",
    help="Add what changed since the last review: N days ago, or since a date (YYYY-MM-DD).",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(["terminal", "markdown", "json", "html"]),
    default="terminal",
    show_default=True,
    help="What to print on standard output.",
)
@click.option(
    "--report-dir",
    type=Directory(),
    default=None,
    help="Also write portfolio.json, portfolio.md and portfolio.html into this directory.",
)
@click.option("--run", "run_checks", is_flag=True, help="Run the checks' commands first.")
@click.option(
    "--record/--no-record",
    default=True,
    show_default=True,
    help="Record each release's evaluation in the evaluation store.",
)
@click.option(
    "--db",
    "store_url",
    envvar="READINESS_DB",
    default=None,
    help="Evaluation store URL (default: DIR/.readiness/history.sqlite; env: READINESS_DB).",
)
@click.option(
    "--expiring-within",
    type=click.IntRange(0, 3660),
    default=14,
    show_default=True,
    help="Days ahead for waivers and risk acceptances that expire soon.",
)
@click.option("--color/--no-color", default=None, help="Colour the summary (default: on a tty).")
def portfolio(
    directory: Path,
    since: str | None,
    format_: str,
    report_dir: Path | None,
    run_checks: bool,
    record: bool,
    store_url: str | None,
    expiring_within: int,
    color: bool | None,
) -> None:
    """Evaluate every definition in DIR/definitions in dependency order and print the
    management view: verdicts, milestones, what blocks whom, risks, what expires, sign-offs
    owed, what changed (exit 0: all on track and not NO-GO; 1 otherwise; 2: invalid)."""
    from readiness.commands import portfolio as work
    from readiness.commands import run as running

    runner = None
    if run_checks:
        runner = running.portfolio_runner(directory, sys.stderr, _isatty(sys.stderr))
    result = work.build(
        directory,
        since=since,
        record=record,
        store_url=store_url,
        expiring_within=expiring_within,
        runner=runner,
    )
    use_color = _isatty(sys.stdout) if color is None else color
    out = _Stdout()
    out.echo(work.text(result, format_, color=use_color), nl=False)
    problems = [out.problem] if out.problem else []
    if report_dir is not None:
        echo = functools.partial(click.echo, err=format_ != "terminal")
        problems += _write(work.files(result, report_dir), echo)
    for problem in problems:
        click.echo(f"readiness: error: {problem}", err=True)
    if problems and result.exit_code == 0:
        raise SystemExit(ExitCode.REPORT_NOT_WRITTEN)
    raise SystemExit(result.exit_code)


class _DefaultGroup(click.Group):
    """A group whose first argument, when not one of its commands, goes to `show`:
    `readiness history DEF` and `readiness history prune` side by side."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=_DefaultGroup)
def history() -> None:
    """Past evaluations in the store: `history DEF` lists them, `history prune` bounds them."""


@history.command("show")
@definition_arg
@root_option
@db_option
@click.option("--last", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--criterion", metavar="GATE.ID", default=None, help="That criterion's series.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
def history_show(
    definition: Path,
    root: Path | None,
    db: str | None,
    last: int,
    criterion: str | None,
    as_json: bool,
) -> None:
    """One line per evaluation of the definition's release, newest first: when, version,
    stage, commit, verdict, blockers, attested."""
    from readiness.commands import history as work

    text = work.show(definition, root, db, last=last, criterion=criterion, as_json=as_json)
    click.echo(text, nl=False)


@history.command("prune")
@db_option
@click.option("--root", type=Directory(), default=None, help="Project root (default: here).")
@click.option("--keep", type=int, default=None, help="Keep each release line's newest N.")
@click.option("--older-than", metavar="AGE", default=None, help="Delete older, e.g. 90d.")
def history_prune(
    db: str | None, root: Path | None, keep: int | None, older_than: str | None
) -> None:
    """Delete old evaluations; each release line's baseline is always kept."""
    from readiness.commands import history as work

    click.echo(work.prune(db, root, keep, older_than), nl=False)


@cli.command()
@click.argument("targets", nargs=-1, required=True, metavar="DEF | A B")
@root_option
@db_option
def diff(targets: tuple[str, ...], root: Path | None, db: str | None) -> None:
    """What changed between two evaluations (ids A B), or between a definition's latest
    evaluation and its baseline: verdict, flipped criteria, metric deltas, evidence, failing
    tests and findings."""
    from readiness.commands import history as work

    click.echo(work.diff(targets, root, db), nl=False)


def _annotate(exc: ReadinessError) -> None:
    """Under GitHub Actions, an invalid definition also annotates each problem's file and line."""
    from readiness.errors import DefinitionError

    if os.environ.get("GITHUB_ACTIONS") != "true" or not isinstance(exc, DefinitionError):
        return
    from readiness.render import github

    prefix = os.environ.get("READINESS_PATH_PREFIX", "")
    with contextlib.suppress(OSError):  # a closed stdout must not turn exit 2 into a traceback
        for line in github.problem_annotations(exc.problems, path_prefix=prefix):
            click.echo(line)


def _finite(option: str, value: float) -> float:
    """click's FloatRange lets NaN through (every comparison with it is false)."""
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number", param_hint=option)
    return value


# click >= 8.2 raises this for a group called without its command (8.1 printed the help and
# exited 0 itself); an exception no code raises stands in for it on 8.1.
NO_ARGS_IS_HELP: type[click.UsageError] = getattr(
    click.exceptions, "NoArgsIsHelpError", type("_NeverRaised", (click.UsageError,), {})
)


def _usage_error(exc: click.UsageError) -> NoReturn:
    """A bad option, a missing argument...: one line, exit 2. A group called without its
    command (`readiness`, `readiness history`): its help as click lays it out, exit 2."""
    if isinstance(exc, NO_ARGS_IS_HELP) and exc.ctx is not None:
        click.echo(exc.ctx.get_help(), err=True)
        sys.exit(ExitCode.INVALID)
    command = exc.ctx.command_path if exc.ctx is not None else "readiness"
    message = " ".join(exc.format_message().split())
    click.echo(f"readiness: error: {message} (see '{command} --help')", err=True)
    sys.exit(ExitCode.INVALID)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: run the CLI and map every outcome to the exit-code table. As a process
    of its own (no `argv`), it leaves without tearing the interpreter down
    (`cli_inspect.leave`)."""
    try:
        _main(argv)
    except SystemExit as exc:
        if argv is None:
            cli_inspect.leave(exc.code)
        raise


def _main(argv: Sequence[str] | None) -> NoReturn:
    """Run the CLI and map every outcome to the exit-code table."""
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        cli_inspect.run(args)  # a plain `inspect`, as click would run it (exits); else returns
        cli.main(args=args, standalone_mode=False)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
        sys.exit(code)
    except click.exceptions.Abort:
        click.echo("readiness: interrupted", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except click.UsageError as exc:
        _usage_error(exc)
    except click.ClickException as exc:
        click.echo(f"readiness: error: {' '.join(exc.format_message().split())}", err=True)
        sys.exit(ExitCode.INVALID)
    except ReadinessError as exc:
        from readiness.render import safe  # a message may quote evidence or definition text

        click.echo(f"readiness: error: {safe.terminal_block(exc)}", err=True)
        _annotate(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("readiness: interrupted", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except OSError as exc:
        # files are written through `atomic` (WriteError) and read by the adapters (which name
        # the path): an errno of the output without a file name is standard output's
        if exc.filename is None and exc.errno in OUTPUT_ERRNOS:
            click.echo(f"readiness: error: {_stdout_failed(exc)}", err=True)
            sys.exit(ExitCode.INVALID)
        _internal_error()
    except Exception:
        _internal_error()
    sys.exit(0)


def _internal_error() -> NoReturn:
    """A bug: the traceback, one line saying so, exit 3 (traceback imported only then)."""
    import traceback

    traceback.print_exc()
    click.echo("readiness: internal error (a bug in readiness; please report it)", err=True)
    sys.exit(ExitCode.INTERNAL)


if __name__ == "__main__":  # pragma: no cover
    main()
