"""``flask tokens``: API tokens from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from audit.accounts.api_tokens import (
    SCOPES,
    TokenError,
    create_token,
    revoke_token,
    token_is_live,
    tokens_of,
)
from audit.extensions import db
from audit.models import ApiToken, User

tokens_cli = AppGroup("tokens", help="API tokens (Authorization: Bearer TOKEN).")


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account with the e-mail address {email}.")
    return user


@tokens_cli.command("create")
@click.option("--user", "email", required=True, help="The account the token acts as.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help=f"RESOURCE:read or RESOURCE:write, repeatable; none = every right of the "
    f"account's role. One of: {', '.join(SCOPES)}.",
)
@click.option("--expires-days", type=int, default=None, help="Refused after this many days.")
@click.option("--name", default="Command line", show_default=True)
def create_command(
    email: str, scopes: tuple[str, ...], expires_days: int | None, name: str
) -> None:
    """Make a token; it is printed alone on the last line, once, and never shown again."""
    user = _user(email)
    try:
        made = create_token(user, name, scopes, expires_days)
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    row = made.row
    click.echo(
        f"Token {row.id} for {user.email} ({user.role.value}), scopes: "
        f"{', '.join(row.scopes) or 'every right of the role'}, expires: "
        f"{row.expires_at.date().isoformat() if row.expires_at else 'never'}. "
        "Keep it secret: it is not shown again."
    )
    click.echo(made.secret)


@tokens_cli.command("list")
@click.option("--user", "email", required=True)
@click.option("--all", "include_revoked", is_flag=True, help="Revoked tokens too.")
def list_command(email: str, include_revoked: bool) -> None:
    """The account's tokens: id, name, prefix, scopes, last use, state."""
    for row in tokens_of(_user(email), include_revoked=include_revoked):
        state = "live" if token_is_live(row) else ("revoked" if row.revoked_at else "expired")
        used = row.last_used_at.isoformat(timespec="minutes") if row.last_used_at else "never"
        click.echo(
            f"{row.id}\t{row.name}\t{row.prefix}…\t{','.join(row.scopes) or '*'}\t"
            f"last used {used}\t{state}"
        )


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int) -> None:
    """Revoke a token by its id (see ``tokens list``); it is refused from the next request."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"No token {token_id}.")
    if not revoke_token(row, row.user):
        raise click.ClickException(f"Token {token_id} was revoked already.")
    db.session.commit()
    click.echo(f"Token {token_id} ({row.name}) of {row.user.email} revoked.")
