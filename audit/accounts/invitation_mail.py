"""The invitation mail: what it says, and sending it from the task queue.

A page that invites never waits for the SMTP server: it commits the invitation and
queues :func:`send_invitation_mails` (:func:`queue_invitation_mails`), which mails every
invitation of the batch over one connection and records on each link whether the server
took it (``mailed_at``) or not (``mail_failed_at``). A refused mail is visible: the
waiting invitations list marks it "mail failed" with buttons to send it again or show a
new link to pass on, and the inviter gets a notification. When mail is not set up at
all, nothing is queued and the page shows the inviter the link at once, as before.

The command line (``users invite``) is no request: it sends at once through
:func:`mail_invitations`, which records the outcome the same way, and prints it.

The mail is in the invited person's language (:func:`audit.languages.recipient_language`:
the installation default until they choose one), whoever invited them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from babel.dates import format_date
from flask import current_app, has_request_context, request
from flask_babel import force_locale, get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from audit.accounts.invitations import Invitation
from audit.accounts.links import LinkError, find_link
from audit.accounts.mail import mail_configured
from audit.accounts.secrets import digest
from audit.extensions import db
from audit.languages import recipient_language
from audit.models import AccountLink, LinkPurpose, Role
from audit.notifications.mailer import MailSettings, OutgoingMail, send_messages
from audit.notifications.service import SUBJECT_PREFIX, notify
from audit.tasks import enqueue

__all__ = [
    "MAIL_TASK",
    "SUBJECT",
    "mail_invitations",
    "expiry",
    "invitation_text",
    "mail_states",
    "queue_invitation_mails",
    "send_invitation_mails",
]

log = logging.getLogger(__name__)

SUBJECT = _l("You are invited to Service Audit")
#: Who invited whom as what, one whole sentence per role (a translation words each its way).
INVITED_AS = {
    Role.ADMIN: _l("%(inviter)s has invited you to Service Audit as an administrator."),
    Role.MANAGER: _l("%(inviter)s has invited you to Service Audit as a manager."),
    Role.ASSESSOR: _l("%(inviter)s has invited you to Service Audit as an assessor."),
    Role.SHOPPER: _l("%(inviter)s has invited you to Service Audit as a mystery shopper."),
    Role.STAFF: _l("%(inviter)s has invited you to Service Audit as a staff member."),
}
#: The task that mails a batch of invitations (:func:`send_invitation_mails`).
MAIL_TASK = "audit.accounts.invitation_mail:send_invitation_mails"
#: Where the inviter's "mail failed" notification leads.
WAITING_LIST_PATH = "/invitations"


def invitation_text(invitation: Invitation) -> tuple[str, str]:
    """The subject and the plain-text body of ``invitation``'s mail, in the language of
    the person invited."""
    with force_locale(recipient_language(invitation.user)):
        return str(SUBJECT), _body(invitation)


def _body(invitation: Invitation) -> str:
    user = invitation.user
    inviter = invitation.inviter.name if invitation.inviter else gettext("An administrator")
    lines = [
        gettext("Hello %(name)s,", name=user.name),
        "",
        INVITED_AS[user.role] % {"inviter": inviter},
    ]
    if user.regions:
        regions = ", ".join(r.name for r in user.regions)
        lines.append(gettext("You will work with the regions %(regions)s.", regions=regions))
    if user.staff_member is not None:
        member = user.staff_member
        lines.append(
            gettext(
                "The account is for %(name)s at %(branch)s.",
                name=member.name,
                branch=member.branch.name,
            )
        )
    if invitation.inviter:
        until = gettext(
            "The link works once, until %(when)s. If it has expired, ask them to send a new one.",
            when=expiry(invitation),
        )
    else:
        until = gettext(
            "The link works once, until %(when)s. "
            "If it has expired, ask an administrator to send a new one.",
            when=expiry(invitation),
        )
    lines += [
        "",
        gettext("Open this link to choose your password; you are signed in straight away:"),
        "",
        invitation.url,
        "",
        until,
        "",
        gettext(
            "If you were not expecting this invitation, you can ignore this e-mail: "
            "no account is usable until a password is chosen."
        ),
    ]
    return "\n".join(lines) + "\n"


def expiry(invitation: Invitation) -> str:
    """When the link stops working, in words of the current language: "Sunday 13
    December 2026 at 22:50 UTC"."""
    at = invitation.expires_at.astimezone(UTC)
    # TRANSLATORS: a Babel date pattern (EEEE weekday, d day, MMMM month, y year).
    day = format_date(at.date(), gettext("EEEE d MMMM y"), locale=get_locale() or "en")
    time = f"{at:%H:%M}"
    return gettext("%(day)s at %(time)s UTC", day=day, time=time)


