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
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, assert_never

from readiness.report import (
    SEVERITIES,
    STAGE_TITLES,
    CriterionResult,
    Evidence,
    FindingRow,
    Findings,
    LoadStats,
    Reason,
    RiskRow,
    SignOffRow,
    SignOffs,
    TestRun,
    marks,
)
from readiness.units import plain

if TYPE_CHECKING:
    from readiness.report import Report

FORMAT = "readiness-report"
FORMAT_VERSION = 1
MAX_LISTED = 200


_num = plain  # the JSON report's numbers (`readiness.units.plain`)


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


def _with_history(report: Report, criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each criterion with its mark against the baseline and its trend (the points of the
    evaluations before this one), when a store was consulted: reports without one are
    unchanged."""
    marked = marks(report.verdict.results, report.baseline)
    for c in criteria:
        key = c["criterion"]
        if key in marked:
            c["mark"] = marked[key]
        if key in report.trends:
            c["trend"] = [
                {
                    "evaluation": p.evaluation,
                    "version": p.version,
                    "generated_at": p.generated_at,
                    "status": p.status,
                    "value": _num(p.value),
                    "unit": p.unit or None,
                    "threshold": p.threshold or None,
                }
                for p in report.trends[key]
            ]
    return criteria


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
        "criteria": _with_history(report, [criterion_dict(r) for r in v.results]),
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
    if s.signature_required:  # signoffs.signed: whether a listed key's valid signature holds
        out["signature"] = {
            "signed_by": s.signed_by or None,
            "problem": s.signature_problem or None,
        }
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
                    f"accepted by {acc.approver} ({acc.role}) "
                    f"until {human_date(acc.expires)}: {acc.reason}"
                    if acc is not None
                    else ""
                ),
            }
        )
    return out


def findings_by_criterion(report: Report) -> dict[str, list[dict[str, str]]]:
    """The findings behind each criterion, as text fields, with who waived each."""
    return {key: [_finding(f) for f in rows] for key, rows in report.findings.items()}


def finding_waiver(f: FindingRow) -> str:
    """Who waived a finding, until when and why; empty when it is not waived."""
    by = f.waived_by
    if by is None:
        return ""
    return f"waived by {by.approver} ({by.role}) until {human_date(by.expires)}: {by.reason}"


def _finding(f: FindingRow) -> dict[str, str]:
    waived = finding_waiver(f)
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


# --- For people: blockers as short items, dates and thresholds as they read ------------------

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


def human_date(text: object) -> str:
    """An ISO date or timestamp as people read it: `6 Dec 2025`, `6 Dec 2025, 05:46 UTC`
    (`Z` and `+00:00` say UTC, another offset is kept); anything else unchanged."""
    raw = "" if text is None else str(text).strip()
    m = _ISO.match(raw)
    if m is None or not 1 <= int(m[2]) <= 12:
        return raw
    day = f"{int(m[3])} {_MONTHS[int(m[2]) - 1]} {m[1]}"
    if m[4] is None:
        return day
    zone = "" if m[6] is None else " UTC" if m[6] in ("Z", "+00:00", "+0000") else f" {m[6]}"
    return f"{day}, {m[4]}:{m[5]}{zone}"


def human_day(text: object) -> str:
    """The day of an ISO date or timestamp as people read it (`5 Dec 2025`); a sign-off
    dated with a bare day is stored as its last second, which is no time anyone signed at."""
    raw = "" if text is None else str(text).strip()
    return human_date(raw[:10]) if _ISO.match(raw) else raw


_THRESHOLD = re.compile(
    r"^\s*(<=|>=|==|!=|<|>)\s*([0-9]+(?:\.[0-9]+)?)\s*([^\s0-9+%-][^\s]*|%)?\s*$"
)


@dataclass(frozen=True)
class Limit:
    """An absolute threshold read back from its text (`<= 10 ms`): for drawing, never judging."""

    op: str
    value: float
    unit: str


def parse_limit(text: str | None) -> Limit | None:
    """`<= 10 ms` as (op, value, unit); None for a relative (`<= +10%`) or unreadable one."""
    m = _THRESHOLD.match(text or "")
    if m is None:
        return None
    return Limit(m[1], float(m[2]), m[3] or "count")


OPERATORS = {"<=": "≤", ">=": "≥", "==": "=", "!=": "≠"}
_OPERATOR = re.compile(r"<=|>=|==|!=")


def pretty(text: object) -> str:
    """A threshold as people write it: `≤ 10 ms`, `≥ 800 /s`, `= 0`."""
    return _OPERATOR.sub(lambda m: OPERATORS[m[0]], "" if text is None else str(text))


def stage_title(stage: str | None) -> str:
    """A stage as people call it (`internal testing`)."""
    return STAGE_TITLES.get(stage or "", stage or "")


def _result_of(report: Report) -> dict[str, CriterionResult]:
    return {r.key: r for r in report.verdict.results}


def _criterion_action(r: CriterionResult) -> tuple[str, str]:
    """(plain words for the status, what to do) for a criterion that blocks or conditions."""
    check = r.metric.split(".", 1)[0]
    if r.status == "MISSING":
        return "not measured", f"produce the evidence of check {check} and evaluate again"
    if r.status == "ERROR":
        return "evidence unreadable", f"fix the evidence of check {check} and evaluate again"
    if r.status == "WAIVED" and r.waiver is not None:
        w = r.waiver
        return (
            f"not met, waived until {human_date(w.expires)}",
            f"fix it before the waiver by {w.approver} ({w.role}) expires",
        )
    if r.status == "WARN":
        return "within the warning band", f"bring it to {r.threshold}, or accept the condition"
    if r.status == "FAIL":
        return "not met", f"bring it to {r.threshold} and re-run check {check}"
    return r.status.lower(), f"gather more evidence with check {check} and evaluate again"


def _signoff_action(reason: Reason, row: SignOffRow | None, version: str) -> tuple[str, str]:
    role = reason.subject
    text = reason.text
    if row is None or row.status == "missing":
        return "not given", f"ask {role} to sign off version {version}"
    if row.status == "rejected":
        return "rejected", f"resolve the objection of {role} and ask them to sign again"
    if row.status == "wrong-version":
        return f"given for version {row.version}", f"ask {role} to sign off version {version}"
    if row.stale and "before the evidence" in text:
        return (
            "signed before the latest evidence (stale)",
            f"ask {role} to review the new evidence and sign again",
        )
    if row.status == "conditional":
        return "given with conditions", f"meet the conditions: {row.comment or '-'}"
    return row.status, f"ask {role} to sign off version {version}"


@dataclass(frozen=True)
class Item:
    """A blocker or condition as people read it: what, where it stands, who acts, what to do.

    `title` is a name, never an id; `state` says where it stands in plain words; `value` is
    "observed vs threshold" for a criterion; `detail` is the full engineering line (metric,
    evidence, hashes) for those who open it; `evidence` the files behind it."""

    kind: str
    subject: str
    title: str
    state: str
    value: str
    owner: str
    action: str
    detail: str
    status: str = ""
    evidence: tuple[tuple[str, str], ...] = ()
    observed: str = ""  # a criterion's value as shown (`18.5 ms`)
    needed: str = ""  # the threshold it must meet (`<= 10 ms`)


def items(report: Report, reasons: Sequence[Reason]) -> list[Item]:
    """Blockers or conditions as `Item`s, in the order given."""
    results = _result_of(report)
    signoff_rows = {s.role: s for s in report.signoffs}
    risk_rows = {r.id: r for r in report.risks}
    out: list[Item] = []
    for reason in reasons:
        out.append(_item(report, reason, results, signoff_rows, risk_rows))
    return out


def _item(
    report: Report,
    reason: Reason,
    results: dict[str, CriterionResult],
    signoff_rows: dict[str, SignOffRow],
    risk_rows: dict[str, RiskRow],
) -> Item:
    kind, subject, text = reason.kind, reason.subject, reason.text

    r = results.get(subject) if kind in ("criterion", "waiver") else None

    def mk(title: str, state: str, value: str, owner: str, action: str, status: str = "") -> Item:
        measured = r is not None and kind == "criterion"
        return Item(
            kind,
            subject,
            title,
            state,
            value,
            owner,
            action,
            text,
            status,
            reason.evidence,
            r.observed if measured and r is not None else "",
            r.threshold if measured and r is not None else "",
        )

    if kind == "criterion" and r is not None:
        state, action = _criterion_action(r)
        value = f"{r.observed} vs {r.threshold}" if r.observed else r.threshold
        if r.status in ("MISSING", "ERROR") and r.message:
            value = r.message
        return mk(
            title=r.title or r.key,
            state=state,
            value=value,
            owner=reason.owner or r.gate,
            action=action,
            status=r.status,
        )
    if kind == "waiver":
        title = r.title if r is not None else subject
        expired = "expired" in text
        return mk(
            title=f"Waiver of {title}",
            state="expired" if expired else "approved by a role not allowed to waive it",
            value="",
            owner=reason.owner,
            action=(
                "fix the criterion, or have the waiver renewed"
                if expired
                else "have a role allowed to waive it approve the waiver"
            ),
        )
    if kind == "signoff":
        state, action = _signoff_action(reason, signoff_rows.get(subject), report.release.version)
        return mk(
            title=f"Sign-off of {subject}",
            state=state,
            value="",
            owner=reason.owner or subject,
            action=action,
        )
    if kind == "risk":
        risk = risk_rows.get(subject)
        title = f"Risk {subject}: {risk.title}" if risk is not None else f"Risk {subject}"
        if risk is not None and risk.status == "accepted" and risk.accepted is not None:
            a = risk.accepted
            return mk(
                title=title,
                state=f"accepted until {human_date(a.expires)} by {a.approver} ({a.role})",
                value="",
                owner=reason.owner,
                action="prove its response plan before the acceptance expires",
            )
        failing = [c for c in (risk.verified_by if risk else ()) if c.status != "PASS"]
        names = ", ".join(
            results[c.criterion].title if c.criterion in results else c.criterion for c in failing
        )
        return mk(
            title=title,
            state="response plan not proven",
            value="",
            owner=reason.owner,
            action=(
                f"make its verifying criteria pass ({names})"
                if names
                else "name a criterion (verified-by) that proves its response plan"
            ),
        )
    if kind == "evidence":
        return mk(
            title=f"Evidence of check {subject}",
            state="missing, unreadable or stale",
            value="",
            owner=reason.owner,
            action=f"re-run check {subject} and evaluate again",
        )
    if kind == "gate":
        return mk(
            title=f"Gate {subject}",
            state="no criterion applies at this stage",
            value="",
            owner=reason.owner,
            action="give the gate a criterion for this stage",
        )
    action = _dependency_action(report, text) if kind == "dependency" else ""
    return mk("Release", text, "", reason.owner, action)


def _dependency_action(report: Report, text: str) -> str:
    """What to do about an unmet requirement (`requires`): the release, version and stage it
    must reach, and where that must show."""
    for res in report.requirements:
        if res.text == text:
            req = res.requirement
            version = f" {req.version}" if req.version else ""
            return (
                f"get {req.release}{version} to GO or CONDITIONAL GO at "
                f"{stage_title(req.stage)}, recorded in the store, then evaluate again"
            )
    return ""


def next_items(report: Report) -> list[Item]:
    """What would block the next stage, as `Item`s: criteria against that stage's thresholds."""
    results = _result_of(report)
    stage = stage_title(report.verdict.next_stage)
    out: list[Item] = []
    for item in items(report, report.verdict.next_stage_blockers):
        r = results.get(item.subject) if item.kind == "criterion" else None
        nxt = r.next if r is not None else None
        if r is None or nxt is None:
            out.append(item)
            continue
        check = r.metric.split(".", 1)[0]
        gap = f" (gap {nxt.gap})" if nxt.gap else ""
        out.append(
            dataclasses.replace(
                item,
                needed=nxt.threshold,
                state="would be within the warning band"
                if nxt.status == "WARN"
                else "would not be met",
                value=f"{r.observed or '-'} vs {nxt.threshold}{gap}",
                action=f"bring it to {nxt.threshold} before {stage}, then re-run check {check}",
                status=nxt.status,
            )
        )
    return out


def group_findings(
    rows: Sequence[Any], waived: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Identical findings (same severity, rule, title and waiver) as one group with a count and
    their locations, most severe first, then the largest group; `rows` are `Finding`s or
    `FindingRow`s, `waived` an optional text per row."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for i, f in enumerate(rows):
        note = waived[i] if waived is not None else ""
        key = (f.severity, f.rule, f.title, note)
        g = groups.setdefault(
            key,
            {
                "severity": f.severity,
                "rank": rank.get(f.severity, len(rank)),
                "tool": f.tool,
                "rule": f.rule,
                "title": f.title,
                "fixed_version": f.fixed_version,
                "waived": note,
                "count": 0,
                "locations": [],
            },
        )
        g["count"] += 1
        where = f.location or f.package
        if where and where not in g["locations"]:
            g["locations"].append(where)
    return sorted(groups.values(), key=lambda g: (g["rank"], -g["count"], g["rule"], g["title"]))
