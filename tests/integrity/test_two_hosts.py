"""Two hosts behind one load balancer, for real: two gunicorn servers (two workers each)
on their own ports share nothing but PostgreSQL, Redis, one S3 server (moto's) and the
SECRET_KEY, as two machines would.

A fresh PostgreSQL database is made for the test, migrated with ``flask db upgrade`` and
dropped afterwards. Over real HTTP: a session signed in on host A is valid on host B,
and once signed out on A, a copy of its cookies is refused by B; a photo uploaded
through A is served by B from the bucket; a comparison report asked for on A becomes an
RQ job, is done by ``flask report worker --burst`` in a process of its own, and its PDF
is downloaded from B. No host keeps a file on its own disk.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
import requests
from pypdf import PdfReader
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import make_url, select

from audit.config import PROJECT_ROOT
from audit.extensions import db
from audit.models import Attachment, Branch, Scorecard, User
from tests.builders import BRANCH_VISIT, Small, build_small, started_draft
from tests.conftest import TEST_PASSWORD, make_app, unavailable
from tests.images import noisy_jpeg
from tests.s3_server import S3

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

pytestmark = pytest.mark.slow

#: Where the test makes (and drops) its database, unless AUDIT_TEST_POSTGRES_URL says.
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
PREFIX = "hosts/files"
WORKERS = 2
#: Variables of the runner's environment that must not reach the servers.
NOT_PASSED = {
    "DATABASE_URL",
    "REDIS_URL",
    "STORAGE_URL",
    "STORAGE_REDIRECT",
    "METRICS_TOKEN",
    "PROMETHEUS_MULTIPROC_DIR",
    "GUNICORN_CMD_ARGS",
    "SESSION_COOKIE_SECURE",
    "MAIL_SERVER",
    "OIDC_ISSUER",
}
PHOTO = noisy_jpeg((800, 600))
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Host:
    name: str
    url: str
    stderr: Path
    process: subprocess.Popen = field(repr=False)


@dataclass(repr=False)
class Cluster:
    a: Host
    b: Host
    env: dict[str, str]
    s3: S3
    small: Small
    manager_name: str
    visit_id: int
    upload_folder: Path
    workdir: Path


# --- the shared parts -----------------------------------------------------------------


def admin_url() -> str:
    return os.environ.get("AUDIT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES


def _connect(url: str) -> psycopg.Connection:
    parts = make_url(url)
    return psycopg.connect(
        host=parts.host or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=parts.database or "postgres",
        autocommit=True,
        connect_timeout=3,
    )


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A database of this test's own; its SQLAlchemy URL."""
    base = admin_url()
    try:
        connection = _connect(base)
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL is not answering at {make_url(base).host} ({error})")
    name = f"two_hosts_{uuid.uuid4().hex[:12]}"
    with connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with _connect(base) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def redis_queues() -> Iterator[dict[str, str]]:
    """REPORT_QUEUE and TASK_QUEUE names of this test's own, emptied afterwards."""
    try:
        connection = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        connection.ping()
    except RedisError as error:
        unavailable(f"Redis is not answering at {REDIS_URL} ({error})")
    tag = uuid.uuid4().hex[:8]
    names = {"REPORT_QUEUE": f"hosts-reports-{tag}", "TASK_QUEUE": f"hosts-tasks-{tag}"}
    yield names
    from rq import Queue

    for name in names.values():
        Queue(name, connection=connection).delete(delete_jobs=True)
    connection.close()


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):  # held open together, so the ports differ
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def program(name: str) -> str:
    beside_python = Path(sys.executable).with_name(name)
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if not found:
        unavailable(f"{name} is not installed")
    return str(found)


