"""The shopper's phone: home, start, the visit form, its JSON autosave and submit, photos.

Every visit is reached through :func:`audit.access.get_visit`: a shopper or
assessor reaching anyone else's visit, draft or photo gets 404.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from audit.access import get_branch, get_visit, roles_required, scope_branches
from audit.assignments.service import assignments_for_shopper
from audit.errors import refused, signed_out_answer, storage_unavailable
from audit.extensions import db
from audit.models import (
    Assignment,
    Attachment,
    AttachmentKind,
    Branch,
    Role,
    Scorecard,
    Visit,
    VisitStatus,
)
from audit.photos.images import UploadRefused
from audit.photos.uploads import file_store, send_photo
from audit.scorecards.scoring import hidden_questions
from audit.scorecards.store import definition_of
from audit.shop import attachments, reading, service
from audit.shop.assets import versioned_static
from audit.shop.forms import AuditForm, MalformedDraft, StartForm, draft_from_form, draft_from_json
from audit.shop.service import (
    EDITABLE,
    MissingItem,
    OutOfScope,
    SubmissionRefused,
    VisitError,
    VisitStateError,
)
from audit.storage import StorageUnavailable
from audit.trust.rating import rating_of
from audit.web.forms import EmptyForm

bp = Blueprint("shop", __name__)

VISITORS = (Role.SHOPPER, Role.ASSESSOR)
#: Who may look at a photo; get_visit decides which ones.
EVIDENCE_VIEWERS = (Role.SHOPPER, Role.ASSESSOR, Role.MANAGER, Role.STAFF)
NOT_EDITABLE = "not_editable"

bp.add_app_template_global(versioned_static, "versioned_static")
# The visit form's comment rule (templates/visit_form/_question.html).
bp.add_app_template_global(reading.full_marks, "full_marks")
bp.add_app_template_global(reading.falls_short, "falls_short")


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


@bp.before_request
def signed_out_json():
    """The phone's autosave, send and photo requests get 401 JSON when the session has
    ended, never the sign-in page: the form keeps every answer and says so."""
    if current_user.is_authenticated or not _wants_json():
        return None
    return signed_out_answer()


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _problems_json(problems: list[Any]) -> list[dict[str, str]]:
    return [{"key": p.key, "message": p.message} for p in problems]


def _missing_json(items: list[MissingItem]) -> list[dict[str, str]]:
    return [item.as_json() for item in items]


def _not_editable(visit: Visit):
    """409: the visit was sent (or returned to review) and this change is refused whole."""
    return {
        "error": NOT_EDITABLE,
        "message": str(service.not_editable(visit)),
        "status": visit.status.value,
        "redirect": url_for("shop.visit", visit_id=visit.id),
    }, 409


# --- home ----------------------------------------------------------------------------


@bp.route("/")
@roles_required(*VISITORS)
def home():
    assignments = assignments_for_shopper(current_user)
    return render_template(
        "shop/home.html",
        assignments=assignments,
        visits=reading.visits_for(current_user),
        start_form=StartForm(formdata=None),
        accept_form=EmptyForm(formdata=None),
        branches=_audit_branches() if current_user.role is Role.ASSESSOR else [],
        rating=rating_of(current_user),
    )


@bp.route("/sw.js")
@roles_required(*VISITORS)
def service_worker():
    """The service worker that keeps the form working offline (static/js/sw.js).

    Served from here, not /static/, so that its scope is /shop/ without any
    Service-Worker-Allowed header. Never cached by HTTP: the browser checks it
    for a new version on every visit.
    """
    response = send_from_directory(
        current_app.static_folder, "js/sw.js", mimetype="text/javascript", max_age=0
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


def _audit_branches() -> list[Branch]:
    query = (
        select(Branch)
        .where(Branch.active.is_(True))
        .options(joinedload(Branch.region))
        .order_by(Branch.name)
    )
    return list(db.session.scalars(scope_branches(query, current_user)))


# --- starting ------------------------------------------------------------------------


@bp.route("/assignments/<int:assignment_id>/start", methods=["POST"])
@roles_required(*VISITORS)
def start(assignment_id: int):
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.shopper_id != current_user.id:
        abort(404)
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        visit = service.start_visit(assignment, current_user, form.position())
        db.session.commit()
    except VisitStateError as error:
        refused(error)
        flash(str(error), "danger")
        return redirect(url_for("shop.home"))
    except IntegrityError as error:  # a double tap started it a moment ago
        refused(error)
        visit = db.session.get(Assignment, assignment_id).visit
        if visit is None:
            raise
    return redirect(url_for("shop.visit", visit_id=visit.id))


@bp.route("/audits/new", methods=["GET", "POST"])
@roles_required(Role.ASSESSOR)
def new_audit():
    form = AuditForm()
    form.branch.choices = [(0, _("— choose a branch —"))] + [
        (b.id, f"{b.name} · {b.region.name}") for b in _audit_branches()
    ]
    # An unannounced audit is made in the branch: the in-person questionnaires only.
    form.scorecard.choices = [(0, _("— choose a questionnaire —"))] + [
        (c.id, c.title) for c in reading.published_scorecards("in_person")
    ]
    if request.method == "GET" and request.args.get("branch", type=int):
        form.branch.data = get_branch(request.args.get("branch", type=int)).id
    if form.validate_on_submit():
        branch = get_branch(form.branch.data)  # 403 outside the assessor's regions
        scorecard = db.get_or_404(Scorecard, form.scorecard.data)
        try:
            visit = service.start_audit(branch, scorecard, current_user, form.position())
        except OutOfScope as error:
            refused(error)
            abort(403)
        except VisitStateError as error:
            refused(error)
            form.scorecard.errors = [*form.scorecard.errors, str(error)]
        else:
            db.session.commit()
            return redirect(url_for("shop.visit", visit_id=visit.id))
    return render_template("shop/new_audit.html", form=form)


# --- the form ------------------------------------------------------------------------


def _render_form(visit: Visit, errors: dict[str, list[str]] | None = None, status: int = 200):
    reading.load_for_form(visit.id)
    definition = definition_of(visit.version)
    values = reading.values_for_form(visit)
    photos: dict[str | None, list[Attachment]] = {}
    for attachment in visit.attachments:
        photos.setdefault(attachment.question_key, []).append(attachment)
    return render_template(
        "shop/visit.html",
        visit=visit,
        definition=definition,
        values=values,
        comments={a.question_key: a.comment for a in visit.answers if a.comment},
        hidden=hidden_questions(definition, values),
        photos=photos,
        staff=[m for m in visit.branch.staff if m.active or m in visit.staff],
        missing=service.missing_items(visit, definition),
        errors=errors or {},
        needs_details=definition.channel in service.MET_IN_PERSON,
        detail_words=service.detail_words(definition.channel),
        detail_keys={"started": service.STARTED, "ended": service.ENDED, "staff": service.STAFF},
        details_section=service.DETAILS_SECTION,
        # A plain form post (no JavaScript) carries this token, so a resent form is one visit.
        form_token=uuid.uuid4().hex,
        max_photo_mb=current_app.config["MAX_PHOTO_MB"],
        saved_at=_iso(visit.draft_saved_at),
    ), status


@bp.route("/visits/<int:visit_id>", methods=["GET", "POST"])
@roles_required(*VISITORS)
def visit(visit_id: int):
    visit = get_visit(visit_id)
    if visit.status not in EDITABLE:
        return render_template("shop/sent.html", visit=visit, sent=reading.sent_visit(visit))
    if request.method == "GET":
        return _render_form(visit)

    # Without JavaScript the whole form is posted: save it, then send it if asked.
    if not EmptyForm().validate_on_submit():
        abort(400)
    definition = definition_of(visit.version)
    try:
        problems = service.save_draft(
            visit, draft_from_form(request.form, definition), current_user
        )
    except VisitStateError as error:
        refused(error)
        flash(str(error), "warning")
        return redirect(url_for("shop.visit", visit_id=visit.id))
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.key, []).append(problem.message)
    # The answers are kept first; each photo is then checked (slow) before it locks the visit.
    db.session.commit()
    for key, message in _plain_uploads(visit):
        errors.setdefault(key, []).append(message)
    db.session.commit()
    if errors:
        return _render_form(visit, errors, 422)
    if request.form.get("action") != "submit":
        flash(_("Your answers are saved."), "success")
        return redirect(url_for("shop.visit", visit_id=visit.id))
    try:
        if not service.submit(visit, request.form.get("client_token", ""), current_user):
            flash(str(SENT_THANKS), "success")
        db.session.commit()
    except SubmissionRefused as missing:
        refused(missing)
        for item in missing.problems:
            errors.setdefault(item.key, []).append(item.message)
        return _render_form(visit, errors, 422)
    except VisitError as error:
        refused(error)
        flash(str(error), "danger")
    return redirect(url_for("shop.visit", visit_id=visit.id))


def _plain_uploads(visit: Visit) -> list[tuple[str, str]]:
    """Photos chosen in the plain form: PREFIX-KEY-photo fields and the visit's own."""
    refused: list[tuple[str, str]] = []
    definition = definition_of(visit.version)
    fields: list[tuple[str, str | None, AttachmentKind]] = [
        (f"answer-{q.key}-photo", q.key, AttachmentKind.PHOTO)
        for q in definition.questions()
        if q.evidence != "none"
    ] + [
        ("visit-photo", None, AttachmentKind.PHOTO),
        ("visit-receipt", None, AttachmentKind.RECEIPT),
    ]
    for name, key, kind in fields:
        for upload in request.files.getlist(name):
            if not upload or not upload.filename:
                continue
            try:
                _store_upload(visit, upload, key, kind, None)
            except (UploadRefused, StorageUnavailable, VisitError) as error:
                refused.append((key or "@photos", f"{upload.filename}: {error}"))
    return refused


