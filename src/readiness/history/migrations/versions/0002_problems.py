"""Failing tests and findings of each evaluation, so `readiness diff` can say which appeared or
disappeared: one short row each (check, kind, identity, detail), never the whole evidence.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "problem",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "evaluation_id",
            sa.Integer,
            sa.ForeignKey("evaluation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("check_id", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("ident", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_problem_evaluation", "problem", ["evaluation_id", "position"], unique=True)


def downgrade() -> None:
    op.drop_table("problem")
