"""match runs of proposals made by hand: ``match_run.kind`` (``solved`` or ``manual``)

A proposal made from a vacancy's candidates before any match run used to hang from a run
with solver "none" and status "manual", and the matching page showed it as a solve. Adds
``match_run.kind`` with the server default ``solved`` (what every run was), and marks the
runs made that way ``manual`` with no solver or status, so no page shows one.

Revision ID: 0011_manual_runs
Revises: 0010_issue15_contract
Create Date: 2026-11-30 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_manual_runs"
down_revision: str | None = "0010_issue15_contract"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "match_run",
        sa.Column("kind", sa.String(length=10), nullable=False, server_default="solved"),
    )
    op.execute(
        "UPDATE match_run SET kind = 'manual', solver = '', status = '' "
        "WHERE solver = 'none' AND status = 'manual'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE match_run SET solver = 'none', status = 'manual' WHERE kind = 'manual'"
    )
    with op.batch_alter_table("match_run", schema=None) as batch_op:
        batch_op.drop_column("kind")
