"""procedure: a decision voided (作废) when its case is handed over after the ruling; the
console's heartbeat on its video room (presence needs a fresh one)

Revision ID: 0007_procedure
Revises: 0006
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import officer_console.store.db.types

revision = "0007_procedure"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(
            sa.Column(
                "voided_at",
                officer_console.store.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("void_reason", sa.String(length=200), nullable=True))
    with op.batch_alter_table("video_sessions") as batch:
        batch.add_column(
            sa.Column(
                "console_alive_at",
                officer_console.store.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("video_sessions") as batch:
        batch.drop_column("console_alive_at")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("void_reason")
        batch.drop_column("voided_at")
