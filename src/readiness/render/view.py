"""The one view model of a report: the data every renderer reads, shaped once.

`to_data` is the versioned, deterministic JSON shape of the report (same inputs, same bytes: no
mtimes, no absolute paths, no dict ordering left to chance; FORMAT_VERSION changes whenever a
field changes meaning or disappears, adding a field does not change it). The JSON renderer
prints it; the HTML, Markdown and launch-notes renderers build their own views from it and from
the typed sections normalized here (sign-offs, risks, findings by criterion). Renderers import
this module and `safe`, never each other, and nothing below `readiness.report`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any, assert_never

from readiness.report import (
    CriterionResult,
    Evidence,
    FindingRow,
    Findings,
    LoadStats,
    RiskRow,
    SignOffRow,
    SignOffs,
    TestRun,
)

if TYPE_CHECKING:
    from readiness.report import Report

FORMAT = "readiness-report"
FORMAT_VERSION = 1
MAX_LISTED = 200


def _num(value: float | None) -> float | int | str | None:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 2**53:
        return int(value)
    return round(float(value), 6)


def criterion_dict(r: CriterionResult) -> dict[str, Any]:
    out = _criterion_fields(r)
    if r.baseline is not None:  # only when a baseline exists: reports without one are unchanged
        b = r.baseline
        out["baseline"] = {
            "evaluation": b.id,
            "version": b.version,
            "generated_at": b.generated_at,
            "value": _num(b.value),
            "unit": b.unit,
            "delta": _num(b.delta),
            "text": b.text,
        }
    return out


def _criterion_fields(r: CriterionResult) -> dict[str, Any]:
    return {
        "criterion": r.key,
        "gate": r.gate,
        "title": r.title,
        "metric": r.metric,
        "matched": r.matched or None,
        "mode": r.mode,
        "stage": r.stage,
        "status": r.status,
        "value": _num(r.value),
        "unit": r.unit or None,
        "observed": r.observed or None,
        "threshold": r.threshold or None,
        "warn": r.warn or None,
        "message": r.message or None,
        "evidence": [{"path": p, "sha256": h} for p, h in r.evidence],
        "waiver": dataclasses.asdict(r.waiver) if r.waiver else None,
        "next_stage": dataclasses.asdict(r.next) if r.next else None,
        "source": r.source,
    }


def record_dict(ev: Evidence) -> dict[str, Any] | None:
    """A summary of a record: what the report shows beside the metrics."""
    rec = ev.record
    if isinstance(rec, TestRun):
        return {
            "type": "TestRun",
            "tests": rec.tests,
            "passed": rec.passed,
            "failed": rec.failed,
            "errors": rec.errors,
            "skipped": rec.skipped,
            "flaky": rec.flaky,
            "xfailed": rec.xfailed,
            "xpassed": rec.xpassed,
            "duplicates_merged": rec.duplicates_merged,
            "duration_s": _num(rec.duration_s),
            "problems_total": problem_count(rec),  # the kept cases are capped; the total is not
            "problems": [dataclasses.asdict(c) for c in rec.problems[:MAX_LISTED]],
        }
    if isinstance(rec, LoadStats):
        return {
            "type": "LoadStats",
            "duration_s": _num(rec.duration_s),
            "peak_users": rec.peak_users,
            "sustained_p99_ms": _num(rec.sustained_p99_ms),
            "sustained_min_rps": _num(rec.sustained_min_rps),
            "endpoints": [_endpoint(e) for e in (*rec.endpoints, rec.aggregate)],
            "failures": [
                {"name": n, "error": e, "occurrences": c} for n, e, c in rec.failures[:MAX_LISTED]
            ],
            "series": [
                {
                    "name": s.name,
                    "unit": s.unit,
                    "points": [[_num(t), _num(v)] for t, v in s.points],
                }
                for s in rec.series
            ],
        }
    if isinstance(rec, Findings):
        return {
            "type": "Findings",
            "tool": rec.tool,
            "scanned": rec.scanned,
            "skipped": list(rec.skipped[:MAX_LISTED]),
            "extra_counts": dict(sorted(rec.extra_counts.items())),
            "findings_total": len(rec.findings),
            "findings": [dataclasses.asdict(f) for f in rec.findings[:MAX_LISTED]],
        }
    if isinstance(rec, SignOffs):
        return {"type": "SignOffs", "records": [dataclasses.asdict(s) for s in rec.records]}
    if rec is None:
        return None
    assert_never(rec)  # a new record type must be shown here


def _endpoint(e: Any) -> dict[str, Any]:
    return {
        "name": e.name,
        "requests": e.requests,
        "failures": e.failures,
        "rps": _num(e.rps),
        "avg_ms": _num(e.avg_ms),
        "min_ms": _num(e.min_ms),
        "max_ms": _num(e.max_ms),
        "percentiles_ms": {k: _num(v) for k, v in e.percentiles_ms.items()},
        "percentile_source": e.percentile_source,
    }


def evidence_dict(ev: Evidence) -> dict[str, Any]:
    return {
        "check": ev.check,
        "kind": ev.kind,
        "status": ev.status,
        "message": ev.message or None,
        "files": [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in ev.files],
        "warnings": list(ev.warnings),
        "record": record_dict(ev),
    }


def to_data(report: Report) -> dict[str, Any]:
    v, rel = report.verdict, report.release
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generator": f"readiness {report.tool_version}",
        "generated_at": report.generated_at,
        "release": {
            "name": rel.name,
            "version": rel.version,
            "stage": rel.stage,
            "target_stage": rel.target_stage,
            "owner": rel.owner,
            "components": list(rel.components),
            "definition": {"path": rel.definition_path, "sha256": rel.definition_sha256},
        },
        "verdict": v.verdict.value,
        "exit_code": report.exit_code,
        "blockers": [str(b) for b in v.blockers],
        "conditions": [str(c) for c in v.conditions],
        "notes": v.notes,
        "next_stage": {"stage": v.next_stage, "blockers": [str(b) for b in v.next_stage_blockers]}
        if v.next_stage
        else None,
        "gates": [
            {
                "id": g.id,
                "title": g.title,
                "verdict": g.verdict.value,
                "blockers": [str(b) for b in g.blockers],
                "conditions": [str(c) for c in g.conditions],
                "criteria": [r.key for r in g.results],
            }
            for g in v.gates
        ],
        "criteria": [criterion_dict(r) for r in v.results],
        "evidence": [evidence_dict(ev) for ev in report.evidence.values()],
        **_sections(report),
    }


def _signoff_dict(s: SignOffRow) -> dict[str, Any]:
    out: dict[str, Any] = {
        "role": s.role,
        "required": s.required,
        "status": s.status,
        "name": s.name,
        "decision": s.decision,
        "date": s.date,
        "version": s.version,
        "comment": s.comment,
        "source": s.source,
    }
    if s.stale:
        out["stale"] = True
    if s.evidence_digest:
        out["evidence_digest"] = s.evidence_digest
    return out


def _risk_dict(r: RiskRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "title": r.title,
        "impact": r.impact,
        "likelihood": r.likelihood,
        "owner": r.owner,
        "response": r.response,
        "trigger": r.trigger,
        "status": r.status,
        "blocking": r.blocking,
        "verified_by": [{"criterion": c.criterion, "status": c.status} for c in r.verified_by],
        "accepted": dataclasses.asdict(r.accepted) if r.accepted is not None else None,
    }


def _sections(report: Report) -> dict[str, Any]:
    """The report's sections beyond the criteria, in key order (absent when empty)."""
    notes = report.launch_notes
    out: dict[str, Any] = {}
    b = report.baseline
    if b is not None:  # only when a store was consulted: reports without one are unchanged
        out["baseline"] = {
            "evaluation": b.id,
            "version": b.version or None,
            "generated_at": b.generated_at or None,
            "sought": b.sought,
            "verdict": b.verdict or None,
            # false: no evaluation met the baseline rule; deltas are against this previous
            # one, relative thresholds and regressions compared with nothing
            "judges": b.judges,
        }
    if report.findings:
        out["findings_by_criterion"] = {
            k: [dataclasses.asdict(f) for f in rows] for k, rows in report.findings.items()
        }
    out["launch_notes"] = {
        "summary": notes.summary,
        "highlights": list(notes.highlights),
        "known_issues": list(notes.known_issues),
    }
    if report.requirements:
        out["requires"] = [r.as_dict() for r in report.requirements]
    if report.risks:
        out["risks"] = [_risk_dict(r) for r in report.risks]
    if report.signoffs:
        out["signoffs"] = [_signoff_dict(s) for s in report.signoffs]
    return out


