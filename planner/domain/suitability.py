"""What counts as unsuitable accommodation: one rule for the sweep, the counts, the lists,
the match run, the forecasts' inputs and the importer.

A placement type that is unsuitable by the council's policy (bed and breakfast, emergency
accommodation, sofa surfing, no fixed abode, custody: ``PlacementType.suitable_by_policy``)
is *always* unsuitable: a young person in bed and breakfast is escalated and counted whatever
a record's ``suitable`` flag says, because that is what the DfE's 903 return and the council's
practice hold. The flag can only make a suitable type unsuitable (a flat that is overcrowded
or unsafe for this young person). The optimiser reads the same rule from its own vocabulary
(type OR flag); ``tests/domain/test_vocabulary_agrees.py`` keeps the lists equal.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from planner.domain.vocabulary import UNSUITABLE_TYPES, PlacementType


def is_unsuitable(placement_type: str, suitable: bool | None) -> bool:
    """Whether a stay of ``placement_type`` recorded ``suitable`` (None: not recorded) is
    unsuitable accommodation."""
    return not PlacementType(placement_type).suitable_by_policy or suitable is False


def is_suitable(placement_type: str, suitable: bool | None) -> bool:
    """The opposite of :func:`is_unsuitable`, for the places that show "suitable"."""
    return not is_unsuitable(placement_type, suitable)


def unsuitable_condition(placement_type: Any, suitable: Any) -> sa.ColumnElement[bool]:
    """:func:`is_unsuitable` as a SQL condition on a stay's two columns, for queries that
    filter or count in the database (``unsuitable_condition(Stay.placement_type,
    Stay.suitable)``)."""
    return sa.or_(
        placement_type.in_([t.value for t in UNSUITABLE_TYPES]),
        suitable.is_(False),
    )
