"""gateway: waiting room columns on video_sessions

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-05 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import officer_console.store.types

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("video_sessions") as batch:
        batch.add_column(sa.Column("token_key", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column(
                "console_opened_at",
                officer_console.store.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch.add_column(
            sa.Column(
                "citizen_waiting_since",
                officer_console.store.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    # rooms opened before this revision were opened by the console
    op.execute("UPDATE video_sessions SET console_opened_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("video_sessions") as batch:
        batch.drop_column("citizen_waiting_since")
        batch.drop_column("console_opened_at")
        batch.drop_column("token_key")