# --- autosave and submit (JSON) --------------------------------------------------


@bp.route("/visits/<int:visit_id>/draft", methods=["GET"])
@roles_required(*VISITORS)
def draft(visit_id: int):
    """The saved draft and a fresh CSRF token (the phone calls it after a sign-in)."""
    visit = get_visit(visit_id)
    return {**reading.draft_state(visit), "csrf_token": generate_csrf()}


@bp.route("/visits/<int:visit_id>/draft", methods=["POST"])
@roles_required(*VISITORS)
def save_draft(visit_id: int):
    visit = get_visit(visit_id)
    try:
        data = draft_from_json(request.get_json(silent=True))
    except MalformedDraft as error:
        return {"error": "bad_request", "message": str(error)}, 400
    if visit.status not in EDITABLE:
        return _not_editable(visit)
    try:
        problems = service.save_draft(visit, data, current_user)
    except VisitStateError as error:  # sent while this save was on its way: it changes nothing
        refused(error)
        return _not_editable(visit)
    answer = {  # made before the commit, which would make the visit be read again
        "saved_at": _iso(visit.draft_saved_at),
        "problems": _problems_json(problems),
        "missing": _missing_json(service.missing_items(visit)),
    }
    db.session.commit()
    return answer


@bp.route("/visits/<int:visit_id>/submit", methods=["POST"])
@roles_required(*VISITORS)
def submit(visit_id: int):
    """Send the visit: ``{client_token, draft?}``. The same token again answers 200 and
    changes nothing, so a retried or doubled submit makes one submission."""
    visit = get_visit(visit_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return {"error": "bad_request", "message": "Send the submission as JSON."}, 400
    token = payload.get("client_token")
    done = {"status": "submitted", "redirect": url_for("shop.visit", visit_id=visit.id)}
    if isinstance(token, str) and service.already_submitted(visit, token):
        return {**done, "already": True}
    if visit.status not in EDITABLE:
        return _not_editable(visit)
    data = None
    if payload.get("draft") is not None:
        try:
            data = draft_from_json(payload["draft"])
        except MalformedDraft as error:
            return {"error": "bad_request", "message": str(error)}, 400
    # One transaction: the visit stays locked from the final draft to the stored score.
    locked = data is not None and service.valid_token(token)
    try:
        if locked:
            problems = service.save_draft(visit, data, current_user)
            if problems:
                missing = service.missing_items(visit)
                db.session.commit()  # what was valid is kept, as an autosave would
                return {
                    "error": "invalid",
                    "message": _("Some answers need fixing before the visit can be sent."),
                    "problems": _problems_json(problems),
                    "missing": _missing_json(missing),
                }, 422
        already = service.submit(visit, token, current_user, locked=locked)
    except SubmissionRefused as missing_items:
        db.session.commit()  # the final draft is kept; only sending waits
        return {
            "error": "missing",
            "message": _("A few things are still missing."),
            "missing": _missing_json(missing_items.problems),
        }, 422
    except VisitStateError as error:
        refused(error)
        visit = get_visit(visit_id)
        if service.already_submitted(visit, token):  # a double tap: the other one sent it
            return {**done, "already": True}
        return {"error": NOT_EDITABLE, "message": str(error), **done}, 409
    except VisitError as error:
        refused(error)
        return {"error": "bad_request", "message": str(error)}, 400
    db.session.commit()
    if not already:
        flash(str(SENT_THANKS), "success")  # shown once, on the page the phone goes to next
    return {**done, "already": already}


# --- photos and receipts -------------------------------------------------------------


def _attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "question_key": attachment.question_key,
        "kind": attachment.kind.value,
        "url": url_for("shop.attachment", attachment_id=attachment.id),
        "thumb_url": url_for("shop.attachment_thumb", attachment_id=attachment.id),
        "delete_url": url_for("shop.delete_attachment", attachment_id=attachment.id),
        "width": attachment.width,
        "height": attachment.height,
        "captured_at": _iso(attachment.captured_at),
    }


