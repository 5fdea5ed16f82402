"""``planner work``: the queue of long work (match runs and forecasts asked for from the
pages or the API), for operators and tests: run what is queued now, or list it."""

from __future__ import annotations

from typing import Annotated

import typer

from planner.core.cli_support import (
    Field,
    FormatOption,
    OutputFormat,
    console,
    migrated_engine,
    print_listing,
)

app = typer.Typer()
work_app = typer.Typer(
    help="The queue of match runs and forecasts asked for from the pages.", no_args_is_help=True
)
app.add_typer(work_app, name="work")


@work_app.command("run")
def run_command(
    limit: Annotated[
        int | None, typer.Option(min=1, help="Do at most this many items, then stop")
    ] = None,
) -> None:
    """Do the queued work now, one item after another, then exit (the scheduler does the
    same every few seconds). An item left running by a worker that died is queued again
    once first."""
    from planner.work import service

    engine = migrated_engine()
    finished = service.run_queued(engine, limit=limit)
    for item in finished:
        console.print(f"work {item.id} ({item.kind}): {item.status}", highlight=False)
    if not finished:
        console.print("Nothing is queued.")
    if any(item.status == "failed" for item in finished):
        raise typer.Exit(code=1)


@work_app.command("list")
def list_command(
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many, newest first")] = 20,
    output: Annotated[OutputFormat, FormatOption] = OutputFormat.table,
) -> None:
    """The latest work items: kind, status, progress and result (no parameters)."""
    from planner.work import service

    rows = [
        {
            "id": i.id,
            "kind": i.kind,
            "status": i.status,
            "doing": i.failure or i.doing,
            "result_id": i.result_id,
            "requested_by": i.requested_by,
        }
        for i in service.list_items(migrated_engine(), limit=limit)
    ]
    fields = (
        Field("id", "Id", ref=True),
        Field("kind", "Kind"),
        Field("status", "Status"),
        Field("doing", "What is happening"),
        Field("result_id", "Result", ref=True),
        Field("requested_by", "Asked by", ref=True),
    )
    print_listing(output, fields, rows, title="Work queue")
