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

A period's mail is a :class:`~audit.models.ReportMailing` row until every current
recipient has it: a recipient the SMTP server refused (or every one, when it was down or
``MAIL_SERVER`` is not set) is tried again by the hourly ``send-pending-mail`` job
(:func:`deliver_pending_reports`) for :data:`RETRY_DAYS`, and nobody gets it twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from audit.extensions import db
from audit.languages import recipient_language
from audit.models import ReportFrequency, ReportMailing, ReportSubscription, User
from audit.notifications.mailer import MailAttachment, MailSettings, OutgoingMail, send_messages
from audit.notifications.service import SUBJECT_PREFIX, absolute_link
from audit.storage import ObjectMissing, storage
from audit.subscriptions.periods import Period, day_label
from audit.subscriptions.service import current_recipients, dashboard_path, unit_name
from audit.subscriptions.unsubscribe import unsubscribe_path

__all__ = [
    "MAILING_TASK",
    "MAIL_TASK",
    "RETRY_DAYS",
    "deliver_pending_reports",
    "report_mail",
    "send_report_mail",
    "send_report_mailing",
]

log = logging.getLogger(__name__)

#: The task that mails one period's report to whoever does not have it yet.
MAILING_TASK = "audit.subscriptions.mail:send_report_mailing"
#: The task an earlier version queued (no outbox row): still run if found in a queue.
MAIL_TASK = "audit.subscriptions.mail:send_report_mail"
#: How long a refused report mail is tried again: a week's report is old news after that.
RETRY_DAYS = 7


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


def send_report_mailing(mailing_id: int) -> int:
    """The background task: mail the period's report to each current recipient who does not
    have it yet; returns how many mails went. The row stays locked from the read to the
    commit (on PostgreSQL; skipping one another sender holds), so the task and a retry at
    the same moment never mail anyone twice."""
    mailing = db.session.scalars(
        select(ReportMailing)
        .where(ReportMailing.id == mailing_id, ReportMailing.done_at.is_(None))
        .with_for_update(skip_locked=True)
    ).first()
    if mailing is None:
        db.session.rollback()
        return 0
    subscription = mailing.subscription
    mailing.attempts += 1
    settings = MailSettings.from_config(current_app.config)
    pdfs = _stored_pdfs(mailing.keys, subscription.id)
    period = Period(mailing.period_start, mailing.period_end)
    if settings is None or not pdfs:
        with force_locale(recipient_language(subscription.owner)):
            _failed(
                mailing,
                gettext("MAIL_SERVER is not set: the %(period)s report waits.", period=period.label)
                if settings is None
                else gettext("The %(period)s report is no longer stored.", period=period.label),
            )
        db.session.commit()
        return 0
    fallback = pdfs.get(recipient_language(subscription.owner)) or next(iter(pdfs.values()))
    waiting = [u for u in current_recipients(subscription) if u.id not in mailing.sent_to]
    mails = [
        report_mail(
            subscription,
            period,
            user,
            pdfs.get(recipient_language(user), fallback),
            mailing.filename,
        )
        for user in waiting
    ]
    sent = set(send_messages(settings, mails))
    mailing.sent_to = [*mailing.sent_to, *(u.id for u in waiting if u.id in sent)]
    refused = [u.email for u in waiting if u.id not in sent]
    if refused:
        with force_locale(recipient_language(subscription.owner)):
            _failed(
                mailing,
                gettext(
                    "The mail server did not take the %(period)s report for %(emails)s.",
                    period=period.label,
                    emails=", ".join(refused),
                ),
            )
    else:
        mailing.done_at = subscription.last_sent_at = datetime.now(UTC)
        mailing.last_error = subscription.last_mail_error = ""
    db.session.commit()
    return len(sent)


def _failed(mailing: ReportMailing, error: str) -> None:
    mailing.last_error = mailing.subscription.last_mail_error = error
    log.warning("scheduled report mailing %s: %s", mailing.id, error)


def deliver_pending_reports(since: datetime | None = None) -> int:
    """Try again every report mailing made since ``since`` (by default :data:`RETRY_DAYS`
    ago) that some recipient still waits for; returns how many mails went."""
    since = since or datetime.now(UTC) - timedelta(days=RETRY_DAYS)
    pending = db.session.scalars(
        select(ReportMailing.id)
        .where(ReportMailing.done_at.is_(None), ReportMailing.created_at >= since)
        .order_by(ReportMailing.id)
    ).all()
    db.session.rollback()
    return sum(send_report_mailing(mailing_id) for mailing_id in pending)


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
