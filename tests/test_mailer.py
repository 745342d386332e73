"""E-mail through a real SMTP server (aiosmtpd in a thread on a free port), not a mock."""

from __future__ import annotations

from sqlalchemy import select

from audit.extensions import db
from audit.models import Notification, Role
from audit.notifications.mailer import MailSettings, OutgoingMail, send_messages
from audit.notifications.service import notify
from audit.tasks import wait_for_tasks
from tests.builders import make_user
from tests.mail_server import free_port

# --- the mailer on its own ---------------------------------------------------------------


def test_a_message_arrives_with_recipient_subject_and_body(smtp_server):
    settings = MailSettings(server="127.0.0.1", port=smtp_server.port, sender="audit@test.local")
    sent = send_messages(
        settings,
        [OutgoingMail(7, "ann@example.org", "A subject", "Open https://x.test/coaching/notes/1")],
    )
    assert sent == [7]
    recipients, message = smtp_server.inbox.only()
    assert recipients == ["ann@example.org"]
    assert message["To"] == "ann@example.org" and message["From"] == "audit@test.local"
    assert message["Subject"] == "A subject"
    assert "https://x.test/coaching/notes/1" in message.get_content()


def test_a_server_that_is_down_is_logged_not_raised(caplog):
    settings = MailSettings(server="127.0.0.1", port=free_port(), timeout=2)
    assert send_messages(settings, [OutgoingMail(1, "a@example.org", "s", "b")]) == []
    assert "could not send 1 mail(s)" in caplog.text


def test_settings_come_from_config_and_are_off_without_a_server():
    assert MailSettings.from_config({}) is None
    settings = MailSettings.from_config(
        {"MAIL_SERVER": "smtp.test", "MAIL_PORT": "587", "MAIL_USE_TLS": True, "MAIL_FROM": "x@y"}
    )
    assert settings == MailSettings("smtp.test", 587, True, "", "", "x@y", 10.0)


# --- notifications are mailed after the commit, by a background task --------------------


def emailed_at(notification_id: int):
    db.session.expire_all()
    return db.session.scalar(
        select(Notification.emailed_at).where(Notification.id == notification_id)
    )


def test_a_notification_is_mailed_after_commit_with_an_absolute_link(app, ctx, smtp_server):
    app.config.update(smtp_server.config(), APP_URL="https://audit.example.test")
    user = make_user(Role.STAFF, email="sam@example.org", name="Sam Staff")
    (notification,) = notify(
        [user], "coaching.note", "Mia wrote you a coaching note.", "/coaching/notes/5"
    )
    db.session.flush()
    assert smtp_server.inbox.messages == []  # nothing before the commit
    db.session.commit()
    wait_for_tasks()
    recipients, message = smtp_server.inbox.only()
    assert recipients == ["sam@example.org"]
    assert message["Subject"] == "[Service Audit] Mia wrote you a coaching note."
    body = message.get_content()
    assert "Hello Sam Staff" in body
    assert "https://audit.example.test/coaching/notes/5" in body
    assert emailed_at(notification.id) is not None


def test_a_rolled_back_action_mails_nobody(app, ctx, smtp_server):
    app.config.update(smtp_server.config())
    user = make_user(Role.STAFF)
    db.session.commit()
    notify([user], "coaching.note", "Never happened", "/coaching/")
    db.session.rollback()
    db.session.commit()
    wait_for_tasks()
    assert smtp_server.inbox.messages == []


def test_without_mail_server_nothing_is_sent_and_emailed_at_stays_null(app, ctx, smtp_server):
    user = make_user(Role.STAFF)
    (notification,) = notify([user], "coaching.note", "In the app only", "/coaching/")
    db.session.commit()
    wait_for_tasks()
    assert smtp_server.inbox.messages == []
    assert emailed_at(notification.id) is None


def test_smtp_down_never_fails_the_action(app, ctx, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    user = make_user(Role.STAFF)
    (notification,) = notify([user], "coaching.note", "Still saved", "/coaching/")
    db.session.commit()  # no exception
    wait_for_tasks()
    assert db.session.get(Notification, notification.id).message == "Still saved"
    assert emailed_at(notification.id) is None
    assert "could not send" in caplog.text


def test_send_pending_mails_what_smtp_refused_earlier_once(app, ctx, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    user = make_user(Role.STAFF, email="late@example.org")
    (notification,) = notify([user], "coaching.note", "Sent later", "/coaching/")
    db.session.commit()
    wait_for_tasks()
    assert emailed_at(notification.id) is None
    app.config.update(smtp_server.config())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notifications", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "1 notification e-mail sent." in result.output
    recipients, message = smtp_server.inbox.only()
    assert recipients == ["late@example.org"] and message["Subject"] == "[Service Audit] Sent later"
    assert emailed_at(notification.id) is not None
    assert (
        "0 notification e-mails sent."
        in runner.invoke(args=["notifications", "send-pending"]).output
    )
    app.config.update(MAIL_SERVER=None)
    assert runner.invoke(args=["notifications", "send-pending"]).exit_code == 1
