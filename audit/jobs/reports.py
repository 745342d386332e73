"""Background report jobs: the PDF reports of the web pages, made outside the request.

Every report PDF a manager downloads in the browser (a branch's, a staff member's, a
comparison) is a job, so with Redis the drawing (WeasyPrint, a second or more of CPU)
happens on the worker hosts, not on the web hosts. The page waits for a job up to
``REPORT_WAIT_SECONDS`` (:func:`wait_briefly`) and hands the PDF over as before; a job
that takes longer (a busy queue, a comparison of many branches) goes on with a progress
page. A visit's own report (one visit, small) is drawn in its request.

Why two queues: RQ on Redis when ``REDIS_URL`` is set, because it is the
smallest real job queue for a Flask app (a Redis list and a worker process,
``flask report worker``) and it survives a web process restarting, which a
thread does not; and an in-process thread pool when it is not, so the
embedded default (``make run``) works with no Redis server at all.
Celery would bring a second configuration language and a broker choice for
the one job we have.

Either way a job is the same: :func:`run_report_job` in an application
context, in the language of the request that started it (the PDF and its progress
messages read as the page that asked for it), reporting progress to a small JSON
status object next to the PDF it writes, both in the app's storage
(:mod:`audit.storage`) under ``reports/<id>/``. Objects rather than a table,
because the job state is short-lived (kept :data:`KEEP_DAYS` days), needs no
migration, and is read by the web process whichever executor ran the job; and
because on S3 a job done by a worker on one host is downloadable from a web
process on another.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from threading import Lock
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale, gettext

from audit.languages import current_language
from audit.metrics import REPORT_JOBS
from audit.redis_connection import redis_client
from audit.reporting.filters import ReportFilter
from audit.storage import ObjectMissing, Storage, storage

log = logging.getLogger(__name__)

KEEP_DAYS = 7
_ID = re.compile(r"[0-9a-f]{32}")

QUEUED, RUNNING, FINISHED, FAILED = "queued", "running", "finished", "failed"


@dataclass
class JobStatus:
    id: str
    kind: str
    owner_id: int | None
    title: str
    params: dict[str, Any]
    state: str = QUEUED
    done: int = 0
    total: int = 1
    message: str = "Waiting for a worker"
    backend: str = ""
    error: str = ""
    filename: str = "report.pdf"
    #: The language of the request that started the job: the PDF's ("" in older files).
    language: str = ""
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished_at: str | None = None

    @property
    def percent(self) -> int:
        if self.state == FINISHED:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state == FINISHED

    @property
    def over(self) -> bool:
        return self.state in (FINISHED, FAILED)

    def public(self) -> dict[str, Any]:
        """What the progress page polls for (no parameters, no owner)."""
        return {
            "id": self.id,
            "state": self.state,
            "percent": self.percent,
            "message": self.message,
            "error": self.error,
        }


# --- filters to and from JSON ---------------------------------------------------------


def filter_params(flt: ReportFilter) -> dict[str, Any]:
    return {
        "date_from": flt.date_from.isoformat() if flt.date_from else None,
        "date_to": flt.date_to.isoformat() if flt.date_to else None,
        "scorecard": flt.scorecard,
        "region_id": flt.region_id,
        "branch_id": flt.branch_id,
        "staff_id": flt.staff_id,
        "scope_region_ids": None if flt.scope_region_ids is None else sorted(flt.scope_region_ids),
    }


def params_filter(params: dict[str, Any]) -> ReportFilter:
    scope = params.get("scope_region_ids")
    return ReportFilter(
        date_from=date.fromisoformat(params["date_from"]) if params.get("date_from") else None,
        date_to=date.fromisoformat(params["date_to"]) if params.get("date_to") else None,
        scorecard=params.get("scorecard"),
        region_id=params.get("region_id"),
        branch_id=params.get("branch_id"),
        staff_id=params.get("staff_id"),
        scope_region_ids=None if scope is None else frozenset(scope),
    )


# --- the store ------------------------------------------------------------------------


class JobStore:
    """Status objects and finished PDFs in the app's storage, one prefix per job:
    ``reports/<id>/status.json`` and ``reports/<id>/report.pdf``."""

    PREFIX = "reports/"

    def __init__(self, store: Storage) -> None:
        self.store = store
        self._lock = Lock()

    @classmethod
    def from_app(cls) -> JobStore:
        return cls(storage())

    def folder(self, job_id: str) -> str:
        """The key prefix of a job (ValueError for anything that is not a job id)."""
        if not _ID.fullmatch(job_id):
            raise ValueError("not a job id")
        return f"{self.PREFIX}{job_id}/"

    def pdf_key(self, job_id: str) -> str:
        return self.folder(job_id) + "report.pdf"

    def save(self, status: JobStatus) -> None:
        data = json.dumps(asdict(status)).encode()
        self.store.put(self.folder(status.id) + "status.json", data, "application/json")

    def get(self, job_id: str) -> JobStatus | None:
        """The job's status; None for no such job (or an unreadable one)."""
        try:
            data = self.store.get(self.folder(job_id) + "status.json")
            return JobStatus(**json.loads(data))
        except (ValueError, TypeError, ObjectMissing):
            return None

    def update(self, job_id: str, **changes: Any) -> JobStatus:
        with self._lock:
            status = self.get(job_id)
            if status is None:
                raise LookupError(f"no report job {job_id}")
            for key, value in changes.items():
                setattr(status, key, value)
            self.save(status)
            return status

    def save_pdf(self, job_id: str, data: bytes) -> None:
        self.store.put(self.pdf_key(job_id), data, "application/pdf")

    def has_pdf(self, job_id: str) -> bool:
        return self.store.exists(self.pdf_key(job_id))

    def prune(self, keep_days: int = KEEP_DAYS, now: float | None = None) -> int:
        """Delete jobs made more than ``keep_days`` ago; returns how many went."""
        limit = (now or time.time()) - keep_days * 86400
        jobs: dict[str, list[str]] = {}
        for key in self.store.keys(self.PREFIX):
            job_id = key[len(self.PREFIX) :].split("/", 1)[0]
            if _ID.fullmatch(job_id):
                jobs.setdefault(job_id, []).append(key)
        removed = 0
        for job_id, keys in jobs.items():
            status = self.get(job_id)
            if status is None:
                continue  # a status being written, or kept by hand: not ours to judge
            try:
                made = datetime.fromisoformat(status.created_at).timestamp()
            except ValueError:
                continue
            if made < limit:
                status_key = self.folder(job_id) + "status.json"
                self.store.delete(*[k for k in keys if k != status_key])
                self.store.delete(status_key)  # last: a job never loses its status first
                removed += 1
        return removed


