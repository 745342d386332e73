"""Metrics and request logs under gunicorn: several worker processes, one story.

gunicorn serves the app (``gunicorn.conf.py`` of the repository, two workers) on
SQLite in a temporary folder, with ``PROMETHEUS_MULTIPROC_DIR`` set. Each worker is
replaced after a few requests (``--max-requests``), so the requests are certainly
answered by more than two processes, some of them gone by the time /metrics is read:
the counts must still add up. Every request's JSON log line on the server's stderr
carries the id the client got back in ``X-Request-Id``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from audit.config import PROJECT_ROOT
from audit.extensions import db
from tests.conftest import make_app, unavailable

pytestmark = pytest.mark.slow

REQUESTS = 20
WORKERS = 2
MAX_REQUESTS = 8  # a worker answers at most this many, then gunicorn starts a new one


@dataclass
class Server:
    url: str
    stderr: Path
    metrics_dir: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command() -> list[str]:
    beside_python = Path(sys.executable).with_name("gunicorn")
    found = str(beside_python) if beside_python.exists() else shutil.which("gunicorn")
    if not found:
        unavailable("gunicorn is not installed")
    return [str(found)]


def wait_until_up(url: str, process: subprocess.Popen, stderr: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn stopped:\n{stderr.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a worker still booting
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer in 60 s:\n{stderr.read_text()[-3000:]}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    database = f"sqlite:///{tmp_path / 'audit.db'}"
    app = make_app(database, tmp_path)
    with app.app_context():
        db.create_all()
        db.engine.dispose()

    metrics_dir = tmp_path / "prometheus"
    (metrics_dir).mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left by an earlier run")  # to be emptied
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "METRICS_TOKEN", "STORAGE_URL", "GUNICORN_CMD_ARGS"}
    }
    env.update(
        DATABASE_URL=database,
        SECRET_KEY="gunicorn-test-secret",
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        REPORTS_FOLDER=str(tmp_path / "reports"),
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        LOG_FORMAT="json",
    )
    port = free_port()
    stderr = tmp_path / "gunicorn.err"
    command = gunicorn_command() + [
        "--config",
        str(PROJECT_ROOT / "gunicorn.conf.py"),
        "--workers",
        str(WORKERS),
        "--max-requests",
        str(MAX_REQUESTS),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    with stderr.open("wb") as err, (tmp_path / "gunicorn.out").open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=err
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, process, stderr)
        yield Server(url=url, stderr=stderr, metrics_dir=metrics_dir)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def login_count(metrics_text: str) -> float:
    wanted = {"endpoint": "auth.login", "method": "GET", "status": "2xx"}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == "audit_http_request_duration_seconds_count" and (
                sample.labels == wanted
            ):
                return sample.value
    return 0.0


def request_log_lines(stderr: Path) -> list[dict]:
    lines = []
    for raw in stderr.read_text(errors="replace").splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue  # gunicorn's own lines ("Booting worker ...")
        if isinstance(line, dict) and line.get("logger") == "audit.requests":
            lines.append(line)
    return lines


def test_counts_add_up_across_workers_and_every_request_logs_its_id(server: Server):
    def ask(_: int) -> requests.Response:
        with requests.Session() as session:
            return session.get(f"{server.url}/login", timeout=30)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(ask, range(REQUESTS)))
    assert [a.status_code for a in answers] == [200] * REQUESTS
    ids = [a.headers["X-Request-Id"] for a in answers]
    assert len(set(ids)) == REQUESTS

    metrics = requests.get(f"{server.url}/metrics", timeout=30)
    assert metrics.status_code == 200
    assert login_count(metrics.text) == REQUESTS

    # Several processes wrote values (replaced workers included); the stale file is gone.
    writers = {path.stem.rsplit("_", 1)[1] for path in server.metrics_dir.glob("*.db")}
    assert "1" not in writers
    assert len(writers) >= 3, writers

    logged = {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # a line may still be in a pipe for a moment
        logged = {line["request_id"]: line for line in request_log_lines(server.stderr)}
        if set(ids) <= set(logged):
            break
        time.sleep(0.2)
    assert set(ids) <= set(logged), server.stderr.read_text()[-3000:]
    one = logged[ids[0]]
    assert one["method"] == "GET" and one["path"] == "/login" and one["endpoint"] == "auth.login"
    assert one["status"] == 200 and one["duration_ms"] > 0
    assert one["remote_addr"] == "127.0.0.1" and one["user_id"] is None
