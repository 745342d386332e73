"""With Redis, what the RQ worker counts reaches the web host's /metrics.

The worker (``flask --app wsgi report worker --burst``) runs here in a process of its
own with a ``PROMETHEUS_MULTIPROC_DIR`` of its own, as on another host: it shares only
Redis, the database and the file store with the web app, which is this test's app,
answering /metrics in the test's process. A mail the worker could not send (the SMTP
port is closed) and a report job it made must both show there.

Other tests may count into the same Redis at the same time, so the counts are compared
as "at least one more"; ``test_shared_counters.py`` checks exact counts on keys of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from audit.config import PROJECT_ROOT
from audit.extensions import db
from audit.jobs import reports
from audit.reporting.filters import ReportFilter
from audit.tasks import enqueue
from tests.conftest import make_app, unavailable
from tests.mail_server import free_port
from tests.ops.metrics_text import samples, value

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/0"
#: Variables of the runner's environment that must not reach the worker.
NOT_PASSED = {
    "DATABASE_URL",
    "REDIS_URL",
    "STORAGE_URL",
    "METRICS_TOKEN",
    "PROMETHEUS_MULTIPROC_DIR",
    "MAIL_SERVER",
    "MAIL_PORT",
}


@dataclass
class Hosts:
    web: Flask
    worker_env: dict[str, str]


def redis_answers() -> None:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except RedisError as error:
        unavailable(f"Redis is not answering at {REDIS_URL} ({error})")


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[Hosts]:
    redis_answers()
    suffix = uuid.uuid4().hex[:8]
    shared = {
        "REDIS_URL": REDIS_URL,
        "REPORT_QUEUE": f"test-rep-{suffix}",
        "TASK_QUEUE": f"test-tasks-{suffix}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(free_port()),  # nothing listens there: every mail fails
        "MAIL_TIMEOUT": "2",
        "UPLOAD_FOLDER": str(tmp_path / "files"),
    }
    database = f"sqlite:///{tmp_path / 'audit.db'}"
    web = make_app(database, tmp_path, **shared | {"MAIL_PORT": int(shared["MAIL_PORT"])})
    with web.app_context():
        db.create_all()
        db.engine.dispose()
    worker_metrics = tmp_path / "worker-metrics"  # its host's own, made before it starts
    worker_metrics.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in NOT_PASSED}
    env |= shared | {
        "DATABASE_URL": database,
        "SECRET_KEY": "test-secret-key",
        "PROMETHEUS_MULTIPROC_DIR": str(worker_metrics),
        "LOG_FORMAT": "json",
    }
    yield Hosts(web, env)
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(REDIS_URL)
    for name in ("REPORT_QUEUE", "TASK_QUEUE"):
        Queue(shared[name], connection=connection).delete(delete_jobs=True)
    connection.close()
    with web.app_context():
        db.engine.dispose()


def run_worker(hosts: Hosts) -> str:
    """``flask --app wsgi report worker --burst`` in a process of its own."""
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(  # noqa: S603 - our own command line
        [str(flask), "--app", "wsgi", "report", "worker", "--burst"],
        cwd=PROJECT_ROOT,
        env=hosts.worker_env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_a_mail_the_worker_could_not_send_is_counted_on_the_web_host(hosts: Hosts):
    client = hosts.web.test_client()
    before = value(samples(client), "audit_mail_failures_total")
    with hosts.web.app_context():
        enqueue("audit.accounts.mail:send_account_mail", to="p@example.org", subject="S", body="B")

    output = run_worker(hosts)

    assert "could not send 1 mail(s)" in output
    assert value(samples(client), "audit_mail_failures_total") >= before + 1


def test_a_report_job_the_worker_made_is_counted_on_the_web_host(hosts: Hosts):
    client = hosts.web.test_client()
    queue = hosts.web.config["REPORT_QUEUE"]
    name = "audit_report_jobs_total"
    before = samples(client)
    with hosts.web.app_context():
        job = reports.start_job("compare", None, "All branches", ReportFilter())
    assert job.backend == "rq"
    waiting = samples(client)
    assert value(waiting, "audit_job_queue_depth", queue=queue) == 1  # the RQ queue's length
    assert value(waiting, name, event="queued") >= value(before, name, event="queued") + 1

    run_worker(hosts)

    with hosts.web.app_context():
        assert reports.JobStore.from_app().get(job.id).state == reports.FINISHED
    after = samples(client)
    assert value(after, "audit_job_queue_depth", queue=queue) == 0
    for event in ("started", "finished"):
        assert value(after, name, event=event) >= value(before, name, event=event) + 1, event
