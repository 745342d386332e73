"""The customer-voice pages for managers: the company (or region) view, sharing a comment
with the staff member it names, and the printed survey cards of a branch or region.

The figures come from :mod:`audit.dashboards.voice`; records named in a URL are loaded
through the scoping guards of :mod:`audit.access` (403 outside the viewer's regions).
"""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from audit.access import MANAGERS, get_region, get_visit, roles_required
from audit.dashboards import voice
from audit.dashboards.blueprint import bp
from audit.dashboards.selection import chosen_filter, report_filter
from audit.dashboards.views import branch_by_code
from audit.documents.survey_cards import SurveyCard, survey_cards_pdf
from audit.surveys.printing import NothingToPrint, PrintRun, branch_run, region_run
from audit.surveys.sharing import SharingError, share_comment, unshare_comment
from audit.views import decide


@bp.route("/customer-voice")
@roles_required(*MANAGERS)
def customer_voice():
    """CSAT, NPS and CES by region and branch, mystery shop against NPS, trend, comments."""
    chosen, choices = chosen_filter(request.args, current_user)
    flt = report_filter(chosen, current_user)
    page = voice.company_voice(flt, voice.comment_group(request.args.get("comments")))
    return render_template(
        "reports/customer_voice.html",
        page=page,
        chosen=chosen,
        choices=choices,
        form_action=request.path,
        region_name=choices.regions.get(chosen.region_id) if chosen.region_id else None,
    )


def _back() -> str:
    """Where a share button returns: the page it was on (a path inside the app only)."""
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("reports.customer_voice")


@bp.route("/customer-voice/responses/<int:visit_id>/share", methods=["POST"])
@roles_required(*MANAGERS)
def share_response_comment(visit_id: int):
    visit = get_visit(visit_id)
    names = ", ".join(member.name for member in visit.staff)
    return decide(
        lambda: share_comment(visit, current_user),
        SharingError,
        _back(),
        gettext("The comment is shared with %(names)s.", names=names)
        if names
        else gettext("The comment is shared with the staff member."),
    )


@bp.route("/customer-voice/responses/<int:visit_id>/unshare", methods=["POST"])
@roles_required(*MANAGERS)
def unshare_response_comment(visit_id: int):
    visit = get_visit(visit_id)
    return decide(
        lambda: unshare_comment(visit, current_user),
        SharingError,
        _back(),
        gettext("The comment is no longer shared."),
    )


def _cards_pdf(run: PrintRun, name: str) -> Response:
    return Response(
        survey_cards_pdf(SurveyCard.all_of(run.cards), run.title),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/branches/<code>/survey-cards.pdf")
@roles_required(*MANAGERS)
def branch_survey_cards(code: str) -> Response:
    """The branch's A6 table card and A4 poster with its survey's QR code."""
    branch = branch_by_code(code)
    try:
        run = branch_run(branch)
    except NothingToPrint as error:
        abort(404, str(error))
    return _cards_pdf(run, f"survey-cards-{branch.code}.pdf")


@bp.route("/regions/<int:region_id>/survey-cards.pdf")
@roles_required(*MANAGERS)
def region_survey_cards(region_id: int) -> Response:
    """The cards and posters of every active branch of the region, in one PDF."""
    region = get_region(region_id)
    try:
        run = region_run(region)
    except NothingToPrint as error:
        abort(404, str(error))
    return _cards_pdf(run, f"survey-cards-region-{region.id}.pdf")
