"""Single sign-on: which account an identity proven by the organisation's provider is.

The OpenID provider proves who someone is (``sso_client.py`` does the protocol); this
module decides which account here that is and whether it may sign in. The rules:

- the match is the provider's e-mail address, and only a *verified* one
  (``email_verified`` true): an address the provider has not checked could be anyone's;
- SSO never creates an account and never gives a role: an address with no account here
  is refused, and the role is always the one the account already has. An invitation
  waiting to be taken up may be accepted through SSO, except an administrator's, which
  is accepted only through the mailed link (nobody becomes an administrator by SSO);
- the provider's subject (``sub``, its stable id for the person) is kept at the first
  SSO sign-in; after that a different subject for the same address is refused, so a
  reused or re-assigned address at the provider cannot take the account over;
- a deactivated account is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Role, User, record_event
from audit.service_errors import FieldError
from audit.settings import get_role_set

log = logging.getLogger(__name__)

#: The role-set setting naming the roles that may sign in only through SSO.
SSO_ONLY_ROLES = "sso_only_roles"


class SsoRefused(FieldError):
    """A sign-in through the provider that cannot go on; ``str()`` says why, plainly."""


@dataclass(frozen=True)
class Identity:
    """What the provider says about the person, from the ID token (and userinfo)."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None = None


def sso_enabled() -> bool:
    """SSO is on when the provider's issuer and this app's client id are configured."""
    config = current_app.config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def provider_name(*, capital: bool = False) -> str:
    """The provider as the sign-in page names it ("Sign in with …"); ``capital`` for the
    start of a sentence."""
    name = current_app.config.get("OIDC_PROVIDER_NAME") or gettext("your organisation's sign-in")
    return name[:1].upper() + name[1:] if capital else name


def identity_from_claims(claims: Mapping[str, Any]) -> Identity:
    """The identity in verified claims; ``email_verified`` counts only when it is true
    (some providers send the string "true", which is accepted too)."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SsoRefused(
            gettext(
                "%(provider)s did not say who you are. Please try again.",
                provider=provider_name(capital=True),
            )
        )
    email = claims.get("email")
    verified = claims.get("email_verified")
    return Identity(
        subject=subject,
        email=email.strip().lower() if isinstance(email, str) and email.strip() else None,
        email_verified=verified is True or verified == "true",
        name=claims.get("name") if isinstance(claims.get("name"), str) else None,
    )


def account_for(identity: Identity) -> User:
    """The account ``identity`` signs in to, updated for this sign-in (subject kept at the
    first one, an invitation taken up) with its audit events; :class:`SsoRefused` with a
    plain message otherwise. The caller signs the person in and commits."""
    if not identity.email:
        raise SsoRefused(
            gettext(
                "%(provider)s did not share your e-mail address, so it cannot "
                "be matched to an account here. Ask your administrator.",
                provider=provider_name(capital=True),
            )
        )
    if not identity.email_verified:
        raise SsoRefused(
            gettext(
                "%(provider)s has not verified your e-mail address "
                "%(email)s, so it cannot be matched to an account here. Verify it there "
                "first, or ask your administrator.",
                provider=provider_name(capital=True),
                email=identity.email,
            )
        )
    user = db.session.scalar(select(User).where(func.lower(User.email) == identity.email))
    if user is None:
        raise SsoRefused(
            gettext(
                "There is no account for %(email)s here. Single sign-on does not create "
                "accounts: ask an administrator or your manager to invite you.",
                email=identity.email,
            )
        )
    if not user.active:
        raise SsoRefused(
            gettext("This account has been deactivated. Ask an administrator if you need access.")
        )
    if user.invitation_pending and user.role == Role.ADMIN:
        raise SsoRefused(
            gettext(
                "An administrator's invitation is accepted only through the link in the "
                "invitation e-mail. After that you can sign in here."
            )
        )
    first_link = user.sso_subject is None
    if first_link:
        holder = db.session.scalar(select(User.id).where(User.sso_subject == identity.subject))
        if holder is not None:
            _refuse_other_identity(user, identity, "the subject is another account's")
        user.sso_subject = identity.subject
    elif user.sso_subject != identity.subject:
        _refuse_other_identity(user, identity, "the subject differs from the one kept")
    if user.invitation_pending:
        user.joined_at = datetime.now(UTC)
        record_event(user, "user.invitation_accepted", user, method="sso")
    record_event(
        user,
        "user.sso_signed_in",
        user,
        issuer=current_app.config.get("OIDC_ISSUER"),
        first=first_link,
    )
    return user


def password_sign_in_refused(user: User) -> str | None:
    """Why ``user`` may not sign in with a password (their role signs in only through SSO),
    or None. Only while SSO is configured: without it nobody could sign in at all."""
    if not sso_enabled() or user.role not in get_role_set(SSO_ONLY_ROLES):
        return None
    name = provider_name()
    return gettext(
        "People in your role sign in through %(provider)s, not with a password here: "
        "use the “Sign in with %(provider)s” button above.",
        provider=name,
    )


def _refuse_other_identity(user: User, identity: Identity, why: str) -> None:
    log.warning("SSO sign-in to user %s refused: %s (subject %r)", user.id, why, identity.subject)
    raise SsoRefused(
        gettext(
            "Your sign-in at %(provider)s is not the one linked to the account "
            "%(email)s here. Ask an administrator to check the account.",
            provider=provider_name(capital=True),
            email=identity.email,
        )
    )
