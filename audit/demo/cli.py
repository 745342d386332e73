"""``flask demo``: a realistic organisation for an empty database, and its logins."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from audit.demo.load import (
    ACTIVITY_COUNTS,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DemoRefused,
    database_has_data,
    load_demo,
)
from audit.extensions import db
from audit.models import User


@click.command("demo")
@with_appcontext
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing (and succeed) when the database already holds data.",
)
def demo_command(if_empty: bool) -> None:
    """Fill an empty database with a realistic demo organisation."""
    if if_empty and database_has_data():
        click.echo("The database already holds data; demo data not loaded again.")
        _print_demo_logins()
        return
    try:
        counts = load_demo()
    except DemoRefused as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    activity = {what: counts.pop(what) for what in ACTIVITY_COUNTS if what in counts}
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    click.echo(f"Demo data loaded: {summary}.")
    if activity:
        summary = ", ".join(f"{n} {what}" for what, n in activity.items())
        click.echo(f"Demo activity: {summary}.")
    _print_demo_logins()


def _print_demo_logins() -> None:
    emails = [login.email for login in DEMO_LOGINS]
    present = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    if not present:
        return
    click.echo(f"Demo logins (password '{DEMO_PASSWORD}'):")
    for login in DEMO_LOGINS:
        if login.email in present:
            click.echo(f"  {login.email:<22} {login.note}")
