"""decision verification code (QR link of the statutory documents)

Revision ID: 0004
Revises: 0001
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("verify_code", sa.String(length=16), nullable=True))
        batch.create_unique_constraint(op.f("uq_decisions_verify_code"), ["verify_code"])


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("uq_decisions_verify_code"), type_="unique")
        batch.drop_column("verify_code")
