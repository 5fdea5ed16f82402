"""Staff accounts, sign-in sessions, API tokens and the audit trail."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from planner.domain import (
    Role,
)
from planner.models.base import _enum, utcnow


class User(SQLModel, table=True):
    """A member of council staff; personal advisers are linked to their young people."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_type=sa.String(80), unique=True, index=True)
    display_name: str = Field(default="", sa_type=sa.String(120))
    role: Role = _enum(Role.housing_officer)
    password_hash: str | None = Field(default=None, sa_type=sa.String(255))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Notices by email (docs/reports.md): where to send them, who the line manager is (a
    # personal adviser's manager is told of their escalations too) and how they are read:
    # "immediate" (one email each) or "digest" (in the Monday digest).
    email: str | None = Field(default=None, sa_type=sa.String(254))
    manager_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    notify: str = Field(
        default="immediate", sa_type=sa.String(10), sa_column_kwargs={"server_default": "immediate"}
    )


class AuditEvent(SQLModel, table=True):
    """Who changed, exported or viewed what, and when. Never holds personal data itself:
    records are named by table and id, not by anything that identifies a young person."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(sa_type=sa.String(80), index=True)
    action: str = Field(sa_type=sa.String(40), index=True)
    entity: str = Field(sa_type=sa.String(40))
    entity_id: str = Field(default="", sa_type=sa.String(80))
    detail: str = Field(default="", sa_type=sa.String(500))


# -- accounts and sign-in (the web service) ---------------------------------------------------


class AuthSession(SQLModel, table=True):
    """One signed-in browser. The cookie holds an opaque secret; only its SHA-256 is stored,
    so a copy of the database cannot be replayed as live sessions. Revocation is a column,
    checked on every request, so signing out or disabling an account takes effect at once."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_type=sa.String(64), unique=True, index=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    csrf_token: str = Field(sa_type=sa.String(64))
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class ApiToken(SQLModel, table=True):
    """A machine client's bearer token for the JSON API, owned by one user and acting with
    that user's role. Stored as a SHA-256 digest (the token is 256 random bits, so a slow hash
    adds nothing); the short prefix lets a person recognise a token without revealing it."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    name: str = Field(sa_type=sa.String(80))
    prefix: str = Field(sa_type=sa.String(16))
    token_hash: str = Field(sa_type=sa.String(64), unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt, kept for rate limiting. The username and the client address are
    stored as keyed digests: attempts must be countable, but a password typed into the
    username box, or a member of staff's address, must not sit in the database in clear."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    username_key: str = Field(sa_type=sa.String(64), index=True)
    client_key: str = Field(sa_type=sa.String(64), index=True)
    succeeded: bool = False
