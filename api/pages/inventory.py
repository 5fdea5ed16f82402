"""The inventory pages: vacancies and provisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api.deps import (
    ID_MAX,
    TEXT,
    CheckedForm,
    DbSession,
    Principal,
    allowed,
    form_version,
    see_other,
)
from api.listing import Listing, read_list
from api.pages.forms import Field, attempt, choices, error_list, kept, read_date
from api.pages.places import DONE as PLACE_DONE
from api.templating import render
from planner.core import clock
from planner.core.errors import FieldInvalid, InvalidInput, NotFound
from planner.domain import PlacementType
from planner.domain.permissions import Permission as P
from planner.domain.permissions import allows
from planner.inventory import queries as inventory
from planner.inventory import service as changes
from planner.inventory.service import WithdrawReason
from planner.matching import candidates as matching_candidates
from planner.matching import service as matching

router = APIRouter(include_in_schema=False)


# -- inventory ---------------------------------------------------------------------------------


def _placement_type(value: str) -> str | None:
    if not value:
        return None
    if value not in PlacementType.__members__:
        raise InvalidInput("Choose a placement type from the list.")
    return value


@router.get("/vacancies")
def vacancies(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_vacancies)],
    placement_type: Annotated[str, Query(max_length=40)] = "",
    area: Annotated[str, Query(max_length=80)] = "",
) -> Response:
    """Open vacancies, filtered by placement type and area, sorted (soonest free first
    unless another column is chosen) and paged."""
    kind = _placement_type(placement_type)
    params = read_list(request, inventory.VACANCY_SORTS, "free_from")
    found = inventory.page_vacancies(
        db, viewer=principal.user, params=params, placement_type=kind, area=area
    )
    filters = {"placement_type": placement_type, "area": area}
    return render(
        request,
        "vacancies.html",
        {
            "title": "Vacancies",
            "result": Listing("/vacancies", params, found, filters),
            "placement_type": placement_type,
            "area": area,
            "areas": inventory.areas(db, viewer=principal.user),
            "types": [t for t in PlacementType if t.allocatable],
            "today": clock.today(),
        },
    )


@router.get("/provisions")
def provisions(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_provisions)],
    placement_type: Annotated[str, Query(max_length=40)] = "",
    area: Annotated[str, Query(max_length=80)] = "",
    name: Annotated[str, Query(max_length=80, pattern=TEXT)] = "",
) -> Response:
    """Provisions searched by name or reference, filtered by placement type and area,
    sorted by any column and paged, in SQL."""
    kind = _placement_type(placement_type)
    params = read_list(request, inventory.PROVISION_SORTS, "name")
    found = inventory.page_provisions(
        db, viewer=principal.user, params=params, placement_type=kind, area=area, search=name
    )
    filters = {"placement_type": placement_type, "area": area, "name": name}
    return render(
        request,
        "provisions.html",
        {
            "title": "Provisions",
            "result": Listing("/provisions", params, found, filters),
            "can_manage": allows(principal.user.role, P.manage_inventory),
            "placement_type": placement_type,
            "area": area,
            "name": name,
            "areas": inventory.areas(db, viewer=principal.user),
            "types": [t for t in PlacementType if t.allocatable],
        },
    )


# -- one vacancy, one provision, and their forms -------------------------------------------------

VacancyId = Annotated[int, Path(ge=1, le=ID_MAX)]
WITHDRAW_REASONS = {
    "filled_outside_planner": "Filled outside the planner",
    "provider_withdrew": "The provider withdrew it",
    "repairs": "Repairs",
    "declared_in_error": "Declared in error",
    "other": "Another reason",
}
VACANCY_DONE = {
    "declared": "The vacancy is declared.",
    "held": "The place is held.",
    "released": "The hold is released.",
    "withdrawn": "The vacancy is withdrawn.",
    "reopened": "The vacancy is open again.",
    "proposed": "The young person is proposed for this vacancy. Accept or decline it on the"
    " proposals page.",
}
HOLD = [Field("young_person", "Young person's reference", hint="For example, YP0001.", width=10)]
WITHDRAW = [
    Field(
        "reason",
        "Why is it withdrawn?",
        "select",
        options=choices(list(WithdrawReason), WITHDRAW_REASONS),
    )
]
REOPEN = [Field("available_from", "Free from (optional)", "date", "For example, 27 3 2026.")]
DECLARE = [Field("available_from", "Free from", "date", "For example, 27 3 2026.")]


def _vacancy_page(
    request: Request,
    db: DbSession,
    principal: Principal,
    vacancy_id: int,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    fields: list[Field] | None = None,
    status_code: int = 200,
) -> Response:
    v = inventory.get_vacancy(db, viewer=principal.user, vacancy_id=vacancy_id)
    errors = errors or {}
    role = principal.user.role
    ranked = (
        matching_candidates.vacancy_candidates(db, viewer=principal.user, vacancy_id=vacancy_id)
        if v.status == "open"
        else None
    )
    return render(
        request,
        "vacancy.html",
        {
            "cands": ranked,
            "can_propose": allows(role, P.decide_proposals),
            "can_open_records": allows(role, P.view_young_people),
            "title": ("Error: " if errors else "") + f"Vacancy at {v.provision}",
            "v": v,
            "today": clock.today(),
            "can_manage": allows(principal.user.role, P.manage_inventory),
            "errors": errors,
            "error_list": error_list(errors, fields or HOLD)
            if fields is not PROPOSE
            else [{"text": m, "href": "#candidates"} for m in errors.values()],
            "form": form or {},
            "hold": HOLD,
            "withdraw": WITHDRAW,
            "reopen": REOPEN,
            "done": VACANCY_DONE.get(request.query_params.get("done", ""), ""),
        },
        status_code=status_code,
    )


@router.get("/vacancies/{vacancy_id}")
def vacancy(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_vacancies)],
    vacancy_id: VacancyId,
) -> Response:
    return _vacancy_page(request, db, principal, vacancy_id)


def _vacancy_change(
    request: Request,
    db: DbSession,
    principal: Principal,
    vacancy_id: int,
    form: dict[str, str],
    fields: list[Field],
    call: Callable[[int], Any] | None,
    errors: dict[str, str],
    done: str,
) -> Response:
    inventory.get_vacancy(db, viewer=principal.user, vacancy_id=vacancy_id)  # 404 first
    version = form_version(form)
    status = 422
    if call is not None and not errors:
        errors, status = attempt(db, lambda: call(version))
        if not errors:
            return see_other(f"/vacancies/{vacancy_id}?done={done}")
    return _vacancy_page(
        request,
        db,
        principal,
        vacancy_id,
        errors=errors,
        form=kept(form, fields),
        fields=fields,
        status_code=status,
    )


PROPOSE: list[Field] = []  # the propose buttons carry the young person; no field to fill


@router.post("/vacancies/{vacancy_id}/propose")
def propose_candidate(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.decide_proposals)],
    form: CheckedForm,
    vacancy_id: VacancyId,
) -> Response:
    """Propose one of the vacancy's candidates (a housing officer's or a manager's own
    proposal, through the matching service, audited); a refusal shows the vacancy page
    with the error summary and nothing kept."""
    person = form.get("young_person_id", "").strip()
    errors: dict[str, str] = {}
    if not person.isdigit() or not 1 <= int(person) <= ID_MAX:
        errors["young_person_id"] = "Choose a young person from the list of candidates."

    def call(_: int) -> Any:
        return matching.propose(
            db,
            vacancy_id=vacancy_id,
            young_person_id=int(person),
            actor=principal.user.username,
        )

    return _vacancy_change(
        request, db, principal, vacancy_id, form, PROPOSE, call, errors, "proposed"
    )


@router.post("/vacancies/{vacancy_id}/hold")
def hold_vacancy(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    form: CheckedForm,
    vacancy_id: VacancyId,
) -> Response:
    errors: dict[str, str] = {}
    release = form.get("release") == "yes"
    reference = form.get("young_person", "").strip()
    person: int | None = None
    if not release:
        if not reference:
            errors["young_person"] = "Enter the reference of the young person to hold it for."
        else:
            try:
                person = changes.young_person_for_hold(db, reference[:40])
            except NotFound:
                errors["young_person"] = "There is no young person with that reference."

    def call(version: int) -> Any:
        try:
            return changes.hold_vacancy(
                db,
                vacancy_id=vacancy_id,
                expected_version=version,
                young_person_id=person,
                viewer=principal.user,
            )
        except FieldInvalid as exc:
            if exc.field == "young_person_id":
                raise FieldInvalid("young_person", exc.message) from None
            raise

    done = "released" if release else "held"
    return _vacancy_change(request, db, principal, vacancy_id, form, HOLD, call, errors, done)


@router.post("/vacancies/{vacancy_id}/withdraw")
def withdraw_vacancy(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    form: CheckedForm,
    vacancy_id: VacancyId,
) -> Response:
    errors: dict[str, str] = {}
    if not form.get("reason"):
        errors["reason"] = "Choose why the vacancy is withdrawn."

    def call(version: int) -> Any:
        return changes.withdraw_vacancy(
            db,
            vacancy_id=vacancy_id,
            expected_version=version,
            reason=form.get("reason", ""),
            viewer=principal.user,
        )

    return _vacancy_change(
        request, db, principal, vacancy_id, form, WITHDRAW, call, errors, "withdrawn"
    )


@router.post("/vacancies/{vacancy_id}/reopen")
def reopen_vacancy(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    form: CheckedForm,
    vacancy_id: VacancyId,
) -> Response:
    errors: dict[str, str] = {}
    day = read_date(form, "available_from", "date it is free from", errors, required=False)

    def call(version: int) -> Any:
        return changes.reopen_vacancy(
            db,
            vacancy_id=vacancy_id,
            expected_version=version,
            available_from=day,
            viewer=principal.user,
        )

    return _vacancy_change(
        request, db, principal, vacancy_id, form, REOPEN, call, errors, "reopened"
    )


def _provision_page(
    request: Request,
    db: DbSession,
    principal: Principal,
    provision_id: int,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    p = inventory.get_provision(db, viewer=principal.user, provision_id=provision_id)
    places = inventory.list_places(db, viewer=principal.user, provision_id=provision_id)
    free = [("", "Choose")] + [
        (str(pl.id), pl.label or pl.reference) for pl in places if pl.open_vacancy_id is None
    ]
    fields = [Field("place_id", "Place", "select", options=free), *DECLARE]
    errors = errors or {}
    return render(
        request,
        "provision.html",
        {
            "title": ("Error: " if errors else "") + p.name,
            "p": p,
            "places": places,
            "can_manage": allows(principal.user.role, P.manage_inventory),
            "fields": fields,
            "errors": errors,
            "error_list": error_list(errors, fields),
            "form": form or {},
            "done": (VACANCY_DONE | PLACE_DONE).get(request.query_params.get("done", ""), ""),
        },
        status_code=status_code,
    )


@router.get("/provisions/{provision_id}")
def provision(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_provisions)],
    provision_id: VacancyId,
) -> Response:
    return _provision_page(request, db, principal, provision_id)


@router.post("/provisions/{provision_id}/vacancies")
def declare_vacancy(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_inventory)],
    form: CheckedForm,
    provision_id: VacancyId,
) -> Response:
    inventory.get_provision(db, viewer=principal.user, provision_id=provision_id)  # 404 first
    errors: dict[str, str] = {}
    place = form.get("place_id", "").strip()
    ids = {
        pl.id for pl in inventory.list_places(db, viewer=principal.user, provision_id=provision_id)
    }
    if not place.isdigit() or int(place) not in ids:
        errors["place_id"] = "Choose the place that is free."
    day = read_date(form, "available_from", "date it is free from", errors)
    status = 422
    if not errors and day is not None:
        errors, status = attempt(
            db,
            lambda: changes.declare_vacancy(
                db, place_id=int(place), available_from=day, viewer=principal.user
            ),
        )
        if not errors:
            return see_other(f"/provisions/{provision_id}?done=declared")
    shown = kept(form, [Field("place_id", ""), *DECLARE])
    return _provision_page(
        request, db, principal, provision_id, errors=errors, form=shown, status_code=status
    )
