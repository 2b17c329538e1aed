"""evidence files: where the verified copy is stored

Revision ID: 0005
Revises: 0001
Create Date: 2026-12-05 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import officer_console.store.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stored_in", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column(
                "stored_at",
                officer_console.store.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    # Rows written before the shared store existed live in the local evidence directory.
    op.execute("UPDATE evidence_files SET stored_in = 'local' WHERE stored_in IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.drop_column("stored_at")
        batch_op.drop_column("stored_in")
