"""``impossible_travel``: two visits by one shopper that no one could have driven between.

Between the end of the earlier visit and the start of the later one (their recorded start
and end times where the phone kept them, else ``visited_at``), a shopper covers at most
the distance the ``travel_speed_kmh`` setting allows (120 km/h by default). Branches
further apart than that, in a straight line, mean one of the two visits did not happen as
recorded. Visits at the same branch, or at branches without coordinates, are not checked,
and only in-person visits count: a shopper rings a branch, or answers its survey, from
wherever they are.

The candidates are bounded by time: at 1,000 km/h (the setting's maximum) a day covers
24,000 km, so only the shopper's other visits within :data:`WINDOW` either side can be
too far to reach; an indexed query on the visitor and date finds them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from audit.extensions import db
from audit.models import Scorecard, SignalKind, Visit, VisitStatus
from audit.org.geo import haversine_m
from audit.settings import get_setting
from audit.trust.checks import Finding, format_span

__all__ = ["WINDOW", "impossible_travel", "visit_span"]

WINDOW = timedelta(days=1)
#: Branches closer than this are never called impossible to reach: a town's branches
#: are a short walk apart, whatever the clock says.
MIN_DISTANCE_M = 2000
IN_PERSON = "in_person"


def visit_span(visit: Visit) -> tuple[datetime, datetime]:
    """When the visit began and ended, as well as it is known."""
    start = visit.started_at or visit.visited_at
    end = visit.ended_at if visit.ended_at and visit.ended_at >= start else start
    return start, end


def impossible_travel(visit: Visit) -> list[Finding]:
    """One finding per other visit of the same shopper too far away to reach in time."""
    branch = visit.branch
    if visit.visitor_id is None or branch.lat is None or branch.lng is None:
        return []
    if visit.scorecard.channel != IN_PERSON:
        return []
    speed_kmh = get_setting("travel_speed_kmh")
    start, end = visit_span(visit)
    others = db.session.scalars(
        select(Visit)
        .join(Scorecard, Scorecard.id == Visit.scorecard_id)
        .options(joinedload(Visit.branch))
        .where(
            Scorecard.channel == IN_PERSON,
            Visit.visitor_id == visit.visitor_id,
            Visit.id != visit.id,
            Visit.status != VisitStatus.DRAFT,
            Visit.branch_id != visit.branch_id,
            Visit.visited_at.between(start - WINDOW, end + WINDOW),
        )
        .order_by(Visit.visited_at, Visit.id)
    )
    findings = []
    for other in others:
        there = other.branch
        if there.lat is None or there.lng is None:
            continue
        metres = haversine_m(branch.lat, branch.lng, there.lat, there.lng)
        if metres < MIN_DISTANCE_M:
            continue
        other_start, other_end = visit_span(other)
        gap = max(other_start - end, start - other_end, timedelta(0))
        reachable_m = speed_kmh * 1000 * gap.total_seconds() / 3600
        if metres <= reachable_m:
            continue
        km = metres / 1000
        if gap:
            needed = km / (gap.total_seconds() / 3600)
            between = f"{format_span(gap)} apart (that is {needed:,.0f} km/h)"
        else:
            between = "at overlapping times"
        detail = (
            f"Visit {other.id} by the same shopper at {there.label}, {km:,.0f} km away, "
            f"was {between}; faster than {speed_kmh} km/h."
        )
        evidence = {
            "other_visit_id": other.id,
            "distance_km": round(km, 1),
            "gap_minutes": round(gap.total_seconds() / 60),
            "speed_kmh": speed_kmh,
        }
        findings.append(Finding(SignalKind.IMPOSSIBLE_TRAVEL, "high", detail, evidence))
    return findings
