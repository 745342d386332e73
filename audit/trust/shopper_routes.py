"""The shoppers' list with their leniency, and the page about one shopper: visits, review
outcomes, signals, leniency and rating. Managers and admins only."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from audit.access import MANAGERS, VISITORS, roles_required
from audit.extensions import db
from audit.models import User
from audit.org.timezones import today_in, zone_for
from audit.reporting.periods import PRESETS, DashboardFilter, parse_filter
from audit.settings import get_setting
from audit.trust import shoppers
from audit.trust.adjusted import adjusted_branch_means
from audit.trust.leniency import LENIENCY_FLAG_SETTING, leniency_of
from audit.trust.rating import rating_of
from audit.trust.routes import KIND_WORDS, bp


def _period() -> DashboardFilter:
    """The period in the query string (as on the report pages; last 12 months by default).
    A wrong date is reported above the figures and the default used instead."""
    return parse_filter(
        request.args, today=today_in(zone_for(None)), scorecards={}, default_scorecard=None
    )


def _shopper_or_404(user_id: int) -> User:
    """A shopper or assessor account; any other id is 404 (the page is about visitors)."""
    user = db.session.get(User, user_id)
    if user is None or user.role not in VISITORS:
        abort(404)
    return user


@bp.route("/shoppers")
@roles_required(*MANAGERS)
def shoppers_index():
    chosen = _period()
    return render_template(
        "trust/shoppers.html",
        rows=shoppers.shopper_list(chosen.date_from, chosen.date_to),
        chosen=chosen,
        periods=PRESETS,
        flag_points=get_setting(LENIENCY_FLAG_SETTING),
    )


@bp.route("/shoppers/<int:user_id>")
@roles_required(*MANAGERS)
def shopper(user_id: int):
    person = _shopper_or_404(user_id)
    chosen = _period()
    start, end = chosen.date_from, chosen.date_to
    return render_template(
        "trust/shopper.html",
        person=person,
        chosen=chosen,
        periods=PRESETS,
        visits=shoppers.shopper_visits(person, current_user, start, end),
        shown_visits=shoppers.SHOWN_VISITS,
        outcomes=shoppers.review_outcomes(person, current_user, start, end),
        signals=shoppers.shopper_signals(person, current_user, start, end),
        kinds=KIND_WORDS,
        leniency=leniency_of(person.id, start, end),
        flag_points=get_setting(LENIENCY_FLAG_SETTING),
        rating=rating_of(person),
        scoped=current_user.region_ids is not None,
    )


@bp.route("/adjusted-scores")
@roles_required(*MANAGERS)
def adjusted_scores():
    chosen = _period()
    return render_template(
        "trust/shoppers_adjusted.html",
        means=adjusted_branch_means(chosen.date_from, chosen.date_to, current_user.region_ids),
        chosen=chosen,
        periods=PRESETS,
    )
