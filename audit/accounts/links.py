"""Single-use links mailed to a person: an invitation to join, a password reset.

The link carries a random token; the database keeps its digest, when it expires, and
when it was used or revoked. Using one is a conditional UPDATE, so two tabs (or two
workers) racing with the same link cannot both succeed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select, update

from audit.accounts.secrets import digest, new_secret
from audit.extensions import db
from audit.models import AccountLink, LinkPurpose, User
from audit.service_errors import FieldError


class LinkError(FieldError):
    """The link cannot be used; the message says why in plain words."""


def issue_link(
    user: User, purpose: LinkPurpose, lifetime: timedelta, created_by: User | None = None
) -> str:
    """A new link token for ``user``; earlier unused links of the same purpose stop working."""
    revoke_links(user, purpose)
    token = new_secret()
    db.session.add(
        AccountLink(
            user=user,
            purpose=purpose,
            token_hash=digest(token),
            expires_at=datetime.now(UTC) + lifetime,
            created_by=created_by,
        )
    )
    return token


def find_link(token: str, purpose: LinkPurpose) -> AccountLink:
    """The live link for ``token``, or :class:`LinkError` saying why it cannot be used."""
    link = db.session.scalar(
        select(AccountLink).where(
            AccountLink.token_hash == digest(token), AccountLink.purpose == purpose
        )
    )
    invite = purpose is LinkPurpose.INVITE  # each sentence whole: languages differ by noun
    if link is None:
        raise LinkError(
            gettext("This invitation is not valid. Check that you copied the whole link.")
            if invite
            else gettext(
                "This password reset link is not valid. Check that you copied the whole link."
            )
        )
    if link.used_at is not None:
        raise LinkError(
            gettext("This invitation has already been used.")
            if invite
            else gettext("This password reset link has already been used.")
        )
    if link.revoked_at is not None:
        raise LinkError(
            gettext("This invitation was replaced or withdrawn. Use the newest one you received.")
            if invite
            else gettext(
                "This password reset link was replaced or withdrawn. "
                "Use the newest one you received."
            )
        )
    if link.expires_at <= datetime.now(UTC):
        raise LinkError(
            gettext("This invitation has expired. Ask for a new one.")
            if invite
            else gettext("This password reset link has expired. Ask for a new one.")
        )
    if not link.user.active:
        raise LinkError(gettext("This account has been deactivated. Ask an administrator."))
    return link


def use_link(link: AccountLink) -> None:
    """Mark ``link`` used, or :class:`LinkError` when another request used it first."""
    result = db.session.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise LinkError(gettext("This link has already been used."))


def revoke_links(user: User, purpose: LinkPurpose) -> int:
    """Withdraw every unused link of ``purpose`` for ``user``; returns how many."""
    result = db.session.execute(
        update(AccountLink)
        .where(
            AccountLink.user_id == user.id,
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
            AccountLink.revoked_at.is_(None),
        )
        .values(revoked_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
