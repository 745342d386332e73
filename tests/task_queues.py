"""The app's task and report queues on the local Redis: the ``redis_queues`` fixture, and
``work_off`` to run what is queued with a burst SimpleWorker, as ``report worker`` does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_queues(app: Flask) -> Iterator[Any]:
    """The app on the local Redis, with queues of its own (other tests share the server);
    yields the task queue."""
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    from tests.conftest import unavailable  # here: conftest imports this module

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except RedisError as error:
        unavailable(f"Redis is not answering at {REDIS_URL} ({error})")
    suffix = uuid.uuid4().hex[:8]
    app.config.update(
        REDIS_URL=REDIS_URL, TASK_QUEUE=f"test-tasks-{suffix}", REPORT_QUEUE=f"test-rep-{suffix}"
    )
    tasks = Queue(app.config["TASK_QUEUE"], connection=connection)
    yield tasks
    tasks.delete(delete_jobs=True)
    Queue(app.config["REPORT_QUEUE"], connection=connection).delete(delete_jobs=True)


def work_off(app: Flask, queue: Any) -> None:
    """Run every job on ``queue`` in this process, inside the app, then stop."""
    from rq import SimpleWorker

    with app.app_context():
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
