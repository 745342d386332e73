"""PDF downloads and background report jobs (views only; the PDFs come from
:mod:`audit.documents`, the jobs from :mod:`audit.jobs.reports`).

A branch's, a staff member's and a comparison's PDF are made by a report job (on the
worker hosts when Redis is set); the download waits for it up to
``REPORT_WAIT_SECONDS`` and answers with the PDF, or, when it takes longer, sends the
browser to the job's progress page. A comparison over more than
``REPORT_JOB_MIN_BRANCHES`` branches goes to that page at once. A visit's report is
drawn in its request: one visit, and staff may download theirs.

Every download reads the same filter as the dashboards (period or from/to,
scorecard, region; see :mod:`audit.reporting.periods`), so the PDF linked from a
page shows that page's figures. Records named in a URL are loaded through
the scoping guards of :mod:`audit.access`: a manager outside their regions
gets 403, and the comparison covers only their regions. Staff may download
the report of their own published visit, without the shopper's identity.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, select

from audit.access import MANAGERS, get_visit, roles_required
from audit.dashboards.blueprint import bp
from audit.dashboards.selection import chosen_filter, report_filter
from audit.dashboards.views import branch_by_code, staff_by_code
from audit.documents import visit_pdf
from audit.extensions import db
from audit.jobs.reports import JobStatus, JobStore, start_job, wait_briefly
from audit.models import Branch, Role, VisitStatus
from audit.reporting import ReportFilter
from audit.reporting.periods import DashboardFilter
from audit.reporting.sql import branch_conditions
from audit.storage.serving import send_stored


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _chosen(branch: Branch | None = None) -> DashboardFilter:
    return chosen_filter(request.args, current_user, strict=True, branch=branch)[0]


def _by_job(kind: str, title: str, flt: ReportFilter, filename: str, wait: bool = True) -> Any:
    """Start a report job for the PDF; the PDF itself if the job ends within
    ``REPORT_WAIT_SECONDS`` (``wait``), else a redirect to its progress page."""
    status = start_job(kind, current_user.id, title, flt, filename=filename)
    if wait:
        done = wait_briefly(status.id, current_app.config["REPORT_WAIT_SECONDS"])
        if done is not None and done.finished:
            jobs = JobStore.from_app()
            return _pdf(jobs.store.get(jobs.pdf_key(done.id)), filename)
    return redirect(url_for("reports.report_job", job_id=status.id))


def _unit_pdf(kind: str, name: str, label: str, branch: Branch, **unit: int) -> Response:
    """The PDF of one branch or staff member (``unit``; ``branch``: the branch, or the
    staff member's) over the chosen filter; the region chosen elsewhere does not narrow
    it. ``name`` is the file's name before its stamp, ``label`` the job's title."""
    flt = report_filter(_chosen(branch), current_user, region=False, **unit)
    title = gettext("%(report)s, %(period)s", report=label, period=flt.period_label)
    return _by_job(kind, title, flt, f"{name}-{flt.stamp}.pdf")


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
    branch = branch_by_code(code)
    label = gettext("Branch %(name)s (%(code)s)", name=branch.name, code=branch.code)
    return _unit_pdf("branch", f"branch-{branch.code}", label, branch, branch_id=branch.id)


@bp.route("/staff/<code>.pdf", endpoint="staff_pdf")
@roles_required(*MANAGERS)
def staff_pdf_download(code: str) -> Response:
    member = staff_by_code(code)
    label = gettext("Coaching report, %(name)s", name=member.name)
    name = f"coaching-{member.code}"
    return _unit_pdf("staff", name, label, member.branch, staff_id=member.id)


def branch_count(flt: ReportFilter) -> int:
    """Active branches a comparison over ``flt`` lists (one query)."""
    return db.session.scalar(
        select(func.count(Branch.id)).where(Branch.active.is_(True), *branch_conditions(flt))
    )


@bp.route("/compare.pdf", endpoint="compare_pdf")
@roles_required(*MANAGERS)
def compare_pdf_download() -> Response:
    flt = report_filter(_chosen(), current_user)
    name = f"comparison-{flt.stamp}.pdf"
    title = gettext("Branch comparison, %(period)s", period=flt.period_label)
    few = branch_count(flt) <= current_app.config["REPORT_JOB_MIN_BRANCHES"]
    return _by_job("compare", title, flt, name, wait=few)


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
    jobs = JobStore.from_app()
    if not status.finished or not jobs.has_pdf(status.id):
        abort(404)
    return send_stored(
        jobs.pdf_key(status.id),
        "application/pdf",
        download_name=status.filename,
        cache_control="private, no-store",
    )
