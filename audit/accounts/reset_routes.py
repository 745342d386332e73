"""The forgotten-password pages, on the sign-in blueprint: ask for a link, then use it.

Asking answers with the same page, status and work whether or not the address has an
account: the view looks nothing up; a background task does (:mod:`audit.accounts.reset`).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, render_template, request
from flask_babel import gettext
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from audit.access import public
from audit.accounts.links import LinkError
from audit.accounts.password_forms import ForgotPasswordForm, NewPasswordForm
from audit.accounts.reset import (
    RESET_PATH,
    ResetError,
    ResetLimits,
    account_for_link,
    network_refusal,
    record_request,
    reset_account,
    should_send,
)
from audit.accounts.routes import bp, password_accepted
from audit.accounts.sessions import current_session, end_session
from audit.extensions import db
from audit.tasks import enqueue


def _limits() -> ResetLimits:
    config = current_app.config
    return ResetLimits(
        window=timedelta(minutes=config["LOGIN_THROTTLE_WINDOW_MINUTES"]),
        per_address=config["LOGIN_THROTTLE_PER_ADDRESS"],
    )


@bp.route("/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        address = request.remote_addr or "unknown"
        limits = _limits()
        refusal = network_refusal(limits, address)
        if refusal:
            form.email.errors.append(refusal)
            return render_template("auth/forgot.html", form=form), 429
        if should_send(limits, email):
            enqueue(
                "audit.accounts.reset:send_reset_link",
                email=email,
                requested_from=address,
                link_base=request.url_root,
            )
        record_request(email, address)
        db.session.commit()  # hands the task over (the queue waits for the commit)
        return render_template("auth/forgot.html", form=None, sent_to=email)
    return render_template("auth/forgot.html", form=form)


@bp.route(RESET_PATH + "<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    try:
        account = account_for_link(token)
    except LinkError as error:
        return _refused(error)
    form = NewPasswordForm(account=account)
    if form.validate_on_submit():
        try:
            user = reset_account(token, form.password.data)
        except ResetError as error:
            form.password.errors.append(str(error))
        except LinkError as error:  # another tab used it a moment ago
            db.session.rollback()
            return _refused(error)
        else:
            _leave_this_browser_session()
            flash(
                gettext("New password set. Every other session of your account has ended."),
                "success",
            )
            return password_accepted(user, remember=False, next_url=None)
    return _private(render_template("auth/reset.html", form=form, account=account))


def _leave_this_browser_session() -> None:
    """Whoever was signed in on this browser is signed out before the account signs in."""
    if current_user.is_authenticated:
        row = current_session()
        if row is not None:
            end_session(row, "signed_out")
        logout_user()


def _refused(error: LinkError) -> Response:
    page = render_template("auth/reset.html", form=None, problem=str(error))
    return _private(page, 400)


def _private(page: str, status: int = 200) -> Response:
    """A page opened with a link token: never kept by a cache."""
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"
    return response
