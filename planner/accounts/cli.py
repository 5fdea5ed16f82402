"""``planner user add|list|disable|enable|reset|contact``: accounts from the command line.

For the first administrator (there is no one to add them in the web pages yet) and for
break-glass resets. Passwords are generated, printed once to the terminal that asked for
them, and never logged or written anywhere else; the audit trail records who did what with
the operating-system account as the actor.
"""

from __future__ import annotations

from typing import Annotated

import typer

from planner.core.cli_support import (
    Field,
    OutputFormat,
    console,
    fail,
    listing_table,
    migrated_engine,
    print_csv,
    print_json,
)
from planner.core.errors import PlannerError
from planner.domain import Role

app = typer.Typer()
users_app = typer.Typer(help="Manage staff accounts.", no_args_is_help=True)
app.add_typer(users_app, name="user")


def _show_password(username: str, password: str) -> None:
    console.print(
        f"Password for [b]{username}[/b] (shown once; give it to them by a separate channel):"
    )
    console.print(password, markup=False, highlight=False)


@users_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Letters, digits, '-', '_' or '.'")],
    role: Annotated[Role, typer.Option("--role", help="What the user may see and do")],
    display_name: Annotated[str, typer.Option(help="Full name shown in the pages")] = "",
) -> None:
    """Add an account with a generated password."""
    from planner.accounts import service as accounts
    from planner.core import audit
    from planner.core.db import unit_of_work

    password = accounts.generate_password()
    try:
        with unit_of_work(migrated_engine()) as session:
            accounts.create_user(
                session,
                username=username,
                role=role,
                password=password,
                actor=audit.cli_actor(),
                display_name=display_name,
            )
    except PlannerError as exc:
        fail(exc.message)
    console.print(f"Added {accounts.normalise_username(username)} as {role.value}.")
    _show_password(accounts.normalise_username(username), password)


@users_app.command("list")
def list_command(
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, csv or json for scripts")
    ] = OutputFormat.table,
) -> None:
    """Every account: username, role, full name and whether it may sign in.

    Personal advisers must have an account before the young people who name them are
    imported; this shows which exist. Passwords are never shown (only their hashes are kept).
    """
    from planner.accounts import service as accounts
    from planner.core.db import unit_of_work

    with unit_of_work(migrated_engine()) as session:
        rows = [
            {
                "username": u.username,
                "role": Role(u.role).value,
                "display_name": u.display_name,
                "enabled": u.active,
            }
            for u in accounts.list_users(session)
        ]
    if output == OutputFormat.json:
        print_json(rows)
        return
    if output == OutputFormat.csv:
        print_csv(
            ("username", "role", "display_name", "enabled"),
            ((*list(r.values())[:3], "yes" if r["enabled"] else "no") for r in rows),
        )
        return
    if not rows:
        console.print("There are no accounts yet: add one with `planner user add`.")
        return
    table = listing_table(
        f"Accounts ({len(rows)})",
        (
            Field("username", "Username", ref=True),
            Field("role", "Role"),
            Field("display_name", "Full name"),
            Field("enabled", "Enabled"),
        ),
    )
    for r in rows:
        table.add_row(
            str(r["username"]),
            str(r["role"]).replace("_", " "),
            str(r["display_name"]),
            "yes" if r["enabled"] else "[red]no (disabled)[/red]",
        )
    console.print(table)


@users_app.command("disable")
def disable(username: str) -> None:
    """Disable an account: its sessions and API tokens stop working at once."""
    from planner.accounts import service as accounts
    from planner.core import audit
    from planner.core.db import unit_of_work

    try:
        with unit_of_work(migrated_engine()) as session:
            accounts.disable_user(session, username=username, actor=audit.cli_actor())
    except PlannerError as exc:
        fail(exc.message)
    console.print(f"Disabled {username}; their sessions and API tokens have ended.")


@users_app.command("enable")
def enable(username: str) -> None:
    """Let a disabled account sign in again."""
    from planner.accounts import service as accounts
    from planner.core import audit
    from planner.core.db import unit_of_work

    try:
        with unit_of_work(migrated_engine()) as session:
            accounts.enable_user(session, username=username, actor=audit.cli_actor())
    except PlannerError as exc:
        fail(exc.message)
    console.print(f"Enabled {username}.")


@users_app.command("reset")
def reset(username: str) -> None:
    """Give an account a new generated password and end its sessions."""
    from planner.accounts import service as accounts
    from planner.core import audit
    from planner.core.db import unit_of_work

    password = accounts.generate_password()
    try:
        with unit_of_work(migrated_engine()) as session:
            accounts.set_password(
                session, username=username, password=password, actor=audit.cli_actor()
            )
    except PlannerError as exc:
        fail(exc.message)
    console.print(f"Reset the password of {username}; their sessions have ended.")
    _show_password(username, password)


@users_app.command("contact")
def contact(
    username: str,
    email: Annotated[
        str | None, typer.Option(help="Work email address for notices ('' removes it)")
    ] = None,
    manager: Annotated[
        str | None, typer.Option(help="Line manager's username, a manager ('' removes it)")
    ] = None,
    notify: Annotated[
        str | None, typer.Option(help="immediate (an email each) or digest (weekly)")
    ] = None,
) -> None:
    """Set where a user's email notices go, their line manager and how they get them."""
    from planner.accounts import service as accounts
    from planner.core import audit
    from planner.core.db import unit_of_work

    try:
        with unit_of_work(migrated_engine()) as session:
            user = accounts.set_contact(
                session, username=username, email=email, manager=manager, actor=audit.cli_actor()
            )
            if notify is not None:
                accounts.set_notify(
                    session,
                    user_id=user.id,  # type: ignore[arg-type]
                    notify=notify,
                    actor=audit.cli_actor(),
                )
            # the manager by username, as typed in --manager, never the account's row id
            line_manager = (
                accounts.get_user_by_id_or_raise(session, user.manager_id)
                if user.manager_id
                else None
            )
            summary = (
                f"{user.username}: email {user.email or 'none'}, "
                f"manager {line_manager.username if line_manager else 'none'}, "
                f"notices {user.notify}"
            )
    except PlannerError as exc:
        fail(exc.message)
    console.print(summary, markup=False, highlight=False)
