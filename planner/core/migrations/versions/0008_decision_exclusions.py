"""proposals: decisions remembered (the fingerprint a decline holds; who lifted it, when, why)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Declines recorded before this revision have no fingerprint: they hold until the young
    # person's record is updated after the decision, or someone lifts them.
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "decision_fingerprint", sa.String(length=64), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column("exclusion_lifted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("exclusion_lifted_by", sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column(
                "exclusion_lift_note", sa.String(length=500), nullable=False, server_default=""
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_column("exclusion_lift_note")
        batch_op.drop_column("exclusion_lifted_by")
        batch_op.drop_column("exclusion_lifted_at")
        batch_op.drop_column("decision_fingerprint")
