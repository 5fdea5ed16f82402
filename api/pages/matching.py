"""The matching pages for housing officers (and managers): the latest match run, its
proposals by stage with their scores and reasons, the forms to accept or decline each, the
young people left unmatched, alternatives per vacancy and unmet need.

Each route names one permission; the rules (who may be moved where, the compare-and-set of
a decision, its audit) live in :mod:`planner.matching.service`. A decision that loses a race is
answered 409 with a page that says someone else decided first and links back.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api.deps import (
    ID_MAX,
    CheckedForm,
    DbSession,
    Principal,
    allowed,
    form_date,
    form_version,
    see_other,
)
from api.templating import render
from planner.core import clock
from planner.core.errors import Conflict, InvalidInput, PlannerError
from planner.domain import DeclineReason
from planner.domain.permissions import Permission as P
from planner.domain.permissions import allows
from planner.domain.text import check_text
from planner.matching import fairness, words
from planner.matching import queries as matching_queries
from planner.matching import service as matching
from planner.young_people import scope as scope

router = APIRouter(include_in_schema=False)

SHOW = {  # ?show= on the matching page: which proposals, in words
    "": "All proposals",
    "waiting": "Waiting for a decision",
    "decided": "Decided",
}
DECLINE_LABELS = {
    DeclineReason.young_person_declined: "The young person declined",
    DeclineReason.provider_declined: "The provider declined",
    DeclineReason.not_suitable_on_review: "Not suitable on review",
    DeclineReason.placed_elsewhere: "Placed elsewhere",
    DeclineReason.no_longer_needed: "The young person no longer needs a move",
    DeclineReason.other: "Other",
}


def _shown(row: matching_queries.ProposalRow, group: str, show: str, reference: str) -> bool:
    """Whether the filter keeps a proposal (group, decided or not, reference)."""
    if group and words.group_of(row.stage).slug != group:
        return False
    if show == "waiting" and row.status != "proposed":
        return False
    if show == "decided" and row.status not in ("accepted", "declined"):
        return False
    return not reference or reference.lower() in row.reference.lower()


def _view(
    db: DbSession,
    principal: Principal,
    run_id: int | None,
    *,
    group: str = "",
    show: str = "",
    reference: str = "",
) -> dict[str, Any]:
    run = (
        matching_queries.get_match_run_or_raise(db, run_id)
        if run_id is not None
        else matching_queries.latest_match_run(db)
    )
    if run is None:
        return {"run": None}
    details = matching.run_details(run)
    rows = matching_queries.proposal_rows(db, matching.list_proposals(db, match_run_id=run.id))
    unmatched = [u for u in details["unmatched"] if u.get("need") != "no_move_needed"]
    alternatives: dict[str, list[dict[str, Any]]] = {}
    for alt in details["alternatives"]:
        alternatives.setdefault(str(alt.get("vacancy_id", "")), []).append(alt)
    labels = matching_queries.vacancy_ids_by_label(db, set(alternatives))
    values, values_note = matching.place_value_rows(run)
    helpful = [v for v in values if v["more_moved_out"] > 0 or v["more_on_time"] > 0]
    references = (
        {u.get("person_id", "") for u in unmatched}
        | {a.get("person_id", "") for a in details["alternatives"]}
        | {r for v in helpful for r in (*v["who_moved_out"], *v["who_on_time"])}
    )
    return {
        "run": run,
        "run_title": matching_queries.run_titles(db, [run])[run.id or 0],
        "proposal_total": len(rows),
        "summary": details["summary"],
        "counts": details["summary"].get("counts", {}),
        "groups": [
            (
                g,
                [r for r in rows if r.stage == g.stage and _shown(r, group, show, reference)],
                sum(1 for r in rows if r.stage == g.stage),
            )
            for g in words.GROUPS
            if not group or g.slug == group
        ],
        "all_groups": [(g, sum(1 for r in rows if r.stage == g.stage)) for g in words.GROUPS],
        "unmatched": unmatched,
        "not_considered": len(details["unmatched"]) - len(unmatched),
        "alternatives": [
            (labels.get(vacancy), vacancy, _best_first(alts))
            for vacancy, alts in sorted(alternatives.items())
        ],
        "unmet": details["summary"].get("unmet_need", []),
        "place_values": helpful,
        "place_values_note": values_note,
        "ids": matching_queries.young_person_ids(db, {r for r in references if r}),
    }


def _best_first(alternatives: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A vacancy's alternatives in score order, best first, each young person once (the
    best of their lines): read as a ranked list, as the vacancy page's candidates are."""
    ranked = sorted(alternatives, key=lambda a: (-(a.get("score") or 0), a.get("rank") or 0))
    seen: set[str] = set()
    best = []
    for alternative in ranked:
        who = str(alternative.get("person_id", ""))
        if who not in seen:
            seen.add(who)
            best.append(alternative)
    return best


