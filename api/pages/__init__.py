"""The server-rendered pages, one module per feature.

Each route names one permission (``Annotated[Principal, allowed(P.x)]``), calls services and
renders; no rule of the service lives here. Every form carries the session's CSRF token and
is checked with the Origin header (:func:`api.deps.csrf_form`); the sign-in form, which has
no session yet, uses a double-submit cookie instead. Pages work without JavaScript.
``ROUTERS`` keeps the order the paths are matched in.
"""

from api.pages import (
    accounts,
    best_places,
    comparison,
    escalations,
    forecasting,
    home,
    inventory,
    matching,
    places,
    records,
    returns,
    scenarios,
    work,
    young_people,
)

ROUTERS = [
    accounts.router,
    home.router,
    young_people.router,
    best_places.router,
    records.router,
    places.router,  # before inventory: /provisions/new is not a provision id
    inventory.router,
    comparison.router,  # before forecasting: compare.csv is not a run id
    forecasting.router,
    scenarios.router,
    matching.router,
    escalations.router,
    work.router,
    returns.router,
]
