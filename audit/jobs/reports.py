"""Background report jobs: big PDF reports made outside the web request.

Why two queues: RQ on Redis when ``REDIS_URL`` is set, because it is the
smallest real job queue for a Flask app (a Redis list and a worker process,
``flask report worker``) and it survives a web process restarting, which a
thread does not; and an in-process thread pool when it is not, so the
embedded default (``make run``) works with no Redis server at all.
Celery would bring a second configuration language and a broker choice for
the one job we have.

Either way a job is the same: :func:`run_report_job` in an application
context, reporting progress to a small JSON status file next to the PDF it
writes, under ``REPORTS_FOLDER`` (``instance/reports`` by default). Files
rather than a table, because the job state is short-lived (kept
:data:`KEEP_DAYS` days), needs no migration, is read by the web process
whichever executor ran the job, and the PDF has to live on disk anyway.
With several web hosts that folder must be shared storage, like the upload
folder.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from threading import Lock
from typing import Any

from flask import Flask, current_app, has_app_context

from audit.reporting.filters import ReportFilter

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
    """Status files and finished PDFs, one folder per job: ``<root>/<id>/status.json``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._lock = Lock()

    @classmethod
    def from_app(cls) -> JobStore:
        return cls(current_app.config["REPORTS_FOLDER"])

    def folder(self, job_id: str) -> Path:
        if not _ID.fullmatch(job_id):
            raise ValueError("not a job id")
        return self.root / job_id

    def pdf_path(self, job_id: str) -> Path:
        return self.folder(job_id) / "report.pdf"

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)

    def save(self, status: JobStatus) -> None:
        self._write(self.folder(status.id) / "status.json", json.dumps(asdict(status)).encode())

    def get(self, job_id: str) -> JobStatus | None:
        try:
            path = self.folder(job_id) / "status.json"
            return JobStatus(**json.loads(path.read_text()))
        except (ValueError, OSError, TypeError):
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
        self._write(self.pdf_path(job_id), data)

    def prune(self, keep_days: int = KEEP_DAYS, now: float | None = None) -> int:
        """Delete jobs older than ``keep_days``; returns how many went."""
        if not self.root.is_dir():
            return 0
        limit = (now or time.time()) - keep_days * 86400
        removed = 0
        for folder in self.root.iterdir():
            if folder.is_dir() and _ID.fullmatch(folder.name) and folder.stat().st_mtime < limit:
                for item in folder.iterdir():
                    item.unlink(missing_ok=True)
                folder.rmdir()
                removed += 1
        return removed


# --- the work -------------------------------------------------------------------------


def _make_compare(status: JobStatus, progress: Callable[[int, int, str], None]) -> bytes:
    from audit.documents import compare_pdf

    return compare_pdf(params_filter(status.params), progress)


#: What each kind of job makes; more kinds register here.
MAKERS: dict[str, Callable[[JobStatus, Callable[[int, int, str], None]], bytes]] = {
    "compare": _make_compare,
}


def run_report_job(job_id: str) -> None:
    """Make the report of job ``job_id`` (in an application context), recording progress."""
    store = JobStore.from_app()
    status = store.update(job_id, state=RUNNING, message="Starting", done=0)

    def progress(done: int, total: int, message: str) -> None:
        store.update(job_id, done=done, total=total, message=message)

    try:
        data = MAKERS[status.kind](status, progress)
        store.save_pdf(job_id, data)
        store.update(
            job_id,
            state=FINISHED,
            message="Ready to download",
            finished_at=datetime.now(UTC).isoformat(),
        )
    except Exception as error:
        log.exception("report job %s failed", job_id)
        store.update(job_id, state=FAILED, message="The report could not be made", error=str(error))
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
    from redis import Redis
    from rq import Queue

    return Queue(queue_name(), connection=Redis.from_url(url))


def start_job(
    kind: str, owner_id: int | None, title: str, flt: ReportFilter, filename: str = "report.pdf"
) -> JobStatus:
    """Record a new job and hand it to RQ (REDIS_URL set) or to the in-process pool."""
    store = JobStore.from_app()
    store.prune()
    status = JobStatus(
        id=uuid.uuid4().hex,
        kind=kind,
        owner_id=owner_id,
        title=title,
        params=filter_params(flt),
        filename=filename,
    )
    url = redis_url()
    status.backend = "rq" if url else "thread"
    store.save(status)
    if url:
        rq_queue(url).enqueue(rq_entry, status.id, job_timeout=1800, result_ttl=3600)
    else:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        workers = app.config["REPORT_THREADS"]
        _futures[status.id] = _pool(workers).submit(_in_thread, app, status.id)
    return status


def wait_for(job_id: str, timeout: float = 120) -> None:
    """Block until an in-process job is over (for tests and the CLI)."""
    future = _futures.pop(job_id, None)
    if future is not None:
        future.result(timeout)
