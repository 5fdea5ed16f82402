"""The planner's tables, split by area; importing this package registers every table.

Design choices that later features rely on:

* Every record a council keeps has a ``reference`` (its own identifier, pseudonymous for
  young people) so imports upsert by it and exports round-trip.
* Enumerations are stored as plain strings (not native PostgreSQL enums) so a new placement
  type is a code change, not a schema migration, and SQLite and PostgreSQL hold the same data.
* Lists (areas, risk flags) are ``;``-separated text: the same shape as the templates, and
  small enough that a join table would add nothing but queries.
* "At most one current stay per young person" and "at most one young person in a place at a
  time" are partial unique indexes, so the database refuses a double placement even when two
  officers accept at the same moment. Vacancies carry a version for compare-and-set updates.
"""

from planner.models.accounts import ApiToken, AuditEvent, AuthSession, LoginAttempt, User
from planner.models.base import utcnow
from planner.models.escalations import Escalation, EscalationAction, ExceptionReport
from planner.models.forecasting import ForecastRun, Scenario
from planner.models.inventory import Place, Provision, Vacancy
from planner.models.jobs import JobRun
from planner.models.matching import MatchRun, Proposal
from planner.models.notifications import Notification
from planner.models.people import ContactRecord, Stay, YoungPerson
from planner.models.work import WorkItem

__all__ = [
    "ContactRecord",
    "ApiToken",
    "AuditEvent",
    "AuthSession",
    "Escalation",
    "EscalationAction",
    "ExceptionReport",
    "ForecastRun",
    "JobRun",
    "LoginAttempt",
    "MatchRun",
    "Notification",
    "Place",
    "Proposal",
    "Provision",
    "Scenario",
    "Stay",
    "User",
    "Vacancy",
    "WorkItem",
    "YoungPerson",
    "utcnow",
]
