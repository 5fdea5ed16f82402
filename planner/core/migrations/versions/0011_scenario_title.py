"""saved scenarios keep their name as typed: ``saved_scenario.title``, ``forecast_run.scenario_title``

A saved scenario was shown by its slug in words ("UASC arrivals tripled (2026)" came back as
"Uasc arrivals tripled 2026"). Adds the name as typed to the scenario and to each forecast
run made with it (so a run still reads so after its scenario is deleted), both with the
server default "" and backfilled: a saved scenario's title is its slug in words (what the
pages showed until now), and a run's is its saved scenario's (catalogue runs keep "": their
names are worded by the catalogue).

Revision ID: 0011_scenario_title
Revises: 0011_manual_runs
Create Date: 2026-11-30 07:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_scenario_title"
down_revision: str | None = "0011_manual_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _words(slug: str) -> str:
    """A slug in words as the pages showed it before titles were kept (frozen here: the
    migration must not change if the pages' wording does)."""
    text = slug.replace("_", " ").capitalize()
    return " ".join("UASC" if w.lower() == "uasc" else w for w in text.split(" "))


def upgrade() -> None:
    op.add_column(
        "saved_scenario",
        sa.Column("title", sa.String(length=120), nullable=False, server_default=""),
    )
    op.add_column(
        "forecast_run",
        sa.Column("scenario_title", sa.String(length=120), nullable=False, server_default=""),
    )
    conn = op.get_bind()
    scenario = sa.table("saved_scenario", sa.column("id"), sa.column("name"), sa.column("title"))
    for row in conn.execute(sa.select(scenario.c.id, scenario.c.name)).all():
        conn.execute(
            scenario.update().where(scenario.c.id == row.id).values(title=_words(row.name))
        )
    run = sa.table("forecast_run", sa.column("scenario"), sa.column("scenario_title"))
    titles = conn.execute(sa.select(scenario.c.name, scenario.c.title)).all()
    for name, title in titles:
        conn.execute(run.update().where(run.c.scenario == name).values(scenario_title=title))


def downgrade() -> None:
    with op.batch_alter_table("forecast_run", schema=None) as batch_op:
        batch_op.drop_column("scenario_title")
    with op.batch_alter_table("saved_scenario", schema=None) as batch_op:
        batch_op.drop_column("title")
