"""Records to table rows and back, with SQLAlchemy Core rather than ORM instances (the rows
themselves are made and read in `rows`, which `lite` shares).

Why Core here: reading 20 evaluations means 1,000 criterion rows, and building ORM instances
and reading their instrumented attributes cost several times what plain rows do (`list(last=20)`
took about 140 ms through the ORM, 17 ms this way); writing one evaluation through the unit of
work took about 24 ms, an `INSERT ... RETURNING` plus one executemany per child table 2 ms.
The ORM classes in `models` stay the one typed description of the schema. Deterministic: JSON
with sorted keys, series as little-endian float64 (see `models`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, select

from readiness.history import rows
from readiness.history.models import (
    CriterionRow,
    EvaluationRow,
    EvidenceRow,
    GovernanceRow,
    ProblemRow,
    SeriesRow,
    StatementRow,
)
from readiness.history.record import EvaluationRecord, StoredEvaluation
from readiness.history.rows import pack, unpack

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
__all__ = [
    "CHILDREN",
    "CRITERION",
    "EVALUATION",
    "OWNED",
    "STATEMENT",
    "insert",
    "load",
    "pack",
    "unpack",
]
_IN_CHUNK = 500  # ids per IN (...), well under every back-end's parameter limit


def insert(conn: Connection, rec: EvaluationRecord, statement: str | None = None) -> int:
    """Insert one evaluation and its children on `conn` (in the caller's transaction), with its
    attestation statement (JSON) when given; its id."""
    from readiness.history import queries

    eid = conn.execute(queries.insert_evaluation(), rows.evaluation_row(rec)).scalar_one()
    for name, children in rows.child_rows(rec, eid, statement).items():
        if children:
            conn.execute(queries.insert_children(name), children)
    return int(eid)


def load(conn: Connection, evaluations: Sequence[Mapping[Any, Any]]) -> list[StoredEvaluation]:
    """The stored evaluations of these `evaluation` rows, in their order: one query per child
    table (per 500 evaluations), never one per evaluation."""
    ids = [int(e["id"]) for e in evaluations]
    kids: dict[str, dict[int, list[Any]]] = {t.name: {i: [] for i in ids} for t in CHILDREN}
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        for table in CHILDREN:
            order = [table.c.evaluation_id, table.c.position]
            query = select(table).where(table.c.evaluation_id.in_(chunk)).order_by(*order)
            for row in conn.execute(query).mappings():
                kids[table.name][row["evaluation_id"]].append(row)
    return [
        rows.stored(e, {t.name: kids[t.name][int(e["id"])] for t in CHILDREN}) for e in evaluations
    ]
