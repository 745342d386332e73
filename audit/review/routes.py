"""Managers review submitted visits: approve, return, correct, exclude and publish them."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import MANAGERS, contact_email, get_visit, roles_required
from audit.errors import refused
from audit.extensions import db
from audit.languages import localized
from audit.models import Attachment, ReviewerComment, User, Visit, VisitStatus
from audit.review import service
from audit.review.forms import (
    CommentForm,
    EditAnswerForm,
    ExcludeForm,
    IncludeForm,
    ReasonForm,
    ReturnForm,
)
from audit.review.service import ReviewError
from audit.scorecards.definition import ScorecardDefinition
from audit.scorecards.store import definition_of
from audit.trust.service import shown_signals, warning_counts
from audit.views import (
    choice_arg,
    decide,
    done,
    page_of,
    require_submitted,
    score_change,
    turned_down,
)
from audit.visits.answer_changes import change_marks, change_problem
from audit.visits.scores import stored_value
from audit.web.forms import EmptyForm

bp = Blueprint("review", __name__)

#: Photos are served by the visit flow; linked when that area is installed.
PHOTO_ENDPOINT = "shop.attachment"
THUMB_ENDPOINT = "shop.attachment_thumb"


def _reviewable(visit_id: int) -> Visit:
    """A visit the manager may see (403 outside scope); drafts are still the shopper's."""
    visit = get_visit(visit_id)
    if visit.status is VisitStatus.DRAFT:
        abort(404)
    return visit


def _visit_url(visit_id: int) -> str:
    return url_for("review.visit", visit_id=visit_id)


def _photo_url(endpoint: str) -> Callable[[Attachment], str | None]:
    def url(attachment: Attachment) -> str | None:
        if endpoint not in current_app.view_functions:
            return None
        return url_for(endpoint, attachment_id=attachment.id)

    return url


# --- the queue ---------------------------------------------------------------


@bp.route("/")
@roles_required(*MANAGERS)
def queue():
    status = choice_arg("status", service.QUEUE_FILTERS, "submitted")
    page = page_of(service.queue_query(current_user, status))
    return render_template(
        "review/queue.html",
        page=page,
        status=status,
        counts=service.queue_counts(current_user),
        warnings=warning_counts(page.items),
    )


# --- one visit ---------------------------------------------------------------


def _edit_form(key: str, answer_value: str, comment: str, formdata: bool = False):  # noqa: ANN202
    prefix = f"q-{key}"
    if formdata:
        return EditAnswerForm(prefix=prefix)
    return EditAnswerForm(
        formdata=None, prefix=prefix, data={"value": answer_value, "comment": comment}
    )


def _render_visit(visit: Visit, status_code: int = 200, **forms):  # noqa: ANN003, ANN202
    definition: ScorecardDefinition = definition_of(visit.version)
    answers = {a.question_key: a for a in visit.answers}
    editable = visit.status in service.EDITABLE
    open_key = forms.pop("open_key", None)
    extra_edit_forms = forms.pop("edit_forms", {})
    edit_forms = {}
    if editable:
        for question in definition.questions():
            answer = answers.get(question.key)
            edit_forms[question.key] = _edit_form(
                question.key,
                service.display_value(stored_value(answer)),
                answer.comment if answer else "",
            )
        edit_forms.update(extra_edit_forms)
    photos: dict[str | None, list[Attachment]] = {}
    for attachment in visit.attachments:
        photos.setdefault(attachment.question_key, []).append(attachment)
    texts = {q.key: localized(q.text) for q in definition.questions()}
    context = {
        "return_form": ReturnForm(formdata=None, prefix="return"),
        "exclude_form": ExcludeForm(formdata=None, prefix="exclude"),
        "include_form": IncludeForm(formdata=None, prefix="include"),
        "action_form": EmptyForm(formdata=None),
        **forms,
    }
    return render_template(
        "review/visit.html",
        visit=visit,
        definition=definition,
        customer_email=contact_email(visit, current_user),
        answers=answers,
        changed={key: gettext(mark) for (_, key), mark in change_marks([visit.id]).items()},
        sections={s.section_key: s for s in visit.section_scores},
        question_texts=texts,
        signals=shown_signals(visit, current_user),
        problems=service.open_problems(visit, definition),
        history=service.history(visit),
        edit_forms=edit_forms,
        options={q.key: service.answer_options(q) for q in definition.questions()},
        open_key=open_key,
        photos=photos,
        photo_url=_photo_url(PHOTO_ENDPOINT),
        thumb_url=_photo_url(THUMB_ENDPOINT),
        **context,
    ), status_code


