"""When the periodic work runs: one table, read by the scheduler, the cron lines and README.

With ``REDIS_URL`` set, ``flask --app wsgi jobs schedule`` runs RQ's own cron scheduler
(``rq.cron``, kept by the RQ project rather than written here): at each entry's time it
puts the entry's task on the task queue (``TASK_QUEUE``), and ``flask --app wsgi report
worker`` runs it like any other task (:func:`audit.tasks.run_task`). Run one scheduler for
the installation (it refuses to start beside a live one) and as many workers as needed.

Without Redis (one machine), the system's cron runs each job instead, one line per entry
(``flask --app wsgi jobs list --crontab`` prints them); so does any installation that
prefers cron to a scheduler process. ``flask --app wsgi jobs run NAME`` runs one now.

Times are cron fields (minute hour day month weekday) in the local time of the host that
schedules (its ``TZ``). A job run twice does nothing twice, except ``action-reminders``,
which reminds again.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

__all__ = ["SCHEDULE", "PeriodicJob", "cron_scheduler", "crontab", "find", "live_schedulers"]

#: How long RQ lets a periodic job run, and keeps its result for the operator to read.
JOB_TIMEOUT_SECONDS = 1800
RESULT_TTL_SECONDS = 86400

_DAILY = "audit.jobs.daily"


@dataclass(frozen=True)
class PeriodicJob:
    name: str  #: ``flask --app wsgi jobs run NAME``
    cron: str  #: minute hour day month weekday, the scheduling host's local time
    task: str  #: ``"module:function"``, run by the task queue
    what: str  #: one line for the operator
    command: str = ""  #: the command that does the same by hand, with options


#: The periodic work of the installation. A new periodic job is a task function and a line.
SCHEDULE: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        "mark-overdue",
        "*/15 * * * *",  # a window ends at its branch's midnight, in any zone
        f"{_DAILY}:mark_assignments_overdue",
        "assignments whose window ended at the branch's midnight, nothing sent, become overdue",
        "assignments mark-overdue",
    ),
    PeriodicJob(
        "propose-actions",
        "30 1 * * *",
        f"{_DAILY}:propose_actions",
        "corrective actions from the last 90 days' critical and recurring fails",
        "actions propose",
    ),
    PeriodicJob(
        "prune-report-jobs",
        "0 3 * * *",
        f"{_DAILY}:prune_report_jobs",
        "report PDFs made by jobs more than 7 days ago are deleted",
    ),
    PeriodicJob(
        "prune-api-answers",
        "10 3 * * *",
        "audit.api.idempotency:prune_stored_answers",
        "answers kept for the API's Idempotency-Key more than 24 hours ago are deleted",
    ),
    PeriodicJob(
        "retention",
        "30 3 * * *",
        "audit.jobs.retention:apply_retention",
        "photos, comments and personal data past their retention settings are removed",
        "retention apply",
    ),
    PeriodicJob(
        "action-reminders",
        "0 7 * * *",
        f"{_DAILY}:remind_action_owners",
        "the owners of overdue actions are reminded",
        "actions remind",
    ),
    PeriodicJob(
        "send-scheduled-reports",
        "0 6 * * *",
        "audit.jobs.subscriptions:send_scheduled_reports",
        "scheduled report PDFs of the week or month just ended are made and mailed",
    ),
    PeriodicJob(
        "coaching-reminders",
        "5 7 * * *",
        f"{_DAILY}:remind_coaching_follow_ups",
        "authors of coaching notes whose follow-up is due are reminded",
        "coaching remind",
    ),
    PeriodicJob(
        "send-pending-mail",
        "15 * * * *",
        f"{_DAILY}:retry_notification_mails",
        "notification e-mails of the last 24 hours and scheduled reports of the last 7 days "
        "that failed are tried again",
    ),
    PeriodicJob(
        "send-webhooks",
        "* * * * *",
        f"{_DAILY}:send_webhooks",
        "webhook deliveries whose retry is due (or whose hand-over was lost) are sent",
        "webhooks send-due",
    ),
)


def find(name: str) -> PeriodicJob:
    """The job called ``name``; LookupError naming the known ones."""
    for job in SCHEDULE:
        if job.name == name:
            return job
    raise LookupError(f"no job {name!r}; the jobs are {', '.join(j.name for j in SCHEDULE)}")


def crontab(folder: str, flask: str) -> list[str]:
    """One cron line per job: in ``folder`` (the app's), ``flask --app wsgi jobs run NAME``."""
    run = f"cd {shlex.quote(folder)} && {shlex.quote(flask)} --app wsgi jobs run"
    return [f"{job.cron} {run} {job.name}" for job in SCHEDULE]


# --- RQ's cron scheduler -------------------------------------------------------------------


def cron_scheduler(connection: Any, queue_name: str) -> Any:
    """An ``rq.cron.CronScheduler`` on ``connection`` with every job of :data:`SCHEDULE`
    registered to put its task on ``queue_name`` at its time (``start()`` runs it)."""
    from rq.cron import CronScheduler

    from audit.tasks import resolve, run_task

    scheduler = CronScheduler(connection=connection)
    for job in SCHEDULE:
        resolve(job.task)  # a wrong name fails at start, not at one in the morning
        scheduler.register(
            run_task,
            queue_name,
            args=(job.task, {}),
            cron=job.cron,
            name=job.name,
            job_timeout=JOB_TIMEOUT_SECONDS,
            result_ttl=RESULT_TTL_SECONDS,
            meta={"periodic_job": job.name},
        )
    return scheduler


def live_schedulers(connection: Any, queue_name: str) -> list[Any]:
    """Cron schedulers alive on ``connection`` (a heartbeat in the last two minutes) that
    queue this installation's jobs on ``queue_name``: a second one would queue each twice."""
    from rq.cron import CronScheduler

    names = {job.name for job in SCHEDULE}
    return [
        scheduler
        for scheduler in CronScheduler.all(connection)
        if any(j.name in names and j.queue_name == queue_name for j in scheduler.get_jobs())
    ]
