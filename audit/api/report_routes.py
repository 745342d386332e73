"""Reports over the API: the dashboards' figures and league tables for a filter, and the
PDFs the web offers, with the web's roles and scoping.

Every view reads its filter through the dashboards' one pipeline
(:func:`audit.dashboards.selection.chosen_filter` and ``report_filter``) and takes its
figures from the very page functions the dashboards draw (:mod:`audit.dashboards.pages`),
so an API figure is the dashboard's figure. A region, branch or staff member outside
the caller's regions answers 403 and an unknown one 404, as on the pages. The branch
comparison, which the web makes as a background job when it is large, is always a job
here (POST, then GET its status, then its PDF): one way for a client to follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, url_for
from spectree import Response as SpecResponse
from spectree.utils import get_model_key
from werkzeug.wrappers import Response

from audit.access import MANAGERS, get_branch, get_staff_member, get_visit
from audit.api.auth import api_access, api_user
from audit.api.blueprint import bp
from audit.api.idempotency import idempotent
from audit.api.problems import ApiProblem, invalid
from audit.api.report_figures import (
    branch_figures,
    league_out,
    overview_figures,
    staff_figures,
)
from audit.api.report_schemas import (
    ComparisonJobCreate,
    FiguresQuery,
    LeagueOut,
    LeagueQuery,
    PeriodQuery,
    ReportFigures,
    ReportJobOut,
)
from audit.api.schemas import Problem
from audit.api.spec import COMMON_PROBLEMS, api_spec, responses
from audit.dashboards import pages
from audit.dashboards.pages import Choices
from audit.dashboards.selection import chosen_filter, report_filter
from audit.documents import branch_pdf, staff_pdf, visit_pdf
from audit.jobs.reports import JobStatus, JobStore, start_job
from audit.models import Branch, Role, User, VisitStatus
from audit.reporting import ReportFilter
from audit.reporting.periods import ALL_SCORECARDS, DashboardFilter

TAGS = ["reports"]
#: The job kind of :mod:`audit.jobs.reports` behind each report the API names.
JOB_KINDS = {"comparison": "compare"}
REPORTS = {kind: report for report, kind in JOB_KINDS.items()}


class PdfResponse(SpecResponse):
    """spectree's answers of an operation whose success is a PDF: the document says
    ``application/pdf`` (a binary string) for 200, where spectree writes only JSON."""

    def generate_spec(self, naming_strategy: Any = get_model_key) -> dict[str, Any]:
        spec = super().generate_spec(naming_strategy)
        spec["200"] = {
            "description": "The PDF, as an attachment.",
            "content": {
                "application/pdf": {
                    "schema": {"type": "string", "contentMediaType": "application/pdf"}
                }
            },
        }
        return spec


def pdf_responses(*problems: int) -> PdfResponse:
    codes: dict[str, Any] = {"HTTP_200": None}
    for code in sorted({*problems, *COMMON_PROBLEMS}):
        codes[f"HTTP_{code}"] = Problem
    return PdfResponse(**codes)


def _pdf(data: bytes, name: str) -> Response:
    return current_app.response_class(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _chosen(
    query: PeriodQuery, user: User, branch: Branch | None = None
) -> tuple[DashboardFilter, Choices]:
    """The dashboards' filter of ``query`` for ``user``; 422 naming the field for what the
    pages would have replaced with a default (an API client asked for that exact thing),
    404 / 403 for a region unknown or outside the caller's regions. A preset period ends
    today at ``branch`` (a report of one branch or staff member), else in the
    installation's zone."""
    problems = query.conflicts()
    choices = pages.filter_choices(user.region_ids)
    slug = query.scorecard
    if slug and slug != ALL_SCORECARDS and slug not in choices.scorecards:
        problems.append(
            {
                "field": "scorecard",
                "message": f"No published scorecard “{slug}”: use a published scorecard's "
                f"slug, or {ALL_SCORECARDS} for every scorecard.",
            }
        )
    if problems:
        raise invalid(problems)
    chosen, choices = chosen_filter(query.web_args(), user, branch=branch)
    if chosen.errors:  # pragma: no cover  (the schema and the checks above refuse first)
        raise invalid([{"field": "query", "message": error} for error in chosen.errors])
    return chosen, choices


