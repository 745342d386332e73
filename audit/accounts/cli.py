"""``flask users``: accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from audit.accounts.users import AccountError, create_user
from audit.extensions import db
from audit.models import Role

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when not given.",
)
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create an account."""
    if len(password) < 8:
        raise click.ClickException("the password must have at least 8 characters")
    try:
        user = create_user(email=email, name=name, role=role, password=password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}.")
