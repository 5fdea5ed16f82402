"""The JSON API under ``/api/v1``, for machine clients with a per-user API token.

Each route names its permission (``Annotated[Principal, api_allowed(P.x)]``), calls one
service and returns a public schema. The token acts with its owner's role and record scope,
so an API client sees exactly what its owner would see in the pages, and views of a young
person's record are audited the same way. One module per feature; ``ROUTERS`` keeps the
order the paths are matched in.
"""

from api.v1 import accounts, escalations, forecasting, inventory, matching, work, young_people

ROUTERS = [
    accounts.router,
    inventory.router,
    young_people.router,
    forecasting.router,
    matching.router,
    escalations.router,
    work.router,
]
