"""``flask trust report`` and ``flask trust compute``."""

from __future__ import annotations

import json
from datetime import date, datetime

import click

from audit.extensions import db
from audit.trust.leniency import shopper_leniency
from audit.trust.service import compute_visit_signals, report_visits, visits_to_compute

_DATE = click.DateTime(["%Y-%m-%d"])


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _period(
    date_from: datetime | None, date_to: datetime | None
) -> tuple[date | None, date | None]:
    start, end = _day(date_from), _day(date_to)
    if start and end and start > end:
        raise click.BadParameter("the period ends before it starts", param_hint="'--to'")
    return start, end


@click.group("trust")
def trust_cli() -> None:
    """Signals across visits and shopper leniency."""


@trust_cli.command("report")
@click.option("--from", "date_from", type=_DATE, help="First visit day, YYYY-MM-DD.")
@click.option("--to", "date_to", type=_DATE, help="Last visit day, YYYY-MM-DD.")
@click.option("--format", "output", type=click.Choice(["json"]), default="json", show_default=True)
def report(date_from: datetime | None, date_to: datetime | None, output: str) -> None:
    """Signals of approved and published visits, and every shopper's leniency.

    \b
    {"visits": [{"id", "external_id", "signals": [{"kind", "level", "detail"}]}],
     "shoppers": [{"email", "visits", "leniency", "ci_low", "ci_high", "flagged"}]}

    Visits without signals are left out; leniency and its 95% interval are in
    percentage points of the visit score (null where it cannot be estimated).
    """
    start, end = _period(date_from, date_to)
    shoppers = [
        {
            "email": row.email,
            "visits": row.visits,
            "leniency": row.leniency,
            "ci_low": row.ci_low,
            "ci_high": row.ci_high,
            "flagged": row.flagged,
        }
        for row in shopper_leniency(start, end)
    ]
    click.echo(json.dumps({"visits": report_visits(start, end), "shoppers": shoppers}, indent=2))


@trust_cli.command("compute")
@click.option("--from", "date_from", type=_DATE, help="First visit day, YYYY-MM-DD.")
@click.option("--to", "date_to", type=_DATE, help="Last visit day, YYYY-MM-DD.")
def compute(date_from: datetime | None, date_to: datetime | None) -> None:
    """Compute the signals of sent visits again, here and now (visits sent before the
    signals existed, or after opening hours or the travel speed changed)."""
    ids = visits_to_compute(*_period(date_from, date_to))
    found = compute_visit_signals(ids)
    db.session.commit()
    click.echo(f"{len(ids)} visits checked, {found} signals stored.")