@bp.route("/visits/<int:visit_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def visit(visit_id: int):
    """The visit page. ``?edit=KEY`` opens that answer's editor; the editor posts here
    too, so a refused edit shows its errors at the visit's own address."""
    key = request.args.get("edit", "")
    if request.method == "POST":
        if not key:
            abort(400)
        return edit_answer(visit_id, key)
    return _render_visit(_reviewable(visit_id), open_key=key or None)


def _decide(visit_id: int, step: Callable[[Visit, User], None], message: str) -> Response:
    """A one-button decision on the visit (approve, publish)."""
    visit = _reviewable(visit_id)
    return decide(lambda: step(visit, current_user), ReviewError, _visit_url(visit_id), message)


@bp.route("/visits/<int:visit_id>/approve", methods=["POST"])
@roles_required(*MANAGERS)
def approve(visit_id: int):
    message = gettext("Visit approved. Publish it when staff should see it.")
    return _decide(visit_id, service.approve, message)


@bp.route("/visits/<int:visit_id>/publish", methods=["POST"])
@roles_required(*MANAGERS)
def publish(visit_id: int):
    message = gettext("Visit published: the staff named on it can read it now.")
    return _decide(visit_id, service.publish, message)


#: The forms that give a reason, by the name of their action: each form's prefix, and
#: ``<name>_form`` in the visit page's context.
REASON_FORMS: dict[str, type[ReasonForm]] = {
    "return": ReturnForm,
    "exclude": ExcludeForm,
    "include": IncludeForm,
}


def _reason_action(
    visit_id: int, name: str, action: Callable[..., None], message: str
) -> ResponseReturnValue:
    """A decision that needs a reason: the visit page again (422) until the reason is given."""
    visit = _reviewable(visit_id)
    form = REASON_FORMS[name](prefix=name)
    if not form.validate_on_submit():
        return _render_visit(visit, 422, **{f"{name}_form": form})
    try:
        action(visit, current_user, form.reason_text)
    except ReviewError as error:
        return turned_down(error, _visit_url(visit_id))
    return done(message, _visit_url(visit_id))


@bp.route("/visits/<int:visit_id>/return", methods=["POST"])
@roles_required(*MANAGERS)
def return_visit(visit_id: int):
    message = gettext("Visit returned: the shopper sees your reason and can fix and resubmit it.")
    return _reason_action(visit_id, "return", service.return_to_shopper, message)


@bp.route("/visits/<int:visit_id>/exclude", methods=["POST"])
@roles_required(*MANAGERS)
def exclude(visit_id: int):
    return _reason_action(
        visit_id, "exclude", service.exclude, gettext("Visit excluded from reporting.")
    )


@bp.route("/visits/<int:visit_id>/include", methods=["POST"])
@roles_required(*MANAGERS)
def include(visit_id: int):
    return _reason_action(
        visit_id, "include", service.include, gettext("Visit included in reporting again.")
    )


@bp.route("/visits/<int:visit_id>/answers/<key>", methods=["POST"])
@roles_required(*MANAGERS)
def edit_answer(visit_id: int, key: str):
    """One answer changed as a reviewer (also posted to the visit page, ``?edit=KEY``)."""
    visit = _reviewable(visit_id)
    question = definition_of(visit.version).question(key)
    if question is None:
        abort(404)
    form = _edit_form(key, "", "", formdata=True)

    def again():  # noqa: ANN202
        return _render_visit(visit, 422, edit_forms={key: form}, open_key=key)

    if not form.validate_on_submit():
        # Every problem at once: the value and comment are checked even without a reason.
        if not form.value.errors and not form.comment.errors:
            problem = change_problem(visit, question, form.value.data, form.comment.data)
            if problem is not None:
                refused(problem, form, fallback="value")
        return again()
    try:
        change = service.edit_answer(
            visit, key, form.value.data, form.comment.data, current_user, form.reason_text
        )
    except ReviewError as error:
        if refused(error, form):
            return again()
        flash(str(error), "danger")
        return redirect(_visit_url(visit_id))
    return done(
        gettext("Answer changed and recorded.") + score_change(change), _visit_url(visit_id)
    )


# --- the comment library ---------------------------------------------------------


@bp.route("/comments", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def comments():
    form = CommentForm()
    if form.validate_on_submit():
        try:
            service.add_comment(form.category.data, form.text.data, current_user)
        except ReviewError as error:
            refused(error, form, fallback="text")
        else:
            return done(gettext("Comment added to the library."), url_for("review.comments"))
    status = 422 if form.errors else 200
    return render_template(
        "review/comments.html",
        form=form,
        comments=service.comments(),
        categories=service.COMMENT_CATEGORIES,
        action_form=EmptyForm(formdata=None),
    ), status


def _set_active(comment_id: int, active: bool):  # noqa: ANN202
    comment = db.get_or_404(ReviewerComment, comment_id)
    require_submitted()
    service.set_comment_active(comment, active, current_user)
    message = (
        gettext("Comment restored.") if active else gettext("Comment retired from the pick lists.")
    )
    return done(message, url_for("review.comments"))


@bp.route("/comments/<int:comment_id>/deactivate", methods=["POST"])
@roles_required(*MANAGERS)
def deactivate_comment(comment_id: int):
    return _set_active(comment_id, False)


@bp.route("/comments/<int:comment_id>/activate", methods=["POST"])
@roles_required(*MANAGERS)
def activate_comment(comment_id: int):
    return _set_active(comment_id, True)
