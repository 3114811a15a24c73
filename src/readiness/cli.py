"""The command line: the only module that prints or exits.

One handler maps every error to the exit-code table of `readiness.errors.ExitCode`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click

from readiness import __version__, atomic
from readiness.cli_paths import Directory, InputFile
from readiness.criteria import STAGES, Stage
from readiness.errors import ExitCode, ReadinessError, UsageError, WriteError

if TYPE_CHECKING:
    from readiness.recording import Memory
    from readiness.report import Report

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
DEFAULT_FORMATS = ("json", "html", "markdown", "junit", "notes")  # all of them


def _finish(
    report: Report,
    json_path: Path | None,
    color: bool | None,
    report_dir: Path | None = None,
    formats_: tuple[str, ...] = (),
    notes_template: Path | None = None,
    memory: Memory | None = None,
    require_record: bool = False,
) -> NoReturn:
    """Print the summary, write the requested reports (and GitHub Actions annotations and step
    summary when running there), exit with the verdict's code.

    A report that cannot be written never hides behind the verdict: each failure is one line
    after the summary, the other reports are still written, and the exit code is the verdict's
    when it is already non-zero, else `ExitCode.REPORT_NOT_WRITTEN` (2): a CI step relying on
    the reports must not see a plain GO. The same holds for the evaluation store: what became
    of the recording is one line after the reports, and an evaluation that was not recorded
    exits as its verdict says, unless `--require-record` (then `ExitCode.NOT_RECORDED`).
    """
    from readiness.render import jsonreport, terminal

    outputs: list[tuple[Path, str]] = []
    if json_path is not None:
        outputs.append((json_path, jsonreport.render(report)))
    if formats_ and report_dir is None:
        raise UsageError("--format needs --report-dir")
    if report_dir is not None:
        from readiness.render import formats

        names = [formats.parse(n) for n in (formats_ or DEFAULT_FORMATS)]
        texts = formats.render_all(report, report_dir, names, notes_template=notes_template)
        outputs.extend(texts.values())
    use_color = _isatty(sys.stdout) if color is None else color
    out = _Stdout()
    out.echo(terminal.render(report, color=use_color, final=not outputs), nl=False)
    problems: list[str] = []
    for path, text in outputs:
        try:
            atomic.write_text(path, text)
        except WriteError as exc:
            problems.append(str(exc))
        else:
            out.echo(f"report: {path}")
    if outputs:  # the verdict stays the last line of a CI log, after the reports' paths
        out.echo("\n" + terminal.final_line(report, color=use_color), nl=False)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        problems.extend(_github(report, out))
    if out.problem is not None:
        problems.insert(0, out.problem)
    for problem in problems:
        click.echo(f"readiness: error: {problem}", err=True)
    for line in memory.lines if memory is not None else ():
        if line.startswith("readiness:"):
            click.echo(line, err=True)
        else:
            out.echo(line)
    if memory is not None and memory.failed and require_record:
        raise SystemExit(ExitCode.NOT_RECORDED)
    if problems and report.exit_code == ExitCode.GO:
        raise SystemExit(ExitCode.REPORT_NOT_WRITTEN)
    raise SystemExit(report.exit_code)


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


def _github(report: Report, out: _Stdout) -> list[str]:
    """Annotations on stdout, and the Markdown summary appended to $GITHUB_STEP_SUMMARY;
    returns the problem writing the summary, if any."""
    from readiness.render import github, markdown

    for line in github.annotations(report, path_prefix=os.environ.get("READINESS_PATH_PREFIX", "")):
        out.echo(line)
    path = github.summary_path(os.environ)
    if path is None:
        return []
    try:
        atomic.append_text(path, markdown.render(report))  # shared by the whole step: append
    except WriteError as exc:
        return [f"GITHUB_STEP_SUMMARY: {exc}"]
    return []


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


def _signer(key: Path | None, out: Path | None) -> Any:
    """The signer of `--attest KEY`, loaded before anything is evaluated (a bad key fails
    fast); None without --attest."""
    if key is None:
        if out is not None:
            raise UsageError("--attest-out needs --attest KEY")
        return None
    from readiness.attestation import keys

    return keys.load_signer(key)


def _write_attestation(
    report: Report,
    project: Any,
    signer: Any,
    out: Path | None,
    report_dir: Path | None,
    evidence_dir: Path | None,
) -> str:
    """Write the attestation; the sha256 of its statement (kept with the evaluation)."""
    from readiness.attestation import FILE_NAME
    from readiness.attestation.attest import attest

    if out is None:
        out = report_dir / FILE_NAME if report_dir is not None else Path(FILE_NAME)
    done = attest(report, project, signer, out, evidence_dir=evidence_dir)
    click.echo(f"attestation: {done.path} (key {done.keyid[:16]})")
    return f"sha256:{done.statement_sha256}"


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
    """Look up the baseline, evaluate, attest, record, then print and write (`_finish`)."""
    from readiness import pipeline, recording

    if opts["no_record"] and opts["require_record"]:
        raise UsageError("--require-record and --no-record contradict each other")
    signer = _signer(opts["attest_key"], opts["attest_out"])
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
    )
    digest = None
    if signer is not None:
        digest = _write_attestation(
            report, project, signer, opts["attest_out"], opts["report_dir"], opts["evidence_dir"]
        )
    recording.record(memory, report, project, clock.epoch, attestation_digest=digest)
    _finish(
        report,
        opts["json_path"],
        opts["color"],
        opts["report_dir"],
        opts["formats_"],
        opts["notes_template"],
        memory=memory,
        require_record=opts["require_record"],
    )


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
            type=click.Choice(["json", "html", "markdown", "junit", "notes"]),
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
    from readiness import cli_progress, collect, pipeline

    _signer(opts["attest_key"], opts["attest_out"])  # a bad key fails before anything runs
    opts["evidence_dir"] = evidence_dir
    project = pipeline.load(definition, root)
    unknown = sorted(set(only) - set(project.checks))
    if unknown:
        raise UsageError(f"--only: no check {', '.join(unknown)} in the definition")
    collect.require_tools(project, set(only) or None)
    base = evidence_dir if evidence_dir is not None else project.root
    logs = log_dir if log_dir is not None else project.root / "build" / "logs"
    shown = cli_progress.display(sys.stderr, _isatty(sys.stderr), progress_interval)
    with collect.interrupt_as_keyboard(), shown:
        results = collect.collect(
            project,
            base,
            logs,
            only=set(only) or None,
            allow_remote=allow_remote,
            progress=shown.line,
            watch=shown.watch,
        )
    failed = {c: r.message for c, r in results.items() if r.outcome != "ok"}
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
        atomic.write_text(output, text)
        click.echo(f"launch notes: {output}")
    else:
        click.echo(text, nl=False)


def _metrics_rows(metrics: list[Any]) -> list[dict[str, Any]]:
    from readiness.render import view

    return [
        {"metric": m.name, "value": view._num(m.value), "unit": m.unit}
        for m in sorted(metrics, key=lambda m: m.name)
    ]


def _print_metrics(rows: list[dict[str, Any]], as_json: bool, header: str = "") -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if header:
        click.echo(header)
    from readiness.render import safe

    names = [safe.terminal(r["metric"]) for r in rows]  # endpoint names come from evidence
    width = max((len(n) for n in names), default=10)
    for name, r in zip(names, rows, strict=True):
        click.echo(f"  {name:<{width}}  {r['value']} {r['unit']}")


@cli.command()
@definition_arg
@evidence_option
@root_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def metrics(definition: Path, evidence_dir: Path | None, root: Path | None, as_json: bool) -> None:
    """List every metric the evidence provides, with value and unit."""
    from readiness import pipeline
    from readiness.evidence import gather as gather_mod
    from readiness.metrics import MetricTable

    project = pipeline.load(definition, root)
    base = evidence_dir if evidence_dir is not None else project.root
    evidence = gather_mod.gather(project, base, pipeline.Clock().epoch)
    table = MetricTable.build(evidence)
    rows = _metrics_rows(list(table.by_name.values()))
    problems = [f"{ev.check}: {ev.status}: {ev.message}" for ev in evidence.values() if ev.message]
    if as_json:
        click.echo(
            json.dumps({"metrics": rows, "problems": problems}, indent=2, ensure_ascii=False)
        )
        return
    _print_metrics(rows, False)
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
    opts: dict[str, str] = {}
    for item in options:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--option {item!r}: expected KEY=VALUE")
        opts[key] = value
    root = Path.cwd()
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        click.echo(f"readiness: error: no such file: {', '.join(missing)}", err=True)
        raise SystemExit(ExitCode.NO_GO)
    from pydantic import ValidationError

    from readiness.errors import EvidenceError
    from readiness.evidence import gather as gather_mod
    from readiness.evidence import registry
    from readiness.evidence.records import Evidence
    from readiness.metrics import from_record
    from readiness.render import view

    adapter = registry.get(kind)
    try:
        params = adapter.Params.model_validate(opts)
    except ValidationError as exc:
        raise UsageError(f"--option: {exc.errors()[0]['msg']}") from None
    try:
        metas = gather_mod.file_metas(list(files), root)
        record = gather_mod.read_files(kind, list(files), root, params)
    except EvidenceError as exc:
        click.echo(f"readiness: error: {exc}", err=True)
        raise SystemExit(ExitCode.NO_GO) from None
    found = from_record("evidence", record)
    rows = _metrics_rows(found)
    ev = Evidence("evidence", kind, "ok", metas, record, "", tuple(getattr(record, "warnings", ())))
    if as_json:
        data = {
            "kind": kind,
            "files": [{"path": m.path, "sha256": m.sha256} for m in metas],
            "metrics": rows,
            "record": view.record_dict(ev),
            "warnings": list(ev.warnings),
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for m in metas:
        click.echo(f"{m.path}  sha256:{m.sha256}")
    _print_metrics(rows, False)
    for w in ev.warnings:
        click.echo(f"warning: {w}")


def _signer_field(option: str, value: str) -> str:
    """A --role or --name value, stripped; UsageError if blank or holding control characters."""
    value = value.strip()
    if not value:
        raise UsageError(f"{option} must not be empty or blank")
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in value):
        raise UsageError(f"{option} {value!r} holds control characters")
    return value


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
def signoff(
    definition: Path,
    root: Path | None,
    evidence_dir: Path | None,
    role: str,
    name: str,
    decision: str,
    comment: str,
    file_: Path | None,
) -> None:
    """Record a sign-off for the definition's version (appended atomically, never losing any)."""
    from readiness import pipeline
    from readiness.errors import EvidenceError
    from readiness.evidence import gather as gather_mod
    from readiness.evidence.signoffs import (
        SignOffRecord,
        append_record,
        combined_digest,
        evidence_digests,
    )

    role = _signer_field("--role", role)
    name = _signer_field("--name", name)
    project = pipeline.load(definition, root)
    d = project.definition
    known = d.signoffs.known_roles()
    if role not in known:
        raise UsageError(
            f"--role {role!r} is not a sign-off role of {d.release} {d.version}; "
            + (f"known roles: {', '.join(known)}" if known else "it names none")
            + " (signoffs.required and signoffs.optional)"
        )
    base = evidence_dir if evidence_dir is not None else project.root
    if file_ is None:
        check = project.checks.get(d.signoffs.check or "")
        if check is None or any(ch in check.evidence[0] for ch in "*?["):
            raise UsageError(
                "no sign-off file: give --file, or a `signoffs.check` whose first evidence "
                "entry is a plain path"
            )
        file_ = gather_mod.evidence_base(check, project.root, base) / check.evidence[0]
    if decision == "approve-with-conditions" and not comment.strip():
        raise UsageError("--decision approve-with-conditions needs --comment stating them")
    clock = pipeline.Clock()
    evidence = gather_mod.gather(project, base, clock.epoch)
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
    try:
        count = append_record(file_, record)
    except EvidenceError as exc:
        raise UsageError(f"{exc} (not modified)") from None
    click.echo(f"{file_}: {name} ({role}) {decision} {d.release} {d.version} ({count} records)")
    click.echo(f"  bound to evidence {record.evidence_digest} ({len(digests)} checks)")
    for ident in digests:
        ev = evidence[ident]
        if ev.status != "ok":
            click.echo(f"  note: {ident}: evidence {ev.status}: {ev.message}", err=True)


