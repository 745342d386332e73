"""The staff portal (role staff) and coaching notes and kudos (managers, in their regions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from audit.access import (
    MANAGERS,
    branch_in_scope,
    get_branch,
    get_staff_member,
    get_visit,
    roles_required,
)
from audit.coaching import portal, recognition, service
from audit.coaching.forms import CloseForm, KudosForm, NoteForm, RecognitionForm, ReplyForm
from audit.coaching.recognition import RecognitionError
from audit.coaching.service import CoachingError, NoteFilter
from audit.errors import refused
from audit.extensions import db
from audit.models import CoachingNote, Role, StaffMember, User, Visit, VisitStatus
from audit.reporting.charts import trend_chart_for_screens, trend_values
from audit.reporting.customer_voice import shared_with
from audit.views import done, page_of, require_submitted
from audit.web.forms import EmptyForm

bp = Blueprint("coaching", __name__)

#: Periods the staff portal offers, in months; the first is the default.
PERIODS = (12, 6, 3)


# --- guards ------------------------------------------------------------------------


def _my_member() -> StaffMember | None:
    return current_user.staff_member if current_user.role is Role.STAFF else None


def get_note(note_id: int, user: User | None = None) -> CoachingNote:
    """A note the user may see: staff only their own (404 otherwise), managers in scope (403)."""
    user = user or current_user
    note = db.get_or_404(CoachingNote, note_id)
    if user.role is Role.STAFF:
        member = user.staff_member
        if member is None or note.staff_member_id != member.id:
            abort(404)
    elif user.role is Role.MANAGER and not branch_in_scope(note.staff_member.branch, user):
        abort(403)
    return note


def _coachable_visit(staff_id: int, visit_id: int | None) -> tuple[StaffMember, Visit | None]:
    member = get_staff_member(staff_id)
    visit = get_visit(visit_id) if visit_id else None
    if visit is not None and (
        visit.status not in service.COACHABLE or visit.excluded or member not in visit.staff
    ):
        abort(404)
    return member, visit


# --- staff portal ------------------------------------------------------------------


def _period(months: int, member: StaffMember) -> tuple[date, date]:
    """The last ``months`` calendar months, this one included, up to today at ``member``'s
    branch (whose months the visits count in)."""
    today = service.member_today(member)
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1), today


@bp.route("/me")
@roles_required(Role.STAFF)
def home():
    member = _my_member()
    if member is None:
        return render_template("coaching/home.html", member=None)
    months = request.args.get("months", PERIODS[0], type=int)
    months = months if months in PERIODS else PERIODS[0]
    date_from, date_to = _period(months, member)
    trend = portal.staff_trend(member, date_from, date_to)
    return render_template(
        "coaching/home.html",
        member=member,
        months=months,
        periods=PERIODS,
        date_from=date_from,
        visits=portal.published_visits(member),
        trend=trend,
        trend_svg=trend_chart_for_screens(
            trend_values(trend), title=gettext("My average score by month")
        ),
        sections=portal.section_comparison(member, date_from, date_to),
        branch=portal.branch_summary(member.branch_id, date_from, date_to),
        top=recognition.top_performers(member.branch_id, date_from, date_to),
        notes=service.notes_for_staff(member),
        kudos=recognition.kudos_for(member),
        recognition_form=RecognitionForm(hide=member.hide_from_recognition),
        customer_comments=shared_with(member.id),
    )


@bp.route("/me/visits/<int:visit_id>")
@roles_required(Role.STAFF)
def my_visit(visit_id: int):
    member = _my_member()
    visit = get_visit(visit_id)  # staff: only published visits naming them, else 404
    if member is None or member not in visit.staff:
        abort(404)
    return render_template("coaching/visit.html", feedback=portal.visit_feedback(visit))


@bp.route("/me/recognition", methods=["POST"])
@roles_required(Role.STAFF)
def set_recognition():
    member = _my_member()
    if member is None:
        abort(404)
    form = RecognitionForm()
    require_submitted(form)
    if recognition.set_hidden_from_recognition(member, form.hide.data, current_user):
        db.session.commit()
    flash(
        gettext("Your name will not be shown among top performers.")
        if member.hide_from_recognition
        else gettext("Your name may be shown among top performers."),
        "success",
    )
    return redirect(url_for(".home") + "#recognition")


# --- one note (staff and managers) ---------------------------------------------------


@bp.route("/notes/<int:note_id>")
@roles_required(Role.STAFF, *MANAGERS)
def note(note_id: int):
    item = get_note(note_id)
    staff_view = current_user.role is Role.STAFF
    visit_url = None
    if item.visit is not None:
        if not staff_view:
            visit_url = url_for("review.visit", visit_id=item.visit_id)
        elif item.visit.status is VisitStatus.PUBLISHED and not item.visit.excluded:
            visit_url = url_for(".my_visit", visit_id=item.visit_id)
    return render_template(
        "coaching/note.html",
        note=item,
        staff_view=staff_view,
        visit_url=visit_url,
        # The visit's standards, met or missed, wherever the reader may see the visit.
        feedback=portal.visit_feedback(item.visit) if visit_url else None,
        reply_form=ReplyForm(),
        close_form=CloseForm(),
        ack_form=EmptyForm(),
    )


def _change_note(item: CoachingNote, change: Callable[[], object], message: str) -> None:
    """Ask the service for ``change``: kept and ``message`` flashed, or its refusal flashed
    as a warning (the note page shows it; nothing else to show again)."""
    try:
        change()
    except CoachingError as error:
        refused(error)
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(message, "success")


@bp.route("/notes/<int:note_id>/acknowledge", methods=["POST"])
@roles_required(Role.STAFF)
def acknowledge(note_id: int):
    item = get_note(note_id)
    require_submitted()
    message = gettext("Thank you: your manager can see you have read the note.")
    _change_note(item, lambda: service.acknowledge(item, current_user), message)
    return redirect(url_for(".note", note_id=item.id))


@bp.route("/notes/<int:note_id>/reply", methods=["POST"])
@roles_required(Role.STAFF, *MANAGERS)
def reply(note_id: int):
    item = get_note(note_id)
    form = ReplyForm()
    if form.validate_on_submit():
        _change_note(
            item, lambda: service.reply(item, current_user, form.body.data), gettext("Reply sent.")
        )
    else:
        for error in form.body.errors:
            flash(str(error), "warning")  # a lazy message: the session keeps text
    return redirect(url_for(".note", note_id=item.id) + "#replies")


@bp.route("/notes/<int:note_id>/close", methods=["POST"])
@roles_required(*MANAGERS)
def close(note_id: int):
    item = get_note(note_id)
    form = CloseForm()
    require_submitted(form)
    closing_note = form.closing_note.data or ""
    _change_note(
        item, lambda: service.close(item, current_user, closing_note), gettext("Note closed.")
    )
    return redirect(url_for(".note", note_id=item.id))


# --- managers ----------------------------------------------------------------------


@bp.route("/")
@roles_required(*MANAGERS)
def overview():
    try:
        status = NoteFilter(request.args.get("status", NoteFilter.OPEN.value))
    except ValueError:
        status = NoteFilter.OPEN
    branch_id = request.args.get("branch", type=int)
    if branch_id is not None:
        get_branch(branch_id)  # 403 outside the manager's regions
    page = page_of(service.notes_query(current_user, status, branch_id=branch_id))
    branches = db.session.scalars(service.branches_query(current_user)).all()
    return render_template(
        "coaching/overview.html",
        page=page,
        status=status,
        statuses=list(NoteFilter),
        counts=service.note_counts(current_user),
        branch_id=branch_id,
        branches=branches,
        todays={note.id: service.member_today(note.staff_member) for note in page.items},
    )


@bp.route("/staff/<int:staff_id>/notes/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_note(staff_id: int):
    member, visit = _coachable_visit(staff_id, request.args.get("visit", type=int))
    form = NoteForm()
    if request.method == "GET" and visit is not None:
        form.body.data = service.prefill_note(visit)
    if form.validate_on_submit():
        try:
            item = service.create_note(
                current_user,
                member,
                form.body.data,
                goal=form.goal.data or "",
                follow_up_on=form.follow_up_on.data,
                visit=visit,
            )
        except CoachingError as error:
            refused(error, form, fallback="body")
        else:
            message = gettext("Coaching note sent to %(name)s.", name=member.name)
            return done(message, url_for(".note", note_id=item.id))
    return render_template("coaching/new_note.html", form=form, member=member, visit=visit)


@bp.route("/staff/<int:staff_id>/kudos/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_kudos(staff_id: int):
    visit_id = request.args.get("visit", type=int)
    if not visit_id:
        abort(404)
    member, visit = _coachable_visit(staff_id, visit_id)
    assert visit is not None  # noqa: S101 - visit_id is set
    if not recognition.kudos_allowed(visit):
        flash(
            gettext("Kudos are for visits at or above the scorecard's excellence mark."), "warning"
        )
        return redirect(url_for("review.visit", visit_id=visit.id))
    form = KudosForm()
    if request.method == "GET":
        form.message.data = gettext(
            "Well done, %(name)s: an excellent visit.", name=member.name.split()[0]
        )
        form.quoted.data = recognition.positive_comments(visit)
    if form.validate_on_submit():
        try:
            recognition.send_kudos(
                current_user, member, visit, form.message.data, form.quoted.data or ""
            )
        except RecognitionError as error:
            refused(error, form, fallback="message")
        else:
            message = gettext("Kudos sent to %(name)s.", name=member.name)
            return done(message, url_for("review.visit", visit_id=visit.id))
    return render_template("coaching/new_kudos.html", form=form, member=member, visit=visit)
