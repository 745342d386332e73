"""The daily work as tasks of the queue: each calls the service function its command calls.

These are what :data:`audit.jobs.schedule.SCHEDULE` names. A worker runs them (RQ, via
:func:`audit.tasks.run_task`, inside the app context), or ``flask --app wsgi jobs run
NAME`` runs one in its own process. Each commits its own work and says what it did in a
sentence, which RQ keeps as the job's result. The notifications a reminder adds are
mailed by tasks of their own, queued when the reminder commits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from audit.actions.proposals import propose_all
from audit.actions.service import remind_overdue
from audit.assignments.service import mark_overdue
from audit.coaching.service import remind_due_follow_ups
from audit.extensions import db
from audit.jobs.reports import KEEP_DAYS, JobStore
from audit.notifications.service import deliver_pending
from audit.subscriptions.mail import deliver_pending_reports
from audit.webhooks.delivery import send_due

#: How far back ``send-pending-mail`` looks, as ``notifications send-pending`` does.
RETRY_MAIL_HOURS = 24


def mark_assignments_overdue() -> str:
    count = mark_overdue()
    db.session.commit()
    return f"{count} assignment(s) marked overdue"


def propose_actions() -> str:
    critical, recurring = propose_all(None, None)
    db.session.commit()
    return f"{critical} critical-fail and {recurring} recurring-issue action(s) proposed"


def remind_action_owners() -> str:
    count = remind_overdue()
    db.session.commit()
    return f"the owners of {count} overdue action(s) reminded"


def remind_coaching_follow_ups() -> str:
    count = remind_due_follow_ups()
    db.session.commit()
    return f"{count} follow-up reminder(s) added"


def retry_notification_mails() -> str:
    """Notification mails of the last day, and scheduled reports of the last week, that the
    SMTP server did not take."""
    count = deliver_pending(datetime.now(UTC) - timedelta(hours=RETRY_MAIL_HOURS))
    reports = deliver_pending_reports()
    return f"{count} notification e-mail(s) and {reports} scheduled report e-mail(s) sent"


def send_webhooks() -> str:
    count = send_due()
    return f"{count} webhook delivery(ies) sent"


def prune_report_jobs() -> str:
    count = JobStore.from_app().prune(KEEP_DAYS)
    return f"{count} report job(s) older than {KEEP_DAYS} days deleted"
