"""What a manager reads about one shopper (or assessor): their visits with what review
made of each, the counts of those outcomes, their trust signals, and the shoppers' list.

A manager limited to some regions sees the visits and signals at branches in their
regions only. A shopper's leniency (:mod:`audit.trust.leniency`) is one figure about the
person, estimated from all their visits like the company average, and reveals no branch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import joinedload

from audit.access import VISITORS, scope_branches
from audit.extensions import db
from audit.models import (
    REPORTABLE_STATUSES,
    AnswerChange,
    AuditEvent,
    Branch,
    User,
    Visit,
    VisitSignal,
    VisitStatus,
)
from audit.reporting.sql import count_if, period_conditions
from audit.trust.leniency import ShopperLeniency, shopper_leniency

__all__ = [
    "SHOWN_VISITS",
    "ReviewOutcomes",
    "ShopperRow",
    "VisitRow",
    "review_outcomes",
    "shopper_list",
    "shopper_signals",
    "shopper_visits",
]

#: The most recent visits listed on a shopper's page; the counts cover all of them.
SHOWN_VISITS = 100


@dataclass(frozen=True)
class VisitRow:
    visit: Visit
    #: Sent back to the shopper at least once.
    returned: bool
    #: An answer changed by a reviewer.
    edited: bool
    signals: int


@dataclass(frozen=True)
class ReviewOutcomes:
    """Of the shopper's visits sent in the period: what review made of them."""

    sent: int
    waiting: int
    returned: int
    edited: int
    approved: int
    excluded: int


@dataclass(frozen=True)
class ShopperRow:
    user: User
    leniency: ShopperLeniency | None


def _returned() -> ColumnElement[bool]:
    """Sent back now or at any time before (the ``visit.returned`` event)."""
    return (Visit.status == VisitStatus.RETURNED) | exists().where(
        AuditEvent.subject_type == Visit.__tablename__,
        AuditEvent.subject_id == Visit.id,
        AuditEvent.action == "visit.returned",
    )


def _edited() -> ColumnElement[bool]:
    return exists().where(AnswerChange.visit_id == Visit.id, AnswerChange.source == "review")


def _sent_visits(shopper: User, viewer: User, start: date | None, end: date | None) -> Select:
    """``shopper``'s visits sent at least once, in the period and the viewer's regions."""
    query = select(Visit).where(
        Visit.visitor_id == shopper.id,
        Visit.status != VisitStatus.DRAFT,
        *period_conditions(start, end),
    )
    if viewer.region_ids is not None:
        query = query.where(Visit.branch_id.in_(scope_branches(select(Branch.id), viewer)))
    return query


def shopper_visits(
    shopper: User, viewer: User, start: date | None, end: date | None
) -> list[VisitRow]:
    """The latest :data:`SHOWN_VISITS` visits, newest first, with their review outcome and
    signal count, in one query."""
    signal_count = (
        select(func.count(VisitSignal.id)).where(VisitSignal.visit_id == Visit.id)
    ).scalar_subquery()
    query = (
        _sent_visits(shopper, viewer, start, end)
        .add_columns(_returned(), _edited(), signal_count)
        .options(joinedload(Visit.branch), joinedload(Visit.scorecard))
        .order_by(Visit.visited_at.desc(), Visit.id.desc())
        .limit(SHOWN_VISITS)
    )
    return [
        VisitRow(visit, bool(returned), bool(edited), int(signals or 0))
        for visit, returned, edited, signals in db.session.execute(query)
    ]


def review_outcomes(
    shopper: User, viewer: User, start: date | None, end: date | None
) -> ReviewOutcomes:
    """Counts over every visit :func:`shopper_visits` could list, in one query."""
    visits = _sent_visits(shopper, viewer, start, end).subquery()
    row = db.session.execute(
        select(
            func.count(Visit.id),
            count_if(Visit.status == VisitStatus.SUBMITTED),
            count_if(_returned()),
            count_if(_edited()),
            count_if(Visit.status.in_(REPORTABLE_STATUSES)),
            count_if(Visit.excluded.is_(True)),
        ).where(Visit.id.in_(select(visits.c.id)))
    ).one()
    return ReviewOutcomes(*(int(value or 0) for value in row))


def shopper_signals(
    shopper: User, viewer: User, start: date | None, end: date | None
) -> list[VisitSignal]:
    """The trust signals stored on those visits, newest visit first."""
    visits = _sent_visits(shopper, viewer, start, end).subquery()
    return list(
        db.session.scalars(
            select(VisitSignal)
            .join(Visit, Visit.id == VisitSignal.visit_id)
            .where(VisitSignal.visit_id.in_(select(visits.c.id)))
            .options(joinedload(VisitSignal.visit).joinedload(Visit.branch))
            .order_by(Visit.visited_at.desc(), VisitSignal.id)
        )
    )


def shopper_list(start: date | None, end: date | None) -> list[ShopperRow]:
    """Every shopper and assessor account, active or with visits that count in the period,
    with their leniency: flagged first, then from the most generous to the harshest,
    those without a figure last."""
    figures = {row.user_id: row for row in shopper_leniency(start, end)}
    people: Sequence[User] = db.session.scalars(
        select(User).where(
            User.role.in_(VISITORS),
            User.active.is_(True) | User.id.in_(sorted(figures)),
        )
    ).all()
    rows = [ShopperRow(person, figures.get(person.id)) for person in people]
    return sorted(rows, key=_list_order)


def _list_order(row: ShopperRow) -> tuple[bool, bool, float, str]:
    figure = row.leniency
    value = figure.leniency if figure is not None else None
    return (
        not (figure is not None and figure.flagged),
        value is None,
        -(value or 0.0),
        row.user.name.lower(),
    )
