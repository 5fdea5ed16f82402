"""Accounts, sign-in sessions and API tokens for council staff.

What a council's information governance team asks of sign-in, and where it is met:

* Passwords are hashed with argon2id (argon2-cffi's defaults: 64 MiB, 3 passes, 4 lanes,
  above OWASP ASVS 5.0 appendix C). Length is the only rule (12 to 256 characters, NCSC and
  ASVS 6.2): no composition rules and no forced expiry, plus a short deny-list.
* Sessions live in the database, not in a signed cookie, so they can be ended on the server:
  signing out, disabling an account or resetting its password ends them at once. The cookie
  holds 256 random bits; the database holds only their SHA-256. Each session has an idle
  and an absolute timeout (:class:`SessionPolicy`).
* Sign-in attempts are rate limited per username and client, per client and per username,
  counted in the database so every worker process sees the same count.
* API tokens for machine clients are random, shown once, stored as SHA-256, revocable, and
  act with their owner's role; disabling the owner stops them too.

Every change writes an audit event in the caller's transaction. Services never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from planner.core import audit
from planner.core.errors import (
    Conflict,
    FieldInvalid,
    InvalidInput,
    NotFound,
    SignInRefused,
    TooManyAttempts,
)
from planner.core.listing import ListParams, Paged, Reversed, page_query
from planner.core.settings import DEV_SECRET
from planner.domain import Role
from planner.domain.text import check_text
from planner.models import ApiToken, AuthSession, LoginAttempt, User, utcnow

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256  # long enough for any passphrase, short enough not to be a DoS
TOKEN_PREFIX = "plnr_"  # noqa: S105 - a label, not a secret
# Passwords people choose first; the full breached-password check needs a list the council
# supplies (ASVS 6.2.12), this catches the obvious.
DENIED_PASSWORDS = frozenset(
    {
        "password1234",
        "password12345",
        "password123456",
        "123456789012",
        "qwertyuiopas",
        "letmein12345",
        "welcome12345",
        "changeme1234",
        "careleavers2024",
    }
)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing")


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions live and how many sign-in attempts are allowed.

    30 minutes idle and 10 hours absolute fit a working day (ASVS 7.3.1, 7.3.2). The limits
    count *failed* attempts in a sliding window: 5 per username from one client stops
    guessing without letting a stranger lock an adviser out from elsewhere; 30 per client
    stops spraying many usernames; 50 per username stops a distributed guess.

    Those limits need each client's own address. Behind a reverse proxy whose forwarded
    headers are not trusted (``PLANNER_FORWARDED_ALLOW_IPS`` unset), every request comes from
    the proxy, and 30 failures from anyone would lock the whole council out. So with
    ``client_addresses=False`` no limit counts by client: a username's failures since its last
    success slow that username alone, with a back-off that doubles from ``backoff_first``
    after ``backoff_after`` failures, up to the window (and 50 per window still stop it). A
    wrong password for one user never slows another.
    """

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=10)
    window: timedelta = timedelta(minutes=15)
    per_username_and_client: int = 5
    per_client: int = 30
    per_username: int = 50
    secret: str = DEV_SECRET  # keys the digests of usernames and client addresses
    client_addresses: bool = True  # whether the client address is the person's own
    backoff_after: int = 5
    backoff_first: timedelta = timedelta(seconds=30)


@dataclass(frozen=True)
class SignedIn:
    """A new session. ``cookie_value`` is the only copy of the secret: set it and drop it."""

    user: User
    auth_session: AuthSession
    cookie_value: str


