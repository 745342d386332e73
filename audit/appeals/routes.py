"""Appeals: the branch's manager or the staff member served disputes an answer; a reviewer
decides it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from audit.access import MANAGERS, get_visit, roles_required
from audit.appeals import service
from audit.appeals.forms import AmendForm, AppealForm, UpholdForm
from audit.appeals.service import AppealError, AppealView
from audit.errors import refused
from audit.extensions import db
from audit.languages import localized
from audit.models import Appeal, Role, User, Visit, VisitStatus
from audit.photos.uploads import file_store, save_upload, send_photo
from audit.review.service import answer_options
from audit.scorecards.store import definition_of
from audit.views import choice_arg, decide, done, page_of, score_change, shorten, turned_down
from audit.visits.answer_changes import answer_words, display_value
from audit.visits.scores import stored_value
from audit.web.forms import EmptyForm

bp = Blueprint("appeals", __name__)

REVIEWERS = MANAGERS
APPELLANTS = (Role.MANAGER, Role.STAFF)


def get_appeal(appeal_id: int, user: User | None = None) -> Appeal:
    """An appeal the user may see: reviewers in scope (403 outside), staff their own (404)."""
    user = user or current_user
    appeal = db.get_or_404(Appeal, appeal_id)
    if user.role is Role.STAFF and appeal.raised_by_id != user.id:
        abort(404)
    get_visit(appeal.visit_id, user)  # scope of the visit: 403 / 404 as for the visit
    if not service.may_see(appeal, user):
        abort(404)
    return appeal


def _appeal_url(appeal_id: int) -> str:
    return url_for("appeals.detail", appeal_id=appeal_id)


def _answer_text(visit: Visit, key: str) -> str:
    """The answer as the visit form shows it ("No", "4", "Partly")."""
    answer = visit.answer(key)
    return answer_words(stored_value(answer)) or gettext("no answer")


def _question_text(appeal: Appeal) -> str:
    """The appealed question's wording, shortened for a list (its key if the form lost it)."""
    question = definition_of(appeal.visit.version).question(appeal.question_key)
    return shorten(question.text) if question else appeal.question_key


# --- lists ---------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*APPELLANTS)
def index():
    status = choice_arg("status", service.LIST_FILTERS, "open")
    page = page_of(service.list_query(current_user, status))
    appealable = service.appealable_visits(current_user) if current_user.role is Role.STAFF else []
    return render_template(
        "appeals/index.html",
        page=page,
        status=status,
        labels=service.status_words(),
        appealable=appealable,
        window_ends=service.window_ends,
        question_text=_question_text,
    )


# --- raising -------------------------------------------------------------------------------


@bp.route("/visits/<int:visit_id>/new", methods=["GET", "POST"])
@roles_required(*APPELLANTS)
def new(visit_id: int):
    visit = get_visit(visit_id)  # staff: only published visits naming them (404 otherwise)
    if not service.may_appeal_visit(visit, current_user):
        abort(404 if current_user.role is Role.STAFF else 403)
    if visit.status is not VisitStatus.PUBLISHED or not service.window_open(visit):
        flash(
            gettext("This visit cannot be appealed: only published visits, within the window."),
            "info",
        )
        return redirect(_visit_url(visit))
    groups = service.disputable_answers(visit)
    disputable = {a.key: a for _, answers in groups for a in answers}
    form = AppealForm()
    form.question_key.choices = [(key, a.question.text) for key, a in disputable.items()]
    if request.method == "GET" and request.args.get("question") in disputable:
        form.question_key.data = request.args["question"]
    requested_errors: dict[str, str] = {}
    if groups and form.validate_on_submit():
        chosen = disputable[form.question_key.data]
        try:  # before the photo is stored: a refused value keeps nothing
            requested = service.check_requested(
                chosen.question, form.requested_for(chosen.key), chosen.current
            )
        except AppealError as error:
            requested_errors[chosen.key] = str(error)
        else:
            appeal = _raise(visit, form, chosen.key, requested)
            if appeal is not None:
                message = gettext("Appeal sent: a reviewer will decide it.")
                return done(message, _appeal_url(appeal.id))
    status = 422 if form.errors or requested_errors else 200
    return render_template(
        "appeals/new.html",
        visit=visit,
        form=form,
        groups=groups,
        requested_errors=requested_errors,
        options={key: requested_options(a) for key, a in disputable.items()},
        window_ends=service.window_ends(visit),
    ), status


def _raise(visit: Visit, form: AppealForm, question_key: str, requested: str) -> Appeal | None:
    """The appeal, or None with the photo's or the service's refusal beside its field."""
    photo = save_upload(form.photo, file_store())
    if form.photo.errors:
        return None
    try:
        return service.raise_appeal(
            visit,
            question_key,
            current_user,
            form.reason.data,
            requested,
            photo.names if photo else None,
        )
    except AppealError as error:
        # The photo's files go with the rollback; a message no field owns goes by the answer.
        if not refused(error, form, fallback="reason"):
            form.question_key.errors = [*form.question_key.errors, str(error)]
        return None