# --- figures and league ----------------------------------------------------------------


@bp.get("/reports/figures")
@api_access("reports")
@api_spec.validate(query=FiguresQuery, resp=responses(200, ReportFigures, 404, 422), tags=TAGS)
def report_figures(query: FiguresQuery):
    """The figures of a dashboard page for a filter.

    Without ``branch_id`` or ``staff_id``: the overview of every region in the caller's
    scope, or of ``region_id`` (with each region's figure, the sections and the
    most-failed questions). With ``branch_id``: the branch's page (its rank in its
    region, sections against the company, recurring failures). With ``staff_id``: the
    staff member's page (against their branch, rank in it). A branch's or staff
    member's figures ignore ``region_id``, as their pages do. Every figure carries its
    n and 95% interval, every benchmark its verdict.
    """
    user = api_user()
    # Both given is a 422 (the filter's conflicts), so neither is looked up then.
    one = (query.staff_id is None) != (query.branch_id is None)
    member = get_staff_member(query.staff_id, user) if one and query.staff_id else None
    branch = get_branch(query.branch_id, user) if one and query.branch_id else None
    chosen, choices = _chosen(query, user, member.branch if member else branch)
    if member is not None:
        home = member.branch
        flt = report_filter(chosen, user, region=False, staff_id=member.id)
        return staff_figures(chosen, pages.staff_page(flt, home.id, home.code, home.name))
    if branch is not None:
        flt = report_filter(chosen, user, region=False, branch_id=branch.id)
        return branch_figures(chosen, pages.branch_page(flt))
    flt = report_filter(chosen, user)
    return overview_figures(chosen, pages.overview_page(flt, choices.regions))


@bp.get("/reports/league")
@api_access("reports")
@api_spec.validate(query=LeagueQuery, resp=responses(200, LeagueOut, 404, 422), tags=TAGS)
def report_league(query: LeagueQuery):
    """A league table for a filter: the branches of the region or scope (as on the
    overview and in its league CSV), or the staff of one branch (as on the branch page).

    Units with fewer visits than the minimum to rank are listed after the ranked ones,
    with the reason; ``versus_company`` says whether a unit's 95% interval lies wholly
    above or below the company average.
    """
    user = api_user()
    staff = query.kind == "staff"
    # Without branch_id, the filter's conflicts answer 422 first.
    branch = get_branch(query.branch_id, user) if staff and query.branch_id else None
    chosen, choices = _chosen(query, user, branch)
    if branch is not None:
        flt = report_filter(chosen, user, region=False, branch_id=branch.id)
    else:
        flt = report_filter(chosen, user)
    league, company_mean = pages.league_with_company(flt, staff=staff)
    rows = pages.league_rows(league, company_mean, choices.regions)
    return league_out(query.kind, chosen, flt, league, company_mean, rows)


# --- PDFs ------------------------------------------------------------------------------


@bp.get("/visits/<int:visit_id>/report.pdf")
@api_access("reports", roles=(Role.MANAGER, Role.STAFF))
@api_spec.validate(resp=pdf_responses(404), tags=TAGS)
def visit_report_pdf(visit_id: int):
    """A visit's report: every answer, photos, sections against targets.

    Managers: visits at branches in their regions. Staff: their own published visits,
    without the shopper's identity. A draft has no report (404).
    """
    user = api_user()
    visit = get_visit(visit_id, user)
    if visit.status is VisitStatus.DRAFT:
        raise ApiProblem(404, "There is nothing at this address.")
    return _pdf(visit_pdf(visit, user), f"visit-{visit.id}.pdf")


def _unit_pdf(
    document: Callable[[ReportFilter], bytes],
    query: PeriodQuery,
    user: User,
    name: str,
    branch: Branch,
    **unit: int,
) -> Response:
    """The PDF of one branch or staff member (``unit``, already checked against the
    caller's scope; ``branch``: the branch, or the staff member's) over the period asked
    for; ``name`` is the file's name before its filter's stamp."""
    chosen, _ = _chosen(query, user, branch)
    flt = report_filter(chosen, user, region=False, **unit)
    return _pdf(document(flt), f"{name}-{flt.stamp}.pdf")


