"""Council staff accounts. Passwords and sign-in come with the web service; here is what
the demo and the importer need: users by username and role."""

from __future__ import annotations

from sqlmodel import Session, select

from planner.domain import Role
from planner.models import User


def get_by_username(session: Session, username: str) -> User | None:
    """The user called ``username``, or None."""
    return session.exec(select(User).where(User.username == username)).first()


def ensure_user(session: Session, *, username: str, role: Role, display_name: str = "") -> User:
    """The user called ``username``, created with ``role`` if missing."""
    user = get_by_username(session, username)
    if user is None:
        user = User(username=username, role=role, display_name=display_name or username)
        session.add(user)
    return user
