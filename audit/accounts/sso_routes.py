"""Single sign-on pages on the ``auth`` blueprint: off to the provider, and back.

``/login/sso`` sends the person to the organisation's OpenID provider;
``/login/sso/callback`` is where the provider sends them back (the redirect URI to
register there: ``APP_URL`` + ``/login/sso/callback``). Both answer 404 while SSO is not
configured. What the provider proves is matched to an account by
:mod:`audit.accounts.sso`; a refusal goes back to the sign-in page with its reason.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import public
from audit.accounts import sso_client
from audit.accounts.routes import bp, safe_next, sign_in
from audit.accounts.sso import SsoRefused, account_for, provider_name, sso_enabled

#: Where the page to go to after signing in waits while the person is at the provider.
_NEXT = "sso_next"


@bp.context_processor
def sso_button() -> dict[str, object]:
    """The sign-in page's "Sign in with …" button, when SSO is configured."""
    return {"sso_provider_name": provider_name() if sso_enabled() else None}


@bp.route("/login/sso")
@public
def sso_start() -> Response:
    if not sso_enabled():
        abort(404)
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.home"))
    session[_NEXT] = next_url
    try:
        return sso_client.start(sso_client.external_url(url_for("auth.sso_callback")))
    except SsoRefused as refusal:
        return _back_to_sign_in(refusal)


@bp.route("/login/sso/callback")
@public
def sso_callback() -> Response:
    if not sso_enabled():
        abort(404)
    next_url = safe_next(session.pop(_NEXT, None))
    try:
        user = account_for(sso_client.finish())
    except SsoRefused as refusal:
        return _back_to_sign_in(refusal)
    return sign_in(user, method="sso", remember=False, next_url=next_url)


def _back_to_sign_in(refusal: SsoRefused) -> Response:
    flash(str(refusal), "danger")
    return redirect(url_for("auth.login"))
