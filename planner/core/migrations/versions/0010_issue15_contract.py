"""provision contract: block (paid whether filled or not) or spot (paid when used)

Adds ``provision.contract`` with the server default ``spot`` (what every provision was costed
as before: by the places used), so a populated database upgrades in place on SQLite and
PostgreSQL; a council marks its block contracts in the inventory or its import file.

Revision ID: 0010_issue15_contract
Revises: 0010_contact_history
Create Date: 2026-11-30 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_issue15_contract"
down_revision: str | None = "0010_contact_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "provision",
        sa.Column("contract", sa.String(length=40), nullable=False, server_default="spot"),
    )


def downgrade() -> None:
    with op.batch_alter_table("provision", schema=None) as batch_op:
        batch_op.drop_column("contract")