# -- passwords ---------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; always costs one argon2 verification, so the time taken
    does not reveal whether the account exists or has a password."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def check_new_password(password: str, *, username: str = "") -> None:
    """Raise :class:`InvalidInput` unless ``password`` is acceptable as a new password."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput(f"Password must be {PASSWORD_MIN_LENGTH} characters or more.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(f"Password must be {PASSWORD_MAX_LENGTH} characters or fewer.")
    lowered = password.lower()
    if lowered in DENIED_PASSWORDS or (username and username.lower() in lowered):
        raise InvalidInput("Choose a password that is harder to guess.")


def generate_password() -> str:
    """A random 20-character password for a new or reset account (about 120 bits)."""
    return secrets.token_urlsafe(15)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _keyed(value: str, secret: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def normalise_username(username: str) -> str:
    """Usernames are compared and stored trimmed and in lower case: ``Admin`` and ``admin``
    are one person, whoever typed it."""
    return username.strip().lower()


# -- users -------------------------------------------------------------------------------------


def get_user_by_username(session: Session, username: str) -> User | None:
    """The user called ``username`` (case-insensitive), or None."""
    name = normalise_username(username)
    if "\x00" in name or len(name) > 80:
        return None  # no such username can exist; PostgreSQL would refuse the NUL outright
    return session.exec(select(User).where(sa.func.lower(User.username) == name)).first()


def get_user_or_raise(session: Session, username: str) -> User:
    user = get_user_by_username(session, username)
    if user is None:
        raise NotFound("There is no user with that username.")
    return user


def get_user_by_id_or_raise(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such user.")
    return user


def create_user(
    session: Session,
    *,
    username: str,
    role: Role,
    password: str,
    actor: str,
    display_name: str = "",
) -> User:
    """A new active account; refuses a username already taken or a weak password."""
    name = normalise_username(username)
    if not name or len(name) > 80 or not all(c.isalnum() or c in "-_." for c in name):
        raise InvalidInput("Username must be letters, digits, '-', '_' or '.', up to 80.")
    if get_user_by_username(session, name) is not None:
        raise Conflict("That username is already taken.")
    check_new_password(password, username=name)
    check_text(display_name, "The full name")
    user = User(
        username=name,
        role=Role(role),
        display_name=display_name or name,
        password_hash=hash_password(password),
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor=actor, action="create", entity="user", entity_id=str(user.id),
        detail=f"role={user.role}",
    )  # fmt: skip
    return user


def set_password(session: Session, *, username: str, password: str, actor: str) -> User:
    """Replace a user's password and end their sessions and API tokens: a reset means the
    old password may have leaked, and a token issued with it is as good as the password."""
    user = get_user_or_raise(session, username)
    check_new_password(password, username=user.username)
    user.password_hash = hash_password(password)
    session.add(user)
    end_sessions(session, user_id=user.id)  # type: ignore[arg-type]
    revoke_api_tokens(session, user_id=user.id)  # type: ignore[arg-type]
    audit.record(
        session, actor=actor, action="reset_password", entity="user", entity_id=str(user.id)
    )
    return user


def disable_user(session: Session, *, username: str, actor: str) -> User:
    """Disable an account: its sessions end and its API tokens stop working at once."""
    user = get_user_or_raise(session, username)
    if user.username == actor:
        raise Conflict("You cannot disable your own account.")
    user.active = False
    session.add(user)
    end_sessions(session, user_id=user.id)  # type: ignore[arg-type]
    revoke_api_tokens(session, user_id=user.id)  # type: ignore[arg-type]
    audit.record(session, actor=actor, action="disable", entity="user", entity_id=str(user.id))
    return user


def enable_user(session: Session, *, username: str, actor: str) -> User:
    """Let a disabled account sign in again (its old sessions and tokens stay ended)."""
    user = get_user_or_raise(session, username)
    user.active = True
    session.add(user)
    audit.record(session, actor=actor, action="enable", entity="user", entity_id=str(user.id))
    return user


def end_user_sessions(session: Session, *, username: str, actor: str) -> int:
    """Sign a user out everywhere (an administrator's action, ASVS 7.4.5): every session
    and every API token, since a token signs in as well as a session does."""
    user = get_user_or_raise(session, username)
    ended = end_sessions(session, user_id=user.id)  # type: ignore[arg-type]
    revoked = revoke_api_tokens(session, user_id=user.id)  # type: ignore[arg-type]
    audit.record(
        session, actor=actor, action="end_sessions", entity="user", entity_id=str(user.id),
        detail=f"ended={ended} tokens_revoked={revoked}",
    )  # fmt: skip
    return ended


NOTIFY_CHOICES = {
    "immediate": "An email for each notice, as it happens",
    "digest": "One email a week (Mondays), with every notice since the last",
}
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


def set_notify(session: Session, *, user_id: int, notify: str, actor: str) -> User:
    """How the user reads email notices: ``immediate`` or ``digest`` (their own choice)."""
    if notify not in NOTIFY_CHOICES:
        raise InvalidInput("Choose how you want to get notices.")
    user = get_user_by_id_or_raise(session, user_id)
    user.notify = notify
    session.add(user)
    audit.record(
        session, actor=actor, action="notify", entity="user", entity_id=str(user.id),
        detail=f"notify={notify}",
    )  # fmt: skip
    return user


def set_contact(
    session: Session,
    *,
    username: str,
    actor: str,
    email: str | None = None,
    manager: str | None = None,
) -> User:
    """An administrator sets a user's work email address and line manager (a manager's
    account): notices about a personal adviser's young people go to both. An empty string
    removes either."""
    user = get_user_or_raise(session, username)
    # everything is checked before anything changes: a refused form keeps the old values
    address = email.strip() if email is not None else None
    if address and (len(address) > 254 or not EMAIL.match(address)):
        raise FieldInvalid("email", "Enter an email address like name@council.gov.uk.")
    boss_id: int | None = user.manager_id
    if manager is not None:
        boss_id = None
        if manager.strip():
            boss = get_user_by_username(session, manager.strip())
            if boss is None or boss.role != Role.manager or boss.id == user.id:
                raise FieldInvalid(
                    "manager", "A line manager is another user with the manager role."
                )
            boss_id = boss.id
    if address is not None:
        user.email = address or None
    user.manager_id = boss_id
    session.add(user)
    audit.record(
        session, actor=actor, action="contact", entity="user", entity_id=str(user.id),
        detail=f"email={'set' if user.email else 'none'} manager={user.manager_id or 'none'}",
    )  # fmt: skip
    return user


def list_users(session: Session) -> list[User]:
    """Every account, by username."""
    return list(session.exec(select(User).order_by(User.username)))


# the columns the users list can be sorted by (the keys of its ``sort`` parameter)
USER_SORTS = ("username", "role", "status")


def page_users(
    session: Session,
    params: ListParams,
    *,
    search: str = "",
    role: str = "",
    active: bool | None = None,
) -> Paged[User]:
    """One page of the accounts whose username contains ``search``, of one role and active
    or disabled, sorted by a key of :data:`USER_SORTS`, in SQL."""
    query = select(User)
    if search.strip():
        text = check_text(search, "The username").strip().lower()
        query = query.where(sa.func.lower(col(User.username)).contains(text, autoescape=True))
    if role:
        query = query.where(User.role == Role(role))
    if active is not None:
        query = query.where(User.active == active)
    columns = {
        "username": [col(User.username)],
        "role": [col(User.role)],
        "status": [Reversed(col(User.active))],  # active first
    }
    return page_query(session, query, params, columns, tie_break=[col(User.username)])


# -- sign-in and sessions ----------------------------------------------------------------------


def _failures_since(session: Session, since: datetime, *conditions: sa.ColumnElement) -> int:
    query = (
        select(sa.func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.at > since, LoginAttempt.succeeded == False, *conditions)  # noqa: E712
    )
    return int(session.exec(query).one())


def _check_username_backoff(
    session: Session, *, username_key: str, policy: SessionPolicy, now: datetime
) -> None:
    """The limit when client addresses are not known: per username only, with back-off."""
    start = now - policy.window
    last_success = session.exec(
        select(sa.func.max(LoginAttempt.at)).where(
            LoginAttempt.username_key == username_key,
            LoginAttempt.succeeded == True,  # noqa: E712
        )
    ).one()
    since = max(start, last_success) if last_success else start
    failures, last_failure = session.exec(
        select(sa.func.count(), sa.func.max(LoginAttempt.at)).where(
            LoginAttempt.username_key == username_key,
            LoginAttempt.succeeded == False,  # noqa: E712
            LoginAttempt.at > since,
        )
    ).one()
    if failures >= policy.per_username:
        raise TooManyAttempts()
    if failures < policy.backoff_after or last_failure is None:
        return
    doublings = min(failures - policy.backoff_after, 10)
    wait = min(policy.backoff_first * 2**doublings, policy.window)
    if last_failure.tzinfo is None and now.tzinfo is not None:  # SQLite keeps no zone
        last_failure = last_failure.replace(tzinfo=now.tzinfo)
    if now < last_failure + wait:
        minutes = max(1, -(-int((last_failure + wait - now).total_seconds()) // 60))
        raise TooManyAttempts(
            f"Too many attempts to sign in. Wait {minutes} minute"
            f"{'' if minutes == 1 else 's'}, then try again."
        )


def _check_rate(
    session: Session, *, username_key: str, client_key: str, policy: SessionPolicy, now: datetime
) -> None:
    if not policy.client_addresses:
        _check_username_backoff(session, username_key=username_key, policy=policy, now=now)
        return
    start = now - policy.window
    last_success = session.exec(
        select(sa.func.max(LoginAttempt.at)).where(
            LoginAttempt.username_key == username_key,
            LoginAttempt.client_key == client_key,
            LoginAttempt.succeeded == True,  # noqa: E712
        )
    ).one()
    pair_start = max(start, last_success) if last_success else start
    if (
        _failures_since(
            session,
            pair_start,
            col(LoginAttempt.username_key) == username_key,
            col(LoginAttempt.client_key) == client_key,
        )
        >= policy.per_username_and_client
        or _failures_since(session, start, col(LoginAttempt.client_key) == client_key)
        >= policy.per_client
        or _failures_since(session, start, col(LoginAttempt.username_key) == username_key)
        >= policy.per_username
    ):
        raise TooManyAttempts()


def sign_in(
    session: Session,
    *,
    username: str,
    password: str,
    client: str,
    policy: SessionPolicy,
    now: datetime | None = None,
) -> SignedIn:
    """Check a username and password and open a session.

    Raises :class:`TooManyAttempts` before checking anything once a limit is reached, and
    :class:`SignInRefused` (the same words for an unknown user, a wrong password or a
    disabled account) otherwise. Failed attempts are added to the session, so the caller
    must commit after catching the refusal for the attempt to count.
    """
    now = now or utcnow()
    name = normalise_username(username)[:256]
    username_key = _keyed(name, policy.secret)
    client_key = _keyed(client or "unknown", policy.secret)
    _check_rate(session, username_key=username_key, client_key=client_key, policy=policy, now=now)
    user = get_user_by_username(session, name)
    ok = verify_password(user.password_hash if user else None, password[:PASSWORD_MAX_LENGTH])
    ok = ok and user is not None and user.active
    session.add(
        LoginAttempt(at=now, username_key=username_key, client_key=client_key, succeeded=ok)
    )
    if not ok or user is None:
        audit.record(
            session,
            actor="anonymous",
            action="sign_in_refused",
            entity="user",
            entity_id=str(user.id) if user else "",
        )
        session.flush()
        raise SignInRefused()
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
        session.add(user)
    cookie_value = secrets.token_urlsafe(32)
    auth_session = AuthSession(
        token_hash=_digest(cookie_value),
        user_id=user.id,  # type: ignore[arg-type]
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.absolute,
    )
    session.add(auth_session)
    session.flush()
    audit.record(
        session, actor=user.username, action="sign_in", entity="auth_session",
        entity_id=str(auth_session.id),
    )  # fmt: skip
    return SignedIn(user=user, auth_session=auth_session, cookie_value=cookie_value)


def current_session(
    session: Session,
    *,
    cookie_value: str,
    policy: SessionPolicy,
    now: datetime | None = None,
) -> tuple[AuthSession, User] | None:
    """The live session and its user for a cookie value, or None if it is unknown, revoked,
    idle too long, past its absolute limit, or its user is disabled. Touches the session
    (at most every 30 seconds, to spare the database a write per request)."""
    if not cookie_value or len(cookie_value) > 128:
        return None
    now = now or utcnow()
    row = session.exec(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)  # type: ignore[arg-type]
        .where(AuthSession.token_hash == _digest(cookie_value))
    ).first()
    if row is None:
        return None
    auth_session, user = row
    if (
        auth_session.revoked_at is not None
        or now >= auth_session.expires_at
        or now - auth_session.last_seen_at >= policy.idle
        or not user.active
    ):
        return None
    if now - auth_session.last_seen_at > timedelta(seconds=30):
        auth_session.last_seen_at = now
        session.add(auth_session)
    return auth_session, user


def sign_out(session: Session, *, auth_session: AuthSession, actor: str) -> None:
    """End one session on the server, so its cookie is worthless even if it was copied."""
    auth_session.revoked_at = utcnow()
    session.add(auth_session)
    audit.record(
        session, actor=actor, action="sign_out", entity="auth_session",
        entity_id=str(auth_session.id),
    )  # fmt: skip


def end_sessions(session: Session, *, user_id: int) -> int:
    """Revoke every live session of a user; returns how many were ended."""
    now = utcnow()
    live = session.exec(
        select(AuthSession).where(
            AuthSession.user_id == user_id, col(AuthSession.revoked_at).is_(None)
        )
    ).all()
    for auth_session in live:
        auth_session.revoked_at = now
        session.add(auth_session)
    return len(live)


def revoke_api_tokens(session: Session, *, user_id: int) -> int:
    """Revoke every live API token of a user; returns how many were revoked."""
    now = utcnow()
    live = session.exec(
        select(ApiToken).where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at).is_(None))
    ).all()
    for token in live:
        token.revoked_at = now
        session.add(token)
    return len(live)


def csrf_matches(auth_session: AuthSession, submitted: str | None) -> bool:
    """Whether a form's synchroniser token is this session's (compared in constant time)."""
    return bool(submitted) and hmac.compare_digest(auth_session.csrf_token, submitted or "")


# -- API tokens --------------------------------------------------------------------------------


def issue_api_token(
    session: Session,
    *,
    owner: User,
    name: str,
    lifetime: timedelta | None = timedelta(days=90),
) -> tuple[ApiToken, str]:
    """A new API token for ``owner``; returns the row and the token, which is shown once."""
    name = name.strip()
    if not name or len(name) > 80:
        raise InvalidInput("Give the token a name of up to 80 characters.")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=owner.id,  # type: ignore[arg-type]
        name=name,
        prefix=plaintext[: len(TOKEN_PREFIX) + 6],
        token_hash=_digest(plaintext),
        created_at=now,
        expires_at=now + lifetime if lifetime else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session, actor=owner.username, action="issue_token", entity="api_token",
        entity_id=str(token.id),
    )  # fmt: skip
    return token, plaintext


def api_token_user(
    session: Session, *, token: str, now: datetime | None = None
) -> tuple[ApiToken, User] | None:
    """The token row and its owner for a bearer token, or None if it is unknown, revoked,
    expired or its owner is disabled."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    now = now or utcnow()
    row = session.exec(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)  # type: ignore[arg-type]
        .where(ApiToken.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    api_token, user = row
    if (
        api_token.revoked_at is not None
        or (api_token.expires_at is not None and now >= api_token.expires_at)
        or not user.active
    ):
        return None
    if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=1):
        api_token.last_used_at = now
        session.add(api_token)
    return api_token, user


