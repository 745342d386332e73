"""``flask report worker`` (the RQ worker that runs report jobs and tasks, needs REDIS_URL)
and ``flask jobs list | run | schedule`` (the periodic work of :mod:`audit.jobs.schedule`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from audit.jobs.reports import redis_url, rq_queue
from audit.jobs.schedule import SCHEDULE, cron_scheduler, crontab, find, live_schedulers
from audit.tasks import enqueue, run_task, task_queue, wait_for_tasks


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Run the queued jobs, then stop.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker for report jobs, background tasks and the scheduled jobs
    (needs REDIS_URL)."""
    from rq import SimpleWorker

    url = redis_url()
    if not url:
        raise click.ClickException(
            "REDIS_URL is not set: report jobs run inside the web process, no worker is needed"
        )
    queue = rq_queue(url)
    # SimpleWorker runs each job in this process, inside the app context, with the app's own
    # connection pool: a forked work horse would share the parent's database connections.
    tasks = task_queue(queue.connection)
    queues = [queue] if tasks.name == queue.name else [queue, tasks]
    SimpleWorker(queues, connection=queue.connection).work(burst=burst)


jobs_cli = AppGroup("jobs", help="The periodic jobs: list them, run one, run the scheduler.")


@jobs_cli.command("list")
@click.option(
    "--crontab",
    "as_crontab",
    is_flag=True,
    help="Print one cron line per job, for this folder and this installation's flask.",
)
def list_command(as_crontab: bool) -> None:
    """The schedule: each job's name, time (cron fields, local time) and what it does."""
    if as_crontab:
        flask = Path(sys.executable).with_name("flask")  # this installation's, in its venv
        for line in crontab(os.getcwd(), str(flask)):
            click.echo(line)
        return
    width = max(len(job.name) for job in SCHEDULE)
    for job in SCHEDULE:
        click.echo(f"{job.name:<{width}}  {job.cron:<11}  {job.what}")


@jobs_cli.command("run")
@click.argument("name", type=click.Choice([job.name for job in SCHEDULE]))
@click.option(
    "--enqueue",
    "on_queue",
    is_flag=True,
    help="Put it on the task queue for a worker instead of running it here.",
)
def run_command(name: str, on_queue: bool) -> None:
    """Run the periodic job NAME now (what the scheduler does at its time; for cron)."""
    job = find(name)
    if on_queue:
        if not redis_url():
            raise click.ClickException("REDIS_URL is not set: run it here, without --enqueue")
        enqueue(job.task)
        click.echo(f"{job.name}: queued for a worker.")
        return
    result = run_task(job.task, {})
    wait_for_tasks(timeout=300)  # the mails its notifications queued, without Redis
    click.echo(f"{job.name}: {result}.")


@jobs_cli.command("schedule")
def schedule_command() -> None:
    """Run RQ's cron scheduler: queue each periodic job at its time for `report worker`
    (needs REDIS_URL; run one for the installation)."""
    url = redis_url()
    if not url:
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, run the jobs from cron "
            "(`flask --app wsgi jobs list --crontab` prints the lines)"
        )
    queue_name = current_app.config["TASK_QUEUE"]
    connection = rq_queue(url).connection
    others = live_schedulers(connection, queue_name)
    if others:
        raise click.ClickException(
            f"a scheduler is already running ({', '.join(s.name for s in others)}): "
            "a second one would queue every job twice. After a crash, its entry clears "
            "within two minutes."
        )
    scheduler = cron_scheduler(connection, queue_name)
    click.echo(f"Scheduling {len(SCHEDULE)} jobs on the queue {queue_name!r}:")
    for job in SCHEDULE:
        click.echo(f"  {job.cron:<11}  {job.name}")
    scheduler.start()
