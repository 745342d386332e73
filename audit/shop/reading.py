"""What the shopper's pages read: their visits grouped for the home page, the form's data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from audit.extensions import db
from audit.models import (
    Branch,
    Scorecard,
    ScorecardVersion,
    User,
    VersionStatus,
    Visit,
)
from audit.scorecards.scoring import (
    NA,
)
from audit.shop.service import SENT, V
from audit.visits.scores import answer_values, comments_of

# --- reading -----------------------------------------------------------------------


@dataclass(frozen=True)
class Home:
    returned: list[Visit]
    drafts: list[Visit]
    sent: list[Visit]


def visits_for(user: User, recent: int = 10) -> Home:
    """The user's own visits, as their home page groups them (no scores are loaded)."""
    base = (
        select(Visit)
        .where(Visit.visitor_id == user.id)
        .options(joinedload(Visit.branch), joinedload(Visit.scorecard))
    )
    returned = db.session.scalars(
        base.where(Visit.status == V.RETURNED).order_by(Visit.updated_at.desc())
    ).all()
    drafts = db.session.scalars(
        base.where(Visit.status == V.DRAFT).order_by(Visit.updated_at.desc())
    ).all()
    sent = db.session.scalars(
        base.where(Visit.status.in_(SENT))
        .order_by(Visit.submitted_at.desc().nulls_last(), Visit.id.desc())
        .limit(recent)
    ).all()
    return Home(list(returned), list(drafts), list(sent))


def published_scorecards() -> list[Scorecard]:
    published = select(ScorecardVersion.scorecard_id).where(
        ScorecardVersion.status == VersionStatus.PUBLISHED
    )
    return list(
        db.session.scalars(
            select(Scorecard).where(Scorecard.id.in_(published)).order_by(Scorecard.title)
        )
    )


def load_for_form(visit_id: int) -> None:
    """Warm the session with what the form reads, in a few queries instead of one per row."""
    db.session.scalars(
        select(Visit)
        .where(Visit.id == visit_id)
        .options(
            selectinload(Visit.answers),
            selectinload(Visit.attachments),
            selectinload(Visit.staff),
            joinedload(Visit.branch).selectinload(Branch.staff),
            joinedload(Visit.version),
        )
    ).all()


def draft_state(visit: Visit) -> dict[str, object]:
    """The saved draft as the phone's JSON (values as the form sends them back)."""
    return {
        "answers": {k: v for k, v in values_for_form(visit).items() if v is not None},
        "comments": comments_of(visit),
        "staff_ids": [m.id for m in visit.staff],
        "staff_description": visit.staff_description,
        "started_at": _iso(visit.started_at),
        "ended_at": _iso(visit.ended_at),
        "saved_at": _iso(visit.draft_saved_at),
        "status": visit.status.value,
    }


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def form_value(value: object) -> object:
    """A stored value as the form shows it ("na" for N/A)."""
    return "na" if value is NA else value


def values_for_form(visit: Visit) -> Mapping[str, object]:
    return {k: form_value(v) for k, v in answer_values(visit).items()}
