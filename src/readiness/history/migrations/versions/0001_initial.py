"""The first schema: evaluations, their criteria, evidence digests, series and governance.

Revision ID: 0001
Revises:
Create Date: 2026-05-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _parent() -> sa.Column[int]:
    return sa.Column(
        "evaluation_id",
        sa.Integer,
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("release", sa.String, nullable=False),
        sa.Column("version", sa.String, nullable=False),
        sa.Column("stage", sa.String, nullable=False),
        sa.Column("target_stage", sa.String, nullable=False),
        sa.Column("verdict", sa.String, nullable=False),
        sa.Column("generated_at", sa.String, nullable=False),
        sa.Column("epoch", sa.Double, nullable=False),
        sa.Column("commit", sa.String, nullable=True),
        sa.Column("branch", sa.String, nullable=True),
        sa.Column("ci_run", sa.String, nullable=True),
        sa.Column("definition_path", sa.String, nullable=False),
        sa.Column("definition_sha256", sa.String, nullable=False),
        sa.Column("tool_version", sa.String, nullable=False),
        sa.Column("blockers", sa.Text, nullable=False),
        sa.Column("conditions", sa.Text, nullable=False),
        sa.Column("attestation_digest", sa.String, nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_evaluation_release_stage_epoch", "evaluation", ["release", "stage", "epoch"]
    )
    op.create_index("ix_evaluation_release_epoch", "evaluation", ["release", "epoch"])

    op.create_table(
        "criterion",
        sa.Column("id", sa.Integer, primary_key=True),
        _parent(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("key", sa.String, nullable=False),
        sa.Column("gate", sa.String, nullable=False),
        sa.Column("criterion_id", sa.String, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("metric", sa.String, nullable=False),
        sa.Column("matched", sa.String, nullable=False),
        sa.Column("mode", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("value", sa.Double, nullable=True),
        sa.Column("unit", sa.String, nullable=False),
        sa.Column("threshold", sa.String, nullable=False),
        sa.Column("warn", sa.String, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_criterion_evaluation", "criterion", ["evaluation_id", "position"], unique=True
    )
    op.create_index("ix_criterion_key", "criterion", ["key", "evaluation_id"])

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        _parent(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("check_id", sa.String, nullable=False),
        sa.Column("path", sa.String, nullable=False),
        sa.Column("sha256", sa.String, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_evidence_evaluation", "evidence", ["evaluation_id", "position"], unique=True
    )

    op.create_table(
        "series",
        sa.Column("id", sa.Integer, primary_key=True),
        _parent(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("metric", sa.String, nullable=False),
        sa.Column("unit", sa.String, nullable=False),
        sa.Column("interval_s", sa.Double, nullable=False),
        sa.Column("samples", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_series_evaluation", "series", ["evaluation_id", "position"], unique=True)

    op.create_table(
        "governance",
        sa.Column("id", sa.Integer, primary_key=True),
        _parent(),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_governance_evaluation",
        "governance",
        ["evaluation_id", "kind", "position"],
        unique=True,
    )


def downgrade() -> None:
    for table in ("governance", "series", "evidence", "criterion", "evaluation"):
        op.drop_table(table)
