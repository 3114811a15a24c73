"""Records to table rows and back, with no database library: the one conversion both ways to
the store use (SQLAlchemy Core in `convert` and `store`; the standard library's sqlite3 in
`lite`), so neither can drift from the other.

Rows are plain dicts keyed by column name, one list per child table, keyed by table name.
Deterministic: JSON with sorted keys, series as little-endian float64 (see `models`).
"""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Mapping, Sequence
from typing import Any

from readiness.history.record import (
    CriterionRecord,
    EvaluationRecord,
    EvidenceDigest,
    ProblemRecord,
    SeriesRecord,
    StoredEvaluation,
)

#: The evaluation table's columns that a record fills (all but `id`), in the table's order.
EVALUATION_COLUMNS = (
    "release",
    "version",
    "stage",
    "target_stage",
    "verdict",
    "generated_at",
    "epoch",
    "commit",
    "branch",
    "ci_run",
    "definition_path",
    "definition_sha256",
    "tool_version",
    "blockers",
    "conditions",
    "attestation_digest",
)
#: Each child table's columns that a record fills (all but `id`), in the table's order; the
#: order the children are inserted and read back in.
CHILD_COLUMNS: dict[str, tuple[str, ...]] = {
    "criterion": (
        "evaluation_id",
        "position",
        "key",
        "gate",
        "criterion_id",
        "title",
        "metric",
        "matched",
        "mode",
        "status",
        "value",
        "unit",
        "threshold",
        "warn",
        "message",
        "evidence",
    ),
    "evidence": ("evaluation_id", "position", "check_id", "path", "sha256", "size"),
    "series": ("evaluation_id", "position", "metric", "unit", "interval_s", "samples"),
    "governance": ("evaluation_id", "kind", "position", "data"),
    "problem": ("evaluation_id", "position", "check_id", "kind", "ident", "detail"),
    "statement": ("evaluation_id", "data"),
}


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


def evaluation_row(rec: EvaluationRecord) -> dict[str, Any]:
    """The evaluation table's row of a record (without its id)."""
    return {
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
    }


def child_rows(
    rec: EvaluationRecord, eid: int, statement: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The rows of each child table for evaluation `eid`, by table name, with its attestation
    statement's (JSON) when given."""
    out: dict[str, list[dict[str, Any]]] = {
        "criterion": [
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
        "evidence": [
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
        "series": [
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
        "governance": [
            {"evaluation_id": eid, "kind": kind, "position": i, "data": _dumps(item)}
            for kind, items in (
                ("signoff", rec.signoffs),
                ("waiver", rec.waivers),
                ("risk", rec.risks),
            )
            for i, item in enumerate(items)
        ],
        "problem": [
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
        out["statement"] = [{"evaluation_id": eid, "data": statement}]
    return out


def _strings(raw: str) -> tuple[str, ...]:
    return tuple(str(x) for x in json.loads(raw))


def _mapping(raw: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in json.loads(raw).items()}


def stored(
    e: Mapping[str, Any], kids: Mapping[str, Sequence[Mapping[str, Any]]]
) -> StoredEvaluation:
    """The stored evaluation of an evaluation row and its children's rows (by table name, each
    list in position order)."""
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
                key=c["key"],
                gate=c["gate"],
                id=c["criterion_id"],
                title=c["title"],
                metric=c["metric"],
                matched=c["matched"],
                mode=c["mode"],
                status=c["status"],
                value=None if c["value"] is None else float(c["value"]),
                unit=c["unit"],
                threshold=c["threshold"],
                warn=c["warn"],
                message=c["message"],
                evidence=tuple((str(p), str(d)) for p, d in json.loads(c["evidence"])),
            )
            for c in kids["criterion"]
        ),
        evidence=tuple(
            EvidenceDigest(
                check=d["check_id"], path=d["path"], sha256=d["sha256"], size=int(d["size"])
            )
            for d in kids["evidence"]
        ),
        signoffs=tuple(_mapping(g["data"]) for g in kids["governance"] if g["kind"] == "signoff"),
        waivers=tuple(_mapping(g["data"]) for g in kids["governance"] if g["kind"] == "waiver"),
        series=tuple(
            SeriesRecord(
                metric=s["metric"],
                unit=s["unit"],
                interval_s=float(s["interval_s"]),
                values=unpack(bytes(s["samples"])),
            )
            for s in kids["series"]
        ),
        attestation_digest=e["attestation_digest"],
        risks=tuple(_mapping(g["data"]) for g in kids["governance"] if g["kind"] == "risk"),
        problems=tuple(
            ProblemRecord(check=p["check_id"], kind=p["kind"], ident=p["ident"], detail=p["detail"])
            for p in kids["problem"]
        ),
    )
