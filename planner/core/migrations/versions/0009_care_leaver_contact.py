"""care leavers' contact: in touch, latest contact and activity (OC3 and List 9)

Adds to ``young_person``: ``in_touch`` (903 IN_TOUCH code, blank if not recorded),
``latest_contact_on`` (nullable date) and ``activity`` (903 ACTIV code, blank if not
recorded). Plain ``add_column`` with server defaults: SQLite adds them in place, so a
populated database upgrades without copying the table others refer to. The eligibility
category is the existing ``legal_status``.

Revision ID: 0009
Revises: 0008c
Create Date: 2026-11-30 01:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "young_person",
        sa.Column("in_touch", sa.String(length=4), nullable=False, server_default=""),
    )
    op.add_column("young_person", sa.Column("latest_contact_on", sa.Date(), nullable=True))
    op.add_column(
        "young_person",
        sa.Column("activity", sa.String(length=2), nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("young_person", schema=None) as batch_op:
        batch_op.drop_column("activity")
        batch_op.drop_column("latest_contact_on")
        batch_op.drop_column("in_touch")
