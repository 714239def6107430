"""``socialroi users …``: accounts of the web app (docs/web.md), for the administrator.

Run these with ``socialroi serve`` stopped (DuckDB has one writer), or use the web pages.
``socialroi.web`` is imported inside the commands: it loads FastAPI, which no other command
needs at start-up.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from socialroi.cli._app import DbOption, app, open_writer

console = Console(highlight=False, soft_wrap=True)

users_app = typer.Typer(
    help="Web app accounts: users, roles per workspace, passwords, API tokens.",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")

EmailArg = Annotated[str, typer.Argument(help="the user's email")]
RoleOption = Annotated[str, typer.Option("--role", help="viewer, analyst, admin or owner")]
WsOption = Annotated[str, typer.Option("--workspace", "-w", help="workspace id")]


def _password(email: str) -> str:
    from socialroi.web import accounts as acc

    password: str = typer.prompt(f"password for {email}", hide_input=True, confirmation_prompt=True)
    acc.check_password(password, acc.normalise_email(email))
    return password


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """Every user with their role in each workspace."""
    from socialroi.web import accounts as acc

    with open_writer(db) as eng:
        rows = acc.list_users(eng)
    table = Table("email", "workspaces (role)")
    for user, roles in rows:
        table.add_row(user.email, ", ".join(f"{ws} ({role})" for ws, role in roles) or "none")
    console.print(table)
    if not rows:
        console.print("no users yet: sign up in the browser or run `socialroi users create`")


@users_app.command("create")
def users_create(
    email: EmailArg,
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="workspace to join")
    ] = None,
    role: RoleOption = "viewer",
    db: DbOption = None,
) -> None:
    """Create a user (the password is asked for, hidden), optionally with a role."""
    from socialroi.web import accounts as acc

    password = _password(email)
    with open_writer(db) as eng:
        if workspace is not None:
            eng.workspace(workspace)  # WorkspaceNotFound says which exist
        user = acc.create_user(eng, email, password)
        if workspace is not None:
            acc.grant(eng, user.user_id, workspace, role)
    where = f" as {role} of {workspace}" if workspace else ""
    console.print(f"created {user.email}{where}")


@users_app.command("set-password")
def users_set_password(email: EmailArg, db: DbOption = None) -> None:
    """Set a new password (asked for, hidden); the user's sessions are signed out."""
    from socialroi.web import accounts as acc

    with open_writer(db) as eng:
        user = acc.require_user(eng, email)
        acc.set_password(eng, user.user_id, _password(user.email))
    console.print(f"password of {user.email} changed; their sessions were signed out")


@users_app.command("grant")
def users_grant(
    email: EmailArg, workspace: WsOption, role: RoleOption, db: DbOption = None
) -> None:
    """Give a user a role in a workspace (replacing the role they had there)."""
    from socialroi.web import accounts as acc

    with open_writer(db) as eng:
        eng.workspace(workspace)
        user = acc.require_user(eng, email)
        acc.grant(eng, user.user_id, workspace, role)
    console.print(f"{user.email} is {role} of {workspace}")


@users_app.command("revoke")
def users_revoke(email: EmailArg, workspace: WsOption, db: DbOption = None) -> None:
    """Remove a user from a workspace (never its last owner)."""
    from socialroi.web import accounts as acc

    with open_writer(db) as eng:
        user = acc.require_user(eng, email)
        if acc.role_of(eng, user.user_id, workspace) is None:
            raise acc.AccountError(
                f"{user.email} is not a member of {workspace!r}",
                hint="see the memberships with `socialroi users list`",
            )
        acc.revoke(eng, user.user_id, workspace)
    console.print(f"{user.email} removed from {workspace}")


@users_app.command("delete")
def users_delete(
    email: EmailArg,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
    db: DbOption = None,
) -> None:
    """Delete a user, their memberships and sessions (never a workspace's last owner)."""
    from socialroi.web import accounts as acc

    if not yes:
        typer.confirm(f"delete {email} and their memberships?", abort=True)
    with open_writer(db) as eng:
        acc.delete_user(eng, email)
    console.print(f"deleted {email.strip().lower()}")


@users_app.command("tokens")
def users_tokens(
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="only this workspace's tokens")
    ] = None,
    db: DbOption = None,
) -> None:
    """API tokens (never their secret: only a hash is stored)."""
    from socialroi.web import accounts as acc

    with open_writer(db) as eng:
        tokens = acc.list_tokens(eng, workspace)
    table = Table("id", "workspace", "name", "scope", "created", "last used", "revoked")

    def when(value: object) -> str:
        return f"{value:%Y-%m-%d %H:%M}" if value is not None else ""

    for t in tokens:
        table.add_row(
            t.token_id,
            t.workspace_id,
            t.name,
            t.scope,
            when(t.created_at),
            when(t.last_used_at) or "never",
            when(t.revoked_at),
        )
    console.print(table)


@users_app.command("revoke-token")
def users_revoke_token(
    token_id: Annotated[str, typer.Argument(help="the id shown by `socialroi users tokens`")],
    db: DbOption = None,
) -> None:
    """Revoke an API token at once."""
    from socialroi.web import accounts as acc

    with open_writer(db) as eng:
        if not acc.revoke_token(eng, None, token_id):
            raise acc.AccountError(
                f"no live API token {token_id!r}",
                hint="list them with `socialroi users tokens`",
            )
    console.print(f"token {token_id} revoked")
