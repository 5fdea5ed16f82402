"""Keeping a young person's record on the pages: record a move, edit details, cancel or
re-date a planned move, end a stay, record that they left the service.

Each form is one page (GET shows it, POST keeps the change and redirects to the record with
a success banner, or shows the same form with the error summary, the field highlighted and
the values typed). The changes are the services' (:mod:`planner.young_people.service`):
they check the permission and the record scope, and compare-and-set the record's version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from api.deps import ID_MAX, CheckedForm, DbSession, Principal, allowed, form_version, see_other
from api.pages.forms import (
    RECORD,
    Field,
    attempt,
    choices,
    date_parts,
    error_list,
    kept,
    read_date,
)
from api.templating import render
from planner.core import clock
from planner.core.errors import FieldInvalid
from planner.domain import ACTIVITY_CODES, IN_TOUCH_CODES, PlacementType, Role, SupportLevel
from planner.domain.permissions import Permission as P
from planner.domain.text import day_words
from planner.inventory import queries as inventory
from planner.inventory import service as inventory_changes
from planner.matching.candidates import unsuited_places
from planner.young_people import queries as young_people
from planner.young_people import service
from planner.young_people.rules import LeavingReason, MoveChangeReason

router = APIRouter(include_in_schema=False)
PersonId = Annotated[int, Path(ge=1, le=ID_MAX)]

DONE = {  # ?done= on the record -> the banner's words (never echoes what was sent)
    "move": "The move is recorded.",
    "details": "The details are saved.",
    "contact": "Their contact is saved.",
    "cancel": "The planned move is cancelled.",
    "redate": "The date of the move is changed.",
    "end": "The stay is ended.",
    "leave": "They are recorded as having left the service.",
    "notice": "The notice is recorded: the place is declared free from the day after.",
    "held": "The place is held for them.",
}
MOVE_REASONS = {
    "young_person_declined": "The young person declined",
    "provider_withdrew": "The provider withdrew",
    "place_not_ready": "The place is not ready",
    "circumstances_changed": "Their circumstances changed",
    "recorded_in_error": "Recorded in error",
    "other": "Another reason",
}
END_REASONS = {
    "notice": "Notice was given",
    "evicted": "Evicted",
    "abandoned": "They left the accommodation",
    "custody": "Went into custody",
    "other": "Another reason",
}
LEAVE_REASONS = {
    "aged_out": "Reached the age support ends",
    "declined_support": "Declined support",
    "moved_away": "Moved away",
    "died": "Died",
    "other": "Another reason",
}
FLAGS = {
    "needs_step_free": "Needs step-free access",
    "has_child": "Is a parent",
    "pregnant": "Is pregnant",
    "has_pet": "Has a pet",
    "asked_to_move": "Has asked to move",
}
TEXTS = {
    "area": "Home area",
    "education_area": "Education area",
    "work_area": "Work area",
    "network_area": "Area of their support network",
}
# where they live is read from their stay on each day (planner.young_people.lives); the
# record's own area is shown only when no current stay records one
TEXT_HINTS = {
    "area": "Where they live when no current stay records an area: before their first stay"
    " is recorded, or after a stay ends with nowhere next. A move records the area of its"
    " stay, so this does not need changing when they move.",
}
LISTS = {
    "risk_flags": "Risks",
    "preferred_areas": "Preferred areas",
    "excluded_areas": "Excluded areas",
}
EXAMPLE = "For example, 27 3 2026"


def _record(db: DbSession, principal: Principal, person_id: int) -> young_people.YoungPersonRecord:
    return young_people.get_record(db, viewer=principal.user, young_person_id=person_id)


def _show(
    request: Request,
    record: young_people.YoungPersonRecord,
    *,
    slug: str,
    heading: str,
    fields: list[Field],
    form: dict[str, str],
    button: str,
    intro: list[str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    version: int | None = None,
    warning: bool = False,
) -> Response:
    errors = errors or {}
    return render(
        request,
        "record_form.html",
        {
            "title": ("Error: " if errors else "") + f"{heading}: {record.reference}",
            "caption": f"Young person {record.reference}",
            "heading": heading,
            "intro": intro or [],
            "fields": fields,
            "form": form,
            "errors": errors,
            "error_list": error_list(errors, fields),
            "action": f"/young-people/{record.id}/{slug}",
            "back": f"/young-people/{record.id}",
            "back_text": record.reference,
            "button": button,
            "version": version if version is not None else record.version,
            "warning": warning,
        },
        status_code=status_code,
    )


def _submit(
    request: Request,
    db: DbSession,
    principal: Principal,
    person_id: int,
    form: dict[str, str],
    *,
    build: Callable[[young_people.YoungPersonRecord], dict[str, Any]],
    change: Callable[..., Callable[[], Any] | None],
    done: str,
) -> Response:
    """Read the form (``change`` returns the service call, or None with ``errors`` filled),
    keep the change or show the form again with what went wrong."""
    record = _record(db, principal, person_id)
    page = build(record)
    errors: dict[str, str] = {}
    version = form_version(form)
    call = change(version, form, errors, record)
    status = 422
    if call is not None and not errors:
        errors, status = attempt(db, call)
        if not errors and done == "leave":  # their record has left every list and scope
            return see_other(f"/young-people?done={done}")
        if not errors:
            return see_other(f"/young-people/{person_id}?done={done}")
    return _show(
        request,
        record,
        **page,
        form=kept(form, page["fields"]),
        errors=errors,
        status_code=status,
        version=version,
    )


# -- record a move -------------------------------------------------------------------------------


def _move_page(
    db: DbSession, principal: Principal
) -> Callable[[young_people.YoungPersonRecord], dict[str, Any]]:
    today = clock.today()
    vacancies = inventory.list_vacancies(db, viewer=principal.user)
    types = [("", "Choose")] + [(t.value, t.label) for t in PlacementType]

    def build(record: young_people.YoungPersonRecord) -> dict[str, Any]:
        # every open place is offered (a move may already have happened, or be agreed with
        # the provider), and a place whose rules rule the young person out says so and why
        unsuited = unsuited_places(db, viewer=principal.user, young_person_id=record.id)
        places = [("", "Not a place in a provision")] + [
            (
                str(v.place_id),
                f"{v.provision}, {v.place} (free "
                + ("now" if v.available_from <= today else f"from {day_words(v.available_from)}")
                + ")"
                + (f": does not suit them, {unsuited[v.id]}" if v.id in unsuited else ""),
            )
            # the places that suit them first, in the list's order
            for v in sorted(vacancies, key=lambda v: v.id in unsuited)
        ]
        checked = [
            Field(
                "rules_checked",
                "Record the move even though the place does not suit them",
                "checkbox",
                "Only for a place marked 'does not suit them' in the list: for example a move "
                "that has already happened, or one agreed with the provider.",
            )
        ]
        return {
            "slug": "move",
            "heading": "Record a move",
            "button": "Record the move",
            "intro": [
                "Choose a place with a vacancy, or the placement type of somewhere else "
                "(bed and breakfast and other unsuitable accommodation too). A move after "
                "today is a planned move."
            ],
            "fields": [
                Field("place_id", "Place with a vacancy", "select", options=places),
                *(checked if any(v.id in unsuited for v in vacancies) else []),
                Field(
                    "placement_type",
                    "Or placement type",
                    "select",
                    "Leave as Choose if you chose a place: the provision's type is used.",
                    options=types,
                ),
                Field("start", "Date of the move", "date", EXAMPLE),
                Field(
                    "expected_end",
                    "Expected end (optional)",
                    "date",
                    "For custody, the expected release date.",
                ),
                Field(
                    "unsuitable",
                    "This accommodation is not suitable for them",
                    "checkbox",
                    "Bed and breakfast and other unsuitable types always count as unsuitable.",
                ),
                Field("area", "Area (optional)", hint="Where the accommodation is.", width=20),
            ],
        }

    return build


@router.get("/young-people/{young_person_id}/move")
def move_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.record_moves)],
    young_person_id: PersonId,
) -> Response:
    record = _record(db, principal, young_person_id)
    page = _move_page(db, principal)(record)
    return _show(request, record, **page, form=date_parts("start", clock.today()))


@router.post("/young-people/{young_person_id}/move")
def record_move(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.record_moves)],
    form: CheckedForm,
    young_person_id: PersonId,
) -> Response:
    def change(version: int, form: dict[str, str], errors: dict[str, str], *_: object) -> Any:
        start = read_date(form, "start", "date of the move", errors)
        end = read_date(form, "expected_end", "expected end", errors, required=False)
        place = form.get("place_id", "").strip()
        kind = form.get("placement_type", "").strip()
        if not place and not kind:
            errors["place_id"] = "Choose a place with a vacancy or a placement type."
        if not place.isdigit() and place:
            errors["place_id"] = "Choose a place from the list."
        if place.isdigit() and form.get("rules_checked") != "yes":
            by_place = {
                v.place_id: v.id for v in inventory.list_vacancies(db, viewer=principal.user)
            }
            unsuited = unsuited_places(db, viewer=principal.user, young_person_id=young_person_id)
            why = unsuited.get(by_place.get(int(place), 0))
            if why:
                errors["place_id"] = (
                    f"The place does not suit them: {why}. Choose another place, or tick "
                    "'Record the move even though the place does not suit them'."
                )
        if errors or start is None:
            return None
        return lambda: service.record_move(
            db,
            young_person_id=young_person_id,
            expected_version=version,
            start=start,
            placement_type_code=kind or None,
            place_id=int(place) if place else None,
            suitable=False if form.get("unsuitable") == "yes" else None,
            expected_end=end,
            area=form.get("area", ""),
            viewer=principal.user,
        )

    return _submit(
        request,
        db,
        principal,
        young_person_id,
        form,
        build=_move_page(db, principal),
        change=change,
        done="move",
    )


# -- edit details ----------------------------------------------------------------------------------


def _details_page(
    principal: Principal,
) -> Callable[[young_people.YoungPersonRecord], dict[str, Any]]:
    def build(record: young_people.YoungPersonRecord) -> dict[str, Any]:
        fields = [
            Field(
                "support_need",
                "Support need",
                "select",
                options=choices([s.value for s in SupportLevel])[1:],
            ),
            *[
                Field(name, label, hint="Separate them with commas.")
                for name, label in LISTS.items()
            ],
            *[
                Field(name, label, hint=TEXT_HINTS.get(name, ""), width=20)
                for name, label in TEXTS.items()
            ],
            *[Field(name, label, "checkbox") for name, label in FLAGS.items()],
            Field(
                "pathway_plan_review_due",
                "Pathway plan review due",
                "date",
                EXAMPLE + ". Leave empty if not set.",
            ),
        ]
        if principal.user.role != Role.personal_adviser:
            fields.append(
                Field(
                    "personal_adviser",
                    "Personal adviser",
                    hint="Their username; leave empty for none.",
                    width=20,
                )
            )
        return {
            "slug": "details",
            "heading": "Edit details",
            "button": "Save details",
            "fields": fields,
        }

    return build


def _details_form(record: young_people.YoungPersonRecord) -> dict[str, str]:
    form = {
        "support_need": record.support_need,
        **{name: ", ".join(getattr(record, name)) for name in LISTS},
        **{name: getattr(record, name) for name in TEXTS},
        "area": record.home_area,  # the record's own area, not where the current stay is
        **{name: "yes" if getattr(record, name) else "" for name in FLAGS},
        **date_parts("pathway_plan_review_due", record.pathway_plan_review_due),
        "personal_adviser": record.personal_adviser,
    }
    return form


@router.get("/young-people/{young_person_id}/details")
def details_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.edit_young_people)],
    young_person_id: PersonId,
) -> Response:
    record = _record(db, principal, young_person_id)
    page = _details_page(principal)(record)
    return _show(request, record, **page, form=_details_form(record))


@router.post("/young-people/{young_person_id}/details")
def edit_details(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.edit_young_people)],
    form: CheckedForm,
    young_person_id: PersonId,
) -> Response:
    def change(
        version: int,
        form: dict[str, str],
        errors: dict[str, str],
        record: young_people.YoungPersonRecord,
    ) -> Any:
        before = _details_form(record)
        review = read_date(
            form, "pathway_plan_review_due", "pathway plan review date", errors, required=False
        )
        if errors:
            return None
        changes: dict[str, object] = {}
        if form.get("support_need", "") != before["support_need"]:
            changes["support_need"] = form.get("support_need", "")
        for name in LISTS:
            items = [
                p.strip() for p in form.get(name, "").replace(";", ",").split(",") if p.strip()
            ]
            if items != getattr(record, name):
                changes[name] = items
        for name in TEXTS:
            if form.get(name, "").strip() != before[name]:
                changes[name] = form.get(name, "")
        for name in FLAGS:
            if (form.get(name) == "yes") != getattr(record, name):
                changes[name] = form.get(name) == "yes"
        if review != record.pathway_plan_review_due:
            changes["pathway_plan_review_due"] = review
        adviser = form.get("personal_adviser", "").strip().lower()
        if (
            principal.user.role != Role.personal_adviser
            and adviser != before["personal_adviser"].lower()
        ):
            changes["personal_adviser"] = form.get("personal_adviser", "")
        if not changes:
            errors[RECORD] = "Nothing was changed. Change a detail, or cancel."
            return None
        return lambda: service.edit_details(
            db,
            young_person_id=young_person_id,
            expected_version=version,
            changes=changes,
            viewer=principal.user,
        )

    return _submit(
        request,
        db,
        principal,
        young_person_id,
        form,
        build=_details_page(principal),
        change=change,
        done="details",
    )


# -- contact (OC3, List 9): in touch, latest contact, main activity --------------------------------


def _contact_page(record: young_people.YoungPersonRecord) -> dict[str, Any]:
    """A personal adviser's short form for a care leaver's contact; each change is kept with
    today's date, so last year's return still reads what was true then."""
    return {
        "slug": "contact",
        "heading": "Contact and activity",
        "button": "Save contact",
        "fields": [
            Field("in_touch", "Is the council in touch", "select",
                  options=[("", "Not recorded"), *IN_TOUCH_CODES.items()]),
            Field("latest_contact_on", "Date of the latest contact", "date",
                  EXAMPLE + ". Leave empty if not recorded."),
            Field("activity", "Main activity", "select",
                  options=[("", "Not recorded"), *ACTIVITY_CODES.items()]),
        ],
    }  # fmt: skip


def _contact_form(record: young_people.YoungPersonRecord) -> dict[str, str]:
    return {
        "in_touch": record.in_touch,
        "activity": record.activity,
        **date_parts("latest_contact_on", record.latest_contact_on),
    }


@router.get("/young-people/{young_person_id}/contact")
def contact_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.edit_young_people)],
    young_person_id: PersonId,
) -> Response:
    record = _record(db, principal, young_person_id)
    return _show(request, record, **_contact_page(record), form=_contact_form(record))


@router.post("/young-people/{young_person_id}/contact")
def edit_contact(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.edit_young_people)],
    form: CheckedForm,
    young_person_id: PersonId,
) -> Response:
    def change(
        version: int,
        form: dict[str, str],
        errors: dict[str, str],
        record: young_people.YoungPersonRecord,
    ) -> Any:
        latest = read_date(form, "latest_contact_on", "latest contact", errors, required=False)
        if errors:
            return None
        changes: dict[str, object] = {}
        for name in ("in_touch", "activity"):
            if form.get(name, "") != getattr(record, name):
                changes[name] = form.get(name, "")
        if latest != record.latest_contact_on:
            changes["latest_contact_on"] = latest
        if not changes:
            errors[RECORD] = "Nothing was changed. Change their contact, or cancel."
            return None
        return lambda: service.edit_details(
            db,
            young_person_id=young_person_id,
            expected_version=version,
            changes=changes,
            viewer=principal.user,
        )

    return _submit(
        request,
        db,
        principal,
        young_person_id,
        form,
        build=_contact_page,
        change=change,
        done="contact",
    )


# -- a planned move: cancel or change its date -----------------------------------------------------


def _planned_intro(record: young_people.YoungPersonRecord) -> list[str]:
    p = record.planned_stay
    if p is None:
        return ["No move is planned for this young person."]
    return [
        f"A move to {p.placement_label}{(' (' + p.provision + ')') if p.provision else ''} "
        f"is planned for {day_words(p.start_date)}."
    ]


def _cancel_page(record: young_people.YoungPersonRecord) -> dict[str, Any]:
    fields = [
        Field(
            "reason",
            "Why is the move cancelled?",
            "select",
            options=choices(list(MoveChangeReason), MOVE_REASONS),
        )
    ]
    return {
        "slug": "cancel-move",
        "heading": "Cancel the planned move",
        "button": "Cancel the move",
        "warning": True,
        "intro": _planned_intro(record)
        + (["The vacancy it filled opens again."] if record.planned_stay else []),
        "fields": fields if record.planned_stay else [],
    }


def _redate_page(record: young_people.YoungPersonRecord) -> dict[str, Any]:
    fields = [
        Field("start", "New date of the move", "date", EXAMPLE),
        Field(
            "reason",
            "Why does the date change?",
            "select",
            options=choices(list(MoveChangeReason), MOVE_REASONS),
        ),
    ]
    return {
        "slug": "redate-move",
        "heading": "Change the date of the move",
        "button": "Change the date",
        "intro": _planned_intro(record),
        "fields": fields if record.planned_stay else [],
    }


@router.get("/young-people/{young_person_id}/cancel-move")
def cancel_move_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.record_moves)],
    young_person_id: PersonId,
) -> Response:
    record = _record(db, principal, young_person_id)
    return _show(request, record, **_cancel_page(record), form={})


@router.post("/young-people/{young_person_id}/cancel-move")
def cancel_move(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.record_moves)],
    form: CheckedForm,
    young_person_id: PersonId,
) -> Response:
    def change(version: int, form: dict[str, str], errors: dict[str, str], *_: object) -> Any:
        if not form.get("reason"):
            errors["reason"] = "Choose why the move is cancelled."
            return None
        return lambda: service.cancel_move(
            db,
            young_person_id=young_person_id,
            expected_version=version,
            reason=form["reason"],
            viewer=principal.user,
        )

    return _submit(
        request,
        db,
        principal,
        young_person_id,
        form,
        build=_cancel_page,
        change=change,
        done="cancel",
    )


@router.get("/young-people/{young_person_id}/redate-move")
def redate_move_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.record_moves)],
    young_person_id: PersonId,
) -> Response:
    record = _record(db, principal, young_person_id)
    start = record.planned_stay.start_date if record.planned_stay else None
    return _show(request, record, **_redate_page(record), form=date_parts("start", start))


@router.post("/young-people/{young_person_id}/redate-move")
def redate_move(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.record_moves)],
    form: CheckedForm,
    young_person_id: PersonId,
) -> Response:
    def change(version: int, form: dict[str, str], errors: dict[str, str], *_: object) -> Any:
        start = read_date(form, "start", "new date of the move", errors)
        if not form.get("reason"):
            errors["reason"] = "Choose why the date changes."
        if errors or start is None:
            return None
        return lambda: service.redate_move(
            db,
            young_person_id=young_person_id,
            expected_version=version,
            start=start,
            reason=form["reason"],
            viewer=principal.user,
        )

    return _submit(
        request,
        db,
        principal,
        young_person_id,
        form,
        build=_redate_page,
        change=change,
        done="redate",
    )


# -- end a stay, leave the service -----------------------------------------------------------------


def _end_page(record: young_people.YoungPersonRecord) -> dict[str, Any]:
    return {
        "slug": "end-stay",
        "heading": "End the stay",
        "button": "End the stay",
        "intro": [
            "For a stay that ended before where they go next is known. "
            "To record where they moved, record a move instead."
        ],
        "fields": [
            Field("on", "Date the stay ended", "date", EXAMPLE),
            Field(
                "reason",
                "Why did the stay end?",
                "select",
                options=choices(list(END_REASONS), END_REASONS),
            ),
        ],
    }


def _leave_page(record: young_people.YoungPersonRecord) -> dict[str, Any]:
    return {
        "slug": "leave",
        "heading": "Record that they left the service",
        "button": "Record that they left",
        "warning": True,
        "intro": [
            "Their stay ends that day, proposals for them are withdrawn and their "
            "escalation closes. Their record then leaves every list."
        ],
        "fields": [
            Field("on", "Date they left", "date", EXAMPLE + ". Today or earlier."),
            Field(
                "reason",
                "Why did they leave?",
                "select",
                options=choices(list(LeavingReason), LEAVE_REASONS),
            ),
        ],
    }


def _dated_reason(
    what: str, call: Callable[..., Any], db: DbSession, principal: Principal, person_id: int
) -> Callable[..., Any]:
    def change(version: int, form: dict[str, str], errors: dict[str, str], *_: object) -> Any:
        on = read_date(form, "on", what, errors)
        if not form.get("reason"):
            errors["reason"] = "Choose a reason."
        if errors or on is None:
            return None
        return lambda: call(
            db,
            young_person_id=person_id,
            expected_version=version,
            on=on,
            reason=form["reason"],
            viewer=principal.user,
        )

    return change


@router.get("/young-people/{young_person_id}/end-stay")
def end_stay_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.record_moves)],
    young_person_id: PersonId,
) -> Response:
    record = _record(db, principal, young_person_id)
    return _show(request, record, **_end_page(record), form=date_parts("on", clock.today()))


@router.post("/young-people/{young_person_id}/end-stay")
def end_stay(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.record_moves)],
    form: CheckedForm,
    young_person_id: PersonId,
) -> Response:
    change = _dated_reason("date the stay ended", service.end_stay, db, principal, young_person_id)
    return _submit(
        request, db, principal, young_person_id, form, build=_end_page, change=change, done="end"
    )


@router.get("/young-people/{young_person_id}/leave")
def leave_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.record_moves)],
    young_person_id: PersonId,
) -> Response:
    record = _record(db, principal, young_person_id)
    return _show(request, record, **_leave_page(record), form=date_parts("on", clock.today()))


@router.post("/young-people/{young_person_id}/leave")
def leave_service(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.record_moves)],
    form: CheckedForm,
    young_person_id: PersonId,
) -> Response:
    change = _dated_reason("date they left", service.leave_service, db, principal, young_person_id)
    return _submit(
        request,
        db,
        principal,
        young_person_id,
        form,
        build=_leave_page,
        change=change,
        done="leave",
    )


# -- the inventory from a young person's record: notice given, a place held for them -----------
# Both change the inventory (``manage_inventory``: officers and managers), not the young
# person's record: the compare-and-set is on the stay (notice) or the vacancy (hold).


def _notice_page(record: young_people.YoungPersonRecord) -> dict[str, Any]:
    stay = record.current_stay
    in_place = stay is not None and bool(stay.provision)
    return {
        "slug": "notice",
        "heading": "Record notice to end the stay",
        "button": "Record the notice",
        "intro": (
            [
                f"They live at {stay.provision} ({stay.placement_label.lower()}). The stay ends "
                "after the last day and the place is declared free from the day after. Record "
                "where they move to as a move."
            ]
            if in_place and stay is not None
            else ["They do not live in a place of a provision, so there is no place to free."]
        ),
        "fields": [Field("last_day", "Last day of the stay", "date", EXAMPLE)] if in_place else [],
    }


@router.get("/young-people/{young_person_id}/notice")
def notice_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    young_person_id: PersonId,
) -> Response:
    record = _record(db, principal, young_person_id)
    version = record.current_stay.version if record.current_stay else 1
    return _show(request, record, **_notice_page(record), form={}, version=version)


@router.post("/young-people/{young_person_id}/notice")
def record_notice(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    form: CheckedForm,
    young_person_id: PersonId,
) -> Response:
    record = _record(db, principal, young_person_id)
    page = _notice_page(record)
    errors: dict[str, str] = {}
    version = form_version(form)
    last_day = read_date(form, "last_day", "last day of the stay", errors)
    status = 422
    if record.current_stay is None or not page["fields"]:
        errors[RECORD] = "There is no stay in a place to give notice on."
    elif not errors and last_day is not None:
        stay_id = record.current_stay.id
        errors, status = attempt(
            db,
            lambda: inventory_changes.declare_from_notice(
                db,
                stay_id=stay_id,
                expected_version=version,
                last_day=last_day,
                viewer=principal.user,
            ),
        )
        if not errors:
            return see_other(f"/young-people/{young_person_id}?done=notice")
    return _show(
        request,
        record,
        **page,
        form=kept(form, page["fields"]),
        errors=errors,
        status_code=status,
        version=version,
    )


def _hold_page(db: DbSession, principal: Principal) -> Callable[..., dict[str, Any]]:
    today = clock.today()
    free = [
        (
            f"{v.id}v{v.version}",
            f"{v.provision}, {v.place} ({v.placement_label.lower()} in {v.area}, free "
            + ("now" if v.available_from <= today else f"from {day_words(v.available_from)}")
            + ")",
        )
        for v in inventory.list_vacancies(db, viewer=principal.user)
        if not v.reserved
    ]

    def build(record: young_people.YoungPersonRecord) -> dict[str, Any]:
        return {
            "slug": "hold",
            "heading": "Hold a place for them",
            "button": "Hold the place",
            "intro": [
                "A held place is kept for this young person: matching proposes it to no one "
                "else until the hold is released on the vacancy's page."
            ],
            "fields": [
                Field("vacancy", "Place with a vacancy", "select", options=[("", "Choose")] + free)
            ],
        }

    return build


@router.get("/young-people/{young_person_id}/hold")
def hold_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    young_person_id: PersonId,
) -> Response:
    record = _record(db, principal, young_person_id)
    return _show(request, record, **_hold_page(db, principal)(record), form={})


@router.post("/young-people/{young_person_id}/hold")
def hold_place(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    form: CheckedForm,
    young_person_id: PersonId,
) -> Response:
    record = _record(db, principal, young_person_id)
    page = _hold_page(db, principal)(record)
    errors: dict[str, str] = {}
    chosen = form.get("vacancy", "")
    vacancy, _, version = chosen.partition("v")
    status = 422
    if not (vacancy.isdigit() and version.isdigit()):
        errors["vacancy"] = "Choose the place to hold."
    else:

        def hold() -> Any:
            try:
                return inventory_changes.hold_vacancy(
                    db,
                    vacancy_id=int(vacancy),
                    expected_version=int(version),
                    young_person_id=young_person_id,
                    viewer=principal.user,
                )
            except FieldInvalid as exc:
                raise FieldInvalid("vacancy", exc.message) from None

        errors, status = attempt(db, hold)
        if not errors:
            return see_other(f"/young-people/{young_person_id}?done=held")
    return _show(
        request, record, **page, form=kept(form, page["fields"]), errors=errors, status_code=status
    )
