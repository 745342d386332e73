"""gunicorn settings read from the working directory (``gunicorn wsgi:app``).

Only what the app needs of gunicorn lives here; bind, workers and timeouts stay on the
command line or in ``GUNICORN_CMD_ARGS``.

Prometheus multiprocess mode: with ``PROMETHEUS_MULTIPROC_DIR`` set, each worker keeps
its metric values in files in that folder and ``/metrics`` adds them up. The folder is
emptied when the server starts (values of an earlier run would be counted again), and
a worker that exits is marked dead so its live gauges (the queue depth) stop counting.
The folder is this server's alone: with ``REDIS_URL`` set, what RQ workers count is kept
in Redis (audit/metrics.py), so no other process needs to write here.
"""

import os
from pathlib import Path

wsgi_app = "wsgi:app"


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for item in path.glob("*.db"):
        item.unlink(missing_ok=True)  # only the metric files: the folder may hold others


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
