"""The Prometheus instruments the app counts into; ``/metrics`` (audit/ops) shows them.

They live here, below every layer, so a service (the mailer) and a top module (report
jobs, request hooks) can count without importing the web. Under several gunicorn
workers, ``PROMETHEUS_MULTIPROC_DIR`` in the environment makes prometheus_client keep
every value in a file per process, which ``/metrics`` adds up (its multiprocess mode: it
must be set before the process starts, which is why it is not a runtime switch).

That folder is one host's: it cannot add up what happens elsewhere. So what a job
counts (:data:`REPORT_JOBS`, :data:`MAIL_FAILURES`) is a :class:`SharedCounter`: when the
app has ``REDIS_URL``, jobs run on RQ workers, often on other hosts that serve no HTTP,
and these counters are kept in Redis, one hash per metric, which ``/metrics`` on any web
host reads when scraped. Without Redis the jobs run in the web processes' own pools,
and a plain prometheus_client counter there is the whole story.

:data:`QUEUE_DEPTH` is what waits in this process's pools (embedded mode only: with
Redis the queue is RQ's, read at scrape time); its ``livesum`` mode adds up the live
workers and forgets the ones gunicorn has marked dead.

Labels are few and bounded: an endpoint is the Flask endpoint name, never a raw path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from flask import current_app, has_app_context
from prometheus_client import Counter, Gauge, Histogram

from audit.redis_connection import redis_client

__all__ = [
    "MAIL_FAILURES",
    "QUEUE_DEPTH",
    "REPORT_JOBS",
    "REQUEST_SECONDS",
    "SHARED_COUNTERS",
    "VISITS_SUBMITTED",
    "SharedCounter",
]

log = logging.getLogger(__name__)

#: Redis keys of the shared counters: this prefix and the metric's name.
REDIS_PREFIX = "audit:metrics:"


def _redis_url() -> str | None:
    """The current app's REDIS_URL; None outside an app (nothing to share it with)."""
    if not has_app_context():
        return None
    return current_app.config.get("REDIS_URL") or None


class SharedCounter:
    """A counter of work that may run on another host: in Redis when the current app has
    ``REDIS_URL``, else in this process (``local``, a prometheus_client counter).

    It takes the calls of a prometheus_client counter (``labels(...).inc()``,
    ``inc(n)``), so the code that counts does not know where the count goes. In Redis
    the metric is the hash :attr:`key`, a field per label set (the label values as a
    JSON list), added to with HINCRBYFLOAT, which is atomic across hosts; it never
    resets, which a Prometheus counter may do anyway. A count Redis did not take is
    logged and lost: the job it counts matters more.
    """

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self.local = Counter(name, documentation, self.labelnames)

    @property
    def key(self) -> str:
        return REDIS_PREFIX + self.name

    def labels(self, *values: str, **named: str) -> _Child:
        if named and values:
            raise ValueError("give the label values by position or by name, not both")
        if named:
            if set(named) != set(self.labelnames):
                raise ValueError(f"{self.name} has the labels {self.labelnames}")
            values = tuple(named[label] for label in self.labelnames)
        if len(values) != len(self.labelnames):
            raise ValueError(f"{self.name} has the labels {self.labelnames}")
        return _Child(self, tuple(str(v) for v in values))

    def inc(self, amount: float = 1) -> None:
        if self.labelnames:
            raise ValueError(f"{self.name} has labels: count with labels(...).inc()")
        self.count((), amount)

    def count(self, values: tuple[str, ...], amount: float) -> None:
        """Add ``amount`` under the label ``values``, in Redis or here."""
        if amount < 0:
            raise ValueError("a counter only goes up")
        url = _redis_url()
        if url is None:
            self.count_here(values, amount)
        elif amount:
            self._count_in_redis(url, values, amount)

    def count_here(self, values: tuple[str, ...], amount: float) -> None:
        (self.local.labels(*values) if values else self.local).inc(amount)

    def _count_in_redis(self, url: str, values: tuple[str, ...], amount: float) -> None:
        from redis.exceptions import RedisError

        try:
            redis_client(url).hincrbyfloat(self.key, json.dumps(list(values)), amount)
        except (RedisError, OSError) as error:
            log.warning("could not count %s %s in Redis: %s", self.name, list(values), error)

    def read(self, connection: Any) -> dict[tuple[str, ...], float]:
        """The totals kept in Redis by label values (a field that is not ours is skipped;
        an unlabelled counter not counted yet reads 0, as a local one would)."""
        totals: dict[tuple[str, ...], float] = {}
        for field, total in connection.hgetall(self.key).items():
            values = self._label_values(field)
            if values is None:
                log.warning("%s: field %r in Redis is not a label set", self.key, field)
                continue
            totals[values] = float(total)
        if not self.labelnames:
            totals.setdefault((), 0.0)
        return totals

    def _label_values(self, field: bytes | str) -> tuple[str, ...] | None:
        try:
            values = json.loads(field)
        except ValueError:
            return None
        if not isinstance(values, list) or len(values) != len(self.labelnames):
            return None
        return tuple(str(v) for v in values)


class _Child:
    """One label set of a :class:`SharedCounter` (what ``labels()`` returns)."""

    def __init__(self, counter: SharedCounter, values: tuple[str, ...]) -> None:
        self.counter = counter
        self.values = values

    def inc(self, amount: float = 1) -> None:
        self.counter.count(self.values, amount)


class ReportJobCounter(SharedCounter):
    """``audit_report_jobs``: here, without Redis, its ``queued`` and ``started`` events
    also move :data:`QUEUE_DEPTH`, since a job waits in this process's pool exactly
    between the two (so the report jobs need no second call to keep the depth)."""

    WAITING = {"queued": 1, "started": -1}

    def count_here(self, values: tuple[str, ...], amount: float) -> None:
        super().count_here(values, amount)
        step = self.WAITING.get(values[0]) if values else None
        if step and has_app_context():
            QUEUE_DEPTH.labels(current_app.config["REPORT_QUEUE"]).inc(step * amount)


REQUEST_SECONDS = Histogram(
    "audit_http_request_duration_seconds",
    "Time to answer a request, by Flask endpoint, method and status class (2xx, 4xx...).",
    ["endpoint", "method", "status"],
)

VISITS_SUBMITTED = Counter(
    "audit_visits_submitted",
    "Visits submitted (committed): first submissions and submissions after a return.",
    ["submission"],
)

QUEUE_DEPTH = Gauge(
    "audit_job_queue_depth",
    "Jobs waiting for a worker, by queue.",
    ["queue"],
    multiprocess_mode="livesum",
)

REPORT_JOBS = ReportJobCounter(
    "audit_report_jobs",
    "Report jobs by event: queued (web), started, finished, failed (where the job ran).",
    ["event"],
)

MAIL_FAILURES = SharedCounter(
    "audit_mail_failures",
    "E-mail messages the SMTP server did not take (down, refused, timed out).",
)

#: The counters kept in Redis when the app has REDIS_URL.
SHARED_COUNTERS = (REPORT_JOBS, MAIL_FAILURES)
