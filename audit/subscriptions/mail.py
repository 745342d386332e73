"""The mail of a scheduled report, sent by a task of the queue (:mod:`audit.tasks`).

The PDF goes as an attachment rather than a link: the recipients are managers reading on
a phone or offline, the file is a few hundred kilobytes, and a link would make them sign
in to read what they asked to be sent. The mail links to the live dashboard of the same
unit and period instead, and to a one-click unsubscribe (:mod:`.unsubscribe`).

The task reads the PDF from storage (:mod:`audit.storage`), so the worker that mails need
not be the one that rendered it. Recipients are checked again here: someone whose
regions changed since the report was made gets nothing.

Each recipient reads the mail and the PDF in their own language
(:func:`audit.languages.recipient_language`): the job draws the PDF once per language
among the recipients, and the task is handed the key of each.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from flask import current_app
from flask_babel import force_locale, gettext

from audit.extensions import db
from audit.languages import recipient_language
from audit.models import ReportFrequency, ReportSubscription, User
from audit.notifications.mailer import MailAttachment, MailSettings, OutgoingMail, send_messages
from audit.notifications.service import SUBJECT_PREFIX, absolute_link
from audit.storage import ObjectMissing, storage
from audit.subscriptions.periods import Period, day_label
from audit.subscriptions.service import current_recipients, dashboard_path, unit_name
from audit.subscriptions.unsubscribe import unsubscribe_path

__all__ = ["MAIL_TASK", "report_mail", "send_report_mail"]

log = logging.getLogger(__name__)

#: The task that mails one subscription's PDF for one period (:func:`send_report_mail`).
MAIL_TASK = "audit.subscriptions.mail:send_report_mail"


def report_mail(
    subscription: ReportSubscription, period: Period, user: User, pdf: bytes, filename: str
) -> OutgoingMail:
    """The mail of ``subscription``'s report for ``period`` to ``user``, in their language."""
    dashboard = absolute_link(dashboard_path(subscription, period))
    unsubscribe = absolute_link(unsubscribe_path(subscription.id, user.id))
    with force_locale(recipient_language(user)):
        report, label = unit_name(subscription), period.label
        body = _body(subscription, period, user, report, label, dashboard, unsubscribe)
    return OutgoingMail(
        key=user.id,
        to=user.email,
        subject=f"{SUBJECT_PREFIX}{report}: {label}",
        body=body,
        headers=(
            ("List-Unsubscribe", f"<{unsubscribe}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ),
        attachments=(MailAttachment(filename, pdf),),
    )


def _body(
    subscription: ReportSubscription,
    period: Period,
    user: User,
    report: str,
    label: str,
    dashboard: str,
    unsubscribe: str,
) -> str:
    values = {
        "report": report,
        "period": label,
        "start": day_label(period.start),
        "end": day_label(period.end),
    }
    if subscription.frequency is ReportFrequency.WEEKLY:
        attached = gettext(
            "The weekly report on %(report)s for %(period)s (%(start)s to %(end)s) is "
            "attached as a PDF.",
            **values,
        )
    else:
        attached = gettext(
            "The monthly report on %(report)s for %(period)s (%(start)s to %(end)s) is "
            "attached as a PDF.",
            **values,
        )
    if subscription.owner_id == user.id:
        why = gettext(
            "You receive this report because you subscribed to it. To stop receiving it, open:"
        )
    else:
        owner = f"{subscription.owner.name} ({subscription.owner.email})"
        why = gettext(
            "You receive this report because %(owner)s subscribed you to it. "
            "To stop receiving it, open:",
            owner=owner,
        )
    parts = (
        gettext("Hello %(name)s,", name=user.name),
        attached,
        gettext("The same figures, live, on the dashboard:") + "\n" + dashboard,
        why + "\n" + unsubscribe,
    )
    return "\n\n".join(parts) + "\n"


def send_report_mail(
    subscription_id: int,
    period_start: str,
    period_end: str,
    filename: str,
    keys: dict[str, str] | None = None,
    key: str = "",
) -> int:
    """The background task: mail each current recipient the PDF of their language, stored
    at ``keys[language]``; records on the subscription whether every mail went; returns
    how many did. (``key``, one PDF for everyone, is what a task queued by an earlier
    version carries.)"""
    settings = MailSettings.from_config(current_app.config)
    subscription = db.session.get(ReportSubscription, subscription_id)
    if settings is None or subscription is None:
        return 0
    period = Period(date.fromisoformat(period_start), date.fromisoformat(period_end))
    pdfs = _stored_pdfs({**({"": key} if key else {}), **(keys or {})}, subscription_id)
    if not pdfs:
        return 0
    # A recipient whose language changed since the PDFs were drawn gets one of the others.
    fallback = pdfs.get(recipient_language(subscription.owner)) or next(iter(pdfs.values()))
    recipients = current_recipients(subscription)
    mails = [
        report_mail(
            subscription, period, user, pdfs.get(recipient_language(user), fallback), filename
        )
        for user in recipients
    ]
    sent = set(send_messages(settings, mails))
    refused = [u.email for u in recipients if u.id not in sent]
    if refused:
        with force_locale(recipient_language(subscription.owner)):
            subscription.last_mail_error = gettext(
                "The mail server did not take the %(period)s report for %(emails)s.",
                period=period.label,
                emails=", ".join(refused),
            )
    else:
        subscription.last_sent_at = datetime.now(UTC)
        subscription.last_mail_error = ""
    db.session.commit()
    return len(sent)


def _stored_pdfs(keys: dict[str, str], subscription_id: int) -> dict[str, bytes]:
    """The PDF of each language from storage; a missing one is logged and left out."""
    pdfs = {}
    for language, key in keys.items():
        try:
            pdfs[language] = storage().get(key)
        except ObjectMissing:
            log.error("the report %s of subscription %s is not in storage", key, subscription_id)
    return pdfs
