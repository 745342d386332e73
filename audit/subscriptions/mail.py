"""The mail of a scheduled report, sent by a task of the queue (:mod:`audit.tasks`).

The PDF goes as an attachment rather than a link: the recipients are managers reading on
a phone or offline, the file is a few hundred kilobytes, and a link would make them sign
in to read what they asked to be sent. The mail links to the live dashboard of the same
unit and period instead, and to a one-click unsubscribe (:mod:`.unsubscribe`).

The task reads the PDF from storage (:mod:`audit.storage`), so the worker that mails need
not be the one that rendered it. Recipients are checked again here: someone whose
regions changed since the report was made gets nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from flask import current_app

from audit.extensions import db
from audit.models import ReportSubscription, User
from audit.notifications.mailer import MailAttachment, MailSettings, OutgoingMail, send_messages
from audit.notifications.service import SUBJECT_PREFIX, absolute_link
from audit.storage import ObjectMissing, storage
from audit.subscriptions.periods import Period
from audit.subscriptions.service import current_recipients, dashboard_path, unit_name
from audit.subscriptions.unsubscribe import unsubscribe_path

__all__ = ["MAIL_TASK", "report_mail", "send_report_mail"]

log = logging.getLogger(__name__)

#: The task that mails one subscription's PDF for one period (:func:`send_report_mail`).
MAIL_TASK = "audit.subscriptions.mail:send_report_mail"


def report_mail(
    subscription: ReportSubscription, period: Period, user: User, pdf: bytes, filename: str
) -> OutgoingMail:
    """The mail of ``subscription``'s report for ``period`` to ``user``."""
    report = unit_name(subscription)
    dashboard = absolute_link(dashboard_path(subscription, period))
    unsubscribe = absolute_link(unsubscribe_path(subscription.id, user.id))
    by = (
        "you"
        if subscription.owner_id == user.id
        else f"{subscription.owner.name} ({subscription.owner.email})"
    )
    body = (
        f"Hello {user.name},\n\n"
        f"The {subscription.frequency.value} report on {report} for {period.label} "
        f"({period.start:%d %b %Y} to {period.end:%d %b %Y}) is attached as a PDF.\n\n"
        f"The same figures, live, on the dashboard:\n{dashboard}\n\n"
        f"You receive this report because {by} subscribed you to it. "
        f"To stop receiving it, open:\n{unsubscribe}\n"
    )
    return OutgoingMail(
        key=user.id,
        to=user.email,
        subject=f"{SUBJECT_PREFIX}{report}: {period.label}",
        body=body,
        headers=(
            ("List-Unsubscribe", f"<{unsubscribe}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ),
        attachments=(MailAttachment(filename, pdf),),
    )


def send_report_mail(
    subscription_id: int, period_start: str, period_end: str, key: str, filename: str
) -> int:
    """The background task: mail the PDF stored at ``key`` to each current recipient;
    records on the subscription whether every mail went; returns how many did."""
    settings = MailSettings.from_config(current_app.config)
    subscription = db.session.get(ReportSubscription, subscription_id)
    if settings is None or subscription is None:
        return 0
    period = Period(date.fromisoformat(period_start), date.fromisoformat(period_end))
    try:
        pdf = storage().get(key)
    except ObjectMissing:
        log.error("the report %s of subscription %s is not in storage", key, subscription_id)
        return 0
    recipients = current_recipients(subscription)
    mails = [report_mail(subscription, period, user, pdf, filename) for user in recipients]
    sent = set(send_messages(settings, mails))
    refused = [u.email for u in recipients if u.id not in sent]
    if refused:
        subscription.last_mail_error = (
            f"The mail server did not take the {period.label} report for {', '.join(refused)}."
        )
    else:
        subscription.last_sent_at = datetime.now(UTC)
        subscription.last_mail_error = ""
    db.session.commit()
    return len(sent)
