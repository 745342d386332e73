"""The task queue: work a request should not wait for (a mail to send), run later.

``enqueue("audit.accounts.reset:send_reset_link", email=..., requested_from=...)`` names
the task as ``"module:function"``; the function runs inside an application context with
the keyword arguments given (plain values: strings, numbers, lists, dicts), and commits
its own work. A task names its function by a string rather than importing it, so any
layer can hand work to any area without importing it: this module sits low (beside
storage), and the services queue their own work here (a notification's mail, a reset
link), while ``audit.jobs`` above keeps the report jobs, the daily schedule and the worker.

Where it runs, as for report jobs (:mod:`audit.jobs.reports`): on RQ over Redis when
``REDIS_URL`` is set, in the queue ``TASK_QUEUE`` (``default``), which
``flask --app wsgi report worker`` listens to beside the report queue; otherwise in a
small thread pool inside the process, so the embedded default needs no Redis. When Redis
does not take a task (down, or not answering within :mod:`audit.redis_connection`'s
timeouts) it runs in the pool instead: a reset link or an invitation is mailed late
rather than never.

A task enqueued while the database session is in a transaction waits for that
transaction: it is handed over after the commit, and dropped when the transaction rolls
back or is closed without a commit. So a refused or failed action sends nothing, and a
task never runs before the rows it reads are visible. Outside a transaction it is handed
over at once. In the pool, a task queued during a request starts once the answer has gone
out: a task that finds more to do (a mail to send) must not make that answer slower.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from threading import Event, Lock
from typing import TYPE_CHECKING, Any

from flask import Flask, after_this_request, current_app, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.wrappers import Response

from audit.extensions import db
from audit.metrics import QUEUE_DEPTH
from audit.redis_connection import redis_client

if TYPE_CHECKING:
    from prometheus_client import Gauge

__all__ = [
    "enqueue",
    "enqueue_on",
    "register_task_hooks",
    "resolve",
    "run_task",
    "task_queue",
    "wait_for_tasks",
    "waiting_in_process",
]

log = logging.getLogger(__name__)

#: Threads of the in-process fallback: tasks are short (a mail), two keep one slow SMTP
#: server from holding up the next.
THREADS = 2
#: How long RQ lets one task run.
TIMEOUT_SECONDS = 300
#: The longest a task in the pool waits for its request's answer to go out.
RESPONSE_GRACE_SECONDS = 5

_PENDING = "audit.tasks.pending"


def enqueue(task: str, /, **kwargs: Any) -> None:
    """Run ``task`` (``"module:function"``) with ``kwargs`` in the background: after the
    current transaction commits when one is open, else now."""
    enqueue_on(db.session(), task, kwargs)


def enqueue_on(session: Session, task: str, kwargs: dict[str, Any]) -> None:
    """:func:`enqueue` after the transaction of ``session`` (for session hooks, which are
    handed the session that commits)."""
    resolve(task)  # a wrong name fails here, where it is queued, not later in a worker
    if session.in_transaction():
        register_task_hooks()
        session.info.setdefault(_PENDING, []).append((task, kwargs))
    else:
        _hand_over(task, kwargs)


def resolve(task: str) -> Callable[..., Any]:
    """The function ``"module:function"`` names; ValueError when there is none."""
    module_name, _, name = task.partition(":")
    if not module_name or not name:
        raise ValueError(f"a task is named 'module:function', not {task!r}")
    function = getattr(importlib.import_module(module_name), name, None)
    if not callable(function):
        raise ValueError(f"{module_name} has no function {name}")
    return function


def run_task(task: str, kwargs: dict[str, Any]) -> Any:
    """Run one task in the current application context, then release the session; returns
    what the task returned (RQ keeps it as the job's result).

    This is what RQ runs, inside the app context of ``flask --app wsgi report worker``."""
    if not has_app_context():
        raise RuntimeError("run tasks with `flask --app wsgi report worker`")
    try:
        return resolve(task)(**kwargs)
    finally:
        db.session.remove()


# --- after the commit ---------------------------------------------------------------------


def _after_commit(session: Session) -> None:
    for task, kwargs in session.info.pop(_PENDING, []):
        try:
            _hand_over(task, kwargs)
        except Exception:
            # The commit has happened: the request must not fail after the fact.
            log.exception("background task %s could not be queued", task)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and session.info.get(_PENDING):
        dropped = session.info.pop(_PENDING)
        log.info("dropped %d background task(s): their transaction did not commit", len(dropped))


def register_task_hooks() -> None:
    """Hand queued tasks over after the commit, drop them when it does not come (calling it
    again changes nothing)."""
    for name, listener in (
        ("after_commit", _after_commit),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


# --- the two queues -----------------------------------------------------------------------


def _hand_over(task: str, kwargs: dict[str, Any]) -> None:
    url = current_app.config.get("REDIS_URL")
    if url:
        from redis.exceptions import RedisError

        try:
            task_queue(redis_client(url)).enqueue(
                run_task, task, kwargs, job_timeout=TIMEOUT_SECONDS, description=task
            )
            return
        except RedisError as error:
            log.warning("Redis did not take task %s (%s): it runs in this process", task, error)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sent = _answer_sent()
    waiting = QUEUE_DEPTH.labels(app.config["TASK_QUEUE"])
    waiting.inc()  # before it is handed over: a thread may pick it up at once
    try:
        future = _pool().submit(_in_thread, app, task, kwargs, sent, waiting)
    except BaseException:
        waiting.dec()
        raise
    with _futures_lock:
        _futures.add(future)
    future.add_done_callback(_forget)


def _answer_sent() -> Event:
    """Set once the current request's answer has gone out (the server closes it), at once
    outside a request. A task in the pool waits for it, so that it neither slows the
    answer down nor lets its timing tell what the task found (an account, or none)."""
    sent = Event()
    if not has_request_context():
        sent.set()
        return sent

    def when_sent(response: Response) -> Response:
        response.call_on_close(sent.set)
        return response

    try:
        after_this_request(when_sent)
    except (AssertionError, RuntimeError):  # the answer is already on its way
        sent.set()
    with _futures_lock:
        _held.add(sent)
    return sent


def task_queue(connection: Any) -> Any:
    """The RQ queue of tasks (``TASK_QUEUE``) on ``connection``."""
    from rq import Queue

    return Queue(current_app.config["TASK_QUEUE"], connection=connection)


_executor: ThreadPoolExecutor | None = None
_executor_lock = Lock()
_futures: set[Future[None]] = set()
_held: set[Event] = set()
_futures_lock = Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="task")
        return _executor


def _in_thread(app: Flask, task: str, kwargs: dict[str, Any], sent: Event, waiting: Gauge) -> None:
    waiting.dec()  # picked up by a thread: no longer in ``audit_job_queue_depth``
    sent.wait(RESPONSE_GRACE_SECONDS)
    with _futures_lock:
        _held.discard(sent)
    with app.app_context():
        try:
            run_task(task, kwargs)
        except Exception:
            log.exception("background task %s failed", task)


def _forget(future: Future[None]) -> None:
    with _futures_lock:
        _futures.discard(future)


def waiting_in_process() -> int:
    """Tasks of the in-process pool not yet picked up by a thread (the queue depth without
    RQ)."""
    with _futures_lock:
        return sum(1 for future in _futures if not future.running() and not future.done())


def wait_for_tasks(timeout: float = 30) -> None:
    """Block until every task handed to the in-process pool so far is over (tests, CLI).

    Tasks still waiting for their request's answer to go out start now: whoever waits has
    had the answer (a test client does not close its responses the way a server does).
    A task that queues another (a reminder that notifies, which queues its mail) is
    waited for too."""
    while True:
        with _futures_lock:
            running = {future for future in _futures if not future.done()}
            for sent in _held:
                sent.set()
        if not running:
            return
        _, not_done = wait(running, timeout=timeout)
        if not_done:
            raise TimeoutError(f"{len(not_done)} background task(s) still running")
