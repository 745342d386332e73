"""The invitation mail: what it says, and sending one or hundreds over one connection.

Sent after the invitation is committed, so a link that arrives always works. Mail never
fails an invitation: when it is not set up or the server refuses, the caller shows the
inviter the link to pass on instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app

from audit.accounts.invitations import Invitation, role_with_article
from audit.notifications.mailer import MailSettings, OutgoingMail, send_messages
from audit.notifications.service import SUBJECT_PREFIX

SUBJECT = "You are invited to Service Audit"


def invitation_text(invitation: Invitation) -> tuple[str, str]:
    """The subject and the plain-text body of ``invitation``'s mail."""
    user = invitation.user
    inviter = invitation.inviter.name if invitation.inviter else "An administrator"
    lines = [
        f"Hello {user.name},",
        "",
        f"{inviter} has invited you to Service Audit as {role_with_article(user.role)}.",
    ]
    if user.regions:
        lines.append(f"You will work with the regions {', '.join(r.name for r in user.regions)}.")
    if user.staff_member is not None:
        member = user.staff_member
        lines.append(f"The account is for {member.name} at {member.branch.name}.")
    lines += [
        "",
        "Open this link to choose your password; you are signed in straight away:",
        "",
        invitation.url,
        "",
        f"The link works once, until {expiry(invitation)}. "
        f"If it has expired, ask {'them' if invitation.inviter else 'an administrator'} "
        "to send a new one.",
        "",
        "If you were not expecting this invitation, you can ignore this e-mail: "
        "no account is usable until a password is chosen.",
    ]
    return SUBJECT, "\n".join(lines) + "\n"


def expiry(invitation: Invitation) -> str:
    """When the link stops working, in words: "Sunday 13 December 2026 at 22:50 UTC"."""
    at = invitation.expires_at
    return f"{at:%A} {at.day} {at:%B %Y at %H:%M} UTC"


def mail_invitations(invitations: Sequence[Invitation]) -> list[bool]:
    """Send each invitation's mail, over one connection; for each, True when the server
    took it (all False when mail is not set up)."""
    settings = MailSettings.from_config(current_app.config)
    if settings is None or not invitations:
        return [False] * len(invitations)
    mails = []
    for key, invitation in enumerate(invitations):
        subject, body = invitation_text(invitation)
        mails.append(OutgoingMail(key, invitation.user.email, SUBJECT_PREFIX + subject, body))
    sent = set(send_messages(settings, mails))
    return [key in sent for key in range(len(invitations))]


def mail_invitation(invitation: Invitation) -> bool:
    """Send one invitation's mail; True when the server took it."""
    return mail_invitations([invitation])[0]