def list_api_tokens(session: Session, *, owner: User) -> list[ApiToken]:
    """The owner's tokens, newest first, revoked ones included (so they can see what ended)."""
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.user_id == owner.id)
            .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
        )
    )


def revoke_api_token(session: Session, *, owner: User, token_id: int) -> ApiToken:
    """Revoke one of the owner's tokens; another user's token is 'not found'."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != owner.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        audit.record(
            session, actor=owner.username, action="revoke_token", entity="api_token",
            entity_id=str(token.id),
        )  # fmt: skip
    return token


# -- the demo ----------------------------------------------------------------------------------

DEMO_USERNAMES: dict[Role, str] = {
    Role.housing_officer: "demo-housing-officer",
    Role.commissioner: "demo-commissioner",
    Role.manager: "demo-manager",
    Role.personal_adviser: "pa01",  # the demo council's first adviser, who has a caseload
    Role.administrator: "demo-administrator",
}


def create_demo_users(session: Session) -> list[tuple[str, str, str]]:
    """One demo account per role with a fresh random password; returns (username, role,
    password) for the caller to print once. The personal adviser is ``pa01`` of the demo
    council when it exists, so their young people are there to see."""
    created = []
    for role, username in DEMO_USERNAMES.items():
        password = generate_password()
        user = get_user_by_username(session, username)
        if user is None:
            create_user(
                session,
                username=username,
                role=role,
                password=password,
                actor="demo",
                display_name=f"Demo {role.value.replace('_', ' ')}",
            )
        else:
            user.role = role
            user.active = True
            session.add(user)
            set_password(session, username=username, password=password, actor="demo")
        created.append((username, role.value, password))
    session.flush()
    return created
