"""The job counters with Redis: counted in Redis, shown once, never in the way of a job.

``test_job_metrics_across_hosts.py`` shows a worker's counts reaching another process;
here, in one process and on Redis keys of the test's own, the counts are exact.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from prometheus_client import REGISTRY

from audit import metrics
from audit.metrics import MAIL_FAILURES, REPORT_JOBS
from audit.notifications.mailer import MailSettings, OutgoingMail, send_messages
from tests.mail_server import free_port
from tests.ops.metrics_text import samples, value


def failing_mail(count: int) -> list[int]:
    """Send ``count`` messages to a port nothing listens on; what was sent (nothing)."""
    settings = MailSettings(server="127.0.0.1", port=free_port(), timeout=2)
    mails = [
        OutgoingMail(key=n, to=f"p{n}@example.org", subject="S", body="B") for n in range(count)
    ]
    return send_messages(settings, mails)


@pytest.fixture
def own_keys(monkeypatch: pytest.MonkeyPatch, redis_queues) -> Iterator[str]:
    """The shared counters under Redis keys of this test's own, deleted afterwards."""
    prefix = f"test:metrics:{uuid.uuid4().hex[:8]}:"
    monkeypatch.setattr(metrics, "REDIS_PREFIX", prefix)
    yield prefix
    redis_queues.connection.delete(*(counter.key for counter in metrics.SHARED_COUNTERS))


def test_with_redis_the_job_counters_are_counted_there_and_shown_once(app: Flask, own_keys):
    client = app.test_client()
    here_before = REGISTRY.get_sample_value("audit_mail_failures_total")
    assert value(samples(client), "audit_mail_failures_total") == 0  # shown before any

    with app.app_context():
        assert failing_mail(2) == []
        REPORT_JOBS.labels(event="finished").inc()
        REPORT_JOBS.labels("failed").inc()

    found = samples(client)
    assert value(found, "audit_mail_failures_total") == 2
    assert value(found, "audit_report_jobs_total", event="finished") == 1
    assert value(found, "audit_report_jobs_total", event="failed") == 1
    assert REGISTRY.get_sample_value("audit_mail_failures_total") == here_before  # not here
    text = client.get("/metrics").get_data(as_text=True)
    for family in ("audit_mail_failures_total", "audit_report_jobs_total", "audit_job_queue_depth"):
        assert text.count(f"# TYPE {family} ") == 1, family  # from Redis only, not also here
    assert "audit_mail_failures_created" not in text


def test_a_redis_that_is_down_neither_fails_the_job_nor_the_scrape(app: Flask):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens
    with app.app_context():
        assert failing_mail(1) == []  # the mailer still says what was not sent
        REPORT_JOBS.labels(event="started").inc()
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "audit_job_queue_up 0.0" in text
    assert "audit_mail_failures_total" not in text  # unknown, not 0


def test_counters_take_labels_by_name_or_position_and_refuse_wrong_ones():
    with pytest.raises(ValueError, match="labels"):
        REPORT_JOBS.labels(kind="x")
    with pytest.raises(ValueError, match="labels"):
        REPORT_JOBS.inc()
    with pytest.raises(ValueError, match="only goes up"):
        MAIL_FAILURES.inc(-1)
    assert REPORT_JOBS.labels("queued").values == REPORT_JOBS.labels(event="queued").values
