"""gateway: waiting room columns on video_sessions; seats, large signals and shared rate
windows for several gateway instances

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-05 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import officer_console.store.db.types

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
                officer_console.store.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch.add_column(
            sa.Column(
                "citizen_waiting_since",
                officer_console.store.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    # rooms opened before this revision were opened by the console
    op.execute("UPDATE video_sessions SET console_opened_at = created_at")
    dt = officer_console.store.db.types.UTCDateTime(timezone=True)
    op.create_table(
        "room_seats",
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("instance", sa.String(length=64), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("since", dt, nullable=False),
        sa.PrimaryKeyConstraint("room_id", "role", name=op.f("pk_room_seats")),
    )
    op.create_table(
        "signal_payloads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", dt, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_payloads")),
    )
    op.create_index(
        op.f("ix_signal_payloads_created_at"), "signal_payloads", ["created_at"], unique=False
    )
    op.create_table(
        "rate_windows",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("window_start", dt, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_windows")),
    )


def downgrade() -> None:
    op.drop_table("rate_windows")
    op.drop_index(op.f("ix_signal_payloads_created_at"), table_name="signal_payloads")
    op.drop_table("signal_payloads")
    op.drop_table("room_seats")
    with op.batch_alter_table("video_sessions") as batch:
        batch.drop_column("citizen_waiting_since")
        batch.drop_column("console_opened_at")
        batch.drop_column("token_key")
