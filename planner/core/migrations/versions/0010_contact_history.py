"""care leavers' contact history: each change to in touch, latest contact and activity

Adds ``contact_record`` (young person, the day the values became true, the three values):
``young_person`` keeps the values now, and an OC3 return for a past year reads what was
true on that year's birthday. One row per young person and day.

Revision ID: 0010_contact_history
Revises: 0010_work_queue
Create Date: 2026-11-30 04:25:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010_contact_history"
down_revision: str | None = "0010_work_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_person_id", sa.Integer(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("in_touch", sa.String(length=4), nullable=False),
        sa.Column("latest_contact_on", sa.Date(), nullable=True),
        sa.Column("activity", sa.String(length=2), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["young_person_id"], ["young_person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("young_person_id", "recorded_on", name="uq_contact_record_day"),
    )
    op.create_index(
        op.f("ix_contact_record_young_person_id"),
        "contact_record",
        ["young_person_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_contact_record_young_person_id"), table_name="contact_record")
    op.drop_table("contact_record")
