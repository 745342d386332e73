"""What ``/metrics`` answers, and to whom.

The answer is Prometheus's text format from ``prometheus_client``: the instruments of
:mod:`audit.metrics`. With ``PROMETHEUS_MULTIPROC_DIR`` set, every gunicorn worker
writes its values to files in that folder and a scrape, whichever worker serves it, adds
up all of them (including workers that have exited: a counter never goes back; the
queue depth only of live ones); otherwise the process's own registry is the whole story.

With ``REDIS_URL`` set, what jobs count happens on RQ workers, on any host: the job
counters (:data:`audit.metrics.SHARED_COUNTERS`) and the queue depth are read from
Redis when scraped instead, and the same metrics of this host are left out, so each
metric comes from one place.

Who may read it: a client on a loopback address that came straight to us (a request
relayed by a proxy on the same host also comes from 127.0.0.1, so one carrying a
forwarding header is not taken as local), or anyone sending
``Authorization: Bearer METRICS_TOKEN``, compared in constant time.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, Request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from audit.metrics import QUEUE_DEPTH, SHARED_COUNTERS, SharedCounter

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


# --- read from Redis at scrape time ---------------------------------------------------

_DEPTH = QUEUE_DEPTH.describe()[0]  # its name and help, for the same metric read from RQ
UP_NAME, UP_HELP = "audit_job_queue_up", "1 when the job queue could be read."
#: Metrics read from Redis when the app has REDIS_URL (their names in prometheus_client,
#: without ``_total``), and so left out of this host's own values.
FROM_REDIS = frozenset({_DEPTH.name, *(counter.name for counter in SHARED_COUNTERS)})


class FromRedis:
    """With ``REDIS_URL``: ``audit_job_queue_depth{queue}``, the length of every RQ queue in
    that Redis (the report queue always shown, 0 when empty), and the job counters.

    ``audit_job_queue_up`` is 0 when Redis did not answer (within a second), so an alert
    can tell "empty" from "unknown"; the metrics read from Redis are then left out.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(UP_NAME, UP_HELP)
        try:
            found = self._read()
        except Exception as error:
            log.warning("could not read Redis for /metrics: %s", error)
            up.add_metric([], 0)
            found = []
        else:
            up.add_metric([], 1)
        yield from found
        yield up

    def _read(self) -> list[Metric]:
        from redis import Redis

        from audit.ops.readiness import REDIS_SOCKET_TIMEOUT

        connection = Redis.from_url(
            self.app.config["REDIS_URL"],
            socket_timeout=REDIS_SOCKET_TIMEOUT,
            socket_connect_timeout=REDIS_SOCKET_TIMEOUT,
        )
        try:
            counters = [counter_family(counter, connection) for counter in SHARED_COUNTERS]
            return [self._depth(connection), *counters]
        finally:
            connection.close()

    def _depth(self, connection: Any) -> Metric:
        from rq import Queue

        depths = {self.app.config["REPORT_QUEUE"]: 0}
        for queue in Queue.all(connection=connection):
            depths[queue.name] = queue.count
        depth = GaugeMetricFamily(_DEPTH.name, _DEPTH.documentation, labels=["queue"])
        for name, count in depths.items():
            depth.add_metric([name], count)
        return depth


def counter_family(counter: SharedCounter, connection: Any) -> Metric:
    """``counter`` as counted in Redis, by every host's jobs."""
    family = CounterMetricFamily(counter.name, counter.documentation, labels=counter.labelnames)
    for values, total in sorted(counter.read(connection).items()):
        family.add_metric(list(values), total)
    return family


class QueueUp:
    """Without Redis, ``audit_job_queue_up`` is always 1: the queue is the web processes'
    own pools, whose depth :data:`audit.metrics.QUEUE_DEPTH` counts as work comes and
    goes. So a dashboard reads the same metrics either way."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(UP_NAME, UP_HELP)
        up.add_metric([], 1)
        yield up


def show_queues(app: Flask) -> None:
    """Without Redis: the app's queues shown (at 0) before anything has waited in them."""
    for name in {app.config["REPORT_QUEUE"], app.config["TASK_QUEUE"]}:
        QUEUE_DEPTH.labels(name).inc(0)


# --- the answer ------------------------------------------------------------------------


class Without:
    """The metrics of ``source`` but those named in ``hidden`` (read from elsewhere)."""

    def __init__(self, source: Any, hidden: Iterable[str] = ()) -> None:
        self.source = source
        self.hidden = frozenset(hidden)

    def collect(self) -> Iterator[Metric]:
        return (family for family in self.source.collect() if family.name not in self.hidden)


def counted_here(app: Flask) -> Any:
    """This host's values: every worker's files when multiprocess, else this process's."""
    folder = app.config.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        return multiprocess.MultiProcessCollector(None, path=folder)
    return REGISTRY


def scrape(app: Flask) -> bytes:
    """The text exposition of every metric, each read from the one place that has it."""
    answer = CollectorRegistry()
    if app.config.get("REDIS_URL"):
        answer.register(Without(counted_here(app), FROM_REDIS))  # type: ignore[arg-type]
        answer.register(FromRedis(app))  # type: ignore[arg-type]
    else:
        show_queues(app)
        answer.register(Without(counted_here(app)))  # type: ignore[arg-type]
        answer.register(QueueUp())  # type: ignore[arg-type]
    return generate_latest(answer)