# --- the work -------------------------------------------------------------------------


def _make_compare(status: JobStatus, progress: Callable[[int, int, str], None]) -> bytes:
    from audit.documents import compare_pdf

    return compare_pdf(params_filter(status.params), progress)


def _make_branch(status: JobStatus, progress: Callable[[int, int, str], None]) -> bytes:
    from audit.documents import branch_pdf

    return branch_pdf(params_filter(status.params))


def _make_staff(status: JobStatus, progress: Callable[[int, int, str], None]) -> bytes:
    from audit.documents import staff_pdf

    return staff_pdf(params_filter(status.params))


#: What each kind of job makes; more kinds register here.
MAKERS: dict[str, Callable[[JobStatus, Callable[[int, int, str], None]], bytes]] = {
    "compare": _make_compare,
    "branch": _make_branch,
    "staff": _make_staff,
}


def run_report_job(job_id: str) -> None:
    """Make the report of job ``job_id`` (in an application context), recording progress."""
    store = JobStore.from_app()
    status = store.get(job_id)
    if status is None:
        raise LookupError(f"no report job {job_id}")
    with force_locale(status.language or current_app.config["AUDIT_DEFAULT_LANGUAGE"]):
        _run(store, status)


def _run(store: JobStore, status: JobStatus) -> None:
    job_id = status.id
    store.update(job_id, state=RUNNING, message=gettext("Starting"), done=0)
    REPORT_JOBS.labels(event="started").inc()

    def progress(done: int, total: int, message: str) -> None:
        store.update(job_id, done=done, total=total, message=message)

    try:
        data = MAKERS[status.kind](status, progress)
        store.save_pdf(job_id, data)
        store.update(
            job_id,
            state=FINISHED,
            message=gettext("Ready to download"),
            finished_at=datetime.now(UTC).isoformat(),
        )
        REPORT_JOBS.labels(event="finished").inc()
    except Exception as error:
        log.exception("report job %s failed", job_id)
        REPORT_JOBS.labels(event="failed").inc()
        store.update(
            job_id,
            state=FAILED,
            message=gettext("The report could not be made"),
            error=str(error),
        )
        raise
    finally:
        from audit.extensions import db

        db.session.remove()


