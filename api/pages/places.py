"""Keeping the inventory on the pages: add or close a provision, add, close or convert a
place. For housing officers and managers (``manage_inventory``); commissioners and personal
advisers see the provisions but not these forms.

Each form is one page (GET shows it, POST keeps the change and redirects to the provision
with a success banner, or shows the same form with the error summary, the field highlighted
and what was typed). The rules are the services' (:mod:`planner.inventory.service`: a
reference used once, a place or provision cannot close while someone lives there, a
conversion closes the place and opens a new one that day); a change to a kept record is a
compare-and-set on its version.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from api.deps import (
    ID_MAX,
    CheckedForm,
    DbSession,
    Principal,
    allowed,
    form_version,
    see_other,
    whole_number,
)
from api.pages.forms import RECORD, Field, attempt, choices, error_list, kept, read_date
from api.templating import render
from planner.core.errors import FieldInvalid, InvalidInput, NotFound
from planner.domain import PlacementType, SupportLevel
from planner.domain.permissions import Permission as P
from planner.inventory import queries as inventory
from planner.inventory import service as changes
from planner.inventory.service import ClosureReason

router = APIRouter(include_in_schema=False)
RowId = Annotated[int, Path(ge=1, le=ID_MAX)]
EXAMPLE = "For example, 27 3 2026."

DONE = {  # ?done= on the provision page -> the banner's words (never echoes what was sent)
    "provision_added": "The provision is added. Add its places below.",
    "provision_closed": "The provision is closed from the date given.",
    "place_added": "The place is added.",
    "place_closed": "The place is closed from the date given.",
    "place_converted": "The place is converted: it closes here and opens in the other "
    "provision that day.",
}
CLOSURE_REASONS = {
    "contract_ended": "The contract ended",
    "host_left": "The host stopped hosting",
    "decommissioned": "Decommissioned",
    "converted": "Converted to another use",
    "other": "Another reason",
}
SUPPORT = {
    "none": "No support",
    "low": "Low",
    "medium": "Medium",
    "high": "High",
}


def _show(
    request: Request,
    *,
    caption: str,
    heading: str,
    fields: list[Field],
    form: dict[str, str],
    action: str,
    back: str,
    back_text: str,
    button: str,
    intro: list[str] | None = None,
    errors: dict[str, str] | None = None,
    version: int = 0,
    warning: bool = False,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    return render(
        request,
        "record_form.html",
        {
            "title": ("Error: " if errors else "") + f"{heading}: {caption}",
            "caption": caption,
            "heading": heading,
            "intro": intro or [],
            "fields": fields,
            "form": form,
            "errors": errors,
            "error_list": error_list(errors, fields),
            "action": action,
            "back": back,
            "back_text": back_text,
            "button": button,
            "version": version,
            "warning": warning,
        },
        status_code=status_code,
    )


def _keep(
    db: DbSession, call: Callable[[], Any], errors: dict[str, str], names: dict[str, str]
) -> tuple[Any, dict[str, str], int]:
    """Run the service call in a savepoint (nothing kept if refused); a refusal naming a
    service field is shown on the form's field (``names``: service field -> form field)."""
    if errors:
        return None, errors, 422
    result: list[Any] = []
    found, status = attempt(db, lambda: result.append(call()))
    found = {names.get(k, k): v for k, v in found.items()}
    return (result[0] if result else None), found, status


def _version(form: dict[str, str], errors: dict[str, str]) -> int:
    """:func:`api.deps.form_version`, its refusal shown on the form with the others."""
    try:
        return form_version(form)
    except InvalidInput as exc:
        errors[RECORD] = exc.message
        return 0


def _closing(
    db: DbSession,
    form: dict[str, str],
    close: Callable[[int, date, str], Any],
    *,
    done: str,
    again: Callable[..., Response],
) -> Response:
    """The two closing forms (a provision, a place) read the same three answers (the
    record's version, the closing date and why) and answer the same way: back to the
    provision with a banner, or the form again with the errors and what was typed."""
    errors: dict[str, str] = {}
    version = _version(form, errors)
    day = read_date(form, "closes_on", "closing date", errors)
    if not form.get("reason"):
        errors["reason"] = "Choose why it closes."

    def change() -> Any:
        assert day is not None  # else read_date left an error, and _keep does not call this
        return close(version, day, form.get("reason", ""))

    saved, errors, status = _keep(db, change, errors, {})
    if saved is not None and not errors:
        return see_other(done)
    return again(kept(form, CLOSE_FIELDS), errors, version or None, status)


# -- add a provision ---------------------------------------------------------------------------

