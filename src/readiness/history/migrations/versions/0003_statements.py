"""The attestation statement of each evaluation, so `readiness attest --evaluation ID` can sign
a stored evaluation later: one row per evaluation, the statement as JSON. Evaluations recorded
before this revision have none and cannot be attested (attest says so).

Revision ID: 0003
Revises: 0002
Create Date: 2026-05-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statement",
        sa.Column(
            "evaluation_id",
            sa.Integer,
            sa.ForeignKey("evaluation.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("data", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("statement")
