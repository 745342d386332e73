"""The Prometheus instruments the app counts into; ``/metrics`` (audit/ops) shows them.

They live here, below every layer, so a service (the mailer) and a top module (report
jobs, request hooks) can count without importing the web. Each is a plain
``prometheus_client`` metric on its default registry. Under several gunicorn workers,
``PROMETHEUS_MULTIPROC_DIR`` in the environment makes prometheus_client keep every
value in a file per process, which ``/metrics`` adds up (its multiprocess mode: it
must be set before the process starts, which is why it is not a runtime switch).

Labels are few and bounded: an endpoint is the Flask endpoint name, never a raw path.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = [
    "MAIL_FAILURES",
    "REPORT_JOBS",
    "REQUEST_SECONDS",
    "VISITS_SUBMITTED",
]

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

REPORT_JOBS = Counter(
    "audit_report_jobs",
    "Report jobs by event: queued (web), started, finished, failed (where the job ran).",
    ["event"],
)

MAIL_FAILURES = Counter(
    "audit_mail_failures",
    "E-mail messages the SMTP server did not take (down, refused, timed out).",
)
