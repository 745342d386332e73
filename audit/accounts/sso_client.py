"""The organisation's OpenID Connect provider, spoken to through Authlib's Flask client.

Authlib does the protocol: it reads the provider's discovery document
(``OIDC_ISSUER`` + ``/.well-known/openid-configuration``), sends the person there with a
``state``, a ``nonce`` and a PKCE challenge (S256) kept in the Flask session, exchanges
the code for tokens at the callback, and checks the ID token's signature against the
provider's published keys, its issuer, audience, expiry and nonce. What is left here is
turning its answers and failures into an :class:`Identity` or a plain
:class:`SsoRefused`, and the provider's sign-out (RP-initiated logout).

One client per app (tests make many apps in one process), made at first use from the
app's configuration and kept in ``app.extensions``.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, request, session
from flask_babel import gettext
from joserfc.errors import JoseError
from requests import RequestException

from audit.accounts.sso import (
    Identity,
    SsoRefused,
    identity_from_claims,
    provider_name,
    sso_enabled,
)
from audit.models import UserSession

log = logging.getLogger(__name__)

_EXTENSION = "audit.sso_client"
#: Where the ID token of an SSO sign-in waits for the sign-out (its ``id_token_hint``).
_ID_TOKEN = "sso_id_token"  # noqa: S105  (a session key, not a secret)
#: How Authlib names the state it keeps in the Flask session for the client named "sso".
_AUTHLIB_STATE = "_state_sso_"
#: An ID token longer than this is not kept: the session cookie must stay under the 4 KB
#: browsers keep. The sign-out then names the client instead (``client_id``).
ID_TOKEN_KEPT_UP_TO = 2000
#: Seconds to wait for the provider before telling the person it cannot be reached.
TIMEOUT = 10


def provider():  # noqa: ANN201  (Authlib's FlaskOAuth2App)
    """This app's Authlib client for the provider (made at first use)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    client = app.extensions.get(_EXTENSION)
    if client is None:
        config = app.config
        scopes = config["OIDC_SCOPES"].split()
        if "openid" not in scopes:
            scopes.insert(0, "openid")
        client = OAuth(app).register(
            "sso",
            overwrite=True,
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config["OIDC_CLIENT_SECRET"] or None,
            server_metadata_url=config["OIDC_ISSUER"] + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": " ".join(scopes),
                "code_challenge_method": "S256",
                "default_timeout": TIMEOUT,
                # Without a secret this app is a public client, proven by PKCE alone.
                **({} if config["OIDC_CLIENT_SECRET"] else {"token_endpoint_auth_method": "none"}),
            },
        )
        client = app.extensions.setdefault(_EXTENSION, client)
    return client


def external_url(path: str) -> str:
    """``path`` on this site as the provider must see it: under ``APP_URL`` when set (behind
    a proxy the request's own host may be an internal one), else this request's host."""
    base = current_app.config.get("APP_URL") or request.host_url
    return base.rstrip("/") + path


def start(callback_url: str):  # noqa: ANN201  (a redirect response)
    """The redirect to the provider's sign-in page; :class:`SsoRefused` when the provider
    cannot be reached."""
    # One sign-in under way per browser: Authlib keeps each start's state (about 600 bytes)
    # in the session cookie for an hour, and a few abandoned starts would outgrow the 4 KB
    # a browser keeps. Starting again (the back button, a second click) drops the earlier.
    for key in [key for key in session if key.startswith(_AUTHLIB_STATE)]:
        session.pop(key)
    try:
        return provider().authorize_redirect(callback_url)
    except (RequestException, ValueError) as error:
        log.warning("SSO: the provider's discovery document could not be read: %s", error)
        raise _unreachable() from error


def finish() -> Identity:
    """The identity the provider's answer at the callback proves (and its ID token kept
    for the sign-out); :class:`SsoRefused` saying plainly what went wrong otherwise."""
    client = provider()
    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise SsoRefused(
                gettext(
                    "%(provider)s did not send an ID token. Please try again.",
                    provider=provider_name(capital=True),
                )
            )
        if "email" not in claims or "email_verified" not in claims:
            # Many providers put profile claims only in the userinfo answer.
            info = client.userinfo(token=token)
            if info.get("sub") != claims.get("sub"):
                raise SsoRefused(
                    gettext(
                        "%(provider)s answered for someone else. Please try again.",
                        provider=provider_name(capital=True),
                    )
                )
            claims = {**info, **claims}
    except SsoRefused:
        raise
    except OAuthError as error:
        log.info("SSO: refused at the callback: %s %s", error.error, error.description)
        if error.error == "access_denied":
            raise SsoRefused(
                gettext("The sign-in at %(provider)s was cancelled.", provider=provider_name())
            ) from error
        if error.error == "mismatching_state":
            raise SsoRefused(
                gettext(
                    "That sign-in was started in another tab or has expired. Please start again."
                )
            ) from error
        raise SsoRefused(
            gettext(
                "The sign-in at %(provider)s did not complete (%(error)s). Please start again.",
                provider=provider_name(),
                error=error.error,
            )
        ) from error
    except JoseError as error:
        log.warning("SSO: an ID token failed its checks: %s", error)
        raise SsoRefused(
            gettext(
                "The answer from %(provider)s could not be verified. Please start again.",
                provider=provider_name(),
            )
        ) from error
    except (RequestException, ValueError) as error:
        log.warning("SSO: the provider could not be reached at the callback: %s", error)
        raise _unreachable() from error
    identity = identity_from_claims(claims)
    id_token = token.get("id_token")
    session[_ID_TOKEN] = id_token if id_token and len(id_token) <= ID_TOKEN_KEPT_UP_TO else None
    return identity


def sign_out_url(row: UserSession | None, return_to: str) -> str | None:
    """Where the browser goes after the local sign-out of ``row``: the provider's
    ``end_session_endpoint`` (with ``id_token_hint``, ``client_id`` and
    ``post_logout_redirect_uri`` = ``return_to``) when ``row`` was an SSO sign-in and the
    provider offers one on the issuer's own origin; else None.

    The local session has ended either way; this only signs the person out at the
    provider too, so the next "Sign in with …" asks who they are again."""
    id_token = session.pop(_ID_TOKEN, None)
    if row is None or row.method != "sso" or not sso_enabled():
        return None
    try:
        client = provider()
        endpoint = client.load_server_metadata().get("end_session_endpoint")
        if not endpoint or _origin(endpoint) != _origin(current_app.config["OIDC_ISSUER"]):
            # Pages let their forms lead to the issuer's origin only (audit/web/security.py).
            return None
        logout = client.create_logout_url(
            post_logout_redirect_uri=return_to, id_token_hint=id_token, client_id=client.client_id
        )
        return logout["url"]
    except (RequestException, ValueError, KeyError) as error:
        log.warning("SSO: no sign-out at the provider, it could not be reached: %s", error)
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _unreachable() -> SsoRefused:
    return SsoRefused(
        gettext(
            "%(provider)s cannot be reached just now. Try again in a moment, "
            "or sign in with your password if you have one.",
            provider=provider_name(capital=True),
        )
    )
