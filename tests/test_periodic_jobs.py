"""The periodic jobs: one schedule, registered with RQ's cron scheduler, each job a task of
the queue that does what its command does; ``jobs run`` for cron, ``jobs schedule`` for RQ."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from rq.cron import CronJob
from sqlalchemy import select

from audit.extensions import db
from audit.jobs.reports import JobStatus, JobStore
from audit.jobs.schedule import SCHEDULE, cron_scheduler, live_schedulers
from audit.models import ApiToken, Assignment, AssignmentStatus, IdempotentRequest
from audit.tasks import resolve, run_task, wait_for_tasks
from tests.builders import TODAY, make_assignment, make_coaching_world, make_note, make_world
from tests.task_queues import REDIS_URL, work_off

DAILY_JOBS = {
    "mark-overdue",
    "propose-actions",
    "prune-report-jobs",
    "prune-api-answers",
    "retention",
    "action-reminders",
    "send-scheduled-reports",
    "coaching-reminders",
    "send-pending-mail",
    "send-webhooks",
}


def overdue_assignment(app: Flask) -> int:
    """An offered assignment whose window ended yesterday, nothing sent; its id."""
    with app.app_context():
        world = make_world()
        past = TODAY - timedelta(days=10)
        assignment = make_assignment(
            world.card, world.leeds, world.shopper, start=past, end=TODAY - timedelta(days=1)
        )
        db.session.commit()
        return assignment.id


def status_of(app: Flask, assignment_id: int) -> AssignmentStatus:
    with app.app_context():
        return db.session.scalar(select(Assignment.status).where(Assignment.id == assignment_id))


# --- the schedule -------------------------------------------------------------------------


def test_the_schedule_has_every_daily_job_once_with_a_task_and_a_valid_time():
    names = [job.name for job in SCHEDULE]
    assert len(names) == len(set(names)) and set(names) == DAILY_JOBS
    for job in SCHEDULE:
        assert CronJob(queue_name="q", func=run_task, cron=job.cron).next_enqueue_time, job
        assert callable(resolve(job.task)), job
        assert job.what


def test_the_cron_lines_run_each_job_by_name(runner):
    result = runner.invoke(args=["jobs", "list", "--crontab"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    flask = Path(sys.executable).with_name("flask")
    assert lines == [
        f"{job.cron} cd {os.getcwd()} && {flask} --app wsgi jobs run {job.name}" for job in SCHEDULE
    ]
    listing = runner.invoke(args=["jobs", "list"]).output
    assert all(job.name in listing and job.cron in listing for job in SCHEDULE)


# --- jobs run: each job does its command's work -------------------------------------------


@pytest.mark.parametrize("name", sorted(DAILY_JOBS))
def test_every_job_runs_on_an_empty_database(app: Flask, runner, name: str):
    result = runner.invoke(args=["jobs", "run", name])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{name}: ")


def test_jobs_run_marks_an_assignment_overdue(app: Flask, runner):
    assignment = overdue_assignment(app)
    result = runner.invoke(args=["jobs", "run", "mark-overdue"])
    assert result.exit_code == 0, result.output
    assert result.output == "mark-overdue: 1 assignment(s) marked overdue.\n"
    assert status_of(app, assignment) is AssignmentStatus.OVERDUE


def test_a_reminder_job_mails_its_notifications_before_it_ends(app: Flask, runner, smtp_server):
    """Without Redis the reminders' mails go by the in-process pool: ``jobs run`` waits for
    them, so a cron run does not end with mail unsent."""
    app.config.update(smtp_server.config())
    with app.app_context():
        world = make_coaching_world()
        note = make_note(world.alice, world.north_manager, "Talk again", visit=world.a_low)
        note.follow_up_on = TODAY
        db.session.commit()
        author = world.north_manager.email
    wait_for_tasks()
    smtp_server.inbox.messages.clear()  # the note's own mail to Alice
    result = runner.invoke(args=["jobs", "run", "coaching-reminders"])
    assert result.exit_code == 0, result.output
    assert "coaching-reminders: 1 follow-up reminder(s) added." in result.output
    assert [to for to, _ in smtp_server.inbox.messages] == [[author]]


def test_the_prune_job_deletes_report_jobs_past_their_week(app: Flask, runner):
    with app.app_context():
        store = JobStore.from_app()
        old, new = uuid.uuid4().hex, uuid.uuid4().hex
        now = datetime.now(UTC)
        for job_id, made in ((old, now - timedelta(days=8)), (new, now)):
            status = JobStatus(id=job_id, kind="compare", owner_id=None, title="x", params={})
            status.created_at = made.isoformat()
            store.save(status)
    result = runner.invoke(args=["jobs", "run", "prune-report-jobs"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert JobStore.from_app().get(old) is None
        assert JobStore.from_app().get(new) is not None


def test_the_api_answers_job_deletes_stored_answers_past_their_day(app: Flask, runner):
    """A stored answer copies the record it made (names, comments): it goes once the
    Idempotency-Key can no longer replay it, even if its token never sends another."""
    now = datetime.now(UTC)
    with app.app_context():
        world = make_world()
        token = ApiToken(user=world.manager, name="till", token_hash="f" * 64, prefix="sa_x")
        db.session.add(token)
        db.session.flush()
        for key, made in (("old", now - timedelta(hours=25)), ("new", now - timedelta(hours=23))):
            db.session.add(
                IdempotentRequest(
                    token_id=token.id,
                    key=key,
                    request_hash="0" * 64,
                    status=201,
                    body='{"comment": "Sam was friendly"}',
                    created_at=made,
                )
            )
        db.session.commit()
    result = runner.invoke(args=["jobs", "run", "prune-api-answers"])
    assert result.exit_code == 0, result.output
    assert "1 stored API answer(s) older than 24 hours deleted" in result.output
    with app.app_context():
        assert list(db.session.scalars(select(IdempotentRequest.key))) == ["new"]


def test_an_unknown_job_is_refused_with_the_names(runner):
    result = runner.invoke(args=["jobs", "run", "reindex-everything"])
    assert result.exit_code == 2
    assert "mark-overdue" in result.output and "send-pending-mail" in result.output


def test_without_redis_the_scheduler_points_to_cron(runner):
    for args in (["jobs", "schedule"], ["jobs", "run", "mark-overdue", "--enqueue"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert "REDIS_URL is not set" in result.output


# --- RQ's cron scheduler ------------------------------------------------------------------


def test_the_scheduler_registers_every_daily_job_on_the_task_queue(app: Flask, redis_queues):
    with app.app_context():
        scheduler = cron_scheduler(redis_queues.connection, redis_queues.name)
    jobs = {job.name: job for job in scheduler.get_jobs()}
    assert set(jobs) == DAILY_JOBS
    for entry in SCHEDULE:
        job = jobs[entry.name]
        assert job.cron == entry.cron
        assert job.queue_name == redis_queues.name
        assert job.func is run_task and job.args == (entry.task, {})
        assert job.next_enqueue_time is not None


def test_a_scheduled_job_goes_through_the_queue_and_does_its_work(app: Flask, redis_queues):
    assignment = overdue_assignment(app)
    with app.app_context():
        scheduler = cron_scheduler(redis_queues.connection, redis_queues.name)
    (cron_job,) = [job for job in scheduler.get_jobs() if job.name == "mark-overdue"]
    queued = cron_job.enqueue(redis_queues.connection)  # what the scheduler does at 01:00
    try:
        assert redis_queues.count == 1
        assert status_of(app, assignment) is AssignmentStatus.OFFERED  # not before a worker
        work_off(app, redis_queues)
        assert status_of(app, assignment) is AssignmentStatus.OVERDUE
        assert queued.latest_result().return_value == "1 assignment(s) marked overdue"
    finally:
        redis_queues.connection.zrem(cron_job.job_history_key, queued.id)


def test_jobs_run_enqueue_leaves_the_work_to_a_worker(app: Flask, runner, redis_queues):
    assignment = overdue_assignment(app)
    result = runner.invoke(args=["jobs", "run", "mark-overdue", "--enqueue"])
    assert result.exit_code == 0, result.output
    assert redis_queues.count == 1 and status_of(app, assignment) is AssignmentStatus.OFFERED
    assert app.test_cli_runner().invoke(args=["report", "worker", "--burst"]).exit_code == 0
    assert status_of(app, assignment) is AssignmentStatus.OVERDUE


#: ``flask --app wsgi jobs schedule`` for the test's app (its database, Redis and queue).
SCHEDULER = """
import sys
from pathlib import Path
from tests.conftest import make_app
app = make_app(sys.argv[1], Path(sys.argv[2]), REDIS_URL=sys.argv[3], TASK_QUEUE=sys.argv[4])
result = app.test_cli_runner().invoke(args=["jobs", "schedule"])
print(result.output)
sys.exit(result.exit_code)
"""


def test_jobs_schedule_runs_one_rq_cron_scheduler_until_stopped(
    app: Flask, redis_queues, tmp_path: Path
):
    """The command itself, in a process of its own: it registers with RQ, refuses a second
    scheduler for the same queue, and leaves the registry on SIGTERM."""
    connection, queue = redis_queues.connection, redis_queues.name
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCHEDULER, url, str(tmp_path / "scheduler"), REDIS_URL, queue],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not live_schedulers(connection, queue) and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[0].decode()
            time.sleep(0.2)
        (scheduler,) = live_schedulers(connection, queue)
        assert {job.name for job in scheduler.get_jobs()} == DAILY_JOBS

        second = app.test_cli_runner().invoke(args=["jobs", "schedule"])
        assert second.exit_code == 1
        assert "already running" in second.output
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert process.returncode == 0, output
    assert f"Scheduling {len(SCHEDULE)} jobs on the queue {queue!r}" in output
    assert live_schedulers(connection, queue) == []
