"""E-mail about a person's own account (an invitation, a reset link), through the mailer."""

from __future__ import annotations

from flask import current_app

from audit.notifications.mailer import MailSettings, OutgoingMail, send_messages
from audit.notifications.service import SUBJECT_PREFIX, absolute_link


def mail_configured() -> bool:
    return MailSettings.from_config(current_app.config) is not None


def send_account_mail(to: str, subject: str, body: str) -> bool:
    """Send one message now; True when the SMTP server took it, False when it did not or
    mail is not set up (the caller says so, or shows the link instead)."""
    settings = MailSettings.from_config(current_app.config)
    if settings is None:
        return False
    return bool(send_messages(settings, [OutgoingMail(0, to, SUBJECT_PREFIX + subject, body)]))


def full_url(path: str, base: str = "") -> str:
    """A path of this app as the address a mail can carry: ``APP_URL``, else ``base`` (the
    address a request came to, handed to a background task), else the request's."""
    return absolute_link(path, base)