def rq_entry(job_id: str) -> None:
    """What the RQ worker runs, inside the app context of ``flask --app wsgi report worker``
    (a SimpleWorker: no fork, the app's own connection pool)."""
    if not has_app_context():
        raise RuntimeError("run report jobs with `flask --app wsgi report worker`")
    run_report_job(job_id)


# --- the queues -----------------------------------------------------------------------

_executor: ThreadPoolExecutor | None = None
_executor_lock = Lock()
_futures: dict[str, Future[None]] = {}


def _pool(workers: int) -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report-job")
        return _executor


def _in_thread(app: Flask, job_id: str) -> None:
    with app.app_context():
        try:
            run_report_job(job_id)
        except Exception:  # noqa: S110 - recorded in the status file and logged above
            pass


def redis_url() -> str | None:
    """The app's REDIS_URL (None: jobs run in a thread pool inside the web process)."""
    return current_app.config.get("REDIS_URL") or None


def queue_name() -> str:
    return current_app.config["REPORT_QUEUE"]


def rq_queue(url: str) -> Any:
    from rq import Queue

    return Queue(queue_name(), connection=redis_client(url))


def start_job(
    kind: str, owner_id: int | None, title: str, flt: ReportFilter, filename: str = "report.pdf"
) -> JobStatus:
    """Record a new job and hand it to RQ (REDIS_URL set) or to the in-process pool."""
    store = JobStore.from_app()
    _prune_now_and_then(store)
    status = JobStatus(
        id=uuid.uuid4().hex,
        kind=kind,
        owner_id=owner_id,
        title=title,
        params=filter_params(flt),
        filename=filename,
        message=gettext("Waiting for a worker"),
        language=current_language(),
    )
    url = redis_url()
    status.backend = "rq" if url else "thread"
    store.save(status)
    if url and not _handed_to_rq(url, status, store):
        url = None
    if not url:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        workers = app.config["REPORT_THREADS"]
        future = _futures[status.id] = _pool(workers).submit(_in_thread, app, status.id)
        future.add_done_callback(lambda _, job_id=status.id: _futures.pop(job_id, None))
    REPORT_JOBS.labels(event="queued").inc()
    return status


#: How often a process prunes old jobs as it starts one (the daily prune-report-jobs
#: job does it too; this keeps an installation without the scheduler tidy).
PRUNE_EVERY_SECONDS = 3600
_last_prune = 0.0


def _prune_now_and_then(store: JobStore) -> None:
    """Delete old jobs at most once an hour per process: pruning reads every job's status
    object (one GET each on S3), too much for every download."""
    global _last_prune
    now = time.monotonic()
    if _last_prune and now - _last_prune < PRUNE_EVERY_SECONDS:
        return
    _last_prune = now
    store.prune()


def wait_briefly(job_id: str, seconds: float) -> JobStatus | None:
    """Wait up to ``seconds`` for a job to end (finished or failed); its status then, ended
    or not (None: no such job). A job of this process's pool is waited on directly; one
    on RQ by reading its status now and then."""
    store = JobStore.from_app()
    deadline = time.monotonic() + seconds
    future = _futures.get(job_id)
    if future is not None:
        with contextlib.suppress(FutureTimeout):
            future.result(max(deadline - time.monotonic(), 0))
    status = store.get(job_id)
    while status is not None and not status.over and time.monotonic() < deadline:
        time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))
        status = store.get(job_id)
    return status


def _handed_to_rq(url: str, status: JobStatus, store: JobStore) -> bool:
    """Queue the job on RQ; when Redis does not take it, mark it for this process's pool
    (the caller runs it there) and say so."""
    from redis.exceptions import RedisError

    try:
        rq_queue(url).enqueue(rq_entry, status.id, job_timeout=1800, result_ttl=3600)
    except RedisError as error:
        log.warning("Redis did not take report job %s (%s): it runs here", status.id, error)
        status.backend = "thread"
        store.save(status)
        return False
    return True


def waiting_in_process() -> int:
    """Jobs of the in-process pool not yet picked up by a thread (the queue depth without RQ)."""
    futures = list(_futures.values())
    return sum(1 for future in futures if not future.running() and not future.done())


def wait_for(job_id: str, timeout: float = 120) -> None:
    """Block until an in-process job is over (for tests and the CLI)."""
    future = _futures.get(job_id)
    if future is not None:
        future.result(timeout)
