"""``planner move|cancel-move|redate-move|end-stay|leave|young-person edit``: keeping young
people's records current from the command line.

Each command is one transaction acting on the record as it is now (its latest version); a
refusal prints the same sentence the API and pages show and exits with code 2, having
changed nothing. Young people and places are named by their references; dates are printed
as people write them ("3 December 2026").
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from planner.core.cli_support import (
    console,
    fail,
    parse_day,
    required_day,
    run_write,
)
from planner.domain import PlacementType
from planner.domain.text import day_words

app = typer.Typer()
young_person_app = typer.Typer(help="Change a young person's details.", no_args_is_help=True)
app.add_typer(young_person_app, name="young-person")


def _who(session: Any, reference: str) -> tuple[int, int]:
    from planner.young_people import service

    person_id = service.young_person_id(session, reference)
    return person_id, service.current_version(session, person_id)


@app.command("move")
def move(
    reference: Annotated[str, typer.Argument(help="The young person's reference")],
    on: Annotated[str, typer.Option("--on", help="Date of the move YYYY-MM-DD")],
    to: Annotated[
        str | None, typer.Option("--to", help="Placement type, e.g. bed_and_breakfast, custody")
    ] = None,
    place: Annotated[str | None, typer.Option("--place", help="A place's reference")] = None,
    expected_end: Annotated[
        str | None, typer.Option("--until", help="Expected end, e.g. a release date")
    ] = None,
    unsuitable: Annotated[
        bool, typer.Option("--unsuitable", help="Mark a suitable type unsuitable")
    ] = False,
    area: Annotated[str, typer.Option(help="Where the new stay is")] = "",
) -> None:
    """Record a move (any placement type, or into a place); after today it is planned."""
    from planner.core import audit
    from planner.inventory import service as inventory
    from planner.young_people import service

    day = required_day(on, "--on")
    until = parse_day(expected_end, "--until")
    if to is not None and to not in {t.value for t in PlacementType}:
        fail(f"--to: unknown placement type {to!r}; for example bed_and_breakfast, custody")

    def work(session: Any) -> Any:
        person_id, version = _who(session, reference)
        return service.record_move(
            session,
            young_person_id=person_id,
            expected_version=version,
            start=day,
            placement_type_code=to,
            place_id=inventory.place_id(session, place) if place else None,
            suitable=False if unsuitable else None,
            expected_end=until,
            area=area,
            actor=audit.cli_actor(),
        )

    change = run_write(work)
    where = f"place {place}" if place else PlacementType(str(to)).label.lower()
    if change.planned:
        console.print(
            f"{reference} moves to {where} on {day_words(day)}. "
            "Until then they stay where they are."
        )
    else:
        console.print(f"{reference} moved to {where} on {day_words(day)}.")


@app.command("cancel-move")
def cancel_move(
    reference: Annotated[str, typer.Argument(help="The young person's reference")],
    reason: Annotated[
        str, typer.Option(help="young_person_declined, provider_withdrew, place_not_ready, ...")
    ],
) -> None:
    """Cancel a planned move; the place it filled is vacant again."""
    from planner.core import audit
    from planner.young_people import service

    def work(session: Any) -> Any:
        person_id, version = _who(session, reference)
        return service.cancel_move(
            session,
            young_person_id=person_id,
            expected_version=version,
            reason=reason,
            actor=audit.cli_actor(),
        )

    change = run_write(work)
    reopened = " The vacancy it filled is open again." if change.vacancy_id else ""
    console.print(f"The planned move of {reference} is cancelled.{reopened}")


@app.command("redate-move")
def redate_move(
    reference: Annotated[str, typer.Argument(help="The young person's reference")],
    on: Annotated[str, typer.Option("--on", help="New date of the move YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="place_not_ready, circumstances_changed, ...")],
) -> None:
    """Move the day of a planned move."""
    from planner.core import audit
    from planner.young_people import service

    day = required_day(on, "--on")

    def work(session: Any) -> Any:
        person_id, version = _who(session, reference)
        return service.redate_move(
            session,
            young_person_id=person_id,
            expected_version=version,
            start=day,
            reason=reason,
            actor=audit.cli_actor(),
        )

    run_write(work)
    console.print(f"The move of {reference} is now on {day_words(day)}.")


@app.command("end-stay")
def end_stay(
    reference: Annotated[str, typer.Argument(help="The young person's reference")],
    on: Annotated[str, typer.Option("--on", help="Date the stay ended YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="notice, evicted, abandoned, custody, other")],
) -> None:
    """End the current stay (where they went next is not yet known)."""
    from planner.core import audit
    from planner.young_people import service

    day = required_day(on, "--on")

    def work(session: Any) -> Any:
        person_id, version = _who(session, reference)
        return service.end_stay(
            session,
            young_person_id=person_id,
            expected_version=version,
            on=day,
            reason=reason,
            actor=audit.cli_actor(),
        )

    run_write(work)
    console.print(f"The stay of {reference} ended on {day_words(day)}.")


@app.command("leave")
def leave(
    reference: Annotated[str, typer.Argument(help="The young person's reference")],
    on: Annotated[str, typer.Option("--on", help="Date they left YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="aged_out, declined_support, moved_away, other")],
) -> None:
    """Record that a young person left the service."""
    from planner.core import audit
    from planner.young_people import service

    day = required_day(on, "--on")

    def work(session: Any) -> Any:
        person_id, version = _who(session, reference)
        return service.leave_service(
            session,
            young_person_id=person_id,
            expected_version=version,
            on=day,
            reason=reason,
            actor=audit.cli_actor(),
        )

    run_write(work)
    console.print(f"{reference} left the service on {day_words(day)}.")


@young_person_app.command("edit")
def edit(
    reference: Annotated[str, typer.Argument(help="The young person's reference")],
    support_need: Annotated[str | None, typer.Option(help="none, low, medium or high")] = None,
    risk_flags: Annotated[str | None, typer.Option(help="Separated by ';'")] = None,
    area: Annotated[str | None, typer.Option()] = None,
    preferred_areas: Annotated[str | None, typer.Option(help="Separated by ';'")] = None,
    excluded_areas: Annotated[str | None, typer.Option(help="Separated by ';'")] = None,
    education_area: Annotated[str | None, typer.Option()] = None,
    work_area: Annotated[str | None, typer.Option()] = None,
    network_area: Annotated[str | None, typer.Option()] = None,
    adviser: Annotated[str | None, typer.Option(help="Username; '' for none")] = None,
    step_free: Annotated[bool | None, typer.Option("--step-free/--no-step-free")] = None,
    child: Annotated[bool | None, typer.Option("--child/--no-child")] = None,
    pregnant: Annotated[bool | None, typer.Option("--pregnant/--not-pregnant")] = None,
    pet: Annotated[bool | None, typer.Option("--pet/--no-pet")] = None,
    asked_to_move: Annotated[
        bool | None, typer.Option("--asked-to-move/--not-asked-to-move")
    ] = None,
    pathway_review: Annotated[
        str | None, typer.Option(help="Pathway plan review due YYYY-MM-DD")
    ] = None,
    in_touch: Annotated[
        str | None, typer.Option(help="In touch: YES, NO, DIED, REFU, NREQ, RHOM ('' for none)")
    ] = None,
    activity: Annotated[
        str | None, typer.Option(help="Main activity: F1 ... G6 or 0 (SSDA903 ACTIV)")
    ] = None,
    latest_contact: Annotated[
        str | None, typer.Option(help="Date of the latest contact YYYY-MM-DD")
    ] = None,
) -> None:
    """Change a young person's needs, preferences, risks, areas, adviser or contact."""
    from planner.core import audit
    from planner.young_people import service

    given: dict[str, object | None] = {
        "support_need": support_need,
        "risk_flags": risk_flags,
        "area": area,
        "preferred_areas": preferred_areas,
        "excluded_areas": excluded_areas,
        "education_area": education_area,
        "work_area": work_area,
        "network_area": network_area,
        "personal_adviser": adviser,
        "needs_step_free": step_free,
        "has_child": child,
        "pregnant": pregnant,
        "has_pet": pet,
        "asked_to_move": asked_to_move,
        "pathway_plan_review_due": parse_day(pathway_review, "--pathway-review"),
        "in_touch": in_touch,
        "activity": activity,
        "latest_contact_on": parse_day(latest_contact, "--latest-contact"),
    }
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        fail("Give at least one detail to change, e.g. --support-need high.")

    def work(session: Any) -> Any:
        person_id, version = _who(session, reference)
        return service.edit_details(
            session,
            young_person_id=person_id,
            expected_version=version,
            changes=changes,
            actor=audit.cli_actor(),
        )

    run_write(work)
    names = ", ".join(k.replace("_", " ") for k in changes)
    console.print(f"{reference}: {names} changed.")
