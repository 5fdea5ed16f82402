"""Which young people a viewer may see."""

from __future__ import annotations

from planner.domain import Role
from planner.models import (
    User,
)


def is_own_adviser(viewer: User) -> bool:
    """Whether the viewer sees only their own young people (a personal adviser)."""
    return viewer.role == Role.personal_adviser
