"""The administrator's webhook pages under /admin/webhooks: the list, add, edit, delete,
a test ping, the delivery log of each endpoint with redelivery, pause and resume."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from audit.access import roles_required
from audit.extensions import db
from audit.models import Role, WebhookDelivery, WebhookEndpoint
from audit.views import decide, done, page_of, require_submitted
from audit.web.forms import EmptyForm
from audit.webhooks.events import EVENTS
from audit.webhooks.forms import WebhookForm
from audit.webhooks.service import (
    WebhookError,
    create_endpoint,
    delete_endpoint,
    endpoints,
    redeliver,
    send_ping,
    set_active,
    update_endpoint,
)

bp = Blueprint("webhooks", __name__)


def _event_notes() -> dict[str, str]:
    """What each event means, in the reader's language (beside its tick box)."""
    return {name: gettext(meaning) for name, meaning in EVENTS.items()}


def _form_error(form: WebhookForm, error: WebhookError) -> None:
    field = getattr(form, error.field or "", None) or form.url
    field.errors = [*field.errors, str(error)]


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    return render_template("webhooks/index.html", endpoints=endpoints(), action_form=EmptyForm())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new():
    form = WebhookForm()
    if request.method == "GET":
        form.secret.data = secrets.token_urlsafe(32)
    if form.validate_on_submit():
        try:
            endpoint = create_endpoint(
                form.url.data, form.events.data or [], form.secret.data, current_user
            )
        except WebhookError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            return done(
                gettext("Webhook added."), url_for("webhooks.show", endpoint_id=endpoint.id)
            )
    return render_template("webhooks/form.html", form=form, endpoint=None, events=_event_notes())


@bp.route("/<int:endpoint_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    form = WebhookForm(editing=True)
    if request.method == "GET":
        form.url.data, form.events.data = endpoint.url, list(endpoint.events)
    if form.validate_on_submit():
        try:
            update_endpoint(
                endpoint,
                current_user,
                url=form.url.data,
                events=form.events.data or [],
                secret=form.secret.data or None,
            )
        except WebhookError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            return done(
                gettext("Webhook saved."), url_for("webhooks.show", endpoint_id=endpoint.id)
            )
    return render_template(
        "webhooks/form.html", form=form, endpoint=endpoint, events=_event_notes()
    )


@bp.route("/<int:endpoint_id>")
@roles_required(Role.ADMIN)
def show(endpoint_id: int):
    """The endpoint and its delivery log, newest first."""
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    deliveries = page_of(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    )
    return render_template(
        "webhooks/show.html", endpoint=endpoint, deliveries=deliveries, action_form=EmptyForm()
    )


@bp.route("/<int:endpoint_id>/delete", methods=["POST"])
@roles_required(Role.ADMIN)
def delete(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    require_submitted()
    url = endpoint.url
    delete_endpoint(endpoint, current_user)
    return done(gettext("Webhook to %(url)s deleted.", url=url), url_for("webhooks.index"))


@bp.route("/<int:endpoint_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def toggle_active(endpoint_id: int):
    """Pause an active endpoint, or resume a paused one."""
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    message = gettext("Webhook paused.") if endpoint.active else gettext("Webhook resumed.")
    back = url_for("webhooks.show", endpoint_id=endpoint.id)
    return decide(
        lambda: set_active(endpoint, not endpoint.active, current_user), WebhookError, back, message
    )


@bp.route("/<int:endpoint_id>/ping", methods=["POST"])
@roles_required(Role.ADMIN)
def ping(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    back = url_for("webhooks.show", endpoint_id=endpoint.id)
    message = gettext("Test ping sent: its answer shows in the log in a moment (reload the page).")
    return decide(lambda: send_ping(endpoint, current_user), WebhookError, back, message)


@bp.route("/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
@roles_required(Role.ADMIN)
def redeliver_one(endpoint_id: int, delivery_id: int):
    delivery = db.get_or_404(WebhookDelivery, delivery_id)
    if delivery.endpoint_id != endpoint_id:
        abort(404)
    back = url_for("webhooks.show", endpoint_id=endpoint_id)
    message = gettext(
        "Delivery %(id)s sent again, with the same id and body.", id=delivery.delivery_id
    )
    return decide(lambda: redeliver(delivery, current_user), WebhookError, back, message)
