"""Results -> gate verdicts -> the release verdict, and the one exit-code table.

Fail closed. NO-GO when a blocking criterion is FAIL, MISSING or ERROR, when a waiver has expired
or was approved by a role not allowed to waive, when any other release-level blocker exists, or
when no criterion was evaluated at all. CONDITIONAL GO when nothing blocks but something is WARN
or WAIVED, or an advisory criterion did not pass. GO otherwise. Shadow criteria are reported and
never change a verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from readiness.criteria import next_stage
from readiness.errors import ExitCode
from readiness.evaluation import CriterionResult, Evaluation
from readiness.evidence.records import Evidence
from readiness.reasons import Reason
from readiness.waivers import WaiverUse

if TYPE_CHECKING:  # types only: the report layer imports no pydantic
    from readiness.definition import Project

# INCONCLUSIVE: a regression comparison that cannot tell (too few intervals); never a pass.
BLOCKING_STATUSES = ("FAIL", "INCONCLUSIVE", "MISSING", "ERROR")


class Verdict(StrEnum):
    GO = "GO"
    CONDITIONAL_GO = "CONDITIONAL GO"
    NO_GO = "NO-GO"


def exit_code(verdict: Verdict, *, strict: bool = False) -> int:
    """The process exit code of a verdict."""
    if verdict is Verdict.GO:
        return ExitCode.GO
    if verdict is Verdict.CONDITIONAL_GO:
        return ExitCode.CONDITIONAL_GO_STRICT if strict else ExitCode.CONDITIONAL_GO
    return ExitCode.NO_GO


def _describe(r: CriterionResult) -> str:
    value = f"{r.observed} vs {r.threshold}" if r.observed else ""
    parts = [f"{r.key}: {r.status}"]
    if value:
        parts.append(value)
    if r.message:
        parts.append(r.message)
    if r.matched:
        parts.append(f"metric {r.matched}")
    if r.evidence:
        path, sha = r.evidence[0]
        more = f" (+{len(r.evidence) - 1} more)" if len(r.evidence) > 1 else ""
        parts.append(f"evidence {path}" + (f" sha256:{sha[:12]}" if sha else "") + more)
    return " - ".join(parts)


def _criterion_reason(r: CriterionResult, text: str) -> Reason:
    return Reason("criterion", r.key, text, evidence=r.evidence, owner=r.gate)


def classify(results: list[CriterionResult]) -> tuple[list[Reason], list[Reason]]:
    """(blockers, conditions) among criterion results, one Reason each."""
    blockers: list[Reason] = []
    conditions: list[Reason] = []
    for r in results:
        if not r.counts:
            continue
        if r.status in BLOCKING_STATUSES:
            target = blockers if r.mode == "blocking" else conditions
            target.append(_criterion_reason(r, _describe(r)))
        elif r.status == "WARN":
            conditions.append(_criterion_reason(r, _describe(r)))
        elif r.status == "WAIVED" and r.waiver is not None:
            w = r.waiver
            conditions.append(
                _criterion_reason(
                    r, f"{r.key}: WAIVED until {w.expires} by {w.approver} ({w.role}): {w.reason}"
                )
            )
    return blockers, conditions


def decide(blockers: Sequence[object], conditions: Sequence[object]) -> Verdict:
    if blockers:
        return Verdict.NO_GO
    if conditions:
        return Verdict.CONDITIONAL_GO
    return Verdict.GO


@dataclass(frozen=True)
class GateVerdict:
    id: str
    title: str
    verdict: Verdict
    results: tuple[CriterionResult, ...]
    blockers: tuple[Reason, ...]
    conditions: tuple[Reason, ...]


@dataclass
class ReleaseVerdict:
    """The decision, with everything needed to explain it."""

    verdict: Verdict
    stage: str
    gates: list[GateVerdict]
    results: list[CriterionResult]
    blockers: list[Reason]
    conditions: list[Reason]
    notes: list[str] = field(default_factory=list)  # reported, never changes the verdict
    next_stage: str | None = None
    next_stage_blockers: list[Reason] = field(default_factory=list)


def _unused_broken_evidence(
    project: Project, results: list[CriterionResult], evidence: dict[str, Evidence]
) -> list[Reason]:
    """Blockers for broken evidence that no counted blocking criterion already reports."""
    covered = {r.check for r in results if r.counts and r.mode == "blocking"}
    out = []
    for ev in evidence.values():
        if (
            ev.status == "ok"
            or ev.check in covered
            or ev.check == project.definition.signoffs.check
        ):
            continue
        out.append(
            Reason(
                "evidence",
                ev.check,
                f"evidence of check {ev.check}: {ev.status.upper()}: {ev.message}",
                evidence=tuple((f.path, f.sha256) for f in ev.files),
            )
        )
    return out


def _as_reason(item: str | Reason) -> Reason:
    """A release-level line: the rules pass typed Reasons; plain text is about the release."""
    return item if isinstance(item, Reason) else Reason("release", "", item)


def judge(
    project: Project,
    evaluation: Evaluation,
    *,
    extra_blockers: Sequence[str | Reason] | None = None,
    extra_conditions: Sequence[str | Reason] | None = None,
    extra_notes: list[str] | None = None,
    evidence: dict[str, Evidence] | None = None,
) -> ReleaseVerdict:
    """The release verdict from the evaluation and any release-level blockers/conditions.

    With `evidence`, a check whose evidence is missing, unreadable or stale blocks even when no
    blocking criterion reads it (an advisory, shadow or not-yet-applicable one, or none): broken
    evidence never yields a GO. The sign-off check is left to the governance rules.
    """
    results = evaluation.results
    gates = _gates(project, results)
    blockers, conditions = classify(results)
    if not any(r.counts for r in results):
        blockers.append(
            Reason("release", "", "no criterion was evaluated: an empty evaluation is never a GO")
        )
    waiver_blockers, notes = _waiver_outcomes(evaluation.waivers)
    blockers.extend(waiver_blockers)
    blockers.extend(_unused_broken_evidence(project, results, evidence or {}))
    blockers.extend(_as_reason(b) for b in extra_blockers or [])
    conditions.extend(_as_reason(c) for c in extra_conditions or [])
    notes.extend(extra_notes or [])
    nxt = next_stage(evaluation.stage)
    next_blockers = [
        _criterion_reason(
            r,
            f"{r.key}: {r.observed} would not meet {r.next.threshold} at {r.next.stage} "
            f"(gap {r.next.gap})",
        )
        for r in results
        if r.next is not None and r.next.status == "FAIL" and r.mode != "shadow"
    ]
    return ReleaseVerdict(
        verdict=decide(blockers, conditions),
        stage=evaluation.stage,
        gates=gates,
        results=results,
        blockers=blockers,
        conditions=conditions,
        notes=notes,
        next_stage=nxt,
        next_stage_blockers=next_blockers,
    )


def _gates(project: Project, results: Sequence[CriterionResult]) -> list[GateVerdict]:
    """One verdict per gate of the definition (and the release's own criteria, if any); a gate
    with no criterion evaluated at this stage blocks."""
    from readiness.definition import RELEASE_GATE

    gates: list[GateVerdict] = []
    gate_ids = [*project.definition.gates]
    if any(r.gate == RELEASE_GATE for r in results):
        gate_ids.append(RELEASE_GATE)
    for gid in gate_ids:
        mine = [r for r in results if r.gate == gid]
        b, c = classify(mine)
        if not any(r.counts for r in mine):
            b.append(Reason("gate", gid, f"{gid}: no criterion evaluated at this stage"))
        title = project.gates[gid].title if gid in project.gates else "Release criteria"
        gates.append(GateVerdict(gid, title or gid, decide(b, c), tuple(mine), tuple(b), tuple(c)))
    return gates


def _waiver_outcomes(uses: Sequence[WaiverUse]) -> tuple[list[Reason], list[str]]:
    """What the waivers add: an expired waiver or one approved by a role not allowed to waive
    blocks; one ignored or matching nothing is a note."""
    blockers: list[Reason] = []
    notes: list[str] = []
    for w in uses:
        who = f"{w.approver} ({w.role})"
        if w.state == "expired":
            text = f"waiver for {w.criterion} expired on {w.expires} (approved by {who})"
            blockers.append(Reason("waiver", w.criterion, text, owner=w.role))
        elif w.state == "role-not-allowed":
            text = f"waiver for {w.criterion} was approved by {who}, a role not allowed to waive it"
            blockers.append(Reason("waiver", w.criterion, text, owner=w.role))
        elif w.state == "not-waivable":
            notes.append(f"waiver for {w.criterion} ignored: the criterion is not waivable")
        elif w.state == "unused" and w.finding is not None:
            notes.append(f"waiver for {w.criterion} ({w.finding}) matches no finding")
        elif w.state == "unused":
            notes.append(f"waiver for {w.criterion} matches nothing (the criterion did not fail)")
    return blockers, notes
