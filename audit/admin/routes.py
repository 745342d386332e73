"""Administrators manage accounts: list, create, edit role and scope, deactivate, reset."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from audit.access import roles_required
from audit.accounts.invite_forms import BackForm
from audit.accounts.users import AccountError, create_user, reset_password, set_active, update_user
from audit.admin.forms import PasswordResetForm, UserForm, settings_form_class
from audit.dashboards.pages import scorecard_choices
from audit.extensions import db
from audit.models import AuditEvent, Region, Role, User
from audit.settings import (
    ROLE_SET_SPECS,
    SPECS,
    all_settings,
    get_role_set,
    set_main_scorecard,
    set_role_set,
    set_setting,
)
from audit.views import done, require_submitted, turned_down
from audit.web.forms import EmptyForm

bp = Blueprint("admin", __name__)


def _region_choices() -> list[SelectChoice]:
    return [
        SelectChoice(r.id, r.name) for r in db.session.scalars(select(Region).order_by(Region.name))
    ]


def _user_form(user: User, *, show_current: bool) -> UserForm:
    """The account form of ``user``; ``show_current`` fills the role and regions as they
    are (a form drawn to be read, not one sent back)."""
    form = UserForm(obj=user, editing=user)
    form.regions.choices = _region_choices()
    if show_current:
        form.role.data = user.role.value
        form.regions.data = [r.id for r in user.regions]
    return form


def _account_fields(form: UserForm) -> dict[str, Any]:
    """What a sent user form sets on an account, as create_user and update_user take it."""
    return {
        "email": form.email.data,
        "name": form.name.data,
        "role": form.role.data,
        "region_ids": form.regions.data,
        "actor": current_user,
    }


@bp.route("/users")
@roles_required(Role.ADMIN)
def users():
    role = request.args.get("role", "")
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "active")
    query = select(User).options(selectinload(User.regions)).order_by(User.name)
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(func.lower(User.name).like(like), func.lower(User.email).like(like))
        )
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "inactive":
        query = query.where(User.active.is_(False))
    elif status == "invited":  # invited, not joined yet (withdrawn invitations are inactive)
        query = query.where(User.active.is_(True), User.joined_at.is_(None))
    return render_template(
        "admin/users.html",
        users=db.session.scalars(query).all(),
        roles=list(Role),
        filters={"role": role, "q": q, "status": status},
        action_form=EmptyForm(),
        invitation_form=BackForm(),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = UserForm()
    form.regions.choices = _region_choices()
    if form.validate_on_submit():
        user = create_user(**_account_fields(form), password=form.password.data)
        return done(
            gettext("Account created for %(name)s.", name=user.name), url_for("admin.users")
        )
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = _user_form(user, show_current=request.method == "GET")
    if form.validate_on_submit():
        if user.id == current_user.id and form.role.data != Role.ADMIN.value:
            form.role.errors.append(gettext("You cannot remove your own administrator role."))
        else:
            update_user(user, **_account_fields(form))
            return done(gettext("Saved %(name)s.", name=user.name), url_for("admin.users"))
    history = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "users", AuditEvent.subject_id == user.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        reset_form=PasswordResetForm(),
        action_form=EmptyForm(),
        history=history,
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def toggle_active(user_id: int):
    user = db.get_or_404(User, user_id)
    require_submitted()
    back = url_for("admin.edit_user", user_id=user.id)
    try:
        set_active(user, not user.active, current_user)
    except AccountError as error:
        return turned_down(error, back)
    message = (
        gettext("%(name)s is reactivated.", name=user.name)
        if user.active
        else gettext("%(name)s is deactivated.", name=user.name)
    )
    return done(message, back)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
def password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm(account=user)
    if form.validate_on_submit():
        reset_password(user, form.password.data, current_user)
        message = gettext(
            "New password set for %(name)s. Tell them through a safe channel.", name=user.name
        )
        return done(message, url_for("admin.edit_user", user_id=user.id))
    return render_template(
        "admin/user_form.html",
        form=_user_form(user, show_current=True),
        user=user,
        reset_form=form,
        action_form=EmptyForm(),
        history=[],
    ), 400


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def settings():
    cards = scorecard_choices()
    role_sets = {spec.key: [r.value for r in get_role_set(spec.key)] for spec in ROLE_SET_SPECS}
    form = settings_form_class(SPECS)(
        data={**all_settings(), **role_sets, "main_scorecard": cards.chosen or ""}
    )
    automatic = cards.titles.get(cards.automatic or "", gettext("none published yet"))
    form.main_scorecard.choices = [
        ("", gettext("Choose automatically (now: %(scorecard)s)", scorecard=automatic)),
        *cards.titles.items(),
    ]
    if form.validate_on_submit():
        for spec in SPECS:
            set_setting(spec.key, form[spec.key].data, current_user)
        set_main_scorecard(form.main_scorecard.data or None, current_user)
        for spec in ROLE_SET_SPECS:
            set_role_set(spec.key, {Role(v) for v in form[spec.key].data}, current_user)
        return done(gettext("Settings saved."), url_for("admin.settings"))
    return render_template("admin/settings.html", form=form)
