"""The shopper rating: how far a shopper's (or assessor's) visits can be trusted as sent.

One number per person, built from what happened to their visits of the past year
(:data:`PERIOD_DAYS`) and from calibration exercises:

=============  ========================================================  ======
component      value (a share, 1 is best)                                weight
=============  ========================================================  ======
not_returned   reviewed visits never sent back to the shopper            25
not_edited     reviewed visits whose answers no reviewer changed         25
on_time        sent visits first sent within 48 h of the visit and by    15
               the last day of their assignment's window (before
               midnight at the branch)
no_signals     sent visits without a trust signal (late submission is    15
               left out: ``on_time`` already counts it)
calibration    answers in calibration cases that matched the reference   20
=============  ========================================================  ======

**Why 0-100 and not stars.** The rating is a weighted mean of shares, so on a 0-100
scale each component's contribution is a number of points that the page can show
and the reader can add up ("sent back: 92% × 25% = 23 points"); visit scores are
percentages too, so managers already read the scale. Five stars would round away
the difference between a careful shopper and a sloppy one (4.4 and 4.6 are both
"4½"), and a minimum of "4 stars" is a coarser bar than "70".

**Why these weights.** A visit sent back or corrected by a reviewer is direct
evidence that what the shopper wrote was not usable as it stood, so those two carry
half the rating. Calibration is the only measure against a known right answer but
rests on few cases, hence 20. Lateness and trust signals say a visit deserves a
closer look rather than that it was wrong, hence 15 each. A component with no
evidence yet (no calibration case scored, no visit reviewed) is left out and the
other weights are renormalised, so nobody is marked down for what was never measured.

**Minimum evidence.** A rating from two visits is mostly luck, so nobody is rated
until ``shopper_rating_min_visits`` (a setting, default 5) of their visits of the
period have been reviewed; until then they are "not yet rated" and the components
so far are shown for information.

Every figure comes from one GROUP BY over the visits (correlated EXISTS on the
review record, the answer changes and the signals), one query for the visits sent near
or after their window's end (whose branch's midnight decides) and one call for the
calibration results, for any number of people at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import DateTime, case, cast, exists, func, or_, select
from sqlalchemy.sql import ColumnElement

from audit.calibration.results import rater_accuracy
from audit.extensions import db
from audit.models import (
    AnswerChange,
    Assignment,
    AuditEvent,
    Branch,
    Role,
    Scorecard,
    SignalKind,
    User,
    Visit,
    VisitSignal,
    VisitStatus,
    record_event,
)
from audit.org.timezones import end_of_day, zone_for
from audit.service_errors import FieldError
from audit.settings import get_setting

__all__ = [
    "COMPONENTS",
    "PERIOD_DAYS",
    "RATED_ROLES",
    "MinRatingError",
    "RatingComponent",
    "ShopperRating",
    "below_minimum",
    "rating_of",
    "set_min_rating",
    "shopper_ratings",
]

V = VisitStatus
#: Who is rated: the people who make visits.
RATED_ROLES = (Role.SHOPPER, Role.ASSESSOR)
#: How far back visits count: a shopper who improves sees it within a year.
PERIOD_DAYS = 365
#: A visit first sent later than this after it ended is late (the review page's rule).
LATE_AFTER = timedelta(hours=48)
#: (key, label, weight in percent); the weights add up to 100.
COMPONENTS: tuple[tuple[str, LazyString, int], ...] = (
    ("not_returned", _l("Not sent back by reviewers"), 25),
    ("not_edited", _l("Answers kept as sent"), 25),
    ("on_time", _l("Sent on time"), 15),
    ("no_signals", _l("Without trust signals"), 15),
    ("calibration", _l("Agreement in calibration"), 20),
)


@dataclass(frozen=True)
class RatingComponent:
    """One part of a rating: its value, its share of the rating and what it rests on."""

    key: str
    label: str
    #: The share, 0..1, higher is better.
    value: float
    #: The part of the rating this component makes up, 0..1 (renormalised over the
    #: components that have evidence).
    weight: float
    #: In words: "2 of 12 reviewed visits sent back".
    evidence: str

    @property
    def points(self) -> float:
        """What it adds to the rating: 100 × weight × value."""
        return 100 * self.weight * self.value

    @property
    def max_points(self) -> float:
        return 100 * self.weight


@dataclass(frozen=True)
class ShopperRating:
    """A person's rating and how it is made; ``value`` is None until they are rated."""

    user_id: int
    #: Visits of the period sent at least once, and of those, reviewed.
    sent: int
    reviewed: int
    #: Reviewed visits needed before a rating is shown.
    needed: int
    components: tuple[RatingComponent, ...]
    #: Labels of the components left out for want of evidence.
    left_out: tuple[str, ...] = ()

    @property
    def rated(self) -> bool:
        return self.reviewed >= self.needed and bool(self.components)

    @property
    def exact(self) -> float | None:
        """The weighted sum, unrounded: None while not yet rated."""
        if not self.rated:
            return None
        return sum(component.points for component in self.components)

    @property
    def value(self) -> int | None:
        """The rating as shown and as compared with a minimum: a whole number 0-100."""
        exact = self.exact
        return None if exact is None else int(exact + 0.5)

    def meets(self, minimum: int | None) -> bool:
        """Whether this rating reaches ``minimum``; not yet rated never does."""
        if minimum is None:
            return True
        return self.value is not None and self.value >= minimum

    def describe(self) -> str:
        """ "82 / 100" or "not yet rated (2 of 5 reviewed visits)"."""
        if self.value is not None:
            return f"{self.value} / 100"
        return gettext(
            "not yet rated (%(reviewed)s of %(needed)s reviewed visits)",
            reviewed=self.reviewed,
            needed=self.needed,
        )