@bp.get("/branches/<int:branch_id>/report.pdf")
@api_access("reports")
@api_spec.validate(query=PeriodQuery, resp=pdf_responses(404, 422), tags=TAGS)
def branch_report_pdf(branch_id: int, query: PeriodQuery):
    """A branch's report for a period and scorecard, as its page's PDF."""
    user = api_user()
    branch = get_branch(branch_id, user)
    return _unit_pdf(branch_pdf, query, user, f"branch-{branch.code}", branch, branch_id=branch.id)


@bp.get("/staff/<int:staff_id>/report.pdf")
@api_access("reports")
@api_spec.validate(query=PeriodQuery, resp=pdf_responses(404, 422), tags=TAGS)
def staff_report_pdf(staff_id: int, query: PeriodQuery):
    """A staff member's coaching report for a period and scorecard (no shopper named)."""
    user = api_user()
    member = get_staff_member(staff_id, user)
    return _unit_pdf(
        staff_pdf, query, user, f"coaching-{member.code}", member.branch, staff_id=member.id
    )


# --- report jobs -------------------------------------------------------------------------


def job_out(status: JobStatus) -> ReportJobOut:
    return ReportJobOut(
        id=status.id,
        report=REPORTS.get(status.kind, status.kind),
        title=status.title,
        state=status.state,
        percent=status.percent,
        message=status.message,
        error=status.error,
        created_at=status.created_at,
        finished_at=status.finished_at,
        download=url_for("api.report_job_pdf", job_id=status.id) if status.finished else None,
    )


def own_job(job_id: str, user: User) -> JobStatus:
    """A report job of ``user`` (admins: any); 404 otherwise, even for a real id, as on
    the web's job pages."""
    try:
        status = JobStore.from_app().get(job_id)
    except ValueError:
        status = None
    if status is None or (user.role is not Role.ADMIN and status.owner_id != user.id):
        raise ApiProblem(404, "There is no report job of yours with this id.")
    return status


@bp.post("/reports/jobs")
@api_access("reports", write=True, roles=MANAGERS)
@idempotent
@api_spec.validate(json=ComparisonJobCreate, resp=responses(202, ReportJobOut, 404, 422), tags=TAGS)
def create_report_job(json: ComparisonJobCreate):
    """Ask for the branch comparison PDF of a region (``region_id``) or of every region
    in scope; it is made in the background. Follow ``Location`` (the job) until its
    state is finished, then fetch ``download``. Jobs are kept for a week (accepts
    ``Idempotency-Key``: a retry answers with the same job)."""
    user = api_user()
    chosen, _ = _chosen(json, user)
    flt = report_filter(chosen, user)
    status = start_job(
        JOB_KINDS[json.report],
        user.id,
        f"Branch comparison, {flt.period_label}",
        flt,
        filename=f"comparison-{flt.stamp}.pdf",
    )
    return job_out(status), 202, {"Location": url_for("api.read_report_job", job_id=status.id)}


@bp.get("/reports/jobs/<job_id>")
@api_access("reports")
@api_spec.validate(resp=responses(200, ReportJobOut, 404), tags=TAGS)
def read_report_job(job_id: str):
    """A report job of the caller: its state and, when finished, where its PDF is."""
    return job_out(own_job(job_id, api_user()))


@bp.get("/reports/jobs/<job_id>/report.pdf")
@api_access("reports")
@api_spec.validate(resp=pdf_responses(404, 409), tags=TAGS)
def report_job_pdf(job_id: str):
    """The PDF of a finished report job of the caller (409 while it is being made)."""
    status = own_job(job_id, api_user())
    jobs = JobStore.from_app()
    if not status.finished:
        raise ApiProblem(409, f"The report is not ready: {status.state}, {status.percent}% done.")
    if not jobs.has_pdf(status.id):
        raise ApiProblem(404, "This report's PDF is no longer kept.")
    return _pdf(jobs.store.get(jobs.pdf_key(status.id)), status.filename)