PROVISION_FIELDS = [
    Field("name", "Name", hint="As officers know it, for example Harbour View."),
    Field(
        "reference",
        "Reference",
        hint="The code in your records, up to 40 characters. It cannot be changed later.",
        width=20,
    ),
    Field(
        "placement_type",
        "Placement type",
        "select",
        options=[("", "Choose")] + [(t.value, t.label) for t in PlacementType if t.allocatable],
    ),
    Field("area", "Area (optional)", width=20),
    Field("provider", "Provider (optional)"),
    Field(
        "support_level",
        "Support offered",
        "select",
        options=[(v, SUPPORT[v]) for v in (s.value for s in SupportLevel)],
    ),
    Field("min_age", "Youngest age", hint="From 16.", width=3),
    Field("max_age", "Oldest age", hint="Up to 25.", width=3),
    Field(
        "max_stay_months",
        "Longest stay in months (optional)",
        hint="For example, 18 for a framework contract.",
        width=3,
    ),
    Field("weekly_cost", "Weekly cost in pounds (optional)", hint="For example, 450.", width=5),
    Field("opens_on", "Opens on (optional)", "date", EXAMPLE + " Leave empty if open now."),
    Field("pets_allowed", "Pets are allowed", "checkbox"),
    Field("step_free", "Has step-free access", "checkbox"),
    Field("parent_and_child", "Takes a parent with their child", "checkbox"),
    Field("ofsted_registered", "Registered with Ofsted", "checkbox"),
]


def _add_provision_page(
    request: Request,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return _show(
        request,
        caption="Provisions",
        heading="Add a provision",
        intro=[
            "A scheme, host, framework contract or block of flats. Add its places on the next page."
        ],
        fields=PROVISION_FIELDS,
        form=form,
        action="/provisions/new",
        back="/provisions",
        back_text="provisions",
        button="Add the provision",
        errors=errors,
        status_code=status_code,
    )


@router.get("/provisions/new")
def add_provision_form(
    request: Request,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
) -> Response:
    return _add_provision_page(request, {"support_level": "none", "min_age": "16", "max_age": "25"})


def _whole(form: dict[str, str], name: str, errors: dict[str, str], *, required: bool) -> Any:
    text = form.get(name, "").strip()
    if not text:
        if required:
            errors[name] = "Enter a whole number."
        return None
    number = whole_number(text)
    if number is None:
        errors[name] = "Enter a whole number, for example 18."
    return number


@router.post("/provisions/new")
def add_provision(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    form: CheckedForm,
) -> Response:
    errors: dict[str, str] = {}
    details: dict[str, Any] = {
        "area": form.get("area", ""),
        "provider": form.get("provider", ""),
        "support_level": form.get("support_level", "none") or "none",
    }
    if not form.get("placement_type"):
        errors["placement_type"] = "Choose a placement type."
    if not form.get("name", "").strip():
        errors["name"] = "Enter the name of the provision."
    for name in ("min_age", "max_age"):
        details[name] = _whole(form, name, errors, required=True)
    months = _whole(form, "max_stay_months", errors, required=False)
    if months is not None:
        details["max_stay_months"] = months
    if form.get("weekly_cost", "").strip():
        details["weekly_cost"] = form["weekly_cost"].strip().lstrip("£").replace(",", "")
    opens = read_date(form, "opens_on", "opening date", errors, required=False)
    if opens is not None:
        details["opens_on"] = opens
    for name in ("pets_allowed", "step_free", "parent_and_child", "ofsted_registered"):
        details[name] = form.get(name) == "yes"
    saved, errors, status = _keep(
        db,
        lambda: changes.add_provision(
            db,
            reference=form.get("reference", "")[:200],
            name=form.get("name", "")[:300],
            placement_type=form.get("placement_type", ""),
            details=details,
            viewer=principal.user,
        ),
        errors,
        {},
    )
    if saved is not None and not errors:
        return see_other(f"/provisions/{saved.id}?done=provision_added")
    return _add_provision_page(request, kept(form, PROVISION_FIELDS), errors, status)


# -- close a provision -------------------------------------------------------------------------

CLOSE_FIELDS = [
    Field("closes_on", "Closes on", "date", EXAMPLE + " The first day it is closed."),
    Field(
        "reason",
        "Why does it close?",
        "select",
        options=choices(list(ClosureReason), CLOSURE_REASONS),
    ),
]


def _close_provision_page(
    request: Request,
    provision: inventory.ProvisionRow,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    version: int | None = None,
    status_code: int = 200,
) -> Response:
    return _show(
        request,
        caption=provision.name,
        heading="Close the provision",
        intro=[
            "Every place closes that day and their open vacancies are withdrawn. It cannot "
            "close while someone lives there: record their moves first."
        ],
        fields=CLOSE_FIELDS,
        form=form,
        action=f"/provisions/{provision.id}/close",
        back=f"/provisions/{provision.id}",
        back_text=provision.name,
        button="Close the provision",
        errors=errors,
        version=version or provision.version,
        warning=True,
        status_code=status_code,
    )


@router.get("/provisions/{provision_id}/close")
def close_provision_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    provision_id: RowId,
) -> Response:
    provision = inventory.get_provision(db, viewer=principal.user, provision_id=provision_id)
    return _close_provision_page(request, provision, {})


