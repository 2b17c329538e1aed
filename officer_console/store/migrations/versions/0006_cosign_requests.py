"""co-sign requests for the general procedure

Revision ID: 0006
Revises: 0001
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import officer_console.store.db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cosign_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", officer_console.store.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "decided_at", officer_console.store.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_cosign_requests_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_cosign_requests_officer_id_officers")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["officers.id"],
            name=op.f("fk_cosign_requests_requested_by_officers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cosign_requests")),
    )
    with op.batch_alter_table("cosign_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cosign_requests_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_cosign_requests_officer", ["officer_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cosign_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_cosign_requests_officer")
        batch_op.drop_index(batch_op.f("ix_cosign_requests_case_id"))
    op.drop_table("cosign_requests")
