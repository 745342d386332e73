"""Without Redis, ``audit_job_queue_depth`` is the work waiting in every live worker.

In the embedded mode each gunicorn worker runs slow work in its own thread pools, so
what waits is spread over the workers, and a scrape, answered by any one of them, must
add them all up. Two real processes (``tests/ops/pool_process.py``) with a shared
``PROMETHEUS_MULTIPROC_DIR`` keep work waiting; the test's own app, which waits for
nothing, answers /metrics from that folder, as a third worker would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import multiprocess

from audit.config import PROJECT_ROOT
from tests.conftest import make_app
from tests.ops.metrics_text import samples, value

pytestmark = pytest.mark.slow

#: (tasks, report jobs) each process queues; 2 task threads and 1 report thread are busy.
WORK = ((3, 2), (4, 3))
WAITING = {"default": (3 - 2) + (4 - 2), "reports": (2 - 1) + (3 - 1)}


@dataclass
class Workers:
    folder: Path
    metrics_dir: Path
    processes: list[subprocess.Popen]


def start(folder: Path, env: dict[str, str], tasks: int, jobs: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "tests.ops.pool_process", str(folder), str(tasks), str(jobs)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline() if process.stdout else ""
    if line.strip() != "ready":
        process.kill()
        _, err = process.communicate(timeout=30)
        pytest.fail(f"the pool process did not get ready:\n{line}{err[-3000:]}")
    return process


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    processes: list[subprocess.Popen] = []
    try:
        for tasks, jobs in WORK:
            processes.append(start(tmp_path, env, tasks, jobs))
        yield Workers(tmp_path, metrics_dir, processes)
    finally:
        (tmp_path / "release").touch()
        for process in processes:
            try:
                process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()


def test_the_depth_is_the_sum_over_the_live_workers(workers: Workers, tmp_path: Path):
    app = make_app(
        f"sqlite:///{tmp_path / 'web.db'}",
        tmp_path,
        PROMETHEUS_MULTIPROC_DIR=str(workers.metrics_dir),
        REDIS_URL=None,
    )
    client = app.test_client()

    found = samples(client)
    for queue, waiting in WAITING.items():
        assert value(found, "audit_job_queue_depth", queue=queue) == waiting, queue
    assert value(found, "audit_job_queue_up") == 1

    (workers.folder / "release").touch()
    for process in workers.processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err[-3000:]
    found = samples(client)
    for queue in WAITING:  # everything ran: nothing waits, though the files are still there
        assert value(found, "audit_job_queue_depth", queue=queue) == 0, queue

    for process in workers.processes:  # what gunicorn.conf.py's child_exit does
        multiprocess.mark_process_dead(process.pid, str(workers.metrics_dir))
    found = samples(client)
    assert all(value(found, "audit_job_queue_depth", queue=q) == 0 for q in WAITING)