def _text(value: object) -> str:
    return "" if value is None else str(value)


def signoffs(report: Report) -> list[dict[str, Any]]:
    """The sign-offs as text fields (missing ones empty), required ones first."""
    rows = [
        {
            "role": s.role,
            "status": s.status,
            "name": _text(s.name),
            "decision": _text(s.decision),
            "date": _text(s.date),
            "version": _text(s.version),
            "comment": _text(s.comment),
            "required": s.required,
            "stale": s.stale,
        }
        for s in report.signoffs
    ]
    return sorted(rows, key=lambda s: not s["required"])


def risks(report: Report) -> list[dict[str, Any]]:
    """The risks as text fields, with verification and acceptance flattened to text."""
    out = []
    for r in report.risks:
        acc = r.accepted
        out.append(
            {
                "id": r.id,
                "title": r.title,
                "impact": r.impact,
                "likelihood": r.likelihood,
                "owner": r.owner,
                "response": r.response,
                "trigger": r.trigger,
                "status": r.status,
                "blocking": r.blocking,
                "verified_by": [f"{v.criterion}: {v.status}" for v in r.verified_by],
                "accepted": (
                    f"accepted by {acc.approver} ({acc.role}) until {acc.expires}: {acc.reason}"
                    if acc is not None
                    else ""
                ),
            }
        )
    return out


def findings_by_criterion(report: Report) -> dict[str, list[dict[str, str]]]:
    """The findings behind each criterion, as text fields, with who waived each."""
    return {key: [_finding(f) for f in rows] for key, rows in report.findings.items()}


def _finding(f: FindingRow) -> dict[str, str]:
    by = f.waived_by
    waived = (
        f"waived by {by.approver} ({by.role}) until {by.expires}: {by.reason}"
        if by is not None
        else ""
    )
    return {
        "tool": f.tool,
        "rule": f.rule,
        "severity": f.severity,
        "title": f.title,
        "location": f.location,
        "waived": waived,
    }


def problem_count(rec: TestRun) -> int:
    """Failed, errored and flaky tests, counted from the totals (the kept cases are capped)."""
    return max(len(rec.problems), rec.failed + rec.errors + rec.flaky)
