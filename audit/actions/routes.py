"""Corrective actions: managers decide and assign them, owners report progress."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from audit.access import MANAGERS, contact_email, get_branch, roles_required, scope_branches
from audit.actions import service, views
from audit.actions.forms import AcceptForm, DismissForm, NewActionForm, PlanForm, UpdateForm
from audit.actions.service import ActionError
from audit.errors import refused
from audit.extensions import db
from audit.models import Action, ActionKind, ActionStatus, ActionUpdate, Branch, Role, User
from audit.photos.uploads import file_store, save_upload, send_photo
from audit.views import choice_arg, done, page_of, turned_down

bp = Blueprint("actions", __name__)

OWNERS = (Role.MANAGER, Role.STAFF)


def get_action(action_id: int, user: User | None = None) -> Action:
    """An action the user may see: managers in scope (403 outside), owners (404 otherwise)."""
    user = user or current_user
    action = db.get_or_404(Action, action_id)
    if service.may_see(action, user):
        if user.role is Role.STAFF and action.status is ActionStatus.PROPOSED:
            abort(404)
        return action
    abort(403 if user.role is Role.MANAGER else 404)


def _action_url(action_id: int) -> str:
    return url_for("actions.detail", action_id=action_id)


# --- lists ---------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*OWNERS)
def index():
    status = choice_arg("status", service.LIST_FILTERS, "active")
    branch_id = request.args.get("branch", type=int)
    owner = request.args.get("owner") or None
    page = page_of(
        service.list_query(current_user, status=status, branch_id=branch_id, owner=owner)
    )
    managing = current_user.role is not Role.STAFF
    branches = (
        db.session.scalars(scope_branches(select(Branch).order_by(Branch.name), current_user)).all()
        if managing
        else []
    )
    owners: list[tuple[str, str]] = []
    if managing and branch_id is not None:
        owners = service.owner_choices(get_branch(branch_id))
    return render_template(
        "actions/index.html",
        page=page,
        status=status,
        filters={"branch": branch_id, "owner": owner or ""},
        branches=branches,
        owners=owners,
        managing=managing,
        overdue=service.overdue_count(current_user),
        labels=service.STATUS_LABELS,
        is_overdue=service.is_overdue,
        owner_name=service.owner_name,
    )


# --- one action ----------------------------------------------------------------------------


def _render(action: Action, status_code: int = 200, **forms):  # noqa: ANN003, ANN202
    managing = service.may_manage(action, current_user)
    context = {}
    if managing and action.status is ActionStatus.PROPOSED:
        accept_form = forms.get("accept_form") or AcceptForm(
            formdata=None, prefix="accept", obj=action, owner=service.owner_value(action)
        )
        accept_form.set_owners(service.owner_choices(action.branch))
        context["accept_form"] = accept_form
        context["dismiss_form"] = forms.get("dismiss_form") or DismissForm(
            formdata=None, prefix="dismiss"
        )
    if service.may_update(action, current_user):
        update_form = forms.get("update_form") or UpdateForm(formdata=None, prefix="update")
        update_form.set_status(action.status)
        context["update_form"] = update_form
    return render_template(
        "actions/detail.html",
        action=action,
        managing=managing,
        events=list(service.events_of(action)) if managing else [],
        labels=service.STATUS_LABELS,
        overdue=service.is_overdue(action),
        owner_name=service.owner_name(action),
        question=views.question_text(action),
        history_changes=views.history_changes,
        customer_email=(
            contact_email(action.visit, current_user)
            if managing and action.kind is ActionKind.CUSTOMER_FOLLOW_UP and action.visit
            else None
        ),
        **context,
    ), status_code


@bp.route("/<int:action_id>")
@roles_required(*OWNERS)
def detail(action_id: int):
    return _render(get_action(action_id))


@bp.route("/<int:action_id>/accept", methods=["POST"])
@roles_required(*MANAGERS)
def accept(action_id: int):
    action = get_action(action_id)
    form = AcceptForm(prefix="accept")
    form.set_owners(service.owner_choices(action.branch))
    if form.validate_on_submit():
        try:
            service.accept(action, current_user, form.plan())
        except ActionError as error:
            if not refused(error, form):
                flash(str(error), "danger")
                return redirect(_action_url(action_id))
        else:
            return done(gettext("Action accepted and open."), _action_url(action_id))
    return _render(action, 422, accept_form=form)


@bp.route("/<int:action_id>/dismiss", methods=["POST"])
@roles_required(*MANAGERS)
def dismiss(action_id: int):
    action = get_action(action_id)
    form = DismissForm(prefix="dismiss")
    if form.validate_on_submit():
        try:
            service.dismiss(action, current_user, form.reason.data)
        except ActionError as error:
            return turned_down(error, _action_url(action_id))
        return done(gettext("Proposal dismissed; your reason is kept."), _action_url(action_id))
    return _render(action, 422, dismiss_form=form)


@bp.route("/<int:action_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(action_id: int):
    action = get_action(action_id)
    form = PlanForm(obj=action) if request.method == "GET" else PlanForm()
    form.set_owners(service.owner_choices(action.branch))
    if request.method == "GET":
        form.owner.data = service.owner_value(action)
        form.priority.data = action.priority.value
    elif form.validate_on_submit():
        try:
            service.edit(action, current_user, form.plan())
        except ActionError as error:
            refused(error, form, fallback="title")
        else:
            return done(gettext("Action changed."), _action_url(action_id))
    status = 422 if form.errors else 200
    return render_template("actions/edit.html", action=action, form=form), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    branches = db.session.scalars(
        scope_branches(select(Branch).where(Branch.active.is_(True)), current_user).order_by(
            Branch.name
        )
    ).all()
    form = NewActionForm()
    form.set_branches([(b.id, b.label) for b in branches])
    if request.method == "GET" and request.args.get("branch", type=int):
        form.branch.data = request.args.get("branch", type=int)
    branch = get_branch(form.branch.data) if form.branch.data else None
    form.set_owners(service.owner_choices(branch) if branch else [])
    if form.validate_on_submit() and branch is not None:
        try:
            action = service.create_manual(branch, current_user, form.plan())
        except ActionError as error:
            if not refused(error, form):
                flash(str(error), "danger")
        else:
            return done(gettext("Action raised."), _action_url(action.id))
    status = 422 if form.errors else 200
    return render_template("actions/new.html", form=form, branch=branch), status


@bp.route("/<int:action_id>/updates", methods=["POST"])
@roles_required(*OWNERS)
def post_update(action_id: int):
    action = get_action(action_id)
    if not service.may_update(action, current_user):
        abort(403)
    form = UpdateForm(prefix="update")
    form.set_status(action.status)
    if not form.validate_on_submit():
        return _render(action, 422, update_form=form)
    store = file_store()
    photo = save_upload(form.photo, store)
    if form.photo.errors:
        return _render(action, 422, update_form=form)
    try:
        service.post_update(
            action, current_user, ActionStatus(form.status.data), form.note.data, photo
        )
    except ActionError as error:
        if not refused(error, form):
            flash(str(error), "danger")
            return redirect(_action_url(action_id))
        return _render(action, 422, update_form=form)
    return done(gettext("Update posted."), _action_url(action_id))


def _update_photo(update_id: int, thumb: bool):  # noqa: ANN202
    update = db.session.get(ActionUpdate, update_id)
    if update is None or not update.photo_name:
        abort(404)
    get_action(update.action_id)  # the one guard: who may see the action sees its photos
    return send_photo(update.thumb_name if thumb else update.photo_name)


@bp.route("/updates/<int:update_id>/photo")
@roles_required(*OWNERS)
def update_photo(update_id: int):
    return _update_photo(update_id, thumb=False)


@bp.route("/updates/<int:update_id>/thumb")
@roles_required(*OWNERS)
def update_thumb(update_id: int):
    return _update_photo(update_id, thumb=True)
