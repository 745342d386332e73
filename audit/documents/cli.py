"""``flask report``: PDF reports from the command line, and the reporting rollups (the
worker that runs report jobs joins the group from :mod:`audit.jobs.cli`).

    flask --app wsgi report visit 42 --out visit.pdf
    flask --app wsgi report branch LDS01 --scorecard branch-visit \
        --from 2026-01-01 --to 2026-03-31 --out leeds.pdf
    flask --app wsgi report staff S0051 --out coaching.pdf
    flask --app wsgi report compare --region North --out north.pdf
    flask --app wsgi report worker            # runs report jobs queued on REDIS_URL
    flask --app wsgi report rebuild-rollups   # after loading data behind the app's back

The command line acts as an administrator: every region, and the visit
report with the shopper's identity.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select

from audit.extensions import db
from audit.models import Branch, Region, Scorecard, StaffMember, Visit, VisitStatus
from audit.reporting import ReportFilter
from audit.reporting.periods import parse_filter
from audit.reporting.rollups import rebuild_rollups

report_cli = AppGroup("report", help="PDF reports, report jobs and the reporting rollups.")

_DATE = click.DateTime(["%Y-%m-%d"])


def _options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Where to write the PDF.",
    )(command)
    command = click.option("--to", "date_to", type=_DATE, help="Last day, YYYY-MM-DD.")(command)
    command = click.option("--from", "date_from", type=_DATE, help="First day, YYYY-MM-DD.")(
        command
    )
    command = click.option("--scorecard", help="Only visits of this scorecard (slug).")(command)
    return command


def _filter(
    scorecard: str | None, date_from: datetime | None, date_to: datetime | None, **unit: Any
) -> ReportFilter:
    """The options read by the same rules as a dashboard's query string (dates in range,
    a scorecard that exists); the command line sees every region."""
    if date_from and date_to and date_from > date_to:
        raise click.ClickException("the period ends before it starts")
    args = {"period": "custom" if date_from or date_to else "all", "scorecard": scorecard or "all"}
    args |= {k: v.date().isoformat() for k, v in (("from", date_from), ("to", date_to)) if v}
    slugs = dict(db.session.execute(select(Scorecard.slug, Scorecard.title)).tuples().all())
    chosen = parse_filter(
        args, today=datetime.now(UTC).date(), scorecards=slugs, default_scorecard=None
    )
    if scorecard is not None and scorecard not in slugs:
        raise click.ClickException(f"there is no scorecard '{scorecard}'")
    if chosen.errors:
        raise click.ClickException(" ".join(chosen.errors))
    return ReportFilter(
        date_from=chosen.date_from, date_to=chosen.date_to, scorecard=chosen.scorecard, **unit
    )


def _write(out: Path, data: bytes) -> None:
    try:
        out.write_bytes(data)
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror}") from None
    click.echo(f"Wrote {out} ({len(data) // 1024} KB).")


@report_cli.command("visit")
@click.argument("visit_id", type=int)
@_options
def visit_command(visit_id: int, scorecard: str | None, date_from, date_to, out: Path) -> None:  # noqa: ANN001
    """The report of one visit (every answer, photos, sections, review history)."""
    from audit.documents import visit_pdf

    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.status is VisitStatus.DRAFT:
        raise click.ClickException(f"there is no submitted visit {visit_id}")
    flt = _filter(scorecard, date_from, date_to)
    if flt.scorecard is not None and visit.scorecard.slug != flt.scorecard:
        raise click.ClickException(f"visit {visit_id} is not a '{flt.scorecard}' visit")
    day = date.fromisoformat(visit.local_day)  # the branch's day, as reports count it
    if (flt.date_from and day < flt.date_from) or (flt.date_to and day > flt.date_to):
        raise click.ClickException(f"visit {visit_id} was on {day}, outside the period")
    _write(out, visit_pdf(visit, None))


def _id_by_code(model: type[Branch] | type[StaffMember], code: str, noun: str) -> int:
    found = db.session.scalar(select(model.id).where(model.code == code))
    if found is None:
        raise click.ClickException(f"there is no {noun} with code '{code}'")
    return found


@report_cli.command("branch")
@click.argument("code")
@_options
def branch_command(code: str, scorecard: str | None, date_from, date_to, out: Path) -> None:  # noqa: ANN001
    """The report of one branch (by its code)."""
    from audit.documents import branch_pdf

    branch_id = _id_by_code(Branch, code, "branch")
    _write(out, branch_pdf(_filter(scorecard, date_from, date_to, branch_id=branch_id)))


@report_cli.command("staff")
@click.argument("code")
@_options
def staff_command(code: str, scorecard: str | None, date_from, date_to, out: Path) -> None:  # noqa: ANN001
    """The coaching report of one staff member (by their code), without shopper identity."""
    from audit.documents import staff_pdf

    staff_id = _id_by_code(StaffMember, code, "staff member")
    _write(out, staff_pdf(_filter(scorecard, date_from, date_to, staff_id=staff_id)))


@report_cli.command("compare")
@click.option("--region", help="Region name (default: every branch).")
@_options
def compare_command(
    region: str | None,
    scorecard: str | None,
    date_from,  # noqa: ANN001
    date_to,  # noqa: ANN001
    out: Path,
) -> None:
    """League table and section heatmap of a region's branches, or of every branch."""
    from audit.documents import compare_pdf

    region_id = None
    if region is not None:
        region_id = db.session.scalar(select(Region.id).where(Region.name == region))
        if region_id is None:
            names = ", ".join(db.session.scalars(select(Region.name).order_by(Region.name)))
            raise click.ClickException(f"there is no region '{region}' (regions: {names})")

    def progress(done: int, total: int, message: str) -> None:
        click.echo(f"  [{done}/{total}] {message}", err=True)

    _write(out, compare_pdf(_filter(scorecard, date_from, date_to, region_id=region_id), progress))


@report_cli.command("rebuild-rollups")
def rebuild_rollups_command() -> None:
    """Recompute every reporting rollup from the visits (after loading data behind the app)."""
    rebuild_rollups()
    db.session.commit()
    click.echo("Reporting rollups rebuilt.")