@cli.command()
@click.argument("kind", required=False)
def kinds(kind: str | None) -> None:
    """Describe the evidence kinds: what each reads, its options and its severity mapping."""
    import inspect as pyinspect

    from readiness.evidence import registry

    for name in [kind] if kind else registry.known_kinds():
        adapter = registry.get(name)
        doc = pyinspect.getdoc(type(adapter)) or "(no description)"
        click.echo(f"{name}  (record: {adapter.record})")
        click.echo("\n".join(f"    {line}" for line in doc.splitlines()))
        options = adapter.Params.model_json_schema(by_alias=True).get("properties", {})
        if options:
            click.echo("    options (under the check's `options:`):")
            for key in sorted(options):
                click.echo(_option_text(key, options[key]))
        else:
            click.echo("    options: none")
        click.echo("")


def _option_text(key: str, prop: dict[str, Any]) -> str:
    """One adapter option for `readiness kinds`: type, bounds, unit and default on the first
    line, then its meaning, wrapped."""
    import textwrap

    kinds = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    spec = kinds[0] if kinds else prop
    if "enum" in spec:
        what = "one of " + ", ".join(str(v) for v in spec["enum"])
    else:
        what = {"integer": "integer", "number": "number", "boolean": "true/false"}.get(
            str(spec.get("type")), str(spec.get("type", "value"))
        )
        for bound, op in (("exclusiveMinimum", ">"), ("minimum", ">="), ("maximum", "<=")):
            if bound in spec:
                what += f" {op} {spec[bound]:g}"
    if prop.get("unit"):
        what += f", in {prop['unit']}"
    default = prop.get("default")
    what += "; default: " + ("none" if default is None else str(default))
    meaning = textwrap.fill(
        str(prop.get("description", "(no description)")),
        width=96,
        initial_indent=" " * 8,
        subsequent_indent=" " * 8,
    )
    return f"      {key}: {what}\n{meaning}"


