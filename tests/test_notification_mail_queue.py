"""Notification e-mail goes by the task queue: one task per committed batch, carrying the
notifications' ids; the task sends through the mailer and sets emailed_at; a request that
notifies never waits for the SMTP server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
import requests
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from audit.extensions import db
from audit.models import Notification, Role
from audit.notifications.service import MAIL_TASK, notify, send_notification_mails
from audit.tasks import run_task, wait_for_tasks
from tests.builders import make_coaching_world, make_note, make_user
from tests.conftest import TEST_PASSWORD
from tests.mail_server import Inbox, SmtpServer, free_port
from tests.served import serve
from tests.task_queues import work_off

#: How long the slow SMTP server takes over each message.
SMTP_DELAY = 2.0


def mailed(app: Flask) -> dict[str, bool]:
    """Each notification's message and whether it is marked e-mailed."""
    with app.app_context():
        rows = db.session.execute(
            select(Notification.message, Notification.emailed_at).order_by(Notification.id)
        )
        return {message: emailed_at is not None for message, emailed_at in rows}


def notify_two(app: Flask) -> list[int]:
    """Two people notified in one transaction, committed; their notifications' ids."""
    with app.app_context():
        ann = make_user(Role.MANAGER, email="ann@example.org", name="Ann")
        ben = make_user(Role.MANAGER, email="ben@example.org", name="Ben")
        added = notify([ann], "test", "For Ann", "/coaching/")
        added += notify([ben], "test", "For Ben", "/coaching/")
        db.session.commit()
        return [n.id for n in added]


# --- the in-process pool ------------------------------------------------------------------


def test_without_redis_the_mail_is_sent_by_a_task_and_recorded(app: Flask, smtp_server):
    app.config.update(smtp_server.config(), APP_URL="https://audit.example.test")
    notify_two(app)
    wait_for_tasks()
    assert sorted(to for (to,), _ in smtp_server.inbox.messages) == [
        "ann@example.org",
        "ben@example.org",
    ]
    assert mailed(app) == {"For Ann": True, "For Ben": True}


def test_the_task_mails_each_notification_once(app: Flask, smtp_server):
    app.config.update(smtp_server.config())
    ids = notify_two(app)
    wait_for_tasks()
    assert len(smtp_server.inbox.messages) == 2
    with app.app_context():  # the same batch again (a retried job): nothing is sent twice
        assert send_notification_mails(ids) == 0
    assert len(smtp_server.inbox.messages) == 2


def test_a_server_that_is_down_leaves_the_rows_for_send_pending(app: Flask, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    notify_two(app)
    wait_for_tasks()
    assert mailed(app) == {"For Ann": False, "For Ben": False}
    app.config.update(smtp_server.config())
    result = app.test_cli_runner().invoke(args=["jobs", "run", "send-pending-mail"])
    assert result.exit_code == 0, result.output
    assert (
        "send-pending-mail: 2 notification e-mail(s) and 0 scheduled report e-mail(s) sent."
        in result.output
    )
    assert mailed(app) == {"For Ann": True, "For Ben": True}


# --- RQ on Redis --------------------------------------------------------------------------


def test_with_redis_one_task_per_committed_batch_goes_to_rq(app: Flask, redis_queues, smtp_server):
    app.config.update(smtp_server.config(), APP_URL="https://audit.example.test")
    ids = notify_two(app)
    assert redis_queues.count == 1  # one task for the batch
    (job,) = redis_queues.get_jobs()
    assert job.args == (MAIL_TASK, {"ids": ids, "link_base": ""})
    assert smtp_server.inbox.messages == []  # nothing was sent by the process that notified
    assert mailed(app) == {"For Ann": False, "For Ben": False}

    work_off(app, redis_queues)
    assert redis_queues.count == 0
    assert len(smtp_server.inbox.messages) == 2
    (_, message) = next(m for m in smtp_server.inbox.messages if m[0] == ["ann@example.org"])
    assert "https://audit.example.test/coaching/" in message.get_content()
    assert mailed(app) == {"For Ann": True, "For Ben": True}


def test_with_redis_a_rolled_back_notification_queues_nothing(app: Flask, redis_queues):
    app.config.update(MAIL_SERVER="127.0.0.1")
    with app.app_context():
        user = make_user(Role.STAFF)
        db.session.commit()
        notify([user], "test", "Never happened", "/coaching/")
        db.session.rollback()
    assert redis_queues.count == 0


def test_the_task_can_be_run_as_the_worker_runs_it(app: Flask, smtp_server):
    """What RQ calls (``run_task``) with what the batch carries, in a fresh app context."""
    app.config.update(MAIL_SERVER=None)
    ids = notify_two(app)  # no mail configured: nothing queued, nothing sent
    app.config.update(smtp_server.config())
    with app.app_context():
        assert run_task(MAIL_TASK, {"ids": ids[:1], "link_base": "http://host.test/"}) == 1
    ((to,), message) = smtp_server.inbox.only()
    assert to == "ann@example.org"
    assert "http://host.test/coaching/" in message.get_content()
    assert mailed(app) == {"For Ann": True, "For Ben": False}


# --- a request never waits for SMTP -------------------------------------------------------


class SlowInbox(Inbox):
    """An SMTP server that takes :data:`SMTP_DELAY` seconds over every message."""

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        await asyncio.sleep(SMTP_DELAY)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp_server() -> Iterator[SmtpServer]:
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpServer(inbox, controller.port)
    finally:
        controller.stop()


def test_a_request_that_notifies_answers_while_the_smtp_server_is_slow(
    app: Flask, slow_smtp_server
):
    app.config.update(slow_smtp_server.config())
    with app.app_context():
        world = make_coaching_world()
        note = make_note(world.alice, world.north_manager, "Please read", visit=world.a_low)
        db.session.commit()
        note_id, alice, author = note.id, world.alice_user.email, world.north_manager.email
    wait_for_tasks()  # the note's own mail to Alice
    inbox = slow_smtp_server.inbox
    assert [to for to, _ in inbox.messages] == [[alice]]

    with serve(app) as server:
        url = server.url  # type: ignore[attr-defined]
        browser = requests.Session()
        signed_in = browser.post(f"{url}/login", data={"email": alice, "password": TEST_PASSWORD})
        assert signed_in.status_code == 200, signed_in.text[:300]
        start = time.perf_counter()
        answer = browser.post(f"{url}/coaching/notes/{note_id}/acknowledge", allow_redirects=False)
        took = time.perf_counter() - start
        assert answer.status_code in (302, 303), answer.text[:300]
        assert took < SMTP_DELAY / 2, f"the answer took {took:.2f} s"
        assert len(inbox.messages) == 1  # the mail to the author is still on its way
        wait_for_tasks()
    assert [to for to, _ in inbox.messages] == [[alice], [author]]
    link = f"{url}/coaching/notes/{note_id}"  # no APP_URL: the address the request came to
    assert link in inbox.messages[1][1].get_content()
    assert all(mailed(app).values())
