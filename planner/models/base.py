"""Helpers every table module shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def _enum(default: object, *, index: bool = False) -> Any:
    """An enumeration stored as its string value."""
    return Field(default=default, sa_type=sa.String(40), index=index)
