"""A web process of the embedded mode (no Redis) with work waiting in its own pools.

Run as ``python -m tests.ops.pool_process FOLDER TASKS REPORTS`` with
``PROMETHEUS_MULTIPROC_DIR`` in the environment, as a gunicorn worker is: it queues
TASKS background tasks and REPORTS report jobs, each of which holds its thread until
the file ``FOLDER/release`` appears, so the pools' threads (two for tasks, one for
reports here) stay busy and the rest wait. It prints ``ready`` once the running ones
hold their threads, and exits after the release once everything has run.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

from audit import create_app
from audit.jobs import reports
from audit.reporting.filters import ReportFilter
from audit.tasks import THREADS, enqueue, wait_for_tasks

HOLD_TASK = "tests.ops.pool_process:hold"
REPORT_THREADS = 1
LIMIT_SECONDS = 60


def hold(folder: str) -> None:
    """A task that keeps its thread until the test lets it go (``FOLDER/release``)."""
    base = Path(folder)
    (base / f"holding-{os.getpid()}-{uuid.uuid4().hex}").touch()
    deadline = time.monotonic() + LIMIT_SECONDS
    while not (base / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def holding(folder: Path) -> int:
    """How many of this process's tasks and jobs hold a thread now."""
    return len(list(folder.glob(f"holding-{os.getpid()}-*")))


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + LIMIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.02)


def main(folder: Path, tasks: int, jobs: int) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "pool-process",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / f'unused-{os.getpid()}.db'}",
            "INSTANCE_PATH": folder / f"instance-{os.getpid()}",
            "UPLOAD_FOLDER": str(folder / f"uploads-{os.getpid()}"),
            "REDIS_URL": None,
            "REPORT_THREADS": REPORT_THREADS,
        }
    )
    reports.MAKERS["hold"] = lambda status, progress: (hold(str(folder)), b"%PDF-1.4 held")[1]
    with app.app_context():
        for _ in range(tasks):
            enqueue(HOLD_TASK, folder=str(folder))
        started = [reports.start_job("hold", None, "Held", ReportFilter()) for _ in range(jobs)]
        running = min(tasks, THREADS) + min(jobs, REPORT_THREADS)
        wait_until(lambda: holding(folder) == running, f"{running} running")
        print("ready", flush=True)
        wait_until((folder / "release").exists, "the release")
        wait_for_tasks()
        for job in started:
            reports.wait_for(job.id)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
