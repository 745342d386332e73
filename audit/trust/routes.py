"""Managers' trust pages: the signals list (here) and the shopper pages
(``shopper_routes``, ``rating_routes``), all on the ``trust`` blueprint at /trust."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from audit.access import MANAGERS, roles_required
from audit.models import SignalKind
from audit.org.timezones import today_in, zone_for
from audit.reporting.periods import PRESETS, parse_filter
from audit.trust.service import kind_counts, signals_query
from audit.views import choice_arg, page_of

bp = Blueprint("trust", __name__)

#: What each kind is called on the pages, in the order the filter offers them.
KIND_WORDS = {
    SignalKind.PHOTO_REUSE.value: _l("Photo reused"),
    SignalKind.DUPLICATE_TEXT.value: _l("Comment copied"),
    SignalKind.IMPOSSIBLE_TRAVEL.value: _l("Impossible travel"),
    SignalKind.OUTSIDE_HOURS.value: _l("Outside opening hours"),
    SignalKind.TOO_SHORT.value: _l("Visit length"),
    SignalKind.FAR_FROM_BRANCH.value: _l("Far from the branch"),
    SignalKind.PHOTO_TIME.value: _l("Photo time"),
    SignalKind.LATE_SUBMISSION.value: _l("Sent late"),
}
ALL_KINDS = "all"


@bp.route("/signals")
@roles_required(*MANAGERS)
def signals():
    """Every stored signal of visits in the manager's regions, newest visit first,
    filtered by kind and by the period the visits were made in."""
    chosen = parse_filter(
        request.args, today=today_in(zone_for(None)), scorecards={}, default_scorecard=None
    )
    kind = choice_arg("kind", [ALL_KINDS, *KIND_WORDS], ALL_KINDS)
    start, end = chosen.date_from, chosen.date_to
    query = signals_query(current_user, None if kind == ALL_KINDS else SignalKind(kind), start, end)
    return render_template(
        "trust/signals.html",
        page=page_of(query),
        chosen=chosen,
        periods=PRESETS,
        kind=kind,
        kinds=KIND_WORDS,
        counts=kind_counts(current_user, start, end),
    )
