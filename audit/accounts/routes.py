from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from audit.access import any_signed_in, public
from audit.accounts import pending
from audit.accounts.forms import LoginForm
from audit.accounts.password_check import password_matches
from audit.accounts.sessions import current_session, end_session, start_session
from audit.accounts.sso import password_sign_in_refused
from audit.accounts.sso_client import external_url, sign_out_url
from audit.accounts.throttle import ThrottleLimits, clear_failures, record_failure, throttle_message
from audit.extensions import db
from audit.models import User, record_event
from audit.web.forms import EmptyForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Follow ``next`` only to a path on this site: no scheme, no host, no '//' trick."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _limits() -> ThrottleLimits:
    cfg = current_app.config
    return ThrottleLimits(
        window=timedelta(minutes=cfg["LOGIN_THROTTLE_WINDOW_MINUTES"]),
        per_account=cfg["LOGIN_THROTTLE_PER_ACCOUNT"],
        per_address=cfg["LOGIN_THROTTLE_PER_ADDRESS"],
    )


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        address = request.remote_addr or "unknown"
        limits = _limits()
        refusal = throttle_message(limits, email, address)
        if refusal:
            form.password.errors.append(refusal)
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if not password_matches(user, form.password.data):  # as slow without an account
            record_failure(email, address)
            db.session.commit()
            form.password.errors.append(_("That email and password do not match an account."))
            return render_template("auth/login.html", form=form), 200
        if not user.active:
            form.password.errors.append(
                _("This account has been deactivated. Ask an administrator if you need access.")
            )
            return render_template("auth/login.html", form=form), 200
        clear_failures(email, older_than=limits.window * 4)
        if sso_only := password_sign_in_refused(user):  # the role signs in only through SSO
            form.password.errors.append(sso_only)
            return render_template("auth/login.html", form=form), 200
        return password_accepted(user, remember=form.remember.data, next_url=next_url)
    return render_template("auth/login.html", form=form)


def password_accepted(user: User, *, remember: bool, next_url: str | None) -> Response:
    """The password was right: sign the person in, or, when the account needs a second
    step (a code, or setting two-factor sign-in up), keep the sign-in pending until then."""
    step = pending.second_step(user)
    if step is None:
        return sign_in(user, method="password", remember=remember, next_url=next_url)
    pending.begin(user, remember=remember, next_url=next_url, step=step)
    db.session.commit()
    return redirect(url_for("auth.two_factor_code" if step == "code" else "auth.two_factor_enrol"))


def sign_in(user: User, *, method: str, remember: bool, next_url: str | None) -> Response:
    """Start a session for ``user``, proven by ``method``, and go on to ``next_url``."""
    start_session(user, method=method, remember=remember)
    login_user(user, remember=remember)
    record_event(user, "user.signed_in", user, method=method)
    db.session.commit()
    return redirect(next_url or url_for("main.home"))


@bp.route("/logout", methods=["POST"])
@any_signed_in
def logout():
    form = EmptyForm()
    provider_sign_out = None
    if form.validate_on_submit():
        session_row = current_session()
        if session_row is not None:
            end_session(session_row, "signed_out")
            record_event(current_user, "user.signed_out", current_user, method=session_row.method)
            db.session.commit()
        logout_user()
        provider_sign_out = sign_out_url(session_row, external_url(url_for("auth.login")))
        flash(_("You are signed out."), "info")
    response = redirect(provider_sign_out or url_for("auth.login"))
    # Pages the visit form's service worker kept for offline use go with the session, so the
    # next person on a shared phone cannot open them; answers not yet sent stay in storage.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response