@cli.command()
@click.argument("kind", type=click.Choice(["definition", "gate", "check"]), default="definition")
def schema(kind: str) -> None:
    """Print the JSON Schema of definition, gate or check files (for editors)."""
    from pydantic import BaseModel

    from readiness.definition import CheckSpec, Definition, GateSpec
    from readiness.schema import json_schema

    models: dict[str, type[BaseModel]] = {
        "definition": Definition,
        "gate": GateSpec,
        "check": CheckSpec,
    }
    data = json_schema(models[kind])
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    click.echo(json.dumps(data, indent=2, sort_keys=True))


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
@definition_arg
@stage_option
@evidence_option
@root_option
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
    definition: Path,
    stage: Stage | None,
    evidence_dir: Path | None,
    root: Path | None,
    key: Path,
    out: Path,
    strict: bool,
) -> None:
    """Evaluate the evidence on disk and write a signed in-toto attestation of the verdict
    (exit code: the verdict's, as `evaluate`)."""
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
    click.echo(
        f"attested {report.verdict.verdict.value} for {rel.name} {rel.version} at stage "
        f"{rel.stage}: {done.path} (key {done.keyid[:16]}, statement sha256 "
        f"{done.statement_sha256})"
    )
    raise SystemExit(report.exit_code)


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
    click.echo(f"signature: OK (key {ids}; {len(done.keyids)} of {threshold} required)")
    for line in out.lines:
        click.echo(line)
    for problem in out.problems:
        click.echo(problem)
    if out.problems:
        click.echo(f"verify: FAILED: {len(out.problems)} problem(s), {out.checked} files checked")
        raise SystemExit(ExitCode.NO_GO)
    click.echo(f"verify: OK: {out.checked} files unchanged, no expired waiver or acceptance")


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
    from readiness.portfolio import build as build_mod
    from readiness.portfolio import render_html, render_text

    runner = _portfolio_runner(directory) if run_checks else None
    opts = build_mod.Options(
        store_url=store_url or None,
        record=record,
        since=since,
        expiry_days=expiring_within,
        runner=runner,
    )
    if since is not None:
        try:
            build_mod.parse_since(since, _clock())
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    result = build_mod.build(directory, opts)
    renderers = {
        "json": render_text.render_json,
        "markdown": render_text.render_markdown,
        "html": render_html.render,
    }
    if format_ == "terminal":
        use_color = _isatty(sys.stdout) if color is None else color
        text = render_text.render_terminal(result, color=use_color)
    else:
        text = renderers[format_](result)
    out = _Stdout()
    out.echo(text, nl=False)
    problems = [out.problem] if out.problem else []
    if report_dir is not None:
        names = {"json": "portfolio.json", "markdown": "portfolio.md", "html": "portfolio.html"}
        files = [(report_dir / names[k], render(result)) for k, render in renderers.items()]
        for path, body in files:
            try:
                atomic.write_text(path, body)
            except WriteError as exc:
                problems.append(str(exc))
            else:
                click.echo(f"report: {path}", err=format_ != "terminal")
    for problem in problems:
        click.echo(f"readiness: error: {problem}", err=True)
    if problems and result.exit_code == 0:
        raise SystemExit(ExitCode.REPORT_NOT_WRITTEN)
    raise SystemExit(result.exit_code)


