"""Managers offer and follow assignments; shoppers and assessors accept or decline them."""

from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from audit.access import MANAGERS, VISITORS, branch_in_scope, roles_required
from audit.assignments import service
from audit.assignments.forms import AssignmentForm, CancelForm, DeclineForm
from audit.assignments.service import (
    AssignmentStateError,
    AssignmentValidationError,
    Filters,
    LockoutConflict,
    RatingTooLow,
)
from audit.errors import refused
from audit.extensions import db
from audit.models import Assignment, AssignmentStatus, Scorecard, User, Visit
from audit.templating import format_date
from audit.views import decide, done, page_of, turned_down
from audit.web.forms import EmptyForm

bp = Blueprint("assignments", __name__)
#: Where a manager reads a visit; linked from the list when that area is installed.
VISIT_ENDPOINT = "review.visit"


# --- guards (STYLE 5: one place decides who may reach an assignment) -----------


def _managed(assignment_id: int) -> Assignment:
    """An assignment at a branch in the manager's scope: 404 if missing, 403 outside scope."""
    assignment = db.get_or_404(Assignment, assignment_id)
    if not branch_in_scope(assignment.branch, current_user):
        abort(403)
    return assignment


def _own(assignment_id: int) -> Assignment:
    """The signed-in shopper's own assignment; anyone else's is 404, not even 403."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.shopper_id != current_user.id:
        abort(404)
    return assignment


def _visit_url(visit: Visit | None) -> str | None:
    if visit is None or VISIT_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(VISIT_ENDPOINT, visit_id=visit.id)


def _status_choices() -> list[SelectChoice]:
    """The list's status filter, in the reader's language."""
    return [
        SelectChoice("", _("All statuses")),
        SelectChoice("open", _("Open (offered, accepted, overdue)")),
    ] + [SelectChoice(s.value, service.status_word(s).capitalize()) for s in AssignmentStatus]


@bp.app_template_global()
def assignment_status(status: AssignmentStatus) -> str:
    """An assignment's status in words, for its badge (assignments/_helpers.html)."""
    return service.status_word(status)


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


# --- managers ----------------------------------------------------------------


