"""Helpers every table module shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from planner.core import clock


def utcnow() -> datetime:
    """The instant a row is stamped, in UTC as stored, read from the one clock so that a test
    that freezes the clock sees the same instant in every timestamp it writes."""
    return clock.now().astimezone(UTC)


def _enum(default: object, *, index: bool = False) -> Any:
    """An enumeration stored as its string value."""
    return Field(default=default, sa_type=sa.String(40), index=index)
