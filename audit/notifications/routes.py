"""The bell's pages: the list, open one (marks it read), mark all read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from audit.access import any_signed_in
from audit.extensions import db
from audit.notifications import service as notifications
from audit.views import done, page_of, require_submitted
from audit.web.forms import EmptyForm

bp = Blueprint("notifications", __name__)

PER_PAGE = 30


@bp.app_context_processor
def bell() -> dict[str, object]:
    """``unread_notification_count()`` for the nav: one COUNT per request, only when drawn."""

    def unread_notification_count() -> int:
        if not current_user.is_authenticated:
            return 0
        try:
            return notifications.cached_unread_count(current_user)
        except SQLAlchemyError:  # the 500 page must still render when the database is down
            db.session.rollback()
            return 0

    return {"unread_notification_count": unread_notification_count}


@bp.route("/")
@any_signed_in
def index():
    unread_only = request.args.get("show") == "unread"
    page = page_of(notifications.notifications_query(current_user, unread_only), PER_PAGE)
    return render_template(
        "notices/index.html", page=page, unread_only=unread_only, form=EmptyForm()
    )


def _own(notification_id: int):  # noqa: ANN202
    notification = notifications.own_notification(current_user, notification_id)
    if notification is None:
        abort(404)  # someone else's notification: not even its existence
    return notification


@bp.route("/<int:notification_id>/open", methods=["POST"])
@any_signed_in
def open_notification(notification_id: int):
    require_submitted()
    notification = _own(notification_id)
    notifications.mark_read(notification)
    db.session.commit()
    link = notification.link
    return redirect(link if link and notifications.is_internal_link(link) else url_for(".index"))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@any_signed_in
def mark_read(notification_id: int):
    require_submitted()
    notifications.mark_read(_own(notification_id))
    db.session.commit()
    return redirect(url_for(".index"))


@bp.route("/read-all", methods=["POST"])
@any_signed_in
def mark_all_read():
    require_submitted()
    count = notifications.mark_all_read(current_user)
    return done(
        ngettext(
            "%(num)d notification marked as read.", "%(num)d notifications marked as read.", count
        ),
        url_for(".index"),
    )
