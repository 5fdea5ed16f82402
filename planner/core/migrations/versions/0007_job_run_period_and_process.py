"""job runs: the period a run is for, the process that ran it, one run per period

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 23:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_RUN_PER_PERIOD = "outcome IN ('running', 'succeeded')"


def upgrade() -> None:
    # Runs recorded before this revision were written when they ended: none is running.
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("process", sa.String(length=120), nullable=False, server_default="")
        )
    op.create_index(
        "uq_job_run_period",
        "job_run",
        ["job_id", "period"],
        unique=True,
        sqlite_where=sa.text(ONE_RUN_PER_PERIOD),
        postgresql_where=sa.text(ONE_RUN_PER_PERIOD),
    )


def downgrade() -> None:
    op.drop_index("uq_job_run_period", table_name="job_run")
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.drop_column("process")
        batch_op.drop_column("period")
