"""The periodic job of scheduled reports: make each due PDF, store it, queue its mail.

``send-scheduled-reports`` (:data:`audit.jobs.schedule.SCHEDULE`) runs every morning and
sends, for every active subscription, the week or month that has just ended, if that
period has not been sent (:func:`audit.subscriptions.service.due`). Running daily rather
than on Mondays and the first of the month means a morning the worker missed is made up
the next day.

For each subscription: draw the PDF with the report code the downloads use
(:mod:`audit.documents`), then, in one short transaction, claim the period (a conditional
UPDATE, so of two runs at the same moment one finds it taken and throws its PDF away),
store the PDF (:mod:`audit.storage`, kept only if the transaction commits), add the
period's mailing (:class:`~audit.models.ReportMailing`, which keeps a refused mail to be
tried again), queue its mail task (handed over after the commit) and commit. Drawing
first keeps the claim's write lock short, which matters on SQLite, where it holds up
every other writer. A report
that cannot be made rolls back: its period stays due for the next run, and the other
subscriptions go on.

The PDF is drawn once for each language among the recipients (usually one), so each
reads it, as the mail around it, in their own
(:func:`audit.languages.recipient_language`).
"""

from __future__ import annotations

import logging
from datetime import date

from flask import current_app
from flask_babel import force_locale

from audit.documents import branch_pdf, compare_pdf
from audit.extensions import db
from audit.languages import recipient_language
from audit.metrics import REPORT_JOBS
from audit.models import ReportMailing, ReportSubscription, ReportUnit, record_event
from audit.storage import storage
from audit.storage.files import keep_if_committed
from audit.subscriptions.mail import MAILING_TASK
from audit.subscriptions.periods import Period
from audit.subscriptions.service import (
    claim,
    current_recipients,
    due,
    pdf_key,
    report_filter,
)
from audit.tasks import enqueue

__all__ = ["make_report", "send_scheduled_reports"]

log = logging.getLogger(__name__)


def send_scheduled_reports(today: str | None = None) -> str:
    """The task: every due subscription's report for its last finished period (as of
    ``today``, ISO date, for every subscription; by default each subscription's today in
    its zone: its branch's, else the installation's); says how many went to the mailer."""
    made = failed = 0
    for subscription_id, period in due(date.fromisoformat(today) if today else None):
        try:
            made += make_report(subscription_id, period)
        except Exception:
            db.session.rollback()
            failed += 1
            REPORT_JOBS.labels(event="failed").inc()
            log.exception("the scheduled report of subscription %s failed", subscription_id)
    words = f"{made} scheduled report(s) made and queued for mailing"
    if failed:
        words += f", {failed} failed (tried again at the next run)"
    if made and not current_app.config.get("APP_URL"):
        words += "; APP_URL is not set, so their links are paths, not addresses"
    return words


def make_report(subscription_id: int, period: Period) -> bool:
    """Draw, claim, store and queue one subscription's report for ``period``; False when
    another run has it or nobody may receive it any more."""
    subscription = db.session.get(ReportSubscription, subscription_id)
    recipients = current_recipients(subscription) if subscription is not None else []
    if subscription is None or not recipients:
        db.session.rollback()
        return False
    flt = report_filter(subscription, period)
    draw = branch_pdf if subscription.unit is ReportUnit.BRANCH else compare_pdf
    pdfs = {}
    for language in sorted({recipient_language(user) for user in recipients}):
        with force_locale(language):
            pdfs[language] = draw(flt)
    filename = _filename(subscription, period)
    db.session.rollback()  # end the reads: the claim below starts a short transaction
    if not claim(subscription_id, period):
        db.session.rollback()
        return False
    store = storage()
    keys = {language: pdf_key(subscription_id, period, language) for language in pdfs}
    for language, key in keys.items():
        store.put(key, pdfs[language], "application/pdf")
        keep_if_committed(store, key)
    record_event(
        None,
        "report_subscription.sent",
        subscription,
        period_start=period.start.isoformat(),
        period_end=period.end.isoformat(),
        keys=sorted(keys.values()),
    )
    mailing = ReportMailing(
        subscription_id=subscription_id,
        period_start=period.start,
        period_end=period.end,
        keys=keys,
        filename=filename,
    )
    db.session.add(mailing)
    db.session.flush()
    enqueue(MAILING_TASK, mailing_id=mailing.id)
    db.session.commit()
    REPORT_JOBS.labels(event="finished").inc()
    return True


def _filename(subscription: ReportSubscription, period: Period) -> str:
    if subscription.unit is ReportUnit.BRANCH and subscription.branch is not None:
        name = f"branch-{subscription.branch.code}"
    elif subscription.unit is ReportUnit.REGION:
        name = f"region-{subscription.region_id}"
    else:
        name = "comparison"
    return f"{name}-{period.start.isoformat()}-{period.end.isoformat()}.pdf"
