"""Report subscriptions: who may make one, who may receive it, and which are due.

Scope, as for every report: a subscription's PDF is drawn for its owner
(:meth:`ReportFilter.for_viewer`), so it never shows more than the owner may see, and
each recipient must be allowed to see all of it (:func:`may_receive`) — checked when the
subscription is made and again each time it is sent, since people's regions change.

There is no "manager of a branch" in the organisation model: the managers a subscription
may go to are the managers whose regions cover the report (a branch's region, the
region, or every region of a company report). A manager limited to regions chooses among
managers limited to regions (their branch and area managers), never head office.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from urllib.parse import urlencode

from flask_babel import gettext, ngettext
from sqlalchemy import Select, or_, select, update

from audit.access import branch_in_scope
from audit.extensions import db
from audit.models import (
    Branch,
    Region,
    ReportFrequency,
    ReportSubscription,
    ReportUnit,
    Role,
    Scorecard,
    User,
    record_event,
    record_new,
    report_subscription_recipients,
)
from audit.org.timezones import today_in, zone_for
from audit.reporting.filters import ReportFilter
from audit.service_errors import FieldError
from audit.storage import storage
from audit.storage.files import delete_when_committed
from audit.subscriptions.periods import Period, last_period

__all__ = [
    "PDF_PREFIX",
    "SubscriptionError",
    "claim",
    "create_subscription",
    "current_recipients",
    "dashboard_path",
    "delete_subscription",
    "due",
    "leave",
    "may_receive",
    "pdf_key",
    "received_by",
    "recipient_choices",
    "report_filter",
    "report_regions",
    "set_active",
    "subscriptions_of",
    "unit_name",
]

#: Where the PDFs mailed are kept, one folder per subscription.
PDF_PREFIX = "report-subscriptions/"


class SubscriptionError(FieldError):
    """A subscription that cannot be made or changed; says why."""


# --- scope --------------------------------------------------------------------------------


def report_regions(
    owner: User, unit: ReportUnit, branch: Branch | None, region: Region | None
) -> frozenset[int] | None:
    """The regions a report shows (None: every region)."""
    if unit is ReportUnit.BRANCH and branch is not None:
        return frozenset({branch.region_id})
    if unit is ReportUnit.REGION and region is not None:
        return frozenset({region.id})
    return owner.region_ids


def may_receive(user: User, regions: frozenset[int] | None) -> bool:
    """True when ``user`` may be mailed a report over ``regions``: an active manager or
    administrator who has joined and may see every one of them."""
    if not user.active or user.invitation_pending:
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is not Role.MANAGER:
        return False
    scope = user.region_ids
    return scope is None or (regions is not None and regions <= scope)


def recipient_choices(owner: User) -> list[User]:
    """The managers ``owner`` may choose from (the report's own unit then narrows it):
    for an owner limited to regions, the managers limited to some of them."""
    managers = db.session.scalars(
        select(User)
        .where(
            User.role == Role.MANAGER,
            User.active.is_(True),
            User.joined_at.is_not(None),
            User.id != owner.id,
        )
        .order_by(User.name)
    )
    scope = owner.region_ids
    if scope is None:
        return list(managers)
    return [m for m in managers if m.region_ids is not None and m.region_ids & scope]


# --- making and changing ------------------------------------------------------------------


def create_subscription(
    owner: User,
    *,
    unit: ReportUnit | str,
    frequency: ReportFrequency | str,
    branch_id: int | None = None,
    region_id: int | None = None,
    scorecard: str | None = None,
    recipient_ids: Iterable[int] = (),
) -> ReportSubscription:
    """Subscribe ``owner`` (and the managers ``recipient_ids``) to a report; the caller
    commits. Refused with a message beside the field at fault."""
    if owner.role not in (Role.MANAGER, Role.ADMIN):
        raise SubscriptionError(gettext("Only managers can subscribe to reports."))
    unit = _enum(ReportUnit, unit, "unit", gettext("Choose what the report is about."))
    frequency = _enum(ReportFrequency, frequency, "frequency", gettext("Choose how often."))
    branch = region = None
    if unit is ReportUnit.BRANCH:
        branch = db.session.get(Branch, branch_id) if branch_id else None
        if branch is None or not branch_in_scope(branch, owner):
            raise SubscriptionError(gettext("Choose a branch in your regions."), field="branch")
    elif unit is ReportUnit.REGION:
        region = db.session.get(Region, region_id) if region_id else None
        scope = owner.region_ids
        if region is None or (scope is not None and region.id not in scope):
            raise SubscriptionError(gettext("Choose one of your regions."), field="region")
    slug = (scorecard or "").strip() or None
    if slug and db.session.scalar(select(Scorecard.id).where(Scorecard.slug == slug)) is None:
        raise SubscriptionError(
            gettext("There is no scorecard “%(slug)s”.", slug=slug), field="scorecard"
        )
    regions = report_regions(owner, unit, branch, region)
    chosen = _recipients(owner, set(recipient_ids), regions)
    subscription = ReportSubscription(
        owner=owner,
        unit=unit,
        branch=branch,
        region=region,
        scorecard=slug,
        frequency=frequency,
        recipients=[owner, *chosen],
    )
    record_new(
        owner,
        "report_subscription.created",
        subscription,
        report=unit_name(subscription),
        frequency=frequency.value,
        recipients=[u.email for u in subscription.recipients],
    )
    return subscription


def _enum(kind: type, value: object, field: str, message: str):  # noqa: ANN202
    try:
        return kind(value)
    except ValueError:
        raise SubscriptionError(message, field=field) from None


def _recipients(owner: User, ids: set[int], regions: frozenset[int] | None) -> list[User]:
    ids.discard(owner.id)
    if not ids:
        return []
    allowed = {u.id: u for u in recipient_choices(owner)}
    chosen = [allowed[i] for i in sorted(ids) if i in allowed]
    if len(chosen) != len(ids):
        raise SubscriptionError(
            gettext("One of the people chosen is not a manager you can send reports to."),
            field="recipients",
        )
    outside = [u.name for u in chosen if not may_receive(u, regions)]
    if outside:
        raise SubscriptionError(
            ngettext(
                "%(names)s cannot see this report: it covers branches outside the regions "
                "they manage.",
                "%(names)s cannot see this report: it covers branches outside their regions.",
                len(outside),
                names=", ".join(outside),
            ),
            field="recipients",
        )
    return sorted(chosen, key=lambda u: u.name)


def set_active(subscription: ReportSubscription, active: bool, actor: User) -> None:
    """Pause or resume; a resumed subscription sends from the next period that ends."""
    if subscription.active == active:
        return
    subscription.active = active
    action = "report_subscription.resumed" if active else "report_subscription.paused"
    record_event(actor, action, subscription)


def delete_subscription(subscription: ReportSubscription, actor: User | None) -> None:
    """Delete it and, once that is committed, the PDFs it sent (``actor`` None: the
    system, as when its owner's retention period erases them)."""
    record_event(actor, "report_subscription.deleted", subscription, report=unit_name(subscription))
    store = storage()
    delete_when_committed(store, *store.keys(f"{PDF_PREFIX}{subscription.id}/"))
    db.session.delete(subscription)


def leave(subscription: ReportSubscription, user: User, actor: User | None) -> bool:
    """Stop mailing ``subscription`` to ``user`` (the unsubscribe link: ``actor`` None);
    False when they were not receiving it."""
    result = db.session.execute(
        report_subscription_recipients.delete().where(
            report_subscription_recipients.c.subscription_id == subscription.id,
            report_subscription_recipients.c.user_id == user.id,
        )
    )
    if not result.rowcount:
        return False
    db.session.expire(subscription, ["recipients"])
    record_event(actor, "report_subscription.unsubscribed", subscription, email=user.email)
    return True


# --- lists --------------------------------------------------------------------------------


def subscriptions_of(user: User) -> Select:
    """The subscriptions ``user`` made (an administrator: everyone's), newest first."""
    query = select(ReportSubscription).order_by(ReportSubscription.id.desc())
    if user.role is Role.ADMIN:
        return query
    return query.where(ReportSubscription.owner_id == user.id)


def received_by(user: User) -> list[ReportSubscription]:
    """Subscriptions someone else made that mail ``user``."""
    return list(
        db.session.scalars(
            select(ReportSubscription)
            .join(report_subscription_recipients)
            .where(
                report_subscription_recipients.c.user_id == user.id,
                ReportSubscription.owner_id != user.id,
            )
            .order_by(ReportSubscription.id)
        )
    )


def unit_name(subscription: ReportSubscription) -> str:
    """ "Branch Leeds Central (LDS01)", "Region North", "Company" (or, for an owner
    limited to regions, "Regions North, South"), in the current language."""
    if subscription.unit is ReportUnit.BRANCH and subscription.branch is not None:
        branch = subscription.branch
        return gettext("Branch %(name)s (%(code)s)", name=branch.name, code=branch.code)
    if subscription.unit is ReportUnit.REGION and subscription.region is not None:
        return gettext("Region %(name)s", name=subscription.region.name)
    owner = subscription.owner
    if owner.region_ids is None:
        return gettext("Company")
    return gettext("Regions %(names)s", names=", ".join(r.name for r in owner.regions))


# --- sending ------------------------------------------------------------------------------


def due(today: date | None = None, now: datetime | None = None) -> list[tuple[int, Period]]:
    """The active subscriptions of active owners whose last finished period has not been
    sent, with that period (by frequency, then id).

    A period has finished when it has in the subscription's zone: a branch's report by the
    branch's today, any other by today in the installation's default zone (at ``now``,
    default now); ``today`` names one day for every subscription instead.
    """
    rows = db.session.execute(
        select(
            ReportSubscription.id,
            ReportSubscription.frequency,
            ReportSubscription.unit,
            ReportSubscription.last_period_end,
            Branch.timezone,
        )
        .join(ReportSubscription.owner)
        .outerjoin(Branch, Branch.id == ReportSubscription.branch_id)
        .where(ReportSubscription.active.is_(True), User.active.is_(True))
        .order_by(ReportSubscription.id)
    ).tuples()
    order = list(ReportFrequency)
    found = []
    for subscription_id, frequency, unit, last_end, zone_name in rows:
        where = zone_for(zone_name if unit is ReportUnit.BRANCH else None)
        period = last_period(frequency, today or today_in(where, now))
        if last_end is None or last_end < period.end:
            found.append((order.index(frequency), subscription_id, period))
    return [(subscription_id, period) for _, subscription_id, period in sorted(found)]


def claim(subscription_id: int, period: Period) -> bool:
    """Mark ``period`` as sent for the subscription, in the current transaction, if no one
    has: one conditional UPDATE, so of two runs racing for it exactly one gets True (on
    PostgreSQL the second waits for the first's commit, then finds the period taken; on
    SQLite the writes are serialised). The caller commits once the PDF is stored and its
    mail queued, or rolls back to give the period back."""
    result = db.session.execute(
        update(ReportSubscription)
        .where(
            ReportSubscription.id == subscription_id,
            ReportSubscription.active.is_(True),
            or_(
                ReportSubscription.last_period_end.is_(None),
                ReportSubscription.last_period_end < period.end,
            ),
        )
        .values(last_period_end=period.end)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def current_recipients(subscription: ReportSubscription) -> list[User]:
    """Who receives it now: the recipients who may still see all of it."""
    regions = report_regions(
        subscription.owner, subscription.unit, subscription.branch, subscription.region
    )
    return [u for u in subscription.recipients if may_receive(u, regions)]


def report_filter(subscription: ReportSubscription, period: Period) -> ReportFilter:
    """The report's filter: the period, the scorecard, the unit, the owner's scope."""
    return ReportFilter.for_viewer(
        subscription.owner,
        date_from=period.start,
        date_to=period.end,
        scorecard=subscription.scorecard,
        region_id=subscription.region_id if subscription.unit is ReportUnit.REGION else None,
        branch_id=subscription.branch_id if subscription.unit is ReportUnit.BRANCH else None,
    )


def dashboard_path(subscription: ReportSubscription, period: Period) -> str:
    """The dashboard page of the same unit, period and scorecard (a path of the app)."""
    query = urlencode(
        {
            "period": "custom",
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "scorecard": subscription.scorecard or "all",
        }
    )
    if subscription.unit is ReportUnit.BRANCH and subscription.branch is not None:
        return f"/reports/branches/{subscription.branch.code}?{query}"
    if subscription.unit is ReportUnit.REGION and subscription.region_id is not None:
        return f"/reports/regions/{subscription.region_id}?{query}"
    return f"/reports/?{query}"


def pdf_key(subscription_id: int, period: Period, language: str) -> str:
    """Where the PDF of ``period`` in ``language`` is kept."""
    stamp = f"{period.start.isoformat()}_{period.end.isoformat()}"
    return f"{PDF_PREFIX}{subscription_id}/{stamp}.{language}.pdf"
