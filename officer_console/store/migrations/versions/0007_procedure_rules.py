"""catalogue penalty kind (warning / warning or fine / fine); co-sign proposal

Revision ID: 0007_procedure_rules
Revises: 0007_procedure (re-chain at merge: both branches added a revision on 0006)
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_procedure_rules"
down_revision = "0007_procedure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows imported before warnings were catalogued keep the old meaning: fine only.
    with op.batch_alter_table("catalogue_entries") as batch:
        batch.add_column(
            sa.Column("penalty_kind", sa.String(length=16), nullable=False, server_default="fine")
        )
    # The ruling a co-signer approves, shown to him and then binding on the ruling.
    with op.batch_alter_table("cosign_requests") as batch:
        batch.add_column(sa.Column("proposal", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cosign_requests") as batch:
        batch.drop_column("proposal")
    with op.batch_alter_table("catalogue_entries") as batch:
        batch.drop_column("penalty_kind")
