"""records kept in the planner: a version on young people, stays, provisions and places
(optimistic concurrency), and on stays why they ended and the vacancy they filled

Revision ID: 0008b
Revises: 0008
Create Date: 2026-11-30 00:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008b"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONED = ("young_person", "stay", "provision", "place")


def upgrade() -> None:
    # plain ADD COLUMN on both engines (no table rebuild): existing rows start at version 1
    for table in VERSIONED:
        op.add_column(
            table, sa.Column("version", sa.Integer(), nullable=False, server_default="1")
        )
    op.add_column(
        "stay", sa.Column("end_reason", sa.String(length=40), nullable=False, server_default="")
    )
    op.add_column("stay", sa.Column("vacancy_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stay", schema=None) as batch_op:
        batch_op.drop_column("vacancy_id")
        batch_op.drop_column("end_reason")
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
