"""Appeals over the API: the appeals area's forms, service and guard. A manager in scope
or the staff member named on a published visit raises one; a reviewer in scope (not the
appellant, not the author of the decision appealed) upholds or amends it, an amendment
re-scoring the visit through the appeal service as on the web.

Creates and one-time decisions accept ``Idempotency-Key``: a retry of a request that
worked gets its first answer again instead of a second record or a 409.
"""

from __future__ import annotations

from flask import url_for

from audit.access import get_visit
from audit.api.auth import api_access, api_user
from audit.api.blueprint import bp
from audit.api.followup_schemas import (
    AppealCreate,
    AppealDecision,
    AppealOut,
    AppealPage,
    AppealQuery,
    appeal_out,
)
from audit.api.form_input import as_formdata, form_kwargs, validated
from audit.api.idempotency import idempotent
from audit.api.pagination import page_of
from audit.api.problems import invalid
from audit.api.refusals import refusal, sent_record
from audit.api.spec import api_spec, responses
from audit.appeals import service
from audit.appeals.forms import AmendForm, AppealForm, UpholdForm
from audit.appeals.routes import APPELLANTS, REVIEWERS, get_appeal
from audit.appeals.service import AppealError
from audit.models import Appeal, Visit

TAGS = ["appeals"]


def _appealable_visit(visit_id: int) -> Visit:
    """The visit named in the body, when the caller may appeal it now; else 422 naming
    ``visit_id``."""
    user = api_user()
    visit = sent_record(get_visit, visit_id, "visit_id", "visit", user)
    if not service.may_appeal_visit(visit, user):
        message = f"There is no visit {visit_id} you may appeal."
    elif not service.window_open(visit):
        message = "This visit cannot be appealed: only published visits, within the window."
    else:
        return visit
    raise invalid([{"field": "visit_id", "message": message}])


@bp.get("/appeals")
@api_access("appeals", roles=APPELLANTS)
@api_spec.validate(query=AppealQuery, resp=responses(200, AppealPage, 422), tags=TAGS)
def list_appeals(query: AppealQuery):
    """Appeals: a manager's of visits in their regions, a staff member's own, a page at a
    time (``status`` open by default)."""
    rows = service.list_query(api_user(), query.status).order_by(None)
    if query.visit_id is not None:
        rows = rows.where(Appeal.visit_id == query.visit_id)
    items, next_cursor = page_of(rows, Appeal.id, query.limit, query.cursor)
    return AppealPage(items=[appeal_out(a) for a in items], next_cursor=next_cursor)


@bp.get("/appeals/<int:appeal_id>")
@api_access("appeals", roles=APPELLANTS)
@api_spec.validate(resp=responses(200, AppealOut, 404), tags=TAGS)
def read_appeal(appeal_id: int):
    """One appeal, with the change an amendment made."""
    return appeal_out(get_appeal(appeal_id, api_user()))


@bp.post("/appeals")
@api_access("appeals", write=True, roles=APPELLANTS)
@idempotent
@api_spec.validate(json=AppealCreate, resp=responses(201, AppealOut, 409, 422), tags=TAGS)
def raise_appeal(json: AppealCreate):
    """Dispute an answer that lost points on a published visit, within the appeal window
    (accepts ``Idempotency-Key``). The reviewers responsible for the branch are told."""
    user = api_user()
    visit = _appealable_visit(json.visit_id)
    disputable = {a.key: a for _, answers in service.disputable_answers(visit) for a in answers}
    values = {"question_key": json.question_key, "reason": json.reason}
    form = AppealForm(formdata=as_formdata(values), **form_kwargs())
    form.question_key.choices = [(key, a.question.text) for key, a in disputable.items()]
    validated(form, {})
    chosen = disputable[form.question_key.data]
    try:
        requested = service.check_requested(chosen.question, json.requested_value, chosen.current)
        appeal = service.raise_appeal(visit, chosen.key, user, form.reason.data, requested)
    except AppealError as error:
        # As on the appeal form, a refusal no field owns goes beside the answer chosen.
        raise refusal(error, fallback="question_key") from None
    location = url_for("api.read_appeal", appeal_id=appeal.id)
    return appeal_out(appeal), 201, {"Location": location}


@bp.post("/appeals/<int:appeal_id>/decision")
@api_access("appeals", write=True, roles=REVIEWERS)
@idempotent
@api_spec.validate(json=AppealDecision, resp=responses(200, AppealOut, 404, 409, 422), tags=TAGS)
def decide_appeal(appeal_id: int, json: AppealDecision):
    """Decide an open appeal: ``uphold`` (the answer stands) or ``amend`` (the answer
    becomes ``value``, the visit is re-scored and the change recorded)."""
    user = api_user()
    appeal = get_appeal(appeal_id, user)
    try:
        if json.decision == "uphold":
            form = UpholdForm(formdata=as_formdata({"note": json.note}), **form_kwargs())
            service.uphold(appeal, user, validated(form, {}).note.data)
        else:
            sent = {"value": json.value, "comment": json.comment, "note": json.note}
            form = validated(AmendForm(formdata=as_formdata(sent), **form_kwargs()), {})
            service.amend(appeal, user, json.value, json.comment, form.note.data)
    except AppealError as error:
        raise refusal(error) from None
    return appeal_out(appeal)


@bp.post("/appeals/<int:appeal_id>/withdraw")
@api_access("appeals", write=True, roles=APPELLANTS)
@idempotent
@api_spec.validate(resp=responses(200, AppealOut, 404, 409), tags=TAGS)
def withdraw_appeal(appeal_id: int):
    """Withdraw an open appeal the caller raised."""
    user = api_user()
    appeal = get_appeal(appeal_id, user)
    try:
        service.withdraw(appeal, user)
    except AppealError as error:
        raise refusal(error) from None
    return appeal_out(appeal)
