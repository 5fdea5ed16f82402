"""Who may do what: the permission matrix as data, in one place.

Least privilege for a service that holds special-category data about children and young
adults. Two questions are kept apart because they fail differently:

* **Function level**: may this role use this kind of page or endpoint at all? The answer is
  :data:`MATRIX`, a role-by-permission table. Every route names exactly one permission, and
  ``docs/permissions.md`` lists them route by route; the tests walk both.
* **Data level**: *which* young people? :func:`record_scope` says all, only the viewer's own
  (a personal adviser's caseload), or none. Commissioners plan capacity from aggregates and
  never see a named young person; administrators manage accounts and the audit trail, not
  cases.
"""

from __future__ import annotations

from enum import StrEnum

from planner.core.errors import Forbidden
from planner.domain import Role

# -- the matrix ---------------------------------------------------------------------------------


class Permission(StrEnum):
    """One kind of thing a user can do; each route requires exactly one."""

    use_service = "use_service"  # home page, own account, own API tokens
    view_overview = "view_overview"  # aggregates: placements, vacancies, lots, flats
    view_provisions = "view_provisions"
    view_vacancies = "view_vacancies"
    view_young_people = "view_young_people"  # lists and records, within record_scope
    view_forecasts = "view_forecasts"  # saved forecasts, their comparison and exports
    make_forecasts = "make_forecasts"  # run the forecast model on today's records
    view_audit = "view_audit"
    manage_users = "manage_users"
    view_matching = "view_matching"  # match runs, their proposals, unmatched and unmet need
    run_matching = "run_matching"  # solve the matching model on today's records
    decide_proposals = "decide_proposals"  # accept or decline a proposal
    view_escalations = "view_escalations"  # the escalation queue and trails, within record_scope
    manage_escalations = "manage_escalations"  # record supervision, exit plans...; sweep now
    exception_reports = "exception_reports"  # make, read and download exception reports
    view_jobs = "view_jobs"  # the scheduled jobs and their recent runs (no case data)
    # open the record of someone who has left the service (by id only; audited); lists never
    # show them. Needs view_young_people and a record scope too.
    view_closed_records = "view_closed_records"
    edit_young_people = "edit_young_people"  # needs, preferences, risks, adviser; in scope
    record_moves = "record_moves"  # moves, ended stays, leaving the service; in scope
    manage_inventory = "manage_inventory"  # vacancies, provisions and places
    view_fairness = "view_fairness"  # the fairness audit of matching: totals, small ones hidden
    # load the council's 903 or SSD files through the web page (the import service; counts
    # and the problems found are shown, never a record)
    import_returns = "import_returns"


class RecordScope(StrEnum):
    """Which young people's records a role may see."""

    all = "all"
    own = "own"  # those whose personal adviser is the viewer
    none = "none"


P = Permission
MATRIX: dict[Role, frozenset[Permission]] = {
    # matches young people to vacancies: needs the people, the places and the totals, runs
    # matching and decides proposals every day
    Role.housing_officer: frozenset(
        {
            P.use_service,
            P.view_overview,
            P.view_provisions,
            P.view_vacancies,
            P.view_young_people,
            P.view_matching,
            P.run_matching,
            P.decide_proposals,
            P.edit_young_people,
            P.record_moves,
            P.manage_inventory,
        }
    ),
    # plans place numbers: totals and the inventory, never a named young person
    # (forecasts are aggregates by placement type, lot and quarter)
    Role.commissioner: frozenset(
        {
            P.use_service,
            P.view_overview,
            P.view_provisions,
            P.view_vacancies,
            P.view_forecasts,
            P.make_forecasts,
            P.view_fairness,
        }
    ),
    # reviews everyone in unsuitable accommodation: all records and the totals; reports
    # the outlook for places to the board, so reads and makes forecasts too
    Role.manager: frozenset(
        {
            P.use_service,
            P.view_overview,
            P.view_provisions,
            P.view_vacancies,
            P.view_young_people,
            P.view_forecasts,
            P.make_forecasts,
            P.view_matching,
            P.decide_proposals,
            P.view_escalations,
            P.manage_escalations,
            P.exception_reports,
            P.view_jobs,
            # a complaint, a subject access request or a return to the service (care leavers
            # may come back up to 25) is a manager's to answer
            P.view_closed_records,
            P.edit_young_people,
            P.record_moves,
            P.manage_inventory,
            P.view_fairness,
        }
    ),
    # keeps their own young people's records current, and knows what is free to offer them
    # (and, read-only, the escalations of their own young people)
    Role.personal_adviser: frozenset(
        {
            P.use_service,
            P.view_provisions,
            P.view_vacancies,
            P.view_young_people,
            P.view_escalations,
            P.edit_young_people,  # their own young people only (record_scope)
            P.record_moves,  # their own young people only (record_scope)
        }
    ),
    # runs the service: accounts, the audit trail and the scheduled jobs, not case records
    Role.administrator: frozenset(
        {P.use_service, P.view_audit, P.manage_users, P.view_jobs, P.import_returns}
    ),
}

SCOPES: dict[Role, RecordScope] = {
    Role.housing_officer: RecordScope.all,
    Role.commissioner: RecordScope.none,
    Role.manager: RecordScope.all,
    Role.personal_adviser: RecordScope.own,
    Role.administrator: RecordScope.none,
}


def allows(role: Role | str, permission: Permission) -> bool:
    """Whether ``role`` holds ``permission``; unknown roles hold nothing (deny by default)."""
    try:
        return permission in MATRIX[Role(role)]
    except ValueError:
        return False


def check(role: Role | str, permission: Permission) -> None:
    """Raise :class:`Forbidden` unless ``role`` holds ``permission``."""
    if not allows(role, permission):
        raise Forbidden()


def record_scope(role: Role | str) -> RecordScope:
    """Which young people's records ``role`` may see (none for an unknown role)."""
    try:
        return SCOPES[Role(role)]
    except ValueError:
        return RecordScope.none