@router.get("/matching")
def matching_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_matching)],
    run: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    accepted: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    declined: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    group: Annotated[str, Query(max_length=20)] = "",
    show: Annotated[str, Query(max_length=20)] = "",
    reference: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The latest match run (or ``run``), its proposals grouped by urgency (filtered by
    group, decided or not and reference) and the decision forms."""
    group = group if group in words.BY_SLUG else ""
    show = show if show in SHOW else ""
    reference = reference.strip()
    context = _view(db, principal, run, group=group, show=show, reference=reference)
    done = None
    if accepted or declined:
        found = [
            r
            for r in matching_queries.proposal_rows(
                db,
                [matching.get_proposal_or_raise(db, accepted or declined)],  # type: ignore[arg-type]
            )
            if r.status == ("accepted" if accepted else "declined")
        ]
        done = found[0] if found else None
    return render(
        request,
        "matching.html",
        {
            "title": "Matching",
            **context,
            **_page_context(db, principal, group=group, show=show, reference=reference),
            "done": done,
        },
    )


def _page_context(
    db: DbSession, principal: Principal, *, group: str = "", show: str = "", reference: str = ""
) -> dict[str, Any]:
    """What the matching page needs besides the run: who may do what, the earlier runs, the
    decline reasons and the filter as chosen."""
    role = principal.user.role
    runs = matching_queries.list_match_runs(db, limit=10)
    return {
        "can_run": allows(role, P.run_matching),
        "can_decide": allows(role, P.decide_proposals),
        "can_open_records": allows(role, P.view_young_people)
        and scope.sees_everyone(principal.user),
        "runs": runs,
        "run_titles": matching_queries.run_titles(db, runs),
        "decline_reasons": list(DECLINE_LABELS.items()),
        "today": clock.today(),
        "filter": {"group": group, "show": show, "reference": reference},
        "show_options": list(SHOW.items()),
        "words": words,
    }


@router.get("/matching/one-more-place")
def one_more_place_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_forecasts)],
) -> Response:
    """For commissioners: what one more place of each kind would change in the latest run,
    as totals (no young person is named)."""
    run = matching_queries.latest_match_run(db)
    rows: list[dict[str, Any]] = []
    note = ""
    if run is not None:
        values, note = matching.place_value_rows(run)
        rows = [v for v in values if v["more_moved_out"] > 0 or v["more_on_time"] > 0]
    return render(
        request,
        "matching_place_values.html",
        {
            "title": "One more place would help",
            "run": run,
            "rows": rows,
            "note": note,
            "can_see_matching": allows(principal.user.role, P.view_matching),
        },
    )


@router.get("/fairness")
def fairness_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_fairness)],
    flagged: Annotated[bool, Query()] = False,
) -> Response:
    """The fairness audit: proposed, moved and waiting, by group, small counts suppressed."""
    result = fairness.fairness_audit(db)
    records = result.records()
    return render(
        request,
        "fairness.html",
        {
            "title": "Fairness audit",
            "audit": result,
            "records": [r for r in records if r["flags"]] if flagged else records,
            "flagged_rows": [r for r in records if r["flags"]],
            "only_flagged": flagged,
        },
    )


@router.get("/fairness.csv")
def fairness_download(
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_fairness)],
) -> Response:
    """The fairness audit as CSV, as on the page; audited as an export."""
    name, text = fairness.fairness_csv(db, actor=principal.user.username)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/matching/run")
def run_matching_now(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.run_matching)],
    form: CheckedForm,
) -> Response:
    """Queue a match run on today's records (or join the one already asked for) and show
    its progress; the proposals nobody decided are superseded when it is done."""
    from planner.work import service as work

    asked = work.request_match_run(db, as_of=clock.today(), requested_by=principal.user.username)
    return see_other(f"/work/{asked.item.id}")


def _decision_page(
    request: Request,
    db: DbSession,
    principal: Principal,
    proposal_id: int,
    action: str,
    form: dict[str, str],
    exc: PlannerError,
) -> Response:
    """The matching page again with the decision's error summary linking to the field at
    fault (the move-in date, the reason) and what was typed kept; nothing was recorded."""
    if exc.status_code == 409:
        message = (
            "Another person decided on this proposal or filled this vacancy before you. "
            "Nothing you entered has been saved: check the proposals as they are now."
        )
        href = f"#proposal-{proposal_id}"
    else:
        message = exc.message
        href = f"#start-{proposal_id}-day" if action == "accept" else f"#reason-{proposal_id}"
    kept = {
        k: form.get(k, "")[:500]
        for k in ("start-day", "start-month", "start-year", "reason", "note")
    }
    return render(
        request,
        "matching.html",
        {
            "title": "Error: Matching",
            **_view(db, principal, None),
            **_page_context(db, principal),
            "done": None,
            "decision_errors": {
                "proposal": proposal_id,
                "action": action,
                "message": message,
                "form": kept,
                "list": [{"text": message, "href": href}],
            },
        },
        status_code=exc.status_code,
    )


def _decide(db: DbSession, change: Any) -> PlannerError | None:
    """Run a decision in a savepoint: a refusal leaves nothing behind and is returned."""
    try:
        with db.begin_nested():
            change()
    except (matching.Conflict, Conflict, InvalidInput) as exc:
        return exc
    return None


@router.post("/matching/proposals/{proposal_id}/accept")
def accept(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.decide_proposals)],
    form: CheckedForm,
    proposal_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """Accept a proposal from a move-in date: the old stay ends and the new one starts."""
    matching.get_proposal_or_raise(db, proposal_id)
    try:
        start = form_date(form, "start", "move-in date")
    except InvalidInput as exc:
        return _decision_page(request, db, principal, proposal_id, "accept", form, exc)
    refused = _decide(
        db,
        lambda: matching.accept_proposal(
            db,
            proposal_id=proposal_id,
            expected_version=form_version(form),
            actor=principal.user.username,
            start=start,  # type: ignore[arg-type]
        ),
    )
    if refused is not None:
        return _decision_page(request, db, principal, proposal_id, "accept", form, refused)
    return see_other(f"/matching?accepted={proposal_id}")


@router.post("/matching/proposals/{proposal_id}/decline")
def decline(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.decide_proposals)],
    form: CheckedForm,
    proposal_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """Decline a proposal with a reason code and an optional note."""
    matching.get_proposal_or_raise(db, proposal_id)
    if not form.get("reason"):
        missing = InvalidInput("Choose why the proposal is declined.")
        return _decision_page(request, db, principal, proposal_id, "decline", form, missing)
    try:
        note = check_text(form.get("note", "").strip()[:500], "The note")
    except InvalidInput as exc:
        return _decision_page(request, db, principal, proposal_id, "decline", form, exc)
    refused = _decide(
        db,
        lambda: matching.decline_proposal(
            db,
            proposal_id=proposal_id,
            expected_version=form_version(form),
            actor=principal.user.username,
            reason=form.get("reason", ""),
            note=note,
        ),
    )
    if refused is not None:
        return _decision_page(request, db, principal, proposal_id, "decline", form, refused)
    return see_other(f"/matching?declined={proposal_id}")