def run_flask(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """``flask --app wsgi ARGS`` in a process of its own, as an operator runs it."""
    done = subprocess.run(  # noqa: S603 - our own command line
        [program("flask"), "--app", "wsgi", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"flask {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def start_host(name: str, port: int, env: dict[str, str], tmp_path: Path) -> Host:
    """gunicorn as deployed: the repository's gunicorn.conf.py, two workers."""
    stderr = tmp_path / f"gunicorn-{name}.err"
    command = [
        program("gunicorn"),
        "--config",
        str(PROJECT_ROOT / "gunicorn.conf.py"),
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    with stderr.open("wb") as err, (tmp_path / f"gunicorn-{name}.out").open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=err
        )
    return Host(name, f"http://127.0.0.1:{port}", stderr, process)


def wait_until_up(host: Host) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if host.process.poll() is not None:
            pytest.fail(f"gunicorn {host.name} stopped:\n{host.stderr.read_text()[-3000:]}")
        try:
            if requests.get(f"{host.url}/readyz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a worker still booting
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn {host.name} was not ready in 60 s:\n{host.stderr.read_text()[-3000:]}")


def stop(hosts: list[Host]) -> None:
    for host in hosts:  # all at once: each takes a moment to let its workers go
        host.process.send_signal(signal.SIGTERM)
    for host in hosts:
        try:
            host.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            host.process.kill()
            host.process.wait()


def load_world(url: str, tmp_path: Path) -> tuple[Small, str, int]:
    """The report tests' small organisation, its North manager's name, and a draft visit
    of its shopper at N1."""
    app = make_app(url, tmp_path / "builder")
    with app.app_context():
        small = build_small()
        card = db.session.scalars(select(Scorecard).where(Scorecard.slug == BRANCH_VISIT)).one()
        branch = db.session.scalars(select(Branch).where(Branch.code == small.codes["N1"])).one()
        shopper = db.session.scalars(select(User).where(User.email == small.shopper_email)).one()
        visit = started_draft(card, branch, shopper)
        db.session.commit()
        visit_id = visit.id
        manager_name = db.session.scalar(select(User.name).where(User.email == small.north_manager))
        db.session.remove()
        db.engine.dispose()
    return small, manager_name, visit_id


@pytest.fixture(scope="module")
def shared_s3(s3_server: ThreadedMotoServer) -> Iterator[S3]:
    """A bucket on the session's moto server, its AWS_* variables set for the module."""
    with pytest.MonkeyPatch.context() as patch:
        yield S3(s3_server, patch)


@pytest.fixture(scope="module")
def cluster(
    database: str,
    redis_queues: dict[str, str],
    shared_s3: S3,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Cluster]:
    """Both hosts, started once for the module's tests."""
    s3 = shared_s3
    tmp_path = tmp_path_factory.mktemp("two-hosts")
    upload_folder = tmp_path / "not-used"  # no host may keep a file on its own disk
    env = {key: value for key, value in os.environ.items() if key not in NOT_PASSED}
    env.update(
        DATABASE_URL=database,
        SECRET_KEY="two-hosts-shared-secret",
        STORAGE_URL=s3.url(PREFIX),
        UPLOAD_FOLDER=str(upload_folder),
        REDIS_URL=REDIS_URL,
        REPORT_JOB_MIN_BRANCHES="0",  # every comparison becomes a job
        LOG_FORMAT="json",
        **redis_queues,
    )  # the AWS_* variables pointing at moto come with os.environ (the s3 fixture)
    run_flask(env, "db", "upgrade")
    port_a, port_b = free_ports(2)
    hosts = [start_host("A", port_a, env, tmp_path), start_host("B", port_b, env, tmp_path)]
    try:
        small, manager_name, visit_id = load_world(database, tmp_path)  # while hosts boot
        for host in hosts:
            wait_until_up(host)
        yield Cluster(*hosts, env, s3, small, manager_name, visit_id, upload_folder, tmp_path)
    finally:
        stop(hosts)


# --- a browser --------------------------------------------------------------------------


def csrf_token(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    found = TOKEN.search(page.text)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def sign_in(host: Host, email: str) -> requests.Session:
    browser = requests.Session()
    token = csrf_token(browser, f"{host.url}/login")
    answer = browser.post(
        f"{host.url}/login",
        data={"csrf_token": token, "email": email, "password": TEST_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]
    return browser


def copied(browser: requests.Session) -> requests.Session:
    """A second browser carrying a copy of the first one's cookies."""
    other = requests.Session()
    other.cookies.update(browser.cookies.get_dict())
    return other


def home(host: Host, browser: requests.Session) -> requests.Response:
    """The home page, redirects followed: signed in, the person's own page (their name, a
    sign-out button); signed out, the sign-in page."""
    return browser.get(f"{host.url}/", timeout=30)


def signed_in_as(page: requests.Response, name: str) -> bool:
    return page.status_code == 200 and name in page.text and 'action="/logout"' in page.text


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return " ".join(
        " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split()
    )


# --- the story --------------------------------------------------------------------------


def test_a_session_made_on_one_host_is_valid_and_ended_on_the_other(cluster: Cluster):
    a, b = cluster.a, cluster.b
    on_a = sign_in(a, cluster.small.north_manager)
    assert signed_in_as(home(a, on_a), cluster.manager_name)
    on_b = copied(on_a)  # the load balancer sends the next request to B
    assert signed_in_as(home(b, on_b), cluster.manager_name)

    # Signed out on A: the copy of the cookies B is sent is refused there at once.
    token = csrf_token(on_a, f"{a.url}/")
    out = on_a.post(f"{a.url}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert out.status_code == 302
    refused = home(b, on_b)
    assert not signed_in_as(refused, cluster.manager_name)
    assert refused.url.startswith(f"{b.url}/login")


def test_a_photo_uploaded_through_one_host_is_served_by_the_other(cluster: Cluster):
    a, b = cluster.a, cluster.b
    phone = sign_in(a, cluster.small.shopper_email)
    form = f"{a.url}/shop/visits/{cluster.visit_id}"
    sent = phone.post(
        f"{form}/attachments",
        data={"csrf_token": csrf_token(phone, form)},
        files={"file": ("shelf.jpg", PHOTO, "image/jpeg")},
        headers={"Accept": "application/json"},
        timeout=60,
    )
    assert sent.status_code == 201, sent.text[:500]
    photo = sent.json()

    stored = {
        key: data
        for key, data in cluster.s3.objects(f"{PREFIX}/").items()
        if not key.startswith(f"{PREFIX}/reports/")  # report jobs of the other tests
    }
    assert len(stored) == 2  # the photo and its thumbnail, in the bucket
    assert not cluster.upload_folder.exists()

    # The shopper's phone, now answered by B; and a manager who signs in on B.
    for browser in (copied(phone), sign_in(b, cluster.small.north_manager)):
        full = browser.get(f"{b.url}{photo['url']}", timeout=30)
        assert full.status_code == 200 and full.headers["Content-Type"] == "image/jpeg"
        assert full.content in stored.values()
        thumb = browser.get(f"{b.url}{photo['thumb_url']}", timeout=30)
        assert thumb.status_code == 200 and thumb.content in stored.values()
        assert len(thumb.content) < len(full.content)
    # B still checks who asks: a staff member is told nothing of a draft's photo.
    other = sign_in(b, cluster.small.staff_email)
    assert other.get(f"{b.url}{photo['url']}", timeout=30).status_code in (403, 404)

    app = make_app(cluster.env["DATABASE_URL"], cluster.workdir / "reader")
    with app.app_context():
        names = set(db.session.execute(select(Attachment.stored_name, Attachment.thumb_name)).one())
        db.session.remove()
        db.engine.dispose()
    assert {f"{PREFIX}/{name}" for name in names} == set(stored)


def test_a_report_asked_for_on_one_host_is_made_by_a_worker_and_downloaded_from_the_other(
    cluster: Cluster,
):
    a, b = cluster.a, cluster.b
    manager = sign_in(a, cluster.small.north_manager)
    asked = manager.get(
        f"{a.url}/reports/compare.pdf?scorecard={BRANCH_VISIT}", allow_redirects=False, timeout=30
    )
    assert asked.status_code == 302, asked.text[:300]
    job_id = asked.headers["Location"].rstrip("/").rsplit("/", 1)[-1]

    on_b = copied(manager)
    status = on_b.get(f"{b.url}/reports/jobs/{job_id}.json", timeout=30).json()
    assert status["state"] == "queued"  # no web host runs it: it waits in Redis
    assert on_b.get(f"{b.url}/reports/jobs/{job_id}/report.pdf", timeout=30).status_code == 404

    run_flask(cluster.env, "report", "worker", "--burst")

    status = on_b.get(f"{b.url}/reports/jobs/{job_id}.json", timeout=30).json()
    assert status["state"] == "finished", status
    download = on_b.get(f"{b.url}{status['download']}", timeout=60)
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/pdf"
    text = pdf_text(download.content)
    assert "Harbour Lane" in text and "Castle Gate" in text
    assert "Seafront Parade" not in text  # the manager's scope held on the worker too
    assert f"{PREFIX}/reports/{job_id}/report.pdf" in cluster.s3.objects(f"{PREFIX}/reports/")
    assert not cluster.upload_folder.exists()