@bp.route("/")
@roles_required(*MANAGERS)
def index():
    if service.mark_overdue():
        db.session.commit()
    filters = Filters(
        status=request.args.get("status", ""),
        branch=request.args.get("branch", type=int),
        shopper=request.args.get("shopper", type=int),
        window_from=_date_arg("from"),
        window_to=_date_arg("to"),
    )
    return render_template(
        "assignments/index.html",
        page=page_of(service.filtered_query(current_user, filters)),
        filters=filters,
        statuses=_status_choices(),
        branches=service.branch_choices(current_user, active_only=False),
        shoppers=service.visitor_choices(_("All shoppers"), active_only=False),
        visit_url=_visit_url,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    form = AssignmentForm()
    form.scorecard.choices = service.scorecard_choices()
    form.branches.choices = service.branch_choices(current_user)
    form.regions.choices = service.region_choices(current_user)
    form.shopper.choices = service.visitor_choices(with_ratings=True)
    if request.method == "GET":
        start = service.today()
        form.window_start.data, form.window_end.data = start, start + timedelta(days=14)
        if request.args.get("branch", type=int):
            form.branches.data = [request.args.get("branch", type=int)]
    conflict: LockoutConflict | None = None
    too_low: RatingTooLow | None = None
    if form.validate_on_submit():
        branches = service.expand_selection(
            current_user, form.branches.data or [], form.regions.data or []
        )
        try:
            created = service.create_assignments(
                db.session.get(Scorecard, form.scorecard.data),
                branches,
                db.session.get(User, form.shopper.data),
                form.window_start.data,
                form.window_end.data,
                form.scenario.data,
                current_user,
                override_lockout=form.override_lockout.data,
                override_reason=form.override_reason.data or "",
                override_rating=form.override_rating.data,
                rating_override_reason=form.rating_override_reason.data or "",
            )
        except RatingTooLow as error:
            refused(error, form)  # beside the shopper field, and explained above the form
            too_low = error
            if error.reason_missing:
                form.rating_override_reason.errors = [
                    _("Say why this shopper should do it anyway.")
                ]
        except LockoutConflict as error:
            refused(error)
            conflict = error
            if error.reason_missing:
                form.override_reason.errors = [_("Say why this shopper should go back so soon.")]
        except AssignmentValidationError as error:
            refused(error)
            for name, message in error.problems:
                field = form._fields.get(name, form.branches)
                field.errors = [*field.errors, message]
        else:
            n = len(created)
            message = ngettext(
                "%(num)d assignment offered to %(name)s.",
                "%(num)d assignments offered to %(name)s.",
                n,
                name=created[0].shopper.name,
            )
            if n == 1:
                return done(message, url_for("assignments.detail", assignment_id=created[0].id))
            return done(message, url_for("assignments.index", shopper=created[0].shopper_id))
    chosen = service.expand_selection(
        current_user, form.branches.data or [], form.regions.data or []
    )
    return render_template(
        "assignments/new.html",
        form=form,
        conflict=conflict,
        too_low=too_low,
        groups=service.branches_by_region(current_user),
        chosen=chosen,
        chosen_ids={branch.id for branch in chosen},
        lockouts=_lockout_notes(form.shopper.data, form.window_start.data),
    ), (409 if conflict or too_low else 200)


def _lockout_notes(shopper_id: int | None, window_start: date | None) -> dict[int, str]:
    """Per branch the shopper is locked out of, until when and why, in words."""
    shopper = db.session.get(User, shopper_id) if shopper_id else None
    preview = service.lockout_preview(current_user, shopper, window_start)
    return {
        branch_id: _(
            "Locked out until %(until)s (visit or assignment on %(last)s)",
            until=format_date(hit.until(preview.days)),
            last=format_date(hit.last_date),
        )
        for branch_id, hit in preview.hits.items()
    }


@bp.route("/lockout")
@roles_required(*MANAGERS)
def lockout():
    """The lockout notes of :func:`new` for a shopper and a window start, for the page's
    script to show beside each branch as the form is filled in."""
    notes = _lockout_notes(request.args.get("shopper", type=int), _date_arg("start"))
    return jsonify(branches={str(branch_id): note for branch_id, note in notes.items()})


def _render_detail(assignment: Assignment, cancel_form: CancelForm) -> str:
    return render_template(
        "assignments/detail.html",
        assignment=assignment,
        events=service.history(assignment),
        cancellable=assignment.status in service.CANCELLABLE,
        cancel_form=cancel_form,
        visit_url=_visit_url(assignment.visit),
    )


@bp.route("/<int:assignment_id>")
@roles_required(*MANAGERS)
def detail(assignment_id: int):
    if service.mark_overdue():  # one cheap UPDATE: the status shown is never stale
        db.session.commit()
    return _render_detail(_managed(assignment_id), CancelForm(formdata=None))


@bp.route("/<int:assignment_id>/cancel", methods=["POST"])
@roles_required(*MANAGERS)
def cancel(assignment_id: int):
    assignment = _managed(assignment_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _render_detail(assignment, form), 422
    back = url_for("assignments.detail", assignment_id=assignment_id)
    try:
        service.cancel(assignment, current_user, form.reason.data)
    except AssignmentStateError as error:
        return turned_down(error, back)
    return done(_("Assignment cancelled."), back)


# --- shoppers and assessors --------------------------------------------------


def _offer_url(assignment_id: int) -> str:
    return url_for("assignments.offer", assignment_id=assignment_id)


@bp.route("/<int:assignment_id>/offer")
@roles_required(*VISITORS)
def offer(assignment_id: int):
    assignment = _own(assignment_id)
    return render_template(
        "assignments/offer.html",
        assignment=assignment,
        accept_form=EmptyForm(),
        decline_form=DeclineForm(formdata=None),
        can_accept=assignment.status is AssignmentStatus.OFFERED,
        can_decline=assignment.status in service.DECLINABLE and assignment.visit is None,
        # Started from here as from the home page (shop.start); once started, continued.
        can_start=assignment.status in service.STARTABLE and assignment.visit is None,
    )


@bp.route("/<int:assignment_id>/accept", methods=["POST"])
@roles_required(*VISITORS)
def accept(assignment_id: int):
    assignment = _own(assignment_id)
    back = _offer_url(assignment_id)
    return decide(
        lambda: service.accept(assignment, current_user),
        AssignmentStateError,
        back,
        _(
            "Accepted: %(branch)s, by %(end)s.",
            branch=assignment.branch.name,
            end=format_date(assignment.window_end),
        ),
        then=url_for("main.home"),
    )


@bp.route("/<int:assignment_id>/decline", methods=["POST"])
@roles_required(*VISITORS)
def decline(assignment_id: int):
    assignment = _own(assignment_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        flash("; ".join(form.reason.errors) or _("Could not decline."), "danger")
        return redirect(_offer_url(assignment_id))
    try:
        service.decline(assignment, current_user, form.reason.data or "")
    except AssignmentStateError as error:
        return turned_down(error, _offer_url(assignment_id))
    message = _(
        "Declined: %(branch)s. Thank you for letting us know.", branch=assignment.branch.name
    )
    return done(message, url_for("main.home"), "info")
