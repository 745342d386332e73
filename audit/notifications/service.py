"""Tell people what happened: a row per recipient for the bell, and e-mail when SMTP is set up.

Callers say who, what kind, a sentence and a link inside the app; they never
build e-mails themselves. Rows are added to the current session and committed
with the caller's change, so a rolled-back action notifies nobody.

E-mail: when ``MAIL_SERVER`` is configured, each notification added with
:func:`notify` is also e-mailed, but only *after* the session commits (a
session ``after_commit`` hook), so a mail never announces something that was
rolled back, and an SMTP server that is down never fails the action: the
failure is logged and the row keeps ``emailed_at`` NULL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import Select, event, func, select, update
from sqlalchemy.orm import Session, joinedload

from audit.extensions import db
from audit.models import Notification, User
from audit.notifications.mailer import MailSettings, OutgoingMail, send_messages

log = logging.getLogger(__name__)

#: Session.info keys: notifications waiting for the commit, and the mails built from them.
_PENDING = "notifications_to_mail"
_OUTBOX = "notification_mails"
SUBJECT_PREFIX = "[Service Audit] "


def notify(
    users: Iterable[User | None], kind: str, message: str, link: str = ""
) -> list[Notification]:
    """Add one notification per distinct active recipient; returns what was added."""
    if link and not is_internal_link(link):
        raise ValueError("notification links stay inside the app")
    added: list[Notification] = []
    seen: set[int] = set()
    for user in users:
        if user is None or not user.active or user.id in seen:
            continue
        seen.add(user.id)
        notification = Notification(user=user, kind=kind, message=message, link=link)
        db.session.add(notification)
        added.append(notification)
    if added and _mail_settings() is not None:
        db.session.info.setdefault(_PENDING, []).extend(added)
    return added


def is_internal_link(link: str) -> bool:
    """A path inside this app: starts with one "/" (not "//host"), no backslashes."""
    return link.startswith("/") and not link.startswith("//") and "\\" not in link


# --- reading ---------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def cached_unread_count(user: User) -> int:
    """The unread count, queried at most once per request (the bell on every page)."""
    if not has_request_context():
        return unread_count(user)
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(user)
    return g.unread_notifications


def notifications_query(user: User, unread_only: bool = False) -> Select:
    """``user``'s notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def own_notification(user: User, notification_id: int) -> Notification | None:
    """The notification if it is ``user``'s; None for anyone else's (the view answers 404)."""
    return db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = datetime.now(UTC)


def mark_all_read(user: User) -> int:
    """Mark every unread notification of ``user`` read in one UPDATE; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# --- e-mail ----------------------------------------------------------------------------


def _mail_settings() -> MailSettings | None:
    if not has_app_context():
        return None
    return MailSettings.from_config(current_app.config)


def absolute_link(link: str) -> str:
    """``link`` (a path) as a full URL: APP_URL when set, else the current request's host."""
    if not link:
        link = "/notifications/"
    base = current_app.config.get("APP_URL") or ""
    if not base and has_request_context():
        base = request.url_root
    return base.rstrip("/") + link if base else link


def mail_for(notification: Notification) -> OutgoingMail:
    user = notification.user
    subject = notification.message.splitlines()[0] if notification.message else notification.kind
    if len(subject) > 90:
        subject = subject[:87].rstrip() + "..."
    body = (
        f"Hello {user.name},\n\n"
        f"{notification.message}\n\n"
        f"Open it in Service Audit: {absolute_link(notification.link)}\n\n"
        "You receive this e-mail because you have an account on Service Audit. "
        "All your notifications are also listed under the bell in the app.\n"
    )
    return OutgoingMail(notification.id, user.email, SUBJECT_PREFIX + subject, body)


def _record_sent(ids: list[int]) -> None:
    """Set emailed_at on its own connection (usable inside ``after_commit``)."""
    with db.engine.begin() as connection:
        connection.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(emailed_at=datetime.now(UTC))
        )


def deliver_pending(since: datetime) -> int:
    """Mail notifications created since ``since`` that were not mailed (SMTP was down).

    Returns how many went; 0 when mail is not configured.
    """
    settings = _mail_settings()
    if settings is None:
        return 0
    pending = db.session.scalars(
        select(Notification)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.created_at >= since,
            User.active.is_(True),
        )
        .options(joinedload(Notification.user))
        .order_by(Notification.id)
    ).all()
    sent = send_messages(settings, [mail_for(n) for n in pending])
    if sent:
        _record_sent(sent)
        db.session.expire_all()
    return len(sent)


def _prepare_mail(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()  # ids for the rows, so the mails can be matched to them after commit
    mails = [mail_for(n) for n in pending if n in session and n.id is not None]
    session.info.setdefault(_OUTBOX, []).extend(mails)


def _send_mail(session: Session) -> None:
    mails = session.info.pop(_OUTBOX, None)
    settings = _mail_settings()
    if not mails or settings is None:
        return
    sent = send_messages(settings, mails)
    if not sent:
        return
    # The session cannot run SQL inside after_commit; record the sending on its own connection.
    try:
        _record_sent(sent)
    except Exception:  # the mail went; a failed bookkeeping write must not fail the action
        log.exception("could not record that %d notification mail(s) were sent", len(sent))


def _forget_mail(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_OUTBOX, None)


def register_mail_hooks() -> None:
    """Mail queued notifications once their transaction commits, drop them on a rollback
    (the app factory calls this; calling it again changes nothing)."""
    for name, listener in (
        ("before_commit", _prepare_mail),
        ("after_commit", _send_mail),
        ("after_rollback", _forget_mail),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
