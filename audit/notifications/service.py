"""Tell people what happened: a row per recipient for the bell, and e-mail when SMTP is set up.

Callers say who, what kind, a sentence and a link inside the app; they never
build e-mails themselves. Rows are added to the current session and committed
with the caller's change, so a rolled-back action notifies nobody.

E-mail: when ``MAIL_SERVER`` is configured, each notification added with
:func:`notify` is also e-mailed, by a background task (:mod:`audit.tasks`)
queued when the session commits: one task per committed batch, carrying the
notifications' ids. So a mail never announces something that was rolled back,
a request never waits for an SMTP server, and a server that is slow or down
never fails the action: the task logs the failure and the rows keep
``emailed_at`` NULL for ``flask notifications send-pending`` (a daily job,
:mod:`audit.jobs.schedule`) to try again.

Language: each person reads their notifications, in the bell and by mail, in their own
language (:func:`audit.languages.recipient_language`), not in that of whoever's action
caused them. So a caller hands :func:`notify` a lazy message (``lazy_gettext``, with its
values: ``_l("%(name)s wrote you a coaching note.", name=author.name)``), which is
turned into text once per recipient, in that recipient's language; a plain ``str`` is
taken as it is. The mail around it is written in the same language when it is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import LazyString, force_locale, gettext
from sqlalchemy import ColumnElement, Select, event, func, select, update
from sqlalchemy.orm import Session, contains_eager

from audit.extensions import db
from audit.languages import recipient_language
from audit.models import Notification, User
from audit.notifications.mailer import MailSettings, OutgoingMail, send_messages
from audit.tasks import enqueue_on, register_task_hooks

log = logging.getLogger(__name__)

#: Session.info key: notifications waiting for the commit to be mailed.
_PENDING = "notifications_to_mail"
#: The task that mails one committed batch (:func:`send_notification_mails`).
MAIL_TASK = "audit.notifications.service:send_notification_mails"
SUBJECT_PREFIX = "[Service Audit] "


def notify(
    users: Iterable[User | None], kind: str, message: str | LazyString, link: str = ""
) -> list[Notification]:
    """Add one notification per distinct active recipient, its ``message`` written in the
    recipient's language when it is a lazy string; returns what was added."""
    if link and not is_internal_link(link):
        raise ValueError("notification links stay inside the app")
    added: list[Notification] = []
    seen: set[int] = set()
    for user in users:
        if user is None or not user.active or user.id in seen:
            continue
        seen.add(user.id)
        with force_locale(recipient_language(user)):
            text = str(message)
        notification = Notification(user=user, kind=kind, message=text, link=link)
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


def absolute_link(link: str, base: str = "") -> str:
    """``link`` (a path) as a full URL: APP_URL when set, else ``base`` (the address a
    request came to, handed to a background task), else the current request's host."""
    if not link:
        link = "/notifications/"
    base = current_app.config.get("APP_URL") or base
    if not base and has_request_context():
        base = request.url_root
    return base.rstrip("/") + link if base else link


def mail_for(notification: Notification, link_base: str = "") -> OutgoingMail:
    """The mail of ``notification``, in its recipient's language."""
    user = notification.user
    subject = notification.message.splitlines()[0] if notification.message else notification.kind
    if len(subject) > 90:
        subject = subject[:87].rstrip() + "..."
    with force_locale(recipient_language(user)):
        body = "\n\n".join(
            (
                gettext("Hello %(name)s,", name=user.name),
                notification.message,
                gettext(
                    "Open it in Service Audit: %(link)s",
                    link=absolute_link(notification.link, link_base),
                ),
                gettext(
                    "You receive this e-mail because you have an account on Service Audit. "
                    "All your notifications are also listed under the bell in the app."
                ),
            )
        )
    return OutgoingMail(notification.id, user.email, SUBJECT_PREFIX + subject, body + "\n")


def send_notification_mails(ids: list[int], link_base: str = "") -> int:
    """The background task: mail the notifications ``ids`` not mailed yet; how many went.

    ``link_base`` is the address the request came to, for links when ``APP_URL`` is not
    set. Rows the SMTP server did not take keep ``emailed_at`` NULL for
    :func:`deliver_pending`."""
    settings = _mail_settings()
    if settings is None or not ids:
        return 0
    return _deliver(settings, Notification.id.in_(ids), link_base)


def deliver_pending(since: datetime) -> int:
    """Mail notifications created since ``since`` that were not mailed (SMTP was down).

    Returns how many went; 0 when mail is not configured. Commits its own work.
    """
    settings = _mail_settings()
    if settings is None:
        return 0
    return _deliver(settings, Notification.created_at >= since)


def _deliver(settings: MailSettings, which: ColumnElement[bool], link_base: str = "") -> int:
    """Mail the unmailed notifications of active users matching ``which``, set emailed_at
    on those the server took, commit.

    The rows stay locked (on PostgreSQL, skipping rows another sender holds) from the
    read to the commit, so the batch's task and a ``send-pending`` run at the same moment
    never mail one notification twice."""
    pending = db.session.scalars(
        select(Notification)
        .join(Notification.user)
        .where(which, Notification.emailed_at.is_(None), User.active.is_(True))
        .options(contains_eager(Notification.user))
        .order_by(Notification.id)
        .with_for_update(of=Notification, skip_locked=True)
    ).all()
    sent = set(send_messages(settings, [mail_for(n, link_base) for n in pending]))
    now = datetime.now(UTC)
    for notification in pending:
        if notification.id in sent:
            notification.emailed_at = now
    db.session.commit()
    return len(sent)


def _queue_mail(session: Session) -> None:
    """Before the commit: one task for the batch, handed over once the commit is done."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()  # ids for the rows, which are all the task carries
    ids = [n.id for n in pending if n in session and n.id is not None]
    if ids:
        link_base = request.url_root if has_request_context() else ""
        enqueue_on(session, MAIL_TASK, {"ids": ids, "link_base": link_base})


def _forget_mail(session: Session) -> None:
    session.info.pop(_PENDING, None)


def register_mail_hooks() -> None:
    """Queue the mail of notifications once their transaction commits, drop it on a
    rollback (the app factory calls this; calling it again changes nothing)."""
    register_task_hooks()
    for name, listener in (
        ("before_commit", _queue_mail),
        ("after_rollback", _forget_mail),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