# --- from a request: the queue ------------------------------------------------------------


def queue_invitation_mails(invitations: Sequence[Invitation]) -> bool:
    """Queue the mail of ``invitations``; False when mail is not set up (nothing queued:
    the caller shows the links).

    Call it before the request's last commit: a task queued inside a transaction is handed
    over when it commits (outside one, at once), and dropped if it never does."""
    if not invitations or not mail_configured():
        return False
    link_base = request.url_root if has_request_context() else ""
    enqueue(MAIL_TASK, tokens=[inv.token for inv in invitations], link_base=link_base)
    return True


def send_invitation_mails(tokens: list[str], link_base: str = "") -> int:
    """The background task: mail each invitation of ``tokens`` whose link still works and
    was not mailed yet (one sent again or withdrawn meanwhile is skipped); how many went.

    The token travels in the task because the mail must carry it and the database keeps
    only its digest; a link replaced before the task runs is never mailed."""
    invitations = []
    for token in tokens:
        try:
            link = find_link(token, LinkPurpose.INVITE)
        except LinkError:
            continue
        if link.mailed_at is not None or not link.user.invitation_pending:
            continue
        invitations.append(
            Invitation(link.user, token, link.created_by, link.expires_at, link_base)
        )
    return sum(mail_invitations(invitations))


# --- sending and recording ----------------------------------------------------------------


def mail_invitations(invitations: Sequence[Invitation]) -> list[bool]:
    """Mail ``invitations`` now over one connection, record each outcome on its link,
    tell each inviter of the mails refused, commit; for each, True when the server took it
    (all False, and nothing recorded, when mail is not set up)."""
    settings = MailSettings.from_config(current_app.config)
    if settings is None or not invitations:
        return [False] * len(invitations)
    mails = []
    for key, invitation in enumerate(invitations):
        subject, body = invitation_text(invitation)
        mails.append(OutgoingMail(key, invitation.user.email, SUBJECT_PREFIX + subject, body))
    taken = set(send_messages(settings, mails))
    sent = [key in taken for key in range(len(invitations))]
    now = datetime.now(UTC)
    links = _links_of([inv.token for inv in invitations])
    for invitation, ok in zip(invitations, sent, strict=True):
        link = links.get(digest(invitation.token))
        if link is None:
            continue
        if ok:
            link.mailed_at, link.mail_failed_at = now, None
        else:
            link.mail_failed_at = now
            _tell_inviter(invitation)
    db.session.commit()
    return sent


def _links_of(tokens: list[str]) -> dict[str, AccountLink]:
    hashes = [digest(token) for token in tokens]
    rows = db.session.scalars(select(AccountLink).where(AccountLink.token_hash.in_(hashes)))
    return {row.token_hash: row for row in rows}


def _tell_inviter(invitation: Invitation) -> None:
    user = invitation.user
    log.warning("the invitation mail to user %s was not taken by the mail server", user.id)
    if invitation.inviter is not None:
        notify(
            [invitation.inviter],
            "invitation.mail_failed",
            _l(
                "The invitation mail to %(name)s (%(email)s) could not be sent. "
                "Send it again, or show a new link to pass on, from the waiting invitations.",
                name=user.name,
                email=user.email,
            ),
            WAITING_LIST_PATH,
        )


def mail_states(user_ids: Sequence[int]) -> dict[int, str]:
    """For each waiting account, what became of its live invitation link's mail:
    ``"failed"``, ``"mailed"`` or ``"sending"`` (absent: no live link)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(AccountLink.user_id, AccountLink.mailed_at, AccountLink.mail_failed_at)
        .where(
            AccountLink.user_id.in_(user_ids),
            AccountLink.purpose == LinkPurpose.INVITE,
            AccountLink.used_at.is_(None),
            AccountLink.revoked_at.is_(None),
            AccountLink.expires_at > datetime.now(UTC),
        )
        .order_by(AccountLink.created_at)
    )
    states: dict[int, str] = {}
    for user_id, mailed_at, failed_at in rows:  # the newest link wins
        states[user_id] = "mailed" if mailed_at else "failed" if failed_at else "sending"
    return states
