"""``flask report worker``: the RQ worker that runs report jobs and background tasks
(needs REDIS_URL)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from audit.jobs.queue import task_queue
from audit.jobs.reports import redis_url, rq_queue


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Run the queued jobs, then stop.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker for report jobs and background tasks (needs REDIS_URL)."""
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
