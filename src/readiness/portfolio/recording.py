"""A `Report` as the evaluation store keeps it, for `portfolio` recording each release.

`evaluate`/`run` recording (the t10 wiring) makes the same record; until both meet, this is the
portfolio's own conversion. Criterion keys are `gate/criterion`, as the store expects.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any

from readiness.history.record import (
    CriterionRecord,
    EvaluationRecord,
    EvidenceDigest,
    ci_run_id,
    git_context,
)
from readiness.report import Report


def _epoch(iso: str) -> float:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _strings(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    return {k: "" if row.get(k) is None else str(row.get(k)) for k in keys}


def to_record(
    report: Report, git: tuple[str | None, str | None] = (None, None)
) -> EvaluationRecord:
    """The store's record of one evaluation."""
    v = report.verdict
    criteria = tuple(
        CriterionRecord(
            key=f"{r.gate}/{r.id}",
            gate=r.gate,
            id=r.id,
            title=r.title,
            metric=r.metric,
            matched=r.matched,
            mode=r.mode,
            status=r.status,
            value=r.value,
            unit=r.unit,
            threshold=r.threshold,
            warn=r.warn,
            message=r.message,
            evidence=r.evidence,
        )
        for r in v.results
    )
    evidence = tuple(
        EvidenceDigest(check=ev.check, path=f.path, sha256=f.sha256, size=f.size)
        for ev in report.evidence.values()
        for f in ev.files
    )
    signoffs = tuple(
        _strings(row, ("role", "name", "decision", "date", "version", "status"))
        for row in [dataclasses.asdict(s) for s in report.signoffs]
    )
    waivers = tuple(
        {
            "criterion": r.waiver.criterion,
            "finding": r.waiver.finding or "",
            "approver": r.waiver.approver,
            "role": r.waiver.role,
            "expires": r.waiver.expires,
            "state": r.waiver.state,
        }
        for r in v.results
        if r.waiver is not None
    )
    risks = tuple(
        {
            **_strings(row, ("id", "title", "impact", "likelihood", "owner", "response", "status")),
            "accepted-until": (row.get("accepted") or {}).get("expires", ""),
        }
        for row in [dataclasses.asdict(r) for r in report.risks]
    )
    return EvaluationRecord(
        release=report.release.name,
        version=report.release.version,
        stage=report.release.stage,
        target_stage=report.release.target_stage,
        verdict=v.verdict.value,
        generated_at=report.generated_at,
        epoch=_epoch(report.generated_at),
        commit=git[0],
        branch=git[1],
        ci_run=ci_run_id(os.environ),
        definition_path=report.release.definition_path,
        definition_sha256=report.release.definition_sha256,
        tool_version=report.tool_version,
        blockers=tuple(str(b) for b in v.blockers),
        conditions=tuple(str(c) for c in v.conditions),
        criteria=criteria,
        evidence=evidence,
        signoffs=signoffs,
        waivers=waivers,
        series=(),
        risks=risks,
    )


def repo_context(root: Path) -> tuple[str | None, str | None]:
    """(commit, branch) of the portfolio's repository, read once for every record."""
    return git_context(root)