@router.post("/provisions/{provision_id}/close")
def close_provision(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    form: CheckedForm,
    provision_id: RowId,
) -> Response:
    provision = inventory.get_provision(db, viewer=principal.user, provision_id=provision_id)
    return _closing(
        db,
        form,
        lambda version, day, reason: changes.close_provision(
            db,
            provision_id=provision_id,
            expected_version=version,
            closes_on=day,
            reason=reason,
            viewer=principal.user,
        ),
        done=f"/provisions/{provision_id}?done=provision_closed",
        again=lambda *shown: _close_provision_page(request, provision, *shown),
    )


# -- add a place -------------------------------------------------------------------------------

PLACE_FIELDS = [
    Field("label", "Name of the place", hint="As people know it, for example Flat 3.", width=20),
    Field(
        "reference",
        "Reference",
        hint="The code in your records, up to 60 characters. It cannot be changed later.",
        width=20,
    ),
    Field("opens_on", "Opens on (optional)", "date", EXAMPLE + " Leave empty if open now."),
    Field(
        "vacant",
        "It is free: declare a vacancy from the day it opens",
        "checkbox",
        "Leave unticked if someone already lives there.",
    ),
]


def _add_place_page(
    request: Request,
    provision: inventory.ProvisionRow,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return _show(
        request,
        caption=provision.name,
        heading="Add a place",
        fields=PLACE_FIELDS,
        form=form,
        action=f"/provisions/{provision.id}/places/new",
        back=f"/provisions/{provision.id}",
        back_text=provision.name,
        button="Add the place",
        errors=errors,
        status_code=status_code,
    )


@router.get("/provisions/{provision_id}/places/new")
def add_place_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    provision_id: RowId,
) -> Response:
    provision = inventory.get_provision(db, viewer=principal.user, provision_id=provision_id)
    return _add_place_page(request, provision, {"vacant": "yes"})


@router.post("/provisions/{provision_id}/places/new")
def add_place(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    form: CheckedForm,
    provision_id: RowId,
) -> Response:
    provision = inventory.get_provision(db, viewer=principal.user, provision_id=provision_id)
    errors: dict[str, str] = {}
    opens = read_date(form, "opens_on", "opening date", errors, required=False)
    saved, errors, status = _keep(
        db,
        lambda: changes.add_place(
            db,
            provision_id=provision_id,
            reference=form.get("reference", "")[:200],
            label=form.get("label", "")[:200],
            opens_on=opens,
            vacant=form.get("vacant") == "yes",
            viewer=principal.user,
        ),
        errors,
        {},
    )
    if saved is not None and not errors:
        return see_other(f"/provisions/{provision_id}?done=place_added")
    return _add_place_page(request, provision, kept(form, PLACE_FIELDS), errors, status)


# -- close or convert a place ------------------------------------------------------------------


def _place(
    db: DbSession, principal: Principal, provision_id: int, place_id: int
) -> tuple[inventory.ProvisionRow, inventory.PlaceRow]:
    provision = inventory.get_provision(db, viewer=principal.user, provision_id=provision_id)
    places = inventory.list_places(db, viewer=principal.user, provision_id=provision_id)
    place = next((p for p in places if p.id == place_id), None)
    if place is None:
        raise NotFound("There is no such place.")
    return provision, place


def _close_place_page(
    request: Request,
    provision: inventory.ProvisionRow,
    place: inventory.PlaceRow,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    version: int | None = None,
    status_code: int = 200,
) -> Response:
    name = place.label or place.reference
    return _show(
        request,
        caption=f"{provision.name}, {name}",
        heading="Close the place",
        intro=[
            "Its open vacancy is withdrawn and a hold released. It cannot close while "
            "someone lives there: record their move first."
        ],
        fields=CLOSE_FIELDS,
        form=form,
        action=f"/provisions/{provision.id}/places/{place.id}/close",
        back=f"/provisions/{provision.id}",
        back_text=provision.name,
        button="Close the place",
        errors=errors,
        version=version or place.version,
        warning=True,
        status_code=status_code,
    )


