"""Calibration pages: managers publish cases and read agreement; raters score them.

Managers (and admins) write every case: a case is a written-out scenario, tied to no
branch, so region scopes do not apply to it. A shopper or assessor reaches only their own
assignments on published or closed cases (:func:`get_own_assignment`: anything else is
404, as another person's visit is); they see the reference and its explanation only
after sending their own answers.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from audit.access import MANAGERS, VISITORS, roles_required
from audit.calibration import results, service
from audit.calibration.forms import (
    CaseForm,
    NewCaseForm,
    PhotoForm,
    RatersForm,
    answers_from_form,
    explain_name,
)
from audit.calibration.service import AnswersRefused, CalibrationError
from audit.errors import refused
from audit.extensions import db
from audit.models import (
    CalibrationAssignment,
    CalibrationCase,
    CalibrationPhoto,
    CaseStatus,
    Role,
    Scorecard,
)
from audit.photos.images import UploadRefused
from audit.photos.uploads import file_store, send_photo
from audit.scorecards.scoring import SubmissionProblem, hidden_questions
from audit.storage import StorageUnavailable
from audit.views import decide, done, require_submitted, turned_down
from audit.web.forms import EmptyForm

bp = Blueprint("calibration", __name__)


# --- guards ------------------------------------------------------------------------


def get_case(case_id: int) -> CalibrationCase:
    """A case for a manager or admin, or 404; with what its pages read, in a few queries."""
    query = (
        select(CalibrationCase)
        .where(CalibrationCase.id == case_id)
        .options(
            selectinload(CalibrationCase.assignments).joinedload(CalibrationAssignment.rater),
            selectinload(CalibrationCase.references),
            selectinload(CalibrationCase.photos),
        )
    )
    case = db.session.scalars(query).one_or_none()
    if case is None:
        abort(404)
    return case


def get_own_assignment(assignment_id: int) -> CalibrationAssignment:
    """The signed-in rater's own assignment on a published or closed case; else 404."""
    assignment = db.session.get(CalibrationAssignment, assignment_id)
    if (
        assignment is None
        or assignment.rater_id != current_user.id
        or assignment.case.status is CaseStatus.DRAFT
    ):
        abort(404)
    return assignment


def _photo_for_viewer(photo_id: int) -> CalibrationPhoto:
    """A case's photo: managers and admins see every one, a rater those of their cases."""
    photo = db.get_or_404(CalibrationPhoto, photo_id)
    if current_user.role in (Role.MANAGER, Role.ADMIN):
        return photo
    case = photo.case
    mine = any(a.rater_id == current_user.id for a in case.assignments)
    if not mine or case.status is CaseStatus.DRAFT:
        abort(404)
    return photo


