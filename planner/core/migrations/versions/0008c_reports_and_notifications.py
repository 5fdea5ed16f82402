"""reports and notifications: users' email, manager and notice preference; the outbox

Adds to ``user``: ``email`` (nullable), ``manager_id`` (nullable, a user: the line manager
told of a personal adviser's escalations) and ``notify`` (``immediate`` or ``digest``).
Creates ``notification``, the outbox of email notices (unique ``key``: a notice is never
queued twice). Self-contained: other branches add 0008 and 0008b; the lead re-chains them.

Revision ID: 0008c
Revises: 0008b
Create Date: 2026-11-30 00:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008c"
down_revision: str | None = "0008b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("user", sa.Column("email", sa.String(length=254), nullable=True))
    op.add_column(
        "user",
        sa.Column("notify", sa.String(length=10), nullable=False, server_default="immediate"),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its REFERENCES clause in place. Batch mode would copy
        # and drop "user", which SQLite refuses (foreign keys on) while young people,
        # sessions and tokens refer to it: a populated database could not be upgraded.
        op.execute('ALTER TABLE "user" ADD COLUMN manager_id INTEGER REFERENCES "user" (id)')
    else:
        op.add_column("user", sa.Column("manager_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_user_manager_id_user", "user", "user", ["manager_id"], ["id"])
    op.create_index("ix_user_manager_id", "user", ["manager_id"], unique=False)
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_key"), ["key"], unique=True)
        batch_op.create_index(batch_op.f("ix_notification_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notification_next_attempt_at"), ["next_attempt_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("notification")
    op.drop_index("ix_user_manager_id", table_name="user")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_user_manager_id_user", "user", type_="foreignkey")
    # on SQLite, batch mode copies "user" without the columns (only while no rows refer to
    # it: a downgrade is for empty or scratch databases)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("manager_id")
        batch_op.drop_column("notify")
        batch_op.drop_column("email")
