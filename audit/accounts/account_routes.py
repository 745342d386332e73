"""A person's own account page: who they are, their password, their signed-in sessions.

Registered on the ``auth`` blueprint. Ending a session ends its row
(:mod:`audit.accounts.sessions`), so the session cookie and the remember-me cookie of
that browser are refused at their next request, on every worker.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from audit.access import any_signed_in
from audit.accounts.account_forms import ChangePasswordForm, LanguageForm
from audit.accounts.own_account import (
    PasswordChangeError,
    SessionNotFound,
    change_own_password,
    end_own_session,
    own_sessions,
    set_own_language,
    sign_out_everywhere,
)
from audit.accounts.routes import _limits as sign_in_limits
from audit.accounts.routes import bp
from audit.accounts.sessions import current_session
from audit.accounts.throttle import record_failure, throttle_message
from audit.errors import refused
from audit.extensions import db
from audit.languages import select_language
from audit.views import done, require_submitted
from audit.web.forms import EmptyForm


def _page(
    form: ChangePasswordForm, status: int = 200, language_form: LanguageForm | None = None
) -> tuple[str, int]:
    if language_form is None:
        language_form = LanguageForm(formdata=None, language=current_user.language or "")
    page = render_template(
        "account/index.html",
        form=form,
        language_form=language_form,
        sessions=own_sessions(current_user, current_session()),
        button=EmptyForm(),
    )
    return page, status


@bp.route("/account")
@any_signed_in
def account():
    return _page(ChangePasswordForm(formdata=None, account=current_user))


@bp.route("/account/password", methods=["POST"])
@any_signed_in
def change_password():
    form = ChangePasswordForm(account=current_user)
    if not form.validate_on_submit():
        return _page(form, 200)
    # A stolen session must not become a way to guess the password: wrong current
    # passwords count against the account and the address like failed sign-ins.
    address = request.remote_addr or "unknown"
    refusal = throttle_message(sign_in_limits(), current_user.email, address)
    if refusal:
        form.current_password.errors.append(refusal)
        return _page(form, 429)
    try:
        ended = change_own_password(
            current_user,
            current_password=form.current_password.data,
            new_password=form.password.data,
            keep=current_session(),
        )
    except PasswordChangeError as error:
        refused(error, form)
        if error.field == "current_password" and current_user.password_hash:
            record_failure(current_user.email, address)
            db.session.commit()
        return _page(form, 200)
    message = (
        ngettext(
            "Your password is changed. %(num)d other session signed out.",
            "Your password is changed. %(num)d other sessions signed out.",
            ended,
        )
        if ended
        else _("Your password is changed.")
    )
    return done(message, url_for("auth.account"))


@bp.route("/account/language", methods=["POST"])
@any_signed_in
def change_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        return _page(ChangePasswordForm(formdata=None, account=current_user), 200, form)
    set_own_language(current_user, form.language.data)
    with force_locale(select_language()):
        message = _("Your language is saved.")  # said in the language just chosen
    return done(message, url_for("auth.account"))


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@any_signed_in
def end_session_view(session_id: int):
    require_submitted()
    try:
        row = end_own_session(current_user, session_id)
    except SessionNotFound:
        abort(404)
    this = current_session()
    if this is not None and row.id == this.id:
        db.session.commit()
        return _signed_out(_("This device is signed out."))
    return done(_("That session is signed out."), url_for("auth.account"))


@bp.route("/account/sessions/end-all", methods=["POST"])
@any_signed_in
def end_all_sessions():
    require_submitted()
    sign_out_everywhere(current_user)
    db.session.commit()
    return _signed_out(_("You are signed out on every device, this one included."))


def _signed_out(message: str) -> Response:
    """Sign this browser out after its own session ended (as the sign-out button does)."""
    logout_user()
    flash(message, "info")
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = '"cache"'
    return response
