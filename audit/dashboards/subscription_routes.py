"""Scheduled reports: the manager's page (subscribe, pause, resume, delete, stop receiving
one), and the unsubscribe link of the mail, which needs no sign-in.

The choices offered are those of the manager's scope, as on the dashboards; the service
(:mod:`audit.subscriptions.service`) checks them again and who may receive the report.
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from audit.access import MANAGERS, public, roles_required, scope_branches
from audit.dashboards.blueprint import bp
from audit.dashboards.pages import filter_choices
from audit.dashboards.subscription_forms import NO_CHOICE, SubscriptionForm
from audit.errors import refused
from audit.extensions import csrf, db
from audit.models import Branch, ReportFrequency, ReportSubscription, Role, User
from audit.subscriptions.service import (
    SubscriptionError,
    create_subscription,
    delete_subscription,
    leave,
    received_by,
    recipient_choices,
    set_active,
    subscriptions_of,
    unit_name,
)
from audit.subscriptions.unsubscribe import UNSUBSCRIBE_PATH, read_token
from audit.views import done, page_of, require_submitted
from audit.web.forms import EmptyForm

PAGE = "reports.subscriptions"


def _choose(form: SubscriptionForm) -> None:
    """Fill the form's choices from the signed-in manager's scope."""
    branches = db.session.execute(
        scope_branches(
            select(Branch.id, Branch.name, Branch.code)
            .where(Branch.active.is_(True))
            .order_by(Branch.name),
            current_user,
        )
    )
    form.branch.choices = [SelectChoice(NO_CHOICE, gettext("Choose a branch"))] + [
        SelectChoice(str(b.id), f"{b.name} ({b.code})") for b in branches
    ]
    choices = filter_choices(current_user.region_ids)
    form.region.choices = [SelectChoice(NO_CHOICE, gettext("Choose a region"))] + [
        SelectChoice(str(i), name) for i, name in choices.regions.items()
    ]
    form.scorecard.choices = [SelectChoice(NO_CHOICE, gettext("Every scorecard"))] + [
        SelectChoice(slug, title) for slug, title in choices.scorecards.items()
    ]
    if request.method == "GET" and choices.default_scorecard:
        form.scorecard.data = choices.default_scorecard
    every_region = gettext("every region")
    form.recipients.choices = [
        SelectChoice(u.id, f"{u.name} — {', '.join(r.name for r in u.regions) or every_region}")
        for u in recipient_choices(current_user)
    ]


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@bp.route("/subscriptions", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def subscriptions():
    form = SubscriptionForm()
    _choose(form)
    status = 200
    if form.validate_on_submit():
        try:
            made = create_subscription(
                current_user,
                unit=form.unit.data,
                frequency=form.frequency.data,
                branch_id=_number(form.branch.data),
                region_id=_number(form.region.data),
                scorecard=form.scorecard.data or None,
                recipient_ids=form.recipients.data or (),
            )
        except SubscriptionError as error:
            if not refused(error, form, fallback="unit"):
                form.unit.errors.append(str(error))
        else:
            if made.frequency is ReportFrequency.WEEKLY:
                words = gettext(
                    "Subscribed: %(report)s, every week. The first report is mailed the "
                    "morning after the current period ends.",
                    report=unit_name(made),
                )
            else:
                words = gettext(
                    "Subscribed: %(report)s, every month. The first report is mailed the "
                    "morning after the current period ends.",
                    report=unit_name(made),
                )
            return done(words, url_for(PAGE))
    if form.errors:
        status = 422
    return render_template(
        "reports/subscriptions.html",
        form=form,
        page=page_of(subscriptions_of(current_user)),
        received=received_by(current_user),
        button=EmptyForm(),
        unit_name=unit_name,
    ), status


def _own(subscription_id: int) -> ReportSubscription:
    """A subscription the signed-in manager made (an administrator: anyone's); 404 for
    any other, so ids of other people's subscriptions tell nothing."""
    subscription = db.get_or_404(ReportSubscription, subscription_id)
    if current_user.role is not Role.ADMIN and subscription.owner_id != current_user.id:
        abort(404)
    return subscription


@bp.route("/subscriptions/<int:subscription_id>/pause", methods=["POST"])
@roles_required(*MANAGERS)
def pause_subscription(subscription_id: int) -> Response:
    subscription = _own(subscription_id)
    require_submitted()
    set_active(subscription, False, current_user)
    return done(
        gettext(
            "Paused: %(report)s. Nothing is mailed until resumed.", report=unit_name(subscription)
        ),
        url_for(PAGE),
    )


@bp.route("/subscriptions/<int:subscription_id>/resume", methods=["POST"])
@roles_required(*MANAGERS)
def resume_subscription(subscription_id: int) -> Response:
    subscription = _own(subscription_id)
    require_submitted()
    set_active(subscription, True, current_user)
    return done(gettext("Resumed: %(report)s.", report=unit_name(subscription)), url_for(PAGE))


@bp.route("/subscriptions/<int:subscription_id>/delete", methods=["POST"])
@roles_required(*MANAGERS)
def delete_subscription_view(subscription_id: int) -> Response:
    subscription = _own(subscription_id)
    require_submitted()
    name = unit_name(subscription)
    delete_subscription(subscription, current_user)
    return done(
        gettext("Deleted: %(report)s. Nobody receives it any more.", report=name), url_for(PAGE)
    )


@bp.route("/subscriptions/<int:subscription_id>/leave", methods=["POST"])
@roles_required(*MANAGERS)
def leave_subscription(subscription_id: int) -> Response:
    require_submitted()
    subscription = db.get_or_404(ReportSubscription, subscription_id)
    if not leave(subscription, current_user, current_user):
        abort(404)
    return done(
        gettext("You no longer receive %(report)s.", report=unit_name(subscription)),
        url_for(PAGE),
    )


# --- the unsubscribe link ------------------------------------------------------------------


@bp.route(UNSUBSCRIBE_PATH.removeprefix("/reports") + "<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    """GET shows one button (a link scanner opening the mail must not unsubscribe
    anyone); POST, from that button or a mail program's one-click (RFC 8058), does it."""
    try:
        subscription_id, user_id = read_token(token)
    except ValueError as error:
        return _unsubscribe_page(message=str(error), status=404)
    subscription = db.session.get(ReportSubscription, subscription_id)
    user = db.session.get(User, user_id)
    if subscription is None or user is None:
        return _unsubscribe_page(
            message=gettext("This report no longer exists: nothing more is sent.")
        )
    name = unit_name(subscription)
    if request.method == "POST":
        leave(subscription, user, None)
        db.session.commit()
        return _unsubscribe_page(
            message=gettext(
                "%(email)s no longer receives the report on %(report)s.",
                email=user.email,
                report=name,
            ),
            done=True,
        )
    if user not in subscription.recipients:
        return _unsubscribe_page(
            message=gettext(
                "%(email)s does not receive the report on %(report)s.",
                email=user.email,
                report=name,
            )
        )
    return _unsubscribe_page(name=name, email=user.email, action=request.path)


def _unsubscribe_page(status: int = 200, **context: object) -> tuple[str, int]:
    page = render_template("reports/unsubscribe.html", **context)
    return page, status
