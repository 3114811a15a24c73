"""Records to table rows and back, with SQLAlchemy Core rather than ORM instances.

Why Core here: reading 20 evaluations means 1,000 criterion rows, and building ORM instances
and reading their instrumented attributes cost several times what plain rows do (`list(last=20)`
took about 140 ms through the ORM, 17 ms this way); writing one evaluation through the unit of
work took about 24 ms, an `INSERT ... RETURNING` plus one executemany per child table 2 ms.
The ORM classes in `models` stay the one typed description of the schema. Deterministic: JSON
with sorted keys, series as little-endian float64 (see `models`).
"""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, select

from readiness.history.models import (
    CriterionRow,
    EvaluationRow,
    EvidenceRow,
    GovernanceRow,
    ProblemRow,
    SeriesRow,
    StatementRow,
)
from readiness.history.record import (
    CriterionRecord,
    EvaluationRecord,
    EvidenceDigest,
    ProblemRecord,
    SeriesRecord,
    StoredEvaluation,
)

EVALUATION: Table = EvaluationRow.__table__  # type: ignore[assignment]
CRITERION: Table = CriterionRow.__table__  # type: ignore[assignment]
EVIDENCE: Table = EvidenceRow.__table__  # type: ignore[assignment]
SERIES: Table = SeriesRow.__table__  # type: ignore[assignment]
GOVERNANCE: Table = GovernanceRow.__table__  # type: ignore[assignment]
PROBLEM: Table = ProblemRow.__table__  # type: ignore[assignment]
STATEMENT: Table = StatementRow.__table__  # type: ignore[assignment]
#: The child tables a StoredEvaluation is loaded from (one query each per 500 evaluations).
CHILDREN = (CRITERION, EVIDENCE, SERIES, GOVERNANCE, PROBLEM)
#: Every table holding rows of an evaluation: what `prune` deletes with it. The statement is
#: read on its own (`Store.statement`), never with a listing.
OWNED = (*CHILDREN, STATEMENT)
_IN_CHUNK = 500  # ids per IN (...), well under every back-end's parameter limit


def pack(values: Sequence[float]) -> bytes:
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


def insert(conn: Connection, rec: EvaluationRecord, statement: str | None = None) -> int:
    """Insert one evaluation and its children on `conn` (in the caller's transaction), with its
    attestation statement (JSON) when given; its id."""
    eid = conn.execute(
        EVALUATION.insert().returning(EVALUATION.c.id),
        {
            "release": rec.release,
            "version": rec.version,
            "stage": rec.stage,
            "target_stage": rec.target_stage,
            "verdict": rec.verdict,
            "generated_at": rec.generated_at,
            "epoch": rec.epoch,
            "commit": rec.commit,
            "branch": rec.branch,
            "ci_run": rec.ci_run,
            "definition_path": rec.definition_path,
            "definition_sha256": rec.definition_sha256,
            "tool_version": rec.tool_version,
            "blockers": _dumps(list(rec.blockers)),
            "conditions": _dumps(list(rec.conditions)),
            "attestation_digest": rec.attestation_digest,
        },
    ).scalar_one()
    children: dict[Table, list[dict[str, Any]]] = {
        CRITERION: [
            {
                "evaluation_id": eid,
                "position": i,
                "key": c.key,
                "gate": c.gate,
                "criterion_id": c.id,
                "title": c.title,
                "metric": c.metric,
                "matched": c.matched,
                "mode": c.mode,
                "status": c.status,
                "value": c.value,
                "unit": c.unit,
                "threshold": c.threshold,
                "warn": c.warn,
                "message": c.message,
                "evidence": _dumps([list(pair) for pair in c.evidence]),
            }
            for i, c in enumerate(rec.criteria)
        ],
        EVIDENCE: [
            {
                "evaluation_id": eid,
                "position": i,
                "check_id": e.check,
                "path": e.path,
                "sha256": e.sha256,
                "size": e.size,
            }
            for i, e in enumerate(rec.evidence)
        ],
        SERIES: [
            {
                "evaluation_id": eid,
                "position": i,
                "metric": s.metric,
                "unit": s.unit,
                "interval_s": s.interval_s,
                "samples": pack(s.values),
            }
            for i, s in enumerate(rec.series)
        ],
        GOVERNANCE: [
            {"evaluation_id": eid, "kind": kind, "position": i, "data": _dumps(item)}
            for kind, items in (
                ("signoff", rec.signoffs),
                ("waiver", rec.waivers),
                ("risk", rec.risks),
            )
            for i, item in enumerate(items)
        ],
        PROBLEM: [
            {
                "evaluation_id": eid,
                "position": i,
                "check_id": p.check,
                "kind": p.kind,
                "ident": p.ident,
                "detail": p.detail,
            }
            for i, p in enumerate(rec.problems)
        ],
    }
    if statement is not None:
        children[STATEMENT] = [{"evaluation_id": eid, "data": statement}]
    for table, rows in children.items():
        if rows:
            conn.execute(table.insert(), rows)
    return int(eid)