def _store_upload(
    visit: Visit,
    upload: Any,
    question_key: str | None,
    kind: AttachmentKind,
    captured_hint: datetime | None,
) -> tuple[Attachment, bool]:
    max_bytes = current_app.config["MAX_PHOTO_MB"] * 1024 * 1024
    data = upload.stream.read(max_bytes + 1)
    return attachments.add_attachment(
        visit,
        data,
        user=current_user,
        store=file_store(),
        max_bytes=max_bytes,
        question_key=question_key,
        kind=kind,
        original_name=upload.filename or "",
        captured_hint=captured_hint,
    )


@bp.route("/visits/<int:visit_id>/attachments", methods=["POST"])
@roles_required(*VISITORS)
def upload(visit_id: int):
    visit = get_visit(visit_id)
    if visit.status not in EDITABLE:
        return _not_editable(visit)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return {"error": "refused", "message": _("Choose a photo first.")}, 400
    try:
        kind = AttachmentKind(request.form.get("kind") or "photo")
    except ValueError:
        return {"error": "bad_request", "message": "kind is photo or receipt"}, 400
    captured_hint = None
    if request.form.get("captured_at"):
        try:
            captured_hint = service.parse_time(request.form["captured_at"])
        except ValueError:
            captured_hint = None
    try:
        attachment, created = _store_upload(
            visit, upload, request.form.get("question_key") or None, kind, captured_hint
        )
        answer = _attachment_json(attachment)  # before the commit: no reading it back after
        db.session.commit()
    except UploadRefused as not_a_photo:
        refused(not_a_photo)
        return {"error": "refused", "message": str(not_a_photo)}, not_a_photo.status
    except StorageUnavailable as failure:
        refused(failure)
        return storage_unavailable(failure)
    except VisitStateError as error:
        refused(error)
        return _not_editable(visit)
    except VisitError as error:
        refused(error)
        return {"error": "refused", "message": str(error)}, 400
    return answer, 201 if created else 200