def _errors(problems: list[SubmissionProblem]) -> dict[str, list[str]]:
    """The problems by question, in the reader's language: the scoring engine words them in
    English (marked for translation where the shopper's form uses them), translated here
    by their text; this package's own are translated already."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.key, []).append(_(problem.message))
    return errors


# --- the manager's list and a new case ------------------------------------------------


@bp.route("/")
@roles_required(*MANAGERS)
def index():
    """Every case with how many raters were asked and how many sent, counted in SQL."""
    asked = func.count(CalibrationAssignment.id)
    sent = func.count(CalibrationAssignment.submitted_at)
    query = (
        select(CalibrationCase, asked, sent)
        .outerjoin(CalibrationAssignment, CalibrationAssignment.case_id == CalibrationCase.id)
        .group_by(CalibrationCase.id)
        .options(selectinload(CalibrationCase.scorecard))
        .order_by(CalibrationCase.created_at.desc(), CalibrationCase.id.desc())
    )
    return render_template("calibration/index.html", rows=db.session.execute(query).all())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    form = NewCaseForm()
    form.scorecard.choices = [(0, _("— choose a scorecard —"))] + [
        (c.id, c.title) for c in service.published_scorecards()
    ]
    if form.validate_on_submit():
        scorecard = db.get_or_404(Scorecard, form.scorecard.data)
        try:
            case = service.create_case(
                current_user,
                scorecard,
                form.title.data,
                form.scenario.data,
                form.transcript.data or "",
            )
        except CalibrationError as error:
            refused(error)
            getattr(form, error.field or "title").errors.append(str(error))
        else:
            return done(
                _("Case saved as a draft. Now give the reference answers."),
                url_for("calibration.reference", case_id=case.id),
            )
    return render_template("calibration/new.html", form=form)


# --- one case ----------------------------------------------------------------------------


@bp.route("/<int:case_id>")
@roles_required(*MANAGERS)
def case(case_id: int):
    case = get_case(case_id)
    raters_form = RatersForm(formdata=None)
    assigned = {a.rater_id for a in case.assignments}
    raters_form.raters.choices = [
        (u.id, f"{u.name} · {u.role.label}")
        for u in service.rater_choices()
        if u.id not in assigned
    ]
    return render_template(
        "calibration/case.html",
        case=case,
        definition=service.definition_of_case(case),
        reference_values={r.question_key: service.stored(r) for r in case.references},
        missing=[SubmissionProblem(p.key, _(p.message)) for p in service.reference_problems(case)]
        if case.status is CaseStatus.DRAFT
        else [],
        photo_form=PhotoForm(formdata=None),
        raters_form=raters_form,
        button=EmptyForm(formdata=None),
    )


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(case_id: int):
    case = get_case(case_id)
    form = CaseForm(obj=case)
    if case.status is not CaseStatus.DRAFT:
        flash(_("A published case no longer changes."), "warning")
        return redirect(url_for("calibration.case", case_id=case.id))
    if form.validate_on_submit():
        try:
            service.update_case(
                case, current_user, form.title.data, form.scenario.data, form.transcript.data or ""
            )
        except CalibrationError as error:
            refused(error)
            getattr(form, error.field or "title").errors.append(str(error))
        else:
            return done(_("Case saved."), url_for("calibration.case", case_id=case.id))
    return render_template("calibration/edit.html", form=form, case=case)


@bp.route("/<int:case_id>/reference", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def reference(case_id: int):
    """The reference answers, given with the scorecard's own question widgets, and an
    explanation per question that raters read once they have sent their answers."""
    case = get_case(case_id)
    definition = service.definition_of_case(case)
    if case.status is not CaseStatus.DRAFT:
        flash(_("A published case's reference answers no longer change."), "warning")
        return redirect(url_for("calibration.case", case_id=case.id))
    values = {r.question_key: service.form_value(service.stored(r)) for r in case.references}
    explanations = {r.question_key: r.explanation for r in case.references}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        require_submitted()
        answers = answers_from_form(request.form, definition)[0]
        typed = {q.key: request.form.get(explain_name(q.key), "") for q in definition.questions()}
        problems = service.set_references(case, answers, typed, current_user)
        if not problems:
            return done(_("Reference answers saved."), url_for("calibration.case", case_id=case.id))
        db.session.commit()  # what was valid is kept; the page shows what was typed
        errors, status = _errors(problems), 422
        values = {k: v for k, v in answers.items() if v is not None}
        explanations = typed
    return render_template(
        "calibration/reference.html",
        case=case,
        definition=definition,
        values=values,
        explanations=explanations,
        hidden=hidden_questions(definition, values),
        errors=errors,
    ), status


@bp.route("/<int:case_id>/photos", methods=["POST"])
@roles_required(*MANAGERS)
def add_photo(case_id: int):
    case = get_case(case_id)
    back = url_for("calibration.case", case_id=case.id)
    form = PhotoForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.photo.data
    if upload is None or not getattr(upload, "filename", ""):
        flash(_("Choose a photo first."), "warning")
        return redirect(back)
    max_bytes = current_app.config["MAX_PHOTO_MB"] * 1024 * 1024
    try:
        service.add_photo(
            case,
            upload.stream.read(max_bytes + 1),
            store=file_store(),
            max_bytes=max_bytes,
            original_name=upload.filename,
            user=current_user,
        )
    except (UploadRefused, StorageUnavailable, CalibrationError) as error:
        return turned_down(
            error, back, _("%(file)s: %(error)s", file=upload.filename, error=str(error))
        )
    return done(_("Photo added."), back)


@bp.route("/photos/<int:photo_id>/delete", methods=["POST"])
@roles_required(*MANAGERS)
def delete_photo(photo_id: int):
    photo = db.get_or_404(CalibrationPhoto, photo_id)
    back = url_for("calibration.case", case_id=photo.case_id)
    return decide(
        lambda: service.delete_photo(photo, current_user, file_store()),
        CalibrationError,
        back,
        _("Photo removed."),
    )


@bp.route("/photos/<int:photo_id>")
@roles_required(*MANAGERS, *VISITORS)
def photo(photo_id: int):
    return send_photo(_photo_for_viewer(photo_id).stored_name)


@bp.route("/photos/<int:photo_id>/thumb")
@roles_required(*MANAGERS, *VISITORS)
def photo_thumb(photo_id: int):
    return send_photo(_photo_for_viewer(photo_id).thumb_name)


@bp.route("/<int:case_id>/raters", methods=["POST"])
@roles_required(*MANAGERS)
def assign(case_id: int):
    case = get_case(case_id)
    back = url_for("calibration.case", case_id=case.id)
    form = RatersForm()
    form.raters.choices = [(u.id, u.name) for u in service.rater_choices()]
    if not form.validate_on_submit():
        message = " ".join(str(error) for error in form.raters.errors)
        flash(message or _("Choose at least one shopper or assessor."), "danger")
        return redirect(back)
    try:
        added = service.assign_raters(case, form.raters.data, current_user)
    except CalibrationError as error:
        return turned_down(error, back)
    return done(
        ngettext(
            "%(num)d rater asked to score this case.",
            "%(num)d raters asked to score this case.",
            added,
        ),
        back,
    )


@bp.route("/assignments/<int:assignment_id>/remove", methods=["POST"])
@roles_required(*MANAGERS)
def unassign(assignment_id: int):
    assignment = db.get_or_404(CalibrationAssignment, assignment_id)
    back = url_for("calibration.case", case_id=assignment.case_id)
    name = assignment.rater.name
    return decide(
        lambda: service.unassign(assignment, current_user),
        CalibrationError,
        back,
        _("%(name)s no longer scores this case.", name=name),
    )


@bp.route("/<int:case_id>/publish", methods=["POST"])
@roles_required(*MANAGERS)
def publish(case_id: int):
    case = get_case(case_id)
    back = url_for("calibration.case", case_id=case.id)
    require_submitted()
    try:
        service.publish(case, current_user)
    except AnswersRefused as missing:
        return turned_down(
            missing,
            back,
            _(
                "Give the reference answer to every question first (%(count)s to do).",
                count=len(missing.problems),
            ),
        )
    except CalibrationError as error:
        return turned_down(error, back)
    return done(_("Case published: the raters see it on their phones."), back)


@bp.route("/<int:case_id>/close", methods=["POST"])
@roles_required(*MANAGERS)
def close(case_id: int):
    case = get_case(case_id)
    back = url_for("calibration.case", case_id=case.id)
    return decide(
        lambda: service.close(case, current_user), CalibrationError, back, _("Case closed.")
    )


@bp.route("/<int:case_id>/results")
@roles_required(*MANAGERS)
def case_results(case_id: int):
    case = get_case(case_id)
    return render_template(
        "calibration/results.html", case=case, results=results.case_results(case)
    )


# --- the rater's side ---------------------------------------------------------------


@bp.route("/mine")
@roles_required(*VISITORS)
def mine():
    return render_template(
        "calibration/mine.html", assignments=service.open_assignments(current_user)
    )


@bp.route("/answer/<int:assignment_id>", methods=["GET", "POST"])
@roles_required(*VISITORS)
def answer(assignment_id: int) -> Response | tuple[str, int] | str:
    """Score a case on the phone: the scorecard's own widgets. Save keeps the answers;
    send checks them by a visit's rules. Once sent: where the rater differed and why."""
    assignment = get_own_assignment(assignment_id)
    case = assignment.case
    definition = service.definition_of_case(case)
    if assignment.submitted_at is not None or case.status is CaseStatus.CLOSED:
        feedback = results.rater_feedback(assignment) if assignment.submitted_at else None
        return render_template(
            "calibration/feedback.html", assignment=assignment, case=case, feedback=feedback
        )
    values = {k: service.form_value(v) for k, v in service.response_values(assignment).items()}
    comments = service.response_comments(assignment)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        require_submitted()
        answers, typed_comments = answers_from_form(request.form, definition)
        try:
            problems = service.save_answers(assignment, answers, typed_comments, current_user)
            if not problems and request.form.get("action") == "submit":
                service.submit_answers(assignment, current_user)
                return done(
                    _("Thank you, your answers are sent. Here is how they compare."),
                    url_for("calibration.answer", assignment_id=assignment.id),
                )
        except AnswersRefused as missing:
            problems = missing.problems
        except CalibrationError as error:
            return turned_down(error, url_for("calibration.mine"))
        if not problems:
            return done(
                _("Your answers are saved."),
                url_for("calibration.answer", assignment_id=assignment.id),
            )
        db.session.commit()  # what was valid is kept, as a visit's draft is
        errors, status = _errors(problems), 422
        values = {k: v for k, v in answers.items() if v is not None}
        comments = {k: v for k, v in typed_comments.items() if v}
    return render_template(
        "calibration/answer.html",
        assignment=assignment,
        case=case,
        definition=definition,
        values=values,
        comments=comments,
        hidden=hidden_questions(definition, values),
        errors=errors,
    ), status


#: A case's status in words, as its pages show it (:func:`case_status`).
CASE_STATUS_WORDS = {
    CaseStatus.DRAFT: _l("Draft"),
    CaseStatus.PUBLISHED: _l("Published"),
    CaseStatus.CLOSED: _l("Closed"),
}


@bp.app_template_global()
def case_status(status: CaseStatus) -> str:
    """ "Draft", "Published", "Closed", in the reader's language."""
    return str(CASE_STATUS_WORDS[status])


@bp.app_template_global()
def calibration_cases_for(user) -> list[CalibrationAssignment]:  # noqa: ANN001
    """The rater's calibration cases (to score first, then sent), for their home page."""
    return service.open_assignments(user)