def _strings(raw: str) -> tuple[str, ...]:
    return tuple(str(x) for x in json.loads(raw))


def _mapping(raw: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in json.loads(raw).items()}


def load(conn: Connection, evaluations: Sequence[Mapping[Any, Any]]) -> list[StoredEvaluation]:
    """The stored evaluations of these `evaluation` rows, in their order: one query per child
    table (per 500 evaluations), never one per evaluation."""
    ids = [int(e["id"]) for e in evaluations]
    kids: dict[Table, dict[int, list[Any]]] = {t: {i: [] for i in ids} for t in CHILDREN}
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        for table in CHILDREN:
            order = [table.c.evaluation_id, table.c.position]
            query = select(table).where(table.c.evaluation_id.in_(chunk)).order_by(*order)
            for row in conn.execute(query):
                kids[table][row.evaluation_id].append(row)
    return [_record(e, {t: kids[t][int(e["id"])] for t in CHILDREN}) for e in evaluations]


def _record(e: Mapping[Any, Any], kids: Mapping[Table, list[Any]]) -> StoredEvaluation:
    return StoredEvaluation(
        id=int(e["id"]),
        release=e["release"],
        version=e["version"],
        stage=e["stage"],
        target_stage=e["target_stage"],
        verdict=e["verdict"],
        generated_at=e["generated_at"],
        epoch=float(e["epoch"]),
        commit=e["commit"],
        branch=e["branch"],
        ci_run=e["ci_run"],
        definition_path=e["definition_path"],
        definition_sha256=e["definition_sha256"],
        tool_version=e["tool_version"],
        blockers=_strings(e["blockers"]),
        conditions=_strings(e["conditions"]),
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
                value=None if c.value is None else float(c.value),
                unit=c.unit,
                threshold=c.threshold,
                warn=c.warn,
                message=c.message,
                evidence=tuple((str(p), str(d)) for p, d in json.loads(c.evidence)),
            )
            for c in kids[CRITERION]
        ),
        evidence=tuple(
            EvidenceDigest(check=d.check_id, path=d.path, sha256=d.sha256, size=int(d.size))
            for d in kids[EVIDENCE]
        ),
        signoffs=tuple(_mapping(g.data) for g in kids[GOVERNANCE] if g.kind == "signoff"),
        waivers=tuple(_mapping(g.data) for g in kids[GOVERNANCE] if g.kind == "waiver"),
        series=tuple(
            SeriesRecord(
                metric=s.metric,
                unit=s.unit,
                interval_s=float(s.interval_s),
                values=unpack(bytes(s.samples)),
            )
            for s in kids[SERIES]
        ),
        attestation_digest=e["attestation_digest"],
        risks=tuple(_mapping(g.data) for g in kids[GOVERNANCE] if g.kind == "risk"),
        problems=tuple(
            ProblemRecord(check=p.check_id, kind=p.kind, ident=p.ident, detail=p.detail)
            for p in kids[PROBLEM]
        ),
    )
