"""What ``/metrics`` answers, and to whom.

The answer is Prometheus's text format from ``prometheus_client``: the instruments of
:mod:`audit.metrics` and the job queue's depth, read when scraped. With
``PROMETHEUS_MULTIPROC_DIR`` set, every gunicorn worker writes its values to files in
that folder and a scrape, whichever worker serves it, adds up all of them (including
workers that have exited: a counter never goes back); otherwise the process's own
registry is the whole story.

Who may read it: a client on a loopback address that came straight to us (a request
relayed by a proxy on the same host also comes from 127.0.0.1, so one carrying a
forwarding header is not taken as local), or anyone sending
``Authorization: Bearer METRICS_TOKEN``, compared in constant time.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterator

from flask import Flask, Request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric

log = logging.getLogger(__name__)

#: Headers a reverse proxy adds: their presence means the peer address is the proxy's.
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-Ip")


# --- access ----------------------------------------------------------------------------


def _loopback(request: Request) -> bool:
    if any(header in request.headers for header in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def refusal(request: Request, token: str | None) -> tuple[int, dict[str, str]] | None:
    """None when ``request`` may read the metrics, else the status and headers to refuse with.

    401 (with a ``WWW-Authenticate`` challenge) when a token is configured and was not
    sent or is wrong; 403 when there is no token to send.
    """
    if _loopback(request):
        return None
    if not token:
        return 403, {}
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return None
    return 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}


# --- the job queue, read at scrape time -----------------------------------------------


class QueueDepth:
    """``audit_job_queue_depth{queue}``: jobs waiting for a worker, read when scraped.

    With ``REDIS_URL`` every RQ queue in that Redis (the report queue always shown, 0
    when empty); without it the report jobs and the tasks waiting in the in-process
    pools, under the same queue names, so a dashboard reads the same either way.
    ``audit_job_queue_up`` is 0 when Redis did not answer (within a second), so an alert
    can tell "empty" from "unknown".
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "audit_job_queue_depth", "Jobs waiting for a worker, by queue.", labels=["queue"]
        )
        up = GaugeMetricFamily("audit_job_queue_up", "1 when the job queue could be read.")
        try:
            for name, count in self._depths().items():
                depth.add_metric([name], count)
        except Exception as error:
            log.warning("could not read the job queue for /metrics: %s", error)
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
        yield depth
        yield up

    def _depths(self) -> dict[str, int]:
        from audit.jobs import reports

        url = self.app.config.get("REDIS_URL")
        if not url:
            from audit.tasks import waiting_in_process

            depths = {self.app.config["REPORT_QUEUE"]: reports.waiting_in_process()}
            tasks = self.app.config["TASK_QUEUE"]
            return depths | {tasks: depths.get(tasks, 0) + waiting_in_process()}
        from redis import Redis
        from rq import Queue

        from audit.ops.readiness import REDIS_SOCKET_TIMEOUT

        connection = Redis.from_url(
            url, socket_timeout=REDIS_SOCKET_TIMEOUT, socket_connect_timeout=REDIS_SOCKET_TIMEOUT
        )
        try:
            depths = {self.app.config["REPORT_QUEUE"]: 0}
            for queue in Queue.all(connection=connection):
                depths[queue.name] = queue.count
            return depths
        finally:
            connection.close()


# --- the answer ------------------------------------------------------------------------


def scrape(app: Flask) -> bytes:
    """The text exposition of every metric, added up over the workers when multiprocess."""
    if app.config.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted, path=app.config["PROMETHEUS_MULTIPROC_DIR"])
    else:
        counted = REGISTRY
    read_now = CollectorRegistry()
    read_now.register(QueueDepth(app))  # type: ignore[arg-type]
    return generate_latest(counted) + generate_latest(read_now)