# --- the figures, in SQL -----------------------------------------------------


def _epoch(expr: Any) -> ColumnElement[float]:
    """Seconds since 1970 (UTC) of a timestamp or date column, on either database.

    SQLite keeps timestamps as UTC text, which ``julianday`` reads; PostgreSQL's
    ``EXTRACT(EPOCH ...)`` of a timestamptz is absolute, and of a date cast to a
    timestamp without time zone is its midnight as if UTC.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(expr) - 2440587.5) * 86400.0
    if isinstance(getattr(expr, "type", None), DateTime):
        return func.extract("epoch", expr)
    return func.extract("epoch", cast(expr, DateTime(timezone=False)))


def _visit_event(action: str) -> ColumnElement[bool]:
    return (
        (AuditEvent.subject_type == Visit.__tablename__)
        & (AuditEvent.subject_id == Visit.id)
        & (AuditEvent.action == action)
    )


def _counts(user_ids: list[int], since: datetime) -> dict[int, dict[str, int]]:
    """Per visitor: visits sent, reviewed, sent back, edited, on time and signalled."""
    sent_back = or_(Visit.status == V.RETURNED, exists().where(_visit_event("visit.returned")))
    edited = exists().where(AnswerChange.visit_id == Visit.id, AnswerChange.source == "review")
    reviewed = or_(Visit.status.in_((V.RETURNED, V.APPROVED, V.PUBLISHED)), sent_back, edited)
    signalled = exists().where(
        VisitSignal.visit_id == Visit.id, VisitSignal.kind != SignalKind.LATE_SUBMISSION
    )
    # The first sending counts: a visit sent back and sent again is not late for it.
    first_sent = func.coalesce(
        select(func.min(AuditEvent.at)).where(_visit_event("visit.submitted")).scalar_subquery(),
        Visit.submitted_at,
    )
    ended = func.coalesce(Visit.ended_at, Visit.started_at, Visit.visited_at)
    late = _epoch(first_sent) - _epoch(ended) > LATE_AFTER.total_seconds()

    def count(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = db.session.execute(
        select(
            Visit.visitor_id,
            func.count(Visit.id).label("sent"),
            count(reviewed).label("reviewed"),
            count(sent_back).label("sent_back"),
            count(edited).label("edited"),
            count(~late).label("on_time"),
            count(signalled).label("signalled"),
        )
        .where(
            Visit.visitor_id.in_(user_ids),
            Visit.status != V.DRAFT,
            Visit.visited_at >= since,
        )
        .group_by(Visit.visitor_id)
    ).all()
    counts = {row.visitor_id: row._asdict() for row in rows}
    for visitor_id in _sent_after_window(user_ids, since, first_sent, ~late):
        counts[visitor_id]["on_time"] -= 1
    return counts


#: No clock is more than 14 hours ahead of UTC (Kiribati's), so nowhere does a day end
#: more than 14 hours before it ends in UTC.
_EARLIEST_MIDNIGHT = 14 * 3600


def _sent_after_window(
    user_ids: list[int], since: datetime, first_sent: Any, in_time: ColumnElement[bool]
) -> Iterator[int]:
    """The visitor of each visit sent in time after the visit (``in_time``) but first
    sent (``first_sent``) once its assignment's last day had ended at the branch.

    A window ends at midnight on the branch's clock (:func:`end_of_day`), which no query
    compares alike on SQLite and PostgreSQL; SQL keeps the visits sent after the earliest
    midnight anywhere (few: the late ones and those of the window's last hours), and each
    is judged here by its branch's zone.
    """
    rows = db.session.execute(
        select(Visit.visitor_id, first_sent, Assignment.window_end, Branch.timezone)
        .join(Assignment, Assignment.id == Visit.assignment_id)
        .join(Branch, Branch.id == Assignment.branch_id)
        .where(
            Visit.visitor_id.in_(user_ids),
            Visit.status != V.DRAFT,
            Visit.visited_at >= since,
            in_time,
            _epoch(first_sent) >= _epoch(Assignment.window_end) + 86400 - _EARLIEST_MIDNIGHT,
        )
    ).tuples()
    for visitor_id, sent_at, window_end, zone_name in rows:
        if sent_at.tzinfo is None:  # SQLite's MIN() of stored UTC text
            sent_at = sent_at.replace(tzinfo=UTC)
        if sent_at >= end_of_day(window_end, zone_for(zone_name)):
            yield visitor_id


def _share(n: int, of: int) -> float:
    return n / of if of else 0.0


def _build(
    user_id: int, counts: dict[str, int] | None, calibration: tuple[float, int] | None, needed: int
) -> ShopperRating:
    c = counts or {"sent": 0, "reviewed": 0, "sent_back": 0, "edited": 0}
    c = {"on_time": 0, "signalled": 0, **c}
    sent, reviewed = int(c["sent"]), int(c["reviewed"])
    parts: list[tuple[str, float, str]] = []
    if reviewed:
        parts.append(
            (
                "not_returned",
                1 - _share(c["sent_back"], reviewed),
                ngettext(
                    "%(count)s of %(num)d reviewed visit sent back",
                    "%(count)s of %(num)d reviewed visits sent back",
                    reviewed,
                    count=c["sent_back"],
                ),
            )
        )
        parts.append(
            (
                "not_edited",
                1 - _share(c["edited"], reviewed),
                ngettext(
                    "%(count)s of %(num)d reviewed visit with answers changed by a reviewer",
                    "%(count)s of %(num)d reviewed visits with answers changed by a reviewer",
                    reviewed,
                    count=c["edited"],
                ),
            )
        )
    if sent:
        parts.append(
            (
                "on_time",
                _share(c["on_time"], sent),
                ngettext(
                    "%(count)s of %(num)d visit sent within 48 h and by the end of the visit "
                    "window",
                    "%(count)s of %(num)d visits sent within 48 h and by the end of the visit "
                    "window",
                    sent,
                    count=c["on_time"],
                ),
            )
        )
        parts.append(
            (
                "no_signals",
                1 - _share(c["signalled"], sent),
                ngettext(
                    "%(count)s of %(num)d visit with a trust signal",
                    "%(count)s of %(num)d visits with a trust signal",
                    sent,
                    count=c["signalled"],
                ),
            )
        )
    if calibration is not None and calibration[1] > 0:
        share, cases = calibration
        parts.append(
            (
                "calibration",
                float(share),
                ngettext(
                    "%(share)s%% of answers matched the reference in %(num)d calibration case",
                    "%(share)s%% of answers matched the reference in %(num)d calibration cases",
                    cases,
                    share=round(100 * share),
                ),
            )
        )
    weights = {key: weight for key, _, weight in COMPONENTS}
    labels = {key: str(label) for key, label, _ in COMPONENTS}
    total = sum(weights[key] for key, _, _ in parts)
    present = {key for key, _, _ in parts}
    return ShopperRating(
        user_id=user_id,
        sent=sent,
        reviewed=reviewed,
        needed=needed,
        components=tuple(
            RatingComponent(key, labels[key], value, weights[key] / total, evidence)
            for key, value, evidence in parts
        ),
        left_out=tuple(str(label) for key, label, _ in COMPONENTS if key not in present),
    )


def shopper_ratings(
    user_ids: Iterable[int] | None = None, *, now: datetime | None = None
) -> dict[int, ShopperRating]:
    """The rating of each of ``user_ids`` (default: every shopper and assessor), by id.

    Everyone asked about gets an entry, rated or not. Two queries and one call to
    :func:`audit.calibration.results.rater_accuracy`, whatever the number of people.
    """
    if user_ids is None:
        ids = list(db.session.scalars(select(User.id).where(User.role.in_(RATED_ROLES))))
    else:
        ids = sorted(set(user_ids))
    if not ids:
        return {}
    since = (now or datetime.now(UTC)) - timedelta(days=PERIOD_DAYS)
    counts = _counts(ids, since)
    calibration = rater_accuracy(ids)
    needed = get_setting("shopper_rating_min_visits")
    return {
        user_id: _build(user_id, counts.get(user_id), calibration.get(user_id), needed)
        for user_id in ids
    }


def rating_of(user: User, *, now: datetime | None = None) -> ShopperRating:
    """One person's rating (the same computation as :func:`shopper_ratings`)."""
    return shopper_ratings([user.id], now=now)[user.id]


def below_minimum(user: User, scorecard: Scorecard) -> ShopperRating | None:
    """``user``'s rating when it does not reach ``scorecard.min_rating`` (not yet rated
    does not reach it); None when there is no minimum or it is met."""
    if scorecard.min_rating is None:
        return None
    rating = rating_of(user)
    return None if rating.meets(scorecard.min_rating) else rating


# --- the minimum on a scorecard --------------------------------------------------


class MinRatingError(FieldError):
    """A minimum rating that is not a whole number from 0 to 100."""


def set_min_rating(scorecard: Scorecard, value: int | None, actor: User) -> None:
    """Set (or with None, remove) the rating a visitor needs to be offered visits with
    ``scorecard``; records an event. The caller commits."""
    if value is not None and not 0 <= value <= 100:
        raise MinRatingError(gettext("A minimum rating is a whole number from 0 to 100."))
    if value == scorecard.min_rating:
        return
    before = scorecard.min_rating
    scorecard.min_rating = value
    record_event(actor, "scorecard.min_rating_changed", scorecard, before=before, after=value)
