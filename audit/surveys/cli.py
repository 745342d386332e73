"""``flask surveys link`` and ``flask surveys poster``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.group("surveys")
def surveys_cli() -> None:
    """Public customer-survey links and the cards that carry them."""


# --- links -----------------------------------------------------------------------------


@surveys_cli.command("link")
@click.argument("branch_code")
@click.option("--staff", "staff_code", help="The staff member's code: their own card's link.")
@click.option(
    "--scorecard",
    "scorecard_slug",
    help="A survey-channel scorecard's slug (default: the library's customer-survey card).",
)
@with_appcontext
def link_command(branch_code: str, staff_code: str | None, scorecard_slug: str | None) -> None:
    """Print the public survey URL of BRANCH_CODE (alone on the last line)."""
    from flask import current_app

    from audit.surveys.links import survey_url
    from audit.surveys.responses import link_records

    try:
        branch, staff, scorecard = link_records(branch_code, staff_code, scorecard_slug)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    if not current_app.config.get("APP_URL"):
        click.echo("APP_URL is not set: the link is a path, not a full address.", err=True)
    click.echo(survey_url(branch, staff, scorecard))


# --- printed cards (helper H5) ---------------------------------------------------------


@surveys_cli.command("poster")
@click.argument("branch_code", required=False)
@click.option("--region", help="Every active branch of this region (by name), in one PDF.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the PDF.",
)
@with_appcontext
def poster_command(branch_code: str | None, region: str | None, out: Path) -> None:
    """An A6 table card and an A4 poster with the survey's QR code, for BRANCH_CODE or for
    every branch of --region."""
    from audit.documents.survey_cards import SurveyCard, survey_cards_pdf
    from audit.surveys.printing import NothingToPrint, branch_run_by_code, region_run_by_name

    if bool(branch_code) == bool(region):
        raise click.UsageError("give either BRANCH_CODE or --region")
    try:
        run = branch_run_by_code(branch_code) if branch_code else region_run_by_name(region or "")
    except NothingToPrint as error:
        raise click.ClickException(str(error)) from error
    out.write_bytes(survey_cards_pdf(SurveyCard.all_of(run.cards), run.title))
    click.echo(f"{out}: {len(run.cards)} branch{'es' if len(run.cards) != 1 else ''}")
