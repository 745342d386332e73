"""The one filter pipeline: what a dashboard, a CSV, a PDF download or ``flask report``
was asked to show, read, checked and turned into a :class:`ReportFilter`.

- :func:`chosen_filter` reads the query string (:func:`parse_filter`: period, dates,
  scorecard, region by id or by name) against the scorecards and regions the user may
  choose, and checks the region against their scope (404 unknown, 403 outside it).
  A page shows what was wrong above its figures; a download (``strict``) answers 400
  with it, since a file of another period than asked for is worse than none.
- :func:`report_filter` adds the unit (branch, staff member) and the viewer's scope.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import abort
from flask_babel import gettext
from sqlalchemy import select

from audit.access import get_region
from audit.dashboards.pages import Choices, filter_choices
from audit.extensions import db
from audit.models import Branch, Region, User
from audit.org.timezones import today_in, zone_for
from audit.reporting import ReportFilter
from audit.reporting.periods import DashboardFilter, parse_filter


def chosen_filter(
    args: Mapping[str, str], user: User, *, strict: bool = False, branch: Branch | None = None
) -> tuple[DashboardFilter, Choices]:
    """The filter asked for in ``args``, for ``user``; with the choices it was read against.

    A preset period ("last 3 months") ends today at ``branch`` when the report is of one
    branch (or of a staff member: their branch), else today in the installation's zone.
    """
    values = dict(args.items())
    region = values.get("region", "").strip()
    if region and not region.isdigit():  # downloads and scripts may name the region
        region_id = db.session.scalar(select(Region.id).where(Region.name == region))
        if region_id is None:
            abort(404, gettext("There is no region “%(region)s”.", region=region))
        values["region"] = str(region_id)
    choices = filter_choices(user.region_ids)
    chosen = parse_filter(
        values,
        today=today_in(zone_for(branch)),
        scorecards=choices.scorecards,
        default_scorecard=choices.default_scorecard,
    )
    if strict and chosen.errors:
        abort(400, " ".join(chosen.errors))
    if chosen.region_id is not None:
        get_region(chosen.region_id, user)  # 404 unknown, 403 outside the user's scope
    return chosen, choices


def report_filter(
    chosen: DashboardFilter, user: User, *, region: bool = True, **unit: int | None
) -> ReportFilter:
    """The reporting filter of ``chosen`` for ``user``; ``unit`` names a branch or staff
    member (whose page ignores the region), ``region=False`` drops the region."""
    return ReportFilter.for_viewer(
        user,
        date_from=chosen.date_from,
        date_to=chosen.date_to,
        scorecard=chosen.scorecard,
        region_id=chosen.region_id if region else None,
        **unit,
    )