def _clock() -> Any:
    from readiness import pipeline

    return pipeline.Clock()


def _portfolio_runner(directory: Path) -> Any:
    """`portfolio --run`: each release's checks' commands, every shared check only once, with
    the same progress display as `run`."""
    from readiness import cli_progress, collect

    def run_member(member: Any, done: set[str]) -> dict[str, str]:
        todo = set(member.project.checks) - done
        if not todo:
            return {}
        shown = cli_progress.display(sys.stderr, _isatty(sys.stderr), 10.0)
        with collect.interrupt_as_keyboard(), shown:
            results = collect.collect(
                member.project,
                member.project.root,
                directory / "build" / "logs",
                only=todo,
                allow_remote=False,
                progress=shown.line,
                watch=shown.watch,
            )
        return {c: r.message for c, r in results.items() if c in todo and r.outcome != "ok"}

    return run_member


class _DefaultGroup(click.Group):
    """A group whose first argument, when not one of its commands, goes to `show`:
    `readiness history DEF` and `readiness history prune` side by side."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


def _store(db: str | None, root: Path) -> Any:
    from readiness.history import open_store

    return open_store(db or None, root)


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
    from readiness import pipeline
    from readiness.history import commands
    from readiness.render import safe

    project = pipeline.load(definition, root)
    with _store(db, project.root) as store:
        text = commands.history(
            store,
            project.definition.release,
            last=last,
            criterion=criterion,
            as_json=as_json,
            safe_line=safe.terminal,
        )
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
    from readiness import pipeline
    from readiness.history import commands

    now = pipeline.Clock().epoch
    if keep is None and older_than is None:
        raise UsageError("history prune: give --keep N, --older-than AGE, or both")
    with _store(db, root if root is not None else Path.cwd()) as store:
        click.echo(commands.prune(store, keep, older_than, now), nl=False)


@cli.command()
@click.argument("targets", nargs=-1, required=True, metavar="DEF | A B")
@root_option
@db_option
def diff(targets: tuple[str, ...], root: Path | None, db: str | None) -> None:
    """What changed between two evaluations (ids A B), or between a definition's latest
    evaluation and its baseline: verdict, flipped criteria, metric deltas, evidence, failing
    tests and findings."""
    from readiness.history import commands
    from readiness.render import safe

    if len(targets) == 2 and all(t.isdigit() for t in targets):
        with _store(db, root if root is not None else Path.cwd()) as store:
            a, b = store.get(int(targets[0])), store.get(int(targets[1]))
    elif len(targets) == 1 and not targets[0].isdigit():
        from readiness import pipeline

        project = pipeline.load(Path(targets[0]), root)
        d = project.definition
        with _store(db, project.root) as store:
            a, b = commands.latest_and_baseline(store, d.release, d.stage)
    else:
        raise UsageError("diff takes two evaluation ids (diff 3 7) or one definition (diff DEF)")
    click.echo(commands.diff(a, b, safe_line=safe.terminal), nl=False)


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


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: run the CLI and map every outcome to the exit-code table."""
    try:
        cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
        sys.exit(code)
    except click.exceptions.Abort:
        click.echo("readiness: interrupted", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except click.UsageError as exc:  # bad option, missing argument, ...: one line, exit 2
        command = exc.ctx.command_path if exc.ctx is not None else "readiness"
        message = " ".join(exc.format_message().split())
        click.echo(f"readiness: error: {message} (see '{command} --help')", err=True)
        sys.exit(ExitCode.INVALID)
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
        traceback.print_exc()
        click.echo("readiness: internal error (a bug in readiness; please report it)", err=True)
        sys.exit(ExitCode.INTERNAL)
    except Exception:
        traceback.print_exc()
        click.echo("readiness: internal error (a bug in readiness; please report it)", err=True)
        sys.exit(ExitCode.INTERNAL)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
