"""PDF downloads and background report jobs (views only; the PDFs come from
:mod:`audit.documents`, the jobs from :mod:`audit.jobs.reports`).

Every download reads the same filter as the dashboards (period or from/to,
scorecard, region; see :mod:`audit.dashboards.filters`), so the PDF linked from a
page shows that page's figures. Records named in a URL are loaded through
the scoping guards of :mod:`audit.access`: a manager outside their regions
gets 403, and the comparison covers only their regions. Staff may download
the report of their own published visit, without the shopper's identity.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from audit.access import get_branch, get_region, get_staff_member, get_visit, roles_required
from audit.dashboards import pages
from audit.dashboards.blueprint import bp
from audit.dashboards.filters import DashboardFilter, parse_filter
from audit.documents import branch_pdf, compare_pdf, staff_pdf, visit_pdf
from audit.documents.common import period_label
from audit.extensions import db
from audit.jobs.reports import JobStatus, JobStore, start_job
from audit.models import Branch, Region, Role, StaffMember, VisitStatus
from audit.reporting import ReportFilter
from audit.reporting.sql import branch_conditions

MANAGERS = (Role.MANAGER,)
#: A comparison over more branches than this is made by a background job.
DEFAULT_JOB_MIN_BRANCHES = 40


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _chosen() -> DashboardFilter:
    """The dashboards' filter from the query string; a region may be given by name too."""
    args: dict[str, str] = dict(request.args.items())
    region = args.get("region", "").strip()
    if region and not region.isdigit():
        region_id = db.session.scalar(select(Region.id).where(Region.name == region))
        if region_id is None:
            abort(404, f"There is no region “{region}”.")
        args["region"] = str(region_id)
    choices = pages.filter_choices(current_user.region_ids)
    chosen = parse_filter(
        args,
        today=datetime.now(UTC).date(),
        scorecards=choices.scorecards,
        default_scorecard=choices.default_scorecard,
    )
    if chosen.errors:
        abort(400, " ".join(chosen.errors))
    if chosen.region_id is not None:
        get_region(chosen.region_id)  # 404 unknown, 403 outside scope
    return chosen


def _filter(chosen: DashboardFilter, **unit: Any) -> ReportFilter:
    return ReportFilter.for_viewer(
        current_user,
        date_from=chosen.date_from,
        date_to=chosen.date_to,
        scorecard=chosen.scorecard,
        **unit,
    )


def _stamp(flt: ReportFilter) -> str:
    start = flt.date_from.isoformat() if flt.date_from else "start"
    end = flt.date_to.isoformat() if flt.date_to else "now"
    return f"{flt.scorecard or 'all'}-{start}-{end}"


def _by_code(model: type[Branch] | type[StaffMember], code: str) -> int:
    found = db.session.scalar(select(model.id).where(model.code == code))
    if found is None:
        abort(404)
    return found


@bp.route("/visits/<int:visit_id>.pdf", endpoint="visit_pdf")
@roles_required(Role.MANAGER, Role.STAFF)
def visit_pdf_download(visit_id: int) -> Response:
    visit = get_visit(visit_id)  # staff: only their own published visits
    if visit.status is VisitStatus.DRAFT:
        abort(404)
    return _pdf(visit_pdf(visit, current_user), f"visit-{visit.id}.pdf")


@bp.route("/branches/<code>.pdf", endpoint="branch_pdf")
@roles_required(*MANAGERS)
def branch_pdf_download(code: str) -> Response:
    branch = get_branch(_by_code(Branch, code))
    flt = _filter(_chosen(), branch_id=branch.id)
    return _pdf(branch_pdf(flt), f"branch-{branch.code}-{_stamp(flt)}.pdf")


@bp.route("/staff/<code>.pdf", endpoint="staff_pdf")
@roles_required(*MANAGERS)
def staff_pdf_download(code: str) -> Response:
    member = get_staff_member(_by_code(StaffMember, code))
    flt = _filter(_chosen(), staff_id=member.id)
    return _pdf(staff_pdf(flt), f"coaching-{member.code}-{_stamp(flt)}.pdf")


def branch_count(flt: ReportFilter) -> int:
    """Active branches a comparison over ``flt`` lists (one query)."""
    return db.session.scalar(
        select(func.count(Branch.id)).where(Branch.active.is_(True), *branch_conditions(flt))
    )


@bp.route("/compare.pdf", endpoint="compare_pdf")
@roles_required(*MANAGERS)
def compare_pdf_download() -> Response:
    chosen = _chosen()
    flt = _filter(chosen, region_id=chosen.region_id)
    name = f"comparison-{_stamp(flt)}.pdf"
    limit = int(
        current_app.config.get("REPORT_JOB_MIN_BRANCHES")
        or os.environ.get("REPORT_JOB_MIN_BRANCHES")
        or DEFAULT_JOB_MIN_BRANCHES
    )
    if branch_count(flt) <= limit:
        return _pdf(compare_pdf(flt), name)
    title = f"Branch comparison, {period_label(flt)}"
    status = start_job("compare", current_user.id, title, flt, filename=name)
    return redirect(url_for("reports.report_job", job_id=status.id))  # type: ignore[return-value]


# --- background jobs -----------------------------------------------------------------


def _own_job(job_id: str) -> JobStatus:
    """A job of the signed-in user (admins: any); 404 otherwise, even for a real id."""
    try:
        status = JobStore.from_app().get(job_id)
    except ValueError:
        status = None
    if status is None:
        abort(404)
    if current_user.role is not Role.ADMIN and status.owner_id != current_user.id:
        abort(404)
    return status


@bp.route("/jobs/<job_id>")
@roles_required(*MANAGERS)
def report_job(job_id: str) -> str:
    status = _own_job(job_id)
    return render_template("reports/report_job.html", job=status)


@bp.route("/jobs/<job_id>.json")
@roles_required(*MANAGERS)
def report_job_status(job_id: str) -> dict[str, Any]:
    status = _own_job(job_id)
    data = status.public()
    if status.finished:
        data["download"] = url_for("reports.report_job_download", job_id=status.id)
    return data


@bp.route("/jobs/<job_id>/report.pdf")
@roles_required(*MANAGERS)
def report_job_download(job_id: str) -> Response:
    status = _own_job(job_id)
    path = JobStore.from_app().pdf_path(status.id)
    if not status.finished or not path.is_file():
        abort(404)
    return _pdf(path.read_bytes(), status.filename)