@router.get("/provisions/{provision_id}/places/{place_id}/close")
def close_place_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    provision_id: RowId,
    place_id: RowId,
) -> Response:
    provision, place = _place(db, principal, provision_id, place_id)
    return _close_place_page(request, provision, place, {})


@router.post("/provisions/{provision_id}/places/{place_id}/close")
def close_place(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    form: CheckedForm,
    provision_id: RowId,
    place_id: RowId,
) -> Response:
    provision, place = _place(db, principal, provision_id, place_id)
    return _closing(
        db,
        form,
        lambda version, day, reason: changes.close_place(
            db,
            place_id=place_id,
            expected_version=version,
            closes_on=day,
            reason=reason,
            viewer=principal.user,
        ),
        done=f"/provisions/{provision_id}?done=place_closed",
        again=lambda *shown: _close_place_page(request, provision, place, *shown),
    )


def _convert_fields(db: DbSession, principal: Principal, provision_id: int) -> list[Field]:
    others = [
        (str(p.id), f"{p.name} ({p.placement_label.lower()}"
         + (f", {p.area})" if p.area else ")"))
        for p in inventory.list_provisions(db, viewer=principal.user)
        if p.id != provision_id and p.closes_on is None
    ]  # fmt: skip
    return [
        Field(
            "to_provision_id",
            "Provision it becomes part of",
            "select",
            options=[("", "Choose")] + others,
        ),
        Field("on", "Date of the change", "date", EXAMPLE + " It closes here and opens there."),
        Field(
            "new_reference",
            "Reference of the new place",
            hint="Up to 60 characters, not used by another place.",
            width=20,
        ),
    ]


def _convert_page(
    request: Request,
    db: DbSession,
    principal: Principal,
    provision: inventory.ProvisionRow,
    place: inventory.PlaceRow,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    version: int | None = None,
    status_code: int = 200,
) -> Response:
    name = place.label or place.reference
    return _show(
        request,
        caption=f"{provision.name}, {name}",
        heading="Convert the place",
        intro=[
            "For a place that changes use, for example a supported flat that becomes a "
            "council flat: it closes in this provision and a new place opens in the other one "
            "that day, with a vacancy from then."
        ],
        fields=_convert_fields(db, principal, provision.id),
        form=form,
        action=f"/provisions/{provision.id}/places/{place.id}/convert",
        back=f"/provisions/{provision.id}",
        back_text=provision.name,
        button="Convert the place",
        errors=errors,
        version=version or place.version,
        status_code=status_code,
    )


@router.get("/provisions/{provision_id}/places/{place_id}/convert")
def convert_place_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    provision_id: RowId,
    place_id: RowId,
) -> Response:
    provision, place = _place(db, principal, provision_id, place_id)
    return _convert_page(request, db, principal, provision, place, {})


@router.post("/provisions/{provision_id}/places/{place_id}/convert")
def convert_place(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    form: CheckedForm,
    provision_id: RowId,
    place_id: RowId,
) -> Response:
    provision, place = _place(db, principal, provision_id, place_id)
    errors: dict[str, str] = {}
    version = _version(form, errors)
    target = form.get("to_provision_id", "").strip()
    choices_shown = {f.name: f for f in _convert_fields(db, principal, provision_id)}
    allowed_ids = {value for value, _ in choices_shown["to_provision_id"].options if value}
    if target not in allowed_ids:
        errors["to_provision_id"] = "Choose the provision it becomes part of."
    day = read_date(form, "on", "date of the change", errors)

    def call() -> Any:
        try:
            return changes.convert_place(
                db,
                place_id=place_id,
                expected_version=version,
                to_provision_id=int(target),
                on=day,  # type: ignore[arg-type]
                new_reference=form.get("new_reference", "")[:200],
                viewer=principal.user,
            )
        except FieldInvalid as exc:  # the service names its own fields
            field = {"closes_on": "on", "opens_on": "on", "reference": "new_reference"}
            raise FieldInvalid(field.get(exc.field, exc.field), exc.message) from None
        except InvalidInput:
            raise

    saved, errors, status = _keep(db, call, errors, {})
    if saved is not None and not errors:
        return see_other(f"/provisions/{provision_id}?done=place_converted")
    fields = _convert_fields(db, principal, provision_id)
    return _convert_page(
        request,
        db,
        principal,
        provision,
        place,
        kept(form, fields),
        errors,
        version or None,
        status,
    )
