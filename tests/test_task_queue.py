"""Background tasks: in a thread pool without Redis, on RQ with it, and never for a
transaction that did not commit."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, current_app, has_app_context
from sqlalchemy import select

from audit.extensions import db
from audit.models import Region
from audit.tasks import enqueue, wait_for_tasks

HERE = "tests.test_task_queue"


# --- tasks the queue runs (named by "module:function", as real ones are) ------------------


def add_region(name: str) -> None:
    """A task that needs the app context and the database, and commits its own work."""
    assert has_app_context()
    db.session.add(Region(name=name))
    db.session.commit()


def note(path: str, word: str) -> None:
    with Path(path).open("a") as handle:
        handle.write(f"{word}:{current_app.config['TASK_QUEUE']}\n")


def fail(message: str) -> None:
    raise RuntimeError(message)


def _regions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Region.name).order_by(Region.name)))


# --- the in-process fallback --------------------------------------------------------------


def test_without_redis_a_task_runs_in_a_thread_with_the_app(app: Flask):
    assert not app.config["REDIS_URL"]
    with app.app_context():
        enqueue(f"{HERE}:add_region", name="North")
    wait_for_tasks()
    assert _regions(app) == ["North"]


def test_a_task_waits_for_the_commit_of_the_transaction_it_was_queued_in(
    app: Flask, tmp_path: Path
):
    path = tmp_path / "notes.txt"
    with app.app_context():
        db.session.add(Region(name="South"))
        enqueue(f"{HERE}:note", path=str(path), word="kept")
        wait_for_tasks()
        assert not path.exists()  # not before the commit
        db.session.commit()
    wait_for_tasks()
    assert path.read_text() == "kept:default\n"


def test_a_rolled_back_or_abandoned_transaction_queues_nothing(app: Flask, tmp_path: Path):
    path = tmp_path / "notes.txt"
    with app.app_context():
        db.session.add(Region(name="West"))
        enqueue(f"{HERE}:note", path=str(path), word="rolled back")
        db.session.rollback()
        db.session.scalar(select(Region.id))  # a new transaction, ended by the context
        enqueue(f"{HERE}:note", path=str(path), word="abandoned")
    with app.app_context():
        db.session.commit()  # a later commit does not bring either back
    wait_for_tasks()
    assert not path.exists()
    assert _regions(app) == []


def test_a_task_queued_in_a_request_starts_once_the_answer_has_gone_out(app: Flask, tmp_path: Path):
    """The server closes the answer after sending it; only then does the task start, so
    what it does (or finds) neither slows the answer nor shows in its timing."""
    path = tmp_path / "notes.txt"
    with app.test_request_context("/forgot", method="POST"):
        enqueue(f"{HERE}:note", path=str(path), word="after")
        response = app.process_response(app.response_class("the answer"))
    time.sleep(0.3)
    assert not path.exists()
    response.close()  # what a WSGI server does once the answer is sent
    deadline = time.monotonic() + 10
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert path.read_text() == "after:default\n"


def test_a_failing_task_is_logged_and_the_pool_goes_on(app: Flask, caplog):
    caplog.set_level(logging.ERROR, logger="audit.tasks")
    with app.app_context():
        enqueue(f"{HERE}:fail", message="the mail server said no")
        enqueue(f"{HERE}:add_region", name="After")
    wait_for_tasks()
    assert "background task tests.test_task_queue:fail failed" in caplog.text
    assert "the mail server said no" in caplog.text
    assert _regions(app) == ["After"]


@pytest.mark.parametrize(
    "name", ["no_colon_here", "audit.tasks:no_such_function", "audit.no_such_module:f"]
)
def test_a_wrong_task_name_fails_where_it_is_queued(app: Flask, name: str):
    with app.app_context(), pytest.raises((ValueError, ImportError)):
        enqueue(name)


# --- RQ on Redis --------------------------------------------------------------------------


def test_with_redis_a_task_goes_to_rq_and_a_worker_runs_it(app: Flask, redis_queues, tmp_path):
    from rq import SimpleWorker

    path = tmp_path / "notes.txt"
    with app.app_context():
        enqueue(f"{HERE}:add_region", name="East")
        enqueue(f"{HERE}:note", path=str(path), word="by rq")
    wait_for_tasks()
    assert redis_queues.count == 2
    assert _regions(app) == []  # nothing ran in the web process
    with app.app_context():
        SimpleWorker([redis_queues], connection=redis_queues.connection).work(burst=True)
    assert redis_queues.count == 0
    assert _regions(app) == ["East"]
    assert path.read_text() == f"by rq:{app.config['TASK_QUEUE']}\n"


def test_with_redis_only_a_committed_transaction_queues(app: Flask, redis_queues, tmp_path):
    with app.app_context():
        db.session.add(Region(name="Kept"))
        enqueue(f"{HERE}:note", path=str(tmp_path / "a"), word="kept")
        assert redis_queues.count == 0  # waits for the commit
        db.session.commit()
        assert redis_queues.count == 1
        db.session.add(Region(name="Dropped"))
        enqueue(f"{HERE}:note", path=str(tmp_path / "b"), word="dropped")
        db.session.rollback()
    assert redis_queues.count == 1


def test_the_report_worker_command_runs_tasks_too(app: Flask, redis_queues, tmp_path):
    with app.app_context():
        enqueue(f"{HERE}:add_region", name="By the worker")
    assert redis_queues.count == 1
    result = app.test_cli_runner().invoke(args=["report", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert redis_queues.count == 0
    assert _regions(app) == ["By the worker"]


def test_a_failing_rq_task_is_marked_failed_for_the_operator(app: Flask, redis_queues):
    from rq import SimpleWorker
    from rq.registry import FailedJobRegistry

    with app.app_context():
        enqueue(f"{HERE}:fail", message="no mail today")
        SimpleWorker([redis_queues], connection=redis_queues.connection).work(burst=True)
    failed = FailedJobRegistry(queue=redis_queues)
    assert failed.count == 1
    job = redis_queues.fetch_job(failed.get_job_ids()[0])
    assert "no mail today" in (job.latest_result().exc_string or "")


# --- a Redis that does not answer ---------------------------------------------------------


@pytest.fixture
def silent_redis(app: Flask) -> Iterator[str]:
    """REDIS_URL pointing at a server that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    app.config["REDIS_URL"] = url
    yield url
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_a_task_redis_does_not_take_runs_in_the_process_soon(app: Flask, silent_redis, caplog):
    began = time.monotonic()
    with app.app_context(), caplog.at_level(logging.WARNING, logger="audit.tasks"):
        enqueue(f"{HERE}:add_region", name="Kept")
    assert time.monotonic() - began < 5  # the socket timeout, not forever
    wait_for_tasks()
    assert _regions(app) == ["Kept"]
    assert "Redis did not take task" in caplog.text


def test_a_report_job_redis_does_not_take_is_made_in_the_process(
    app: Flask, silent_redis, monkeypatch: pytest.MonkeyPatch
):
    from audit.jobs import reports
    from audit.reporting.filters import ReportFilter

    monkeypatch.setitem(reports.MAKERS, "fake", lambda status, progress: b"%PDF-1.4 made here")
    with app.app_context():
        status = reports.start_job("fake", None, "Fake report", ReportFilter())
        reports.wait_for(status.id)
        done = reports.JobStore.from_app().get(status.id)
    assert done is not None and done.state == "finished" and done.backend == "thread"
