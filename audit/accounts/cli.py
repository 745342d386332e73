"""``flask users``: accounts from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from audit.accounts.invitation_csv import invite_from_csv
from audit.accounts.invitation_mail import mail_invitations
from audit.accounts.invitations import (
    Invitation,
    InvitationError,
    invite,
    regions_named,
    staff_member_with_code,
)
from audit.accounts.mail import mail_configured
from audit.accounts.passwords import password_problem
from audit.accounts.users import AccountError, create_user
from audit.csv_files import ImportFailed
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
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise click.ClickException(problem)
    try:
        user = create_user(email=email, name=name, role=role, password=password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}.")


# --- invitations ------------------------------------------------------------------------


def mail_and_print(invitations: list[Invitation]) -> None:
    """Mail the committed invitations now (a command is no request: it may wait for the
    SMTP server, and says what it did) and print, for each, whether it went and its link."""
    sent = mail_invitations(invitations)
    if not mail_configured():
        click.echo("Mail is not set up (MAIL_SERVER): pass the links on yourself.", err=True)
    if not current_app.config.get("APP_URL"):
        click.echo("APP_URL is not set: the links are paths, not full addresses.", err=True)
    for invitation, ok in zip(invitations, sent, strict=True):
        state = "mailed to" if ok else "NOT mailed to"
        click.echo(
            f"Invitation {state} {invitation.user.email}, valid until "
            f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC:"
        )
        click.echo(invitation.url)


@users_cli.command("invite")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--region", "regions", multiple=True, help="A region name; repeat for several.")
@click.option("--staff-code", default="", help="For a staff account: the staff member's code.")
def invite_command(email: str, name: str, role: str, regions: tuple[str, ...], staff_code: str):
    """Invite someone by e-mail; prints the link it mailed (the last line)."""
    found, unknown = regions_named(regions)
    if unknown:
        raise click.ClickException(f"unknown region: {', '.join(unknown)}")
    try:
        member = staff_member_with_code(staff_code) if staff_code.strip() else None
        invitation = invite(
            email=email,
            name=name,
            role=role,
            region_ids=[r.id for r in found],
            staff_member=member,
            actor=None,
        )
    except InvitationError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    mail_and_print([invitation])


@users_cli.command("invite-csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def invite_csv_command(file: Path) -> None:
    """Invite everyone in a CSV file: name,email,role[,regions][,staff_code]; regions
    separated by ';'. All or nothing: any problem is printed as FILE:LINE: message."""
    try:
        invitations = invite_from_csv(file.read_bytes(), str(file), None)
    except ImportFailed as failure:
        db.session.rollback()
        for error in failure.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1) from None
    db.session.commit()
    mail_and_print(invitations)
    click.echo(f"{file}: {len(invitations)} invited.", err=True)
