"""The store's tables as SQLAlchemy 2 typed ORM classes (`Mapped[...]`).

The schema itself is made by the Alembic revisions in `migrations/versions/`, never by
`create_all`: a test checks that migrating an empty database to head gives exactly these tables,
on SQLite and on PostgreSQL. A change here therefore needs a new revision, and `HEAD_REVISION` in
`schema.py` moves with it.

Why the series are a BLOB: a per-second latency series of a one-hour run is 3,600 numbers. Packed
as little-endian float64 that is 28.8 KB, read back with one `array.frombytes` call and
bit-for-bit the values the live comparison used (so re-running a comparison from the store gives
the same p-value). JSON would be two to three times larger, slower to parse, and lossy for
floats unless written with 17 digits; float32 would halve the size but round the values, and the
statistics should see exactly what was measured. The store never queries inside a series, so
nothing is lost by making it opaque. LargeBinary is BLOB on SQLite and bytea on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import Double, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """The store's metadata."""


class EvaluationRow(Base):
    """One evaluation of one release at one stage."""

    __tablename__ = "evaluation"
    # AUTOINCREMENT on SQLite: an id is never reused after `prune`, so `--baseline 42` can
    # never silently point at a different evaluation later.
    __table_args__ = (
        Index("ix_evaluation_release_stage_epoch", "release", "stage", "epoch"),
        Index("ix_evaluation_release_epoch", "release", "epoch"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release: Mapped[str] = mapped_column(String)
    version: Mapped[str] = mapped_column(String)
    stage: Mapped[str] = mapped_column(String)
    target_stage: Mapped[str] = mapped_column(String)
    verdict: Mapped[str] = mapped_column(String)
    generated_at: Mapped[str] = mapped_column(String)
    epoch: Mapped[float] = mapped_column(Double)
    commit: Mapped[str | None] = mapped_column(String)
    branch: Mapped[str | None] = mapped_column(String)
    ci_run: Mapped[str | None] = mapped_column(String)
    definition_path: Mapped[str] = mapped_column(String)
    definition_sha256: Mapped[str] = mapped_column(String)
    tool_version: Mapped[str] = mapped_column(String)
    blockers: Mapped[str] = mapped_column(Text)  # JSON array of strings
    conditions: Mapped[str] = mapped_column(Text)  # JSON array of strings
    attestation_digest: Mapped[str | None] = mapped_column(String)

    criteria: Mapped[list[CriterionRow]] = relationship(
        order_by="CriterionRow.position", cascade="all, delete-orphan", passive_deletes=True
    )
    evidence: Mapped[list[EvidenceRow]] = relationship(
        order_by="EvidenceRow.position", cascade="all, delete-orphan", passive_deletes=True
    )
    series: Mapped[list[SeriesRow]] = relationship(
        order_by="SeriesRow.position", cascade="all, delete-orphan", passive_deletes=True
    )
    governance: Mapped[list[GovernanceRow]] = relationship(
        order_by="GovernanceRow.position", cascade="all, delete-orphan", passive_deletes=True
    )
    problems: Mapped[list[ProblemRow]] = relationship(
        order_by="ProblemRow.position", cascade="all, delete-orphan", passive_deletes=True
    )
    statement: Mapped[StatementRow | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


def _parent() -> Mapped[int]:
    return mapped_column(Integer, ForeignKey("evaluation.id", ondelete="CASCADE"))


class CriterionRow(Base):
    """One criterion's result within an evaluation."""

    __tablename__ = "criterion"
    __table_args__ = (
        Index("ix_criterion_evaluation", "evaluation_id", "position", unique=True),
        Index("ix_criterion_key", "key", "evaluation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = _parent()
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String)
    gate: Mapped[str] = mapped_column(String)
    criterion_id: Mapped[str] = mapped_column(String)
    title: Mapped[str] = mapped_column(Text)
    metric: Mapped[str] = mapped_column(String)
    matched: Mapped[str] = mapped_column(String)
    mode: Mapped[str] = mapped_column(String)
    status: Mapped[str] = mapped_column(String)
    value: Mapped[float | None] = mapped_column(Double)
    unit: Mapped[str] = mapped_column(String)
    threshold: Mapped[str] = mapped_column(String)
    warn: Mapped[str] = mapped_column(String)
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)  # JSON array of [path, sha256]


class EvidenceRow(Base):
    """One evidence file's digest within an evaluation."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_evaluation", "evaluation_id", "position", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = _parent()
    position: Mapped[int] = mapped_column(Integer)
    check_id: Mapped[str] = mapped_column(String)
    path: Mapped[str] = mapped_column(String)
    sha256: Mapped[str] = mapped_column(String)
    size: Mapped[int] = mapped_column(Integer)


class SeriesRow(Base):
    """One per-interval series (values: little-endian float64, see the module docstring)."""

    __tablename__ = "series"
    __table_args__ = (Index("ix_series_evaluation", "evaluation_id", "position", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = _parent()
    position: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String)
    unit: Mapped[str] = mapped_column(String)
    interval_s: Mapped[float] = mapped_column(Double)
    samples: Mapped[bytes] = mapped_column(LargeBinary)


class GovernanceRow(Base):
    """A sign-off, a waiver or a risk of the register at the evaluation, as a JSON object."""

    __tablename__ = "governance"
    __table_args__ = (
        Index("ix_governance_evaluation", "evaluation_id", "kind", "position", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = _parent()
    kind: Mapped[str] = mapped_column(String)  # "signoff" | "waiver" | "risk"
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)  # JSON object of strings


class ProblemRow(Base):
    """A failing test or a finding of the evaluation's evidence (revision 0002), for `diff`."""

    __tablename__ = "problem"
    __table_args__ = (Index("ix_problem_evaluation", "evaluation_id", "position", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = _parent()
    position: Mapped[int] = mapped_column(Integer)
    check_id: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String)  # "test" | "finding"
    ident: Mapped[str] = mapped_column(Text)  # the test id; a finding's rule and location
    detail: Mapped[str] = mapped_column(Text)  # the test's outcome; the finding's severity


class StatementRow(Base):
    """The in-toto statement an attestation of the evaluation signs (revision 0003), as JSON:
    `readiness attest --evaluation ID` signs it later, byte for byte what `--attest` would
    have signed then. Its own table, read only by `Store.statement`: 15 KB for the example
    release, more with many evidence files, and never wanted by a listing or a baseline."""

    __tablename__ = "statement"

    evaluation_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("evaluation.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[str] = mapped_column(Text)  # JSON object, ASCII (see recording.stored_statement)
