"""Two-factor sign-in pages: the code after the password, enrolment (from the account or
when the role requires it at sign-in), recovery codes, turning it off, an admin's reset."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import any_signed_in, public, roles_required
from audit.accounts import pending
from audit.accounts.routes import _limits, bp, sign_in
from audit.accounts.throttle import clear_failures, record_failure, throttle_message
from audit.accounts.two_factor import (
    SECOND_FACTORS,
    TwoFactorError,
    admin_reset,
    check_code,
    check_password_or_code,
    confirm_enrolment,
    disable,
    enrolment_for,
    regenerate_recovery_codes,
    remaining_recovery_codes,
    required_for,
)
from audit.accounts.two_factor_forms import EnrolForm, ProofForm, SignInCodeForm
from audit.extensions import db
from audit.models import Role, User, record_event
from audit.views import done, require_submitted, turned_down

_START_AGAIN = _l("Your sign-in has expired. Enter your email and password again.")


def _start_again() -> Response:
    flash(str(_START_AGAIN), "warning")
    return redirect(url_for("auth.login"))


# --- sign-in: the second step -----------------------------------------------------


@bp.route("/login/code", methods=["GET", "POST"])
@public
def two_factor_code():
    waiting = pending.pending("code")
    if waiting is None:
        return _start_again()
    user = waiting.user
    form = SignInCodeForm()
    if form.validate_on_submit():
        email, address = user.email.lower(), request.remote_addr or "unknown"
        limits = _limits()
        refusal = throttle_message(limits, email, address)
        if refusal:
            form.code.errors.append(refusal)
            return render_template("auth/two_factor_code.html", form=form), 429
        try:
            kind = check_code(user, form.code.data)
        except TwoFactorError as error:
            db.session.rollback()
            record_failure(email, address)
            db.session.commit()
            form.code.errors.append(str(error))
            return render_template("auth/two_factor_code.html", form=form), 200
        clear_failures(email, older_than=limits.window * 4)
        if kind == "recovery":
            left = remaining_recovery_codes(user)
            record_event(user, "user.recovery_code_used", user, remaining=left)
            few = left <= 3
            message = ngettext(
                "You signed in with a recovery code; %(num)d left.",
                "You signed in with a recovery code; %(num)d left.",
                left,
            )
            if few:
                message += " " + gettext("Make new ones on your two-factor sign-in page.")
            flash(message, "warning" if few else "info")
        pending.forget()
        return sign_in(
            user, method=SECOND_FACTORS[kind], remember=waiting.remember, next_url=waiting.next_url
        )
    return render_template("auth/two_factor_code.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
def two_factor_enrol():
    """The role requires two-factor sign-in and this account has none yet: set it up
    now, then sign in. Nothing else opens before."""
    waiting = pending.pending("enrol")
    if waiting is None:
        return _start_again()
    user = waiting.user
    form = EnrolForm()
    try:
        enrolment = enrolment_for(user)
    except TwoFactorError:  # turned on meanwhile (another tab): ask for a code instead
        pending.begin(user, remember=waiting.remember, next_url=waiting.next_url, step="code")
        return redirect(url_for("auth.two_factor_code"))
    if form.validate_on_submit():
        try:
            codes = confirm_enrolment(user, form.code.data)
        except TwoFactorError as error:
            form.code.errors.append(str(error))
        else:
            pending.forget()
            sign_in(user, method=SECOND_FACTORS["totp"], remember=waiting.remember, next_url=None)
            return _show_codes(codes, waiting.next_url or url_for("main.home"))
    db.session.commit()  # keep the secret, so the app scanned before a reload still works
    return render_template("auth/two_factor_enrol.html", form=form, enrolment=enrolment, user=user)


def _show_codes(codes: list[str], continue_url: str) -> str:
    return render_template("account/recovery_codes.html", codes=codes, continue_url=continue_url)


# --- the signed-in person's own page ------------------------------------------------


@bp.route("/account/two-factor")
@any_signed_in
def two_factor_settings():
    return _settings_page(EnrolForm(), ProofForm(prefix="codes"), ProofForm(prefix="disable"))


def _settings_page(enrol: EnrolForm, codes: ProofForm, off: ProofForm, status: int = 200):
    user = current_user
    enrolment = None if user.two_factor_enabled else enrolment_for(user)
    db.session.commit()  # keep a new enrolment secret across reloads
    return render_template(
        "account/two_factor.html",
        user=user,
        enrolment=enrolment,
        required=required_for(user),
        remaining=remaining_recovery_codes(user) if user.two_factor_enabled else 0,
        enrol_form=enrol,
        codes_form=codes,
        disable_form=off,
    ), status


@bp.route("/account/two-factor/enrol", methods=["POST"])
@any_signed_in
def two_factor_confirm():
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = confirm_enrolment(current_user, form.code.data)
        except TwoFactorError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            flash(gettext("Two-factor sign-in is on."), "success")
            return _show_codes(codes, url_for("auth.two_factor_settings"))
    return _settings_page(form, ProofForm(prefix="codes"), ProofForm(prefix="disable"), 400)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@any_signed_in
def two_factor_new_codes():
    form = ProofForm(prefix="codes")
    if form.validate_on_submit():
        if check_password_or_code(current_user, form.proof.data):
            try:
                codes = regenerate_recovery_codes(current_user)
            except TwoFactorError as error:
                return turned_down(error, url_for("auth.two_factor_settings"))
            db.session.commit()
            flash(gettext("New recovery codes made; the old ones no longer work."), "success")
            return _show_codes(codes, url_for("auth.two_factor_settings"))
        db.session.rollback()
        form.proof.errors.append(gettext("That is not your password or a current code."))
    return _settings_page(EnrolForm(), form, ProofForm(prefix="disable"), 400)


@bp.route("/account/two-factor/disable", methods=["POST"])
@any_signed_in
def two_factor_disable():
    form = ProofForm(prefix="disable")
    if form.validate_on_submit():
        if not current_user.two_factor_enabled:
            return redirect(url_for("auth.two_factor_settings"))
        if check_password_or_code(current_user, form.proof.data):
            disable(current_user)
            message = gettext("Two-factor sign-in is off.")
            if required_for(current_user):
                message += " " + gettext(
                    "Your role requires it: you will set it up again at your next sign-in."
                )
            return done(message, url_for("auth.two_factor_settings"))
        db.session.rollback()
        form.proof.errors.append(gettext("That is not your password or a current code."))
    return _settings_page(EnrolForm(), ProofForm(prefix="codes"), form, 400)


# --- an administrator resets a lost device ------------------------------------------


@bp.route("/admin/users/<int:user_id>/two-factor/reset", methods=["POST"])
@roles_required(Role.ADMIN)
def two_factor_admin_reset(user_id: int):
    user = db.get_or_404(User, user_id)
    require_submitted()
    ended = admin_reset(user, current_user)
    if required_for(user):
        message = ngettext(
            "Two-factor sign-in reset for %(name)s; %(num)d session ended. They sign in with "
            "their password next and set up two-factor sign-in again.",
            "Two-factor sign-in reset for %(name)s; %(num)d sessions ended. They sign in with "
            "their password next and set up two-factor sign-in again.",
            ended,
            name=user.name,
        )
    else:
        message = ngettext(
            "Two-factor sign-in reset for %(name)s; %(num)d session ended. They sign in with "
            "their password next.",
            "Two-factor sign-in reset for %(name)s; %(num)d sessions ended. They sign in with "
            "their password next.",
            ended,
            name=user.name,
        )
    return done(message, url_for("admin.edit_user", user_id=user.id))
