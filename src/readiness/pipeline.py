"""The whole evaluation, once: load and validate, gather, measure, evaluate, govern, judge.

`evaluate`, `run`, `notes` and the tests all go through `build_report`, so every output is made
from the same `Report`. The clock is read here, once, and passed down: nothing below reads it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from readiness.definition import Project, load_project_problems
from readiness.errors import DefinitionError, UsageError
from readiness.evidence import gather as gather_mod
from readiness.evidence import signing
from readiness.metrics import validate_refs

if TYPE_CHECKING:
    from readiness import requires
    from readiness.criteria import Stage
    from readiness.evaluation import Baseline
    from readiness.report import Report, TrendPoint

# `load` (all of `validate`) needs the definition, the adapters' options and the metric names
# only: the evaluation, governance, verdict and report are imported by `build_report`.


class Clock:
    """The time of this run: SOURCE_DATE_EPOCH when set (reproducible reports), else now.

    SOURCE_DATE_EPOCH is ASCII decimal seconds since 1970-01-01 UTC, as `date +%s` prints them,
    up to the last second of year 9999 (what a date can hold); anything else is a UsageError
    naming the variable, never a traceback or a date from another era.
    """

    def __init__(self) -> None:
        raw = os.environ.get("SOURCE_DATE_EPOCH")
        self.epoch = time.time() if raw is None else _source_date_epoch(raw)

    @property
    def iso(self) -> str:
        return dt.datetime.fromtimestamp(self.epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.epoch, dt.UTC).date()


MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


def _source_date_epoch(raw: str) -> float:
    shown = repr(raw) if len(raw) <= 40 else repr(raw[:20]) + f"... ({len(raw)} characters)"
    if not (raw.isascii() and raw.isdigit()):
        raise UsageError(
            f"SOURCE_DATE_EPOCH={shown} is not a whole number of seconds since 1970 (digits only)"
        )
    if len(raw) > len(str(MAX_EPOCH)) or int(raw) > MAX_EPOCH:
        raise UsageError(
            f"SOURCE_DATE_EPOCH={shown} is after the year 9999 (at most {MAX_EPOCH} seconds)"
        )
    return float(int(raw))


def load(definition: Path, root: Path | None = None) -> Project:
    """Load a definition with its checks and gates and validate everything, kinds, adapter
    options, metric names and units included; DefinitionError lists every problem."""
    project, problems = load_project_problems(definition, root)
    problems += gather_mod.validate_checks(project)
    problems += validate_refs(project)
    problems += signing.role_keys(project)[1]
    if problems:
        raise DefinitionError("invalid project", problems=problems)
    return project


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_report(
    project: Project,
    definition: Path,
    *,
    stage: Stage | None,
    evidence_dir: Path | None,
    clock: Clock,
    strict: bool,
    failed_checks: dict[str, str] | None = None,
    dependencies: requires.Lookup | None = None,
    baseline: Baseline | None = None,
    trends: dict[str, tuple[TrendPoint, ...]] | None = None,
) -> Report:
    """Gather, evaluate and judge: the whole pipeline, as `evaluate` and `run` use it.

    `failed_checks` maps a check to the reason its command failed (from `readiness run`): its
    evidence is then an ERROR whatever files are on disk. `dependencies`: where the releases
    named by `requires` are looked up (the portfolio's run); default: the evaluation store.
    `baseline`: the earlier evaluation relative thresholds, regression criteria and deltas
    compare with (None: no store was consulted); the JSON report names it at the top.
    `trends`: each criterion's points in the evaluations before this one (from the store).
    """
    from readiness import __version__, governance, requires
    from readiness.evaluation import evaluate as evaluate_criteria
    from readiness.evaluation import findings_behind
    from readiness.evidence.records import Evidence, Findings
    from readiness.metrics import MetricTable, finding_counts
    from readiness.report import LaunchNotes, ReleaseInfo, Report
    from readiness.verdict import exit_code, judge
    from readiness.vex import vex_waivers

    d = project.definition
    chosen: Stage = stage or d.stage
    base = evidence_dir if evidence_dir is not None else project.root
    evidence = gather_mod.gather(project, base, clock.epoch)
    for check, reason in (failed_checks or {}).items():
        old = evidence[check]
        evidence[check] = Evidence(check, old.kind, "error", old.files, None, reason)
    counts = {  # counted once: the metrics and the report both show them
        ev.check: finding_counts(ev.record)
        for ev in evidence.values()
        if isinstance(ev.record, Findings)
    }
    table = MetricTable.build(evidence, counts)
    extra_waivers, vex_problems = vex_waivers(project)
    evaluation = evaluate_criteria(
        project,
        evidence,
        table,
        chosen,
        clock.today,
        extra_waivers=extra_waivers,
        baseline=baseline,
    )
    keys = signing.load_role_keys(project)  # {} without signed roles: nothing imported
    gov = governance.evaluate(project, evidence, evaluation, clock.today, keys)
    unmet, resolutions = requires.check(d, project.root, dependencies)
    verdict = judge(
        project,
        evaluation,
        extra_blockers=[*gov.blockers, *unmet],
        extra_conditions=gov.conditions,
        extra_notes=[*vex_problems, *gov.notes],
        evidence=evidence,
    )
    info = ReleaseInfo(
        name=d.release,
        version=d.version,
        stage=chosen,
        target_stage=d.stage,
        owner=d.owner,
        components=tuple(d.components),
        definition_path=project.doc.path,
        definition_sha256=_sha256(definition),
        description=d.description,
    )
    notes = d.notes
    return Report(
        release=info,
        verdict=verdict,
        evidence=evidence,
        generated_at=clock.iso,
        tool_version=__version__,
        exit_code=exit_code(verdict.verdict, strict=strict),
        launch_notes=LaunchNotes(notes.summary, tuple(notes.highlights), tuple(notes.known_issues)),
        signoffs=tuple(gov.signoffs),
        risks=tuple(gov.risks),
        findings=findings_behind(evaluation, evidence),
        waivers=tuple(evaluation.waivers),
        finding_counts=counts,
        requirements=tuple(resolutions),
        baseline=baseline,
        trends=dict(trends or {}),
    )


def report_for(
    definition: Path,
    *,
    root: Path | None,
    stage: Stage | None,
    evidence_dir: Path | None,
    strict: bool = False,
) -> Report:
    """Load, validate and evaluate a definition on the evidence already on disk, now."""
    project = load(definition, root)
    return build_report(
        project, definition, stage=stage, evidence_dir=evidence_dir, clock=Clock(), strict=strict
    )