def _guarded_attachment(attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    get_visit(attachment.visit_id)  # the one guard: 404 / 403 as for the visit itself
    return attachment


@bp.route("/attachments/<int:attachment_id>")
@roles_required(*EVIDENCE_VIEWERS)
def attachment(attachment_id: int):
    item = _guarded_attachment(attachment_id)
    return send_photo(item.stored_name)


@bp.route("/attachments/<int:attachment_id>/thumb")
@roles_required(*EVIDENCE_VIEWERS)
def attachment_thumb(attachment_id: int):
    item = _guarded_attachment(attachment_id)
    return send_photo(item.thumb_name)


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
@roles_required(*VISITORS)
def delete_attachment(attachment_id: int):
    item = _guarded_attachment(attachment_id)
    visit = item.visit
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        attachments.delete_attachment(item, current_user, file_store())
    except VisitStateError as error:
        refused(error)
        if wants_json:
            return _not_editable(visit)
        abort(409)
    except VisitError as error:
        refused(error)
        if wants_json:
            return {"error": "gone", "message": str(error)}, 404
        abort(404)
    db.session.commit()
    if wants_json:
        return {"deleted": attachment_id}
    flash(_("Photo removed."), "info")
    return redirect(url_for("shop.visit", visit_id=visit.id))


#: Said once, right after the shopper sends a visit (not each time it is opened again).
SENT_THANKS = _l("Thank you, your report has been sent.")


@bp.app_template_global()
def visit_status_text(status: VisitStatus) -> str:
    """How a shopper reads the status of a visit they sent (never its score).

    Approved and published read the same: whether the report is out yet is not the
    shopper's business, and "Accepted" is already the word for an accepted assignment.
    """
    return {
        VisitStatus.DRAFT: _("Not sent yet"),
        VisitStatus.SUBMITTED: _("Sent · waiting for review"),
        VisitStatus.RETURNED: _("Returned to you · please check"),
        VisitStatus.APPROVED: _("Reviewed"),
        VisitStatus.PUBLISHED: _("Reviewed"),
    }[status]
