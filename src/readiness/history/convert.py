"""Records to rows and back. Deterministic: JSON with sorted keys, series as little-endian
float64 (see `models`)."""

from __future__ import annotations

import json
import sys
from array import array

from readiness.history.models import (
    CriterionRow,
    EvaluationRow,
    EvidenceRow,
    GovernanceRow,
    SeriesRow,
)
from readiness.history.record import (
    CriterionRecord,
    EvaluationRecord,
    EvidenceDigest,
    SeriesRecord,
    StoredEvaluation,
)


def pack(values: tuple[float, ...]) -> bytes:
    """Samples as little-endian float64 bytes."""
    packed = array("d", values)
    if sys.byteorder != "little":  # pragma: no cover - every supported platform is little-endian
        packed.byteswap()
    return packed.tobytes()


def unpack(blob: bytes) -> tuple[float, ...]:
    """The inverse of `pack`."""
    values = array("d")
    values.frombytes(blob)
    if sys.byteorder != "little":  # pragma: no cover
        values.byteswap()
    return tuple(values)


def _dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def to_row(rec: EvaluationRecord) -> EvaluationRow:
    """The rows of one evaluation, children attached."""
    row = EvaluationRow(
        release=rec.release,
        version=rec.version,
        stage=rec.stage,
        target_stage=rec.target_stage,
        verdict=rec.verdict,
        generated_at=rec.generated_at,
        epoch=rec.epoch,
        commit=rec.commit,
        branch=rec.branch,
        ci_run=rec.ci_run,
        definition_path=rec.definition_path,
        definition_sha256=rec.definition_sha256,
        tool_version=rec.tool_version,
        blockers=_dumps(list(rec.blockers)),
        conditions=_dumps(list(rec.conditions)),
        attestation_digest=rec.attestation_digest,
    )
    row.criteria = [
        CriterionRow(
            position=i,
            key=c.key,
            gate=c.gate,
            criterion_id=c.id,
            title=c.title,
            metric=c.metric,
            matched=c.matched,
            mode=c.mode,
            status=c.status,
            value=c.value,
            unit=c.unit,
            threshold=c.threshold,
            warn=c.warn,
            message=c.message,
            evidence=_dumps([list(pair) for pair in c.evidence]),
        )
        for i, c in enumerate(rec.criteria)
    ]
    row.evidence = [
        EvidenceRow(position=i, check_id=e.check, path=e.path, sha256=e.sha256, size=e.size)
        for i, e in enumerate(rec.evidence)
    ]
    row.series = [
        SeriesRow(
            position=i,
            metric=s.metric,
            unit=s.unit,
            interval_s=s.interval_s,
            samples=pack(s.values),
        )
        for i, s in enumerate(rec.series)
    ]
    row.governance = [
        GovernanceRow(kind=kind, position=i, data=_dumps(item))
        for kind, items in (("signoff", rec.signoffs), ("waiver", rec.waivers))
        for i, item in enumerate(items)
    ]
    return row


def _strings(raw: str) -> tuple[str, ...]:
    return tuple(str(x) for x in json.loads(raw))


def _mapping(raw: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in json.loads(raw).items()}


def from_row(row: EvaluationRow) -> StoredEvaluation:
    """The stored evaluation of a row with its children loaded."""
    return StoredEvaluation(
        id=row.id,
        release=row.release,
        version=row.version,
        stage=row.stage,
        target_stage=row.target_stage,
        verdict=row.verdict,
        generated_at=row.generated_at,
        epoch=row.epoch,
        commit=row.commit,
        branch=row.branch,
        ci_run=row.ci_run,
        definition_path=row.definition_path,
        definition_sha256=row.definition_sha256,
        tool_version=row.tool_version,
        blockers=_strings(row.blockers),
        conditions=_strings(row.conditions),
        criteria=tuple(
            CriterionRecord(
                key=c.key,
                gate=c.gate,
                id=c.criterion_id,
                title=c.title,
                metric=c.metric,
                matched=c.matched,
                mode=c.mode,
                status=c.status,
                value=c.value,
                unit=c.unit,
                threshold=c.threshold,
                warn=c.warn,
                message=c.message,
                evidence=tuple((str(p), str(d)) for p, d in json.loads(c.evidence)),
            )
            for c in row.criteria
        ),
        evidence=tuple(
            EvidenceDigest(check=e.check_id, path=e.path, sha256=e.sha256, size=e.size)
            for e in row.evidence
        ),
        signoffs=tuple(_mapping(g.data) for g in row.governance if g.kind == "signoff"),
        waivers=tuple(_mapping(g.data) for g in row.governance if g.kind == "waiver"),
        series=tuple(
            SeriesRecord(
                metric=s.metric, unit=s.unit, interval_s=s.interval_s, values=unpack(s.samples)
            )
            for s in row.series
        ),
        attestation_digest=row.attestation_digest,
    )
