"""Dashboard pages and CSV downloads for managers, scoped to their regions (admins see all).

Every page reads its filter (period, scorecard, region) from the query
string, so a view can be bookmarked; every record named in a URL is loaded
through the scoping guards of :mod:`audit.access` (403 outside the
viewer's regions). The figures come from :mod:`audit.dashboards.pages`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from audit.access import MANAGERS, get_branch, get_region, get_staff_member, roles_required
from audit.dashboards import pages, voice
from audit.dashboards.blueprint import bp
from audit.dashboards.pages import Choices
from audit.dashboards.selection import chosen_filter, report_filter
from audit.extensions import db
from audit.models import Branch, StaffMember
from audit.reporting.csv_export import iter_visits_csv, league_csv
from audit.reporting.periods import PRESETS, DashboardFilter
from audit.reporting.visit_list import section_keys, stream_visit_rows

# --------------------------------------------------------------------------- helpers


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "optional_url": optional_url,
        "verdict_words": pages.verdict_words,
        "PERIODS": PRESETS,
    }


def optional_url(endpoint: str, **values: Any) -> str | None:
    """The URL of ``endpoint`` when the app has it (PDF downloads land separately), else None."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _id_by_code(model: type[Branch] | type[StaffMember], code: str) -> int:
    found = db.session.scalar(select(model.id).where(model.code == code))
    if found is None:
        abort(404)
    return found


def branch_by_code(code: str) -> Branch:
    """The branch a URL names by its code: 404 when there is none, 403 outside the scope."""
    return get_branch(_id_by_code(Branch, code))


def staff_by_code(code: str) -> StaffMember:
    """The staff member a URL names by their code: 404 when there is none, 403 outside."""
    return get_staff_member(_id_by_code(StaffMember, code))


def _unit_filter(branch: Branch) -> tuple[DashboardFilter, Choices]:
    """The filter of one branch's or one staff member's page (``branch``: theirs, whose
    today ends a preset period): a region chosen on another page does not narrow it."""
    chosen, choices = chosen_filter(request.args, current_user, branch=branch)
    return replace(chosen, region_id=None), choices


def _csv(text: str, name: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --------------------------------------------------------------------------- pages


@bp.route("/")
@roles_required(*MANAGERS)
def overview():
    chosen, choices = chosen_filter(request.args, current_user)
    page = pages.overview_page(report_filter(chosen, current_user), choices.regions)
    return render_template(
        "reports/overview.html", page=page, chosen=chosen, choices=choices, form_action=request.path
    )


@bp.route("/regions/<int:region_id>")
@roles_required(*MANAGERS)
def region(region_id: int):
    get_region(region_id)
    chosen, choices = chosen_filter(request.args, current_user)
    chosen = replace(chosen, region_id=region_id)
    page = pages.overview_page(report_filter(chosen, current_user), choices.regions)
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
    unit = branch_by_code(code)
    chosen, choices = _unit_filter(unit)
    flt = report_filter(chosen, current_user, branch_id=unit.id)
    page = pages.branch_page(flt)
    group = voice.comment_group(request.args.get("comments"))
    customer = voice.branch_voice(flt, unit.region_id, unit.region.name, group)
    return render_template(
        "reports/branch.html",
        page=page,
        chosen=chosen,
        choices=choices,
        branch=unit,
        customer=customer,
    )


@bp.route("/staff/<code>")
@roles_required(*MANAGERS)
def staff(code: str):
    member = staff_by_code(code)
    home = member.branch
    chosen, choices = _unit_filter(home)
    flt = report_filter(chosen, current_user, staff_id=member.id)
    page = pages.staff_page(flt, home.id, home.code, home.name)
    customer = voice.staff_voice(flt, voice.comment_group(request.args.get("comments")))
    return render_template(
        "reports/staff.html",
        page=page,
        chosen=chosen,
        choices=choices,
        member=member,
        customer=customer,
    )


# --------------------------------------------------------------------------- CSV


@bp.route("/league.csv")
@roles_required(*MANAGERS)
def league_download():
    """The branch league of the overview (or region) filter, ranked and unranked."""
    chosen, choices = chosen_filter(request.args, current_user, strict=True)
    league, company = pages.league_with_company(report_filter(chosen, current_user))
    text = league_csv(league, company_mean=company, region_names=choices.regions)
    return _csv(text, f"branch-league-{chosen.stamp}.csv")


@bp.route("/branches/<code>/staff.csv")
@roles_required(*MANAGERS)
def staff_league_download(code: str):
    unit = branch_by_code(code)
    chosen, choices = chosen_filter(request.args, current_user, strict=True, branch=unit)
    flt = report_filter(chosen, current_user, region=False, branch_id=unit.id)
    league, company = pages.league_with_company(flt, staff=True)
    text = league_csv(league, company_mean=company, region_names=choices.regions)
    return _csv(text, f"staff-league-{unit.code}-{chosen.stamp}.csv")


@bp.route("/visits.csv")
@roles_required(*MANAGERS)
def visits_download():
    """The visits behind any page: the page's filter plus ``branch`` or ``staff`` (codes)."""
    unit: dict[str, int | None] = {}
    home: Branch | None = None  # the one branch of the visits, whose today ends the period
    name = "visits"
    if code := request.args.get("staff", "").strip():
        member = staff_by_code(code)
        unit["staff_id"], home = member.id, member.branch
        name = f"visits-staff-{member.code}"
    elif code := request.args.get("branch", "").strip():
        home = branch_by_code(code)
        unit["branch_id"] = home.id
        name = f"visits-branch-{code}"
    chosen, _ = chosen_filter(request.args, current_user, strict=True, branch=home)
    if unit:
        chosen = replace(chosen, region_id=None)
    elif chosen.region_id is not None:
        name = f"visits-region-{chosen.region_id}"
    flt = report_filter(chosen, current_user, **unit)
    # Rows are streamed from the database and written as they come, so memory holds the
    # CSV text only (13.7 MB for 100,000 visits), never the visits. The text is built
    # before the response is returned: a generator response would outlive the request's
    # context and the database session it reads through.
    text = "".join(iter_visits_csv(stream_visit_rows(flt), section_keys(flt)))
    return _csv(text, f"{name}-{chosen.stamp}.csv")