def requested_options(answer: service.DisputableAnswer) -> list[tuple[str, str]] | None:
    """The answers "what it should have been" offers for a question (the one given left
    out), or None where it is typed (a number)."""
    options = answer_options(answer.question)
    if options is None:
        return None
    current = display_value(answer.current)
    return [(value, label) for value, label in options if value and value != current]


def _visit_url(visit: Visit) -> str:
    if current_user.role is Role.STAFF:
        return url_for("appeals.index")
    return url_for("review.visit", visit_id=visit.id)


# --- one appeal ----------------------------------------------------------------------------


def _render(appeal: Appeal, status_code: int = 200, **forms):  # noqa: ANN003, ANN202
    visit = appeal.visit
    definition = definition_of(visit.version)
    question = definition.question(appeal.question_key)
    blocker = service.why_not_decide(appeal, current_user)
    context = {}
    if blocker is None:
        context["uphold_form"] = forms.get("uphold_form") or UpholdForm(
            formdata=None, prefix="uphold"
        )
        answer = visit.answer(appeal.question_key)
        context["amend_form"] = forms.get("amend_form") or AmendForm(
            formdata=None,
            prefix="amend",
            data={
                "value": appeal.requested_value or _answer_text(visit, appeal.question_key),
                "comment": answer.comment if answer else "",
            },
        )
        context["options"] = answer_options(question) if question else None
    (view,) = [v for v in service.appeals_for_visit(visit.id) if v.appeal.id == appeal.id]
    return render_template(
        "appeals/detail.html",
        appeal=appeal,
        view=view,
        visit=visit,
        question=question,
        current_answer=_answer_text(visit, appeal.question_key),
        comment=(
            visit.answer(appeal.question_key).comment if visit.answer(appeal.question_key) else ""
        ),
        blocker=blocker,
        reviewer=current_user.role in (Role.MANAGER, Role.ADMIN),
        withdraw_form=EmptyForm(formdata=None),
        **context,
    ), status_code


@bp.route("/<int:appeal_id>")
@roles_required(*APPELLANTS)
def detail(appeal_id: int):
    return _render(get_appeal(appeal_id))


@bp.route("/<int:appeal_id>/uphold", methods=["POST"])
@roles_required(*REVIEWERS)
def uphold(appeal_id: int):
    appeal = get_appeal(appeal_id)
    form = UpholdForm(prefix="uphold")
    if not form.validate_on_submit():
        return _render(appeal, 422, uphold_form=form)
    try:
        service.uphold(appeal, current_user, form.note.data)
    except AppealError as error:
        return turned_down(error, _appeal_url(appeal_id))
    return done(gettext("Appeal upheld: the answer stands."), _appeal_url(appeal_id))


@bp.route("/<int:appeal_id>/amend", methods=["POST"])
@roles_required(*REVIEWERS)
def amend(appeal_id: int):
    appeal = get_appeal(appeal_id)
    form = AmendForm(prefix="amend")
    if not form.validate_on_submit():
        return _render(appeal, 422, amend_form=form)
    try:
        # A form without the comment box keeps the answer's comment.
        comment = form.comment.data if form.comment.name in request.form else None
        change = service.amend(appeal, current_user, form.value.data, comment, form.note.data)
    except AppealError as error:
        if error.field in ("value", "comment") and refused(error, form):
            return _render(appeal, 422, amend_form=form)
        return turned_down(error, _appeal_url(appeal_id))
    message = gettext("Answer amended and recorded.") + score_change(change)
    return done(message, _appeal_url(appeal_id))


@bp.route("/<int:appeal_id>/withdraw", methods=["POST"])
@roles_required(*APPELLANTS)
def withdraw(appeal_id: int):
    appeal = get_appeal(appeal_id)
    return decide(
        lambda: service.withdraw(appeal, current_user),
        AppealError,
        _appeal_url(appeal_id),
        gettext("Appeal withdrawn."),
        category="info",
    )


def _evidence(appeal_id: int, thumb: bool):  # noqa: ANN202
    appeal = get_appeal(appeal_id)
    return send_photo(appeal.evidence_thumb_name if thumb else appeal.evidence_name)


@bp.route("/<int:appeal_id>/evidence")
@roles_required(*APPELLANTS)
def evidence(appeal_id: int):
    return _evidence(appeal_id, thumb=False)


@bp.route("/<int:appeal_id>/evidence/thumb")
@roles_required(*APPELLANTS)
def evidence_thumb(appeal_id: int):
    return _evidence(appeal_id, thumb=True)


# --- on the visit page ---------------------------------------------------------------------


@bp.app_template_global()
def visit_appeals(visit: Visit) -> list[AppealView]:
    """The visit's appeals as the signed-in user may see them (review visit page)."""
    return service.appeals_for_visit(visit.id, current_user)


@bp.app_template_global()
def scorecard_title(visit: Visit) -> str:
    """The visit's scorecard title as its version words it, in the reader's language (the
    staff portal's and the appeal pages')."""
    return localized(definition_of(visit.version).title)


@bp.app_template_global()
def may_appeal(visit: Visit) -> bool:
    return (
        current_user.is_authenticated
        and service.may_appeal_visit(visit, current_user)
        and service.window_open(visit)
    )
