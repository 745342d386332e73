"""Dashboard pages and CSV downloads for managers, scoped to their regions (admins see all).

Every page reads its filter (period, scorecard, region) from the query
string, so a view can be bookmarked; every record named in a URL is loaded
through the scoping guards of :mod:`audit.access` (403 outside the
viewer's regions). The figures come from :mod:`audit.dashboards.pages`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from audit.access import get_branch, get_region, get_staff_member, roles_required
from audit.dashboards import pages
from audit.dashboards.blueprint import bp
from audit.dashboards.filters import PRESETS, DashboardFilter, parse_filter
from audit.extensions import db
from audit.models import Branch, Role, StaffMember
from audit.reporting import Interval, ReportFilter
from audit.reporting.charts import format_percent
from audit.reporting.csv_export import iter_visits_csv, league_csv
from audit.reporting.visit_list import section_keys, stream_visit_rows

MANAGERS = (Role.MANAGER,)


# --------------------------------------------------------------------------- helpers


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "optional_url": optional_url,
        "pct": format_percent,
        "ci": ci_text,
        "verdict_words": pages.verdict_words,
        "PERIODS": PRESETS,
    }


def ci_text(interval: Interval | None) -> str:
    """ "95% CI 61.2%–74.0%" for a mean's interval, shown within 0–100%.

    A t interval of a few percents near 100 runs past it (93.7%–103.0%); no
    mean can, so the pages show it cut at the scale's ends. The verdicts and
    the CSV downloads use the interval as computed.
    """
    if interval is None:
        return ""
    low, high = max(0.0, interval.low), min(100.0, interval.high)
    return f"95% CI {format_percent(low)}–{format_percent(high)}"


def optional_url(endpoint: str, **values: Any) -> str | None:
    """The URL of ``endpoint`` when the app has it (PDF downloads land separately), else None."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _filters() -> tuple[DashboardFilter, pages.Choices]:
    choices = pages.filter_choices(current_user.region_ids)
    chosen = parse_filter(
        request.args,
        today=datetime.now(UTC).date(),
        scorecards=choices.scorecards,
        default_scorecard=choices.default_scorecard,
    )
    if chosen.region_id is not None:
        get_region(chosen.region_id)  # 404 unknown, 403 outside scope
    return chosen, choices


def _download_filters() -> tuple[DashboardFilter, pages.Choices]:
    """A download's filter: a file of another period than asked for is worse than none, so
    a bad value answers 400 with what was wrong (a page shows it above the figures)."""
    chosen, choices = _filters()
    if chosen.errors:
        abort(400, " ".join(chosen.errors))
    return chosen, choices


def _report_filter(chosen: DashboardFilter, **unit: int | None) -> ReportFilter:
    fields: dict[str, Any] = {
        "date_from": chosen.date_from,
        "date_to": chosen.date_to,
        "scorecard": chosen.scorecard,
        "region_id": chosen.region_id,
    }
    fields.update(unit)
    return ReportFilter.for_viewer(current_user, **fields)


def _branch(code: str) -> Branch:
    branch_id = db.session.scalar(select(Branch.id).where(Branch.code == code))
    if branch_id is None:
        abort(404)
    return get_branch(branch_id)


def _staff(code: str) -> StaffMember:
    staff_id = db.session.scalar(select(StaffMember.id).where(StaffMember.code == code))
    if staff_id is None:
        abort(404)
    return get_staff_member(staff_id)


def _csv(text: str, name: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _stamp(chosen: DashboardFilter) -> str:
    start = chosen.date_from.isoformat() if chosen.date_from else "start"
    end = chosen.date_to.isoformat() if chosen.date_to else "now"
    return f"{chosen.scorecard or 'all'}-{start}-{end}"


# --------------------------------------------------------------------------- pages


@bp.route("/")
@roles_required(*MANAGERS)
def overview():
    chosen, choices = _filters()
    page = pages.overview_page(_report_filter(chosen), choices.regions)
    return render_template(
        "reports/overview.html", page=page, chosen=chosen, choices=choices, form_action=request.path
    )


@bp.route("/regions/<int:region_id>")
@roles_required(*MANAGERS)
def region(region_id: int):
    get_region(region_id)
    chosen, choices = _filters()
    chosen = replace(chosen, region_id=region_id)
    page = pages.overview_page(_report_filter(chosen), choices.regions)
    return render_template(
        "reports/overview.html",
        page=page,
        chosen=chosen,
        choices=choices,
        form_action=url_for("reports.overview"),
    )


@bp.route("/branches/<code>")
@roles_required(*MANAGERS)
def branch(code: str):
    unit = _branch(code)
    chosen, choices = _filters()
    chosen = replace(chosen, region_id=None)
    page = pages.branch_page(_report_filter(chosen, branch_id=unit.id))
    return render_template(
        "reports/branch.html", page=page, chosen=chosen, choices=choices, branch=unit
    )


@bp.route("/staff/<code>")
@roles_required(*MANAGERS)
def staff(code: str):
    member = _staff(code)
    chosen, choices = _filters()
    chosen = replace(chosen, region_id=None)
    home = member.branch
    page = pages.staff_page(
        _report_filter(chosen, staff_id=member.id), home.id, home.code, home.name
    )
    return render_template(
        "reports/staff.html", page=page, chosen=chosen, choices=choices, member=member
    )


# --------------------------------------------------------------------------- CSV


@bp.route("/league.csv")
@roles_required(*MANAGERS)
def league_download():
    """The branch league of the overview (or region) filter, ranked and unranked."""
    chosen, choices = _download_filters()
    league, company = pages.league_with_company(_report_filter(chosen))
    text = league_csv(league, company_mean=company, region_names=choices.regions)
    return _csv(text, f"branch-league-{_stamp(chosen)}.csv")


@bp.route("/branches/<code>/staff.csv")
@roles_required(*MANAGERS)
def staff_league_download(code: str):
    unit = _branch(code)
    chosen, choices = _download_filters()
    flt = _report_filter(replace(chosen, region_id=None), branch_id=unit.id)
    league, company = pages.league_with_company(flt, staff=True)
    text = league_csv(league, company_mean=company, region_names=choices.regions)
    return _csv(text, f"staff-league-{unit.code}-{_stamp(chosen)}.csv")


@bp.route("/visits.csv")
@roles_required(*MANAGERS)
def visits_download():
    """The visits behind any page: the page's filter plus ``branch`` or ``staff`` (codes)."""
    chosen, _ = _download_filters()
    unit: dict[str, int | None] = {}
    name = "visits"
    if code := request.args.get("staff", "").strip():
        member = _staff(code)
        unit["staff_id"] = member.id
        chosen = replace(chosen, region_id=None)
        name = f"visits-staff-{member.code}"
    elif code := request.args.get("branch", "").strip():
        unit["branch_id"] = _branch(code).id
        chosen = replace(chosen, region_id=None)
        name = f"visits-branch-{code}"
    elif chosen.region_id is not None:
        name = f"visits-region-{chosen.region_id}"
    flt = _report_filter(chosen, **unit)
    # Rows are streamed from the database and written as they come, so memory holds the
    # CSV text only (13.7 MB for 100,000 visits), never the visits. The text is built
    # before the response is returned: a generator response would outlive the request's
    # context and the database session it reads through.
    text = "".join(iter_visits_csv(stream_visit_rows(flt), section_keys(flt)))
    return _csv(text, f"{name}-{_stamp(chosen)}.csv")
