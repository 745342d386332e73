"""The demo's customer voice beyond the responses themselves (those are made with the other
visits, :mod:`audit.demo.visits`): e-mails left by some detractors, the follow-up actions
they opened (the older ones done), and two comments a manager shared with Amira Hassan
(staff@demo.test), all through the real services and dated by the story's clock."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audit.actions import service as actions
from audit.demo.profiles import DAYS_BACK
from audit.demo.story import _Clock
from audit.extensions import db
from audit.models import ActionStatus, Scorecard, SurveyContact, User, Visit, VisitStatus
from audit.reporting.customer_voice import SURVEY_CHANNEL
from audit.surveys.follow_up import nps_answer, open_follow_up
from audit.surveys.sharing import SharingError, has_comment, share_comment

#: Detractors' responses of this many recent days may have left an e-mail (all of them:
#: the demo's customers are mostly happy, a handful of detractors in six months).
FOLLOW_UP_DAYS = DAYS_BACK
#: At most this many follow-ups, so the demo's action list stays readable.
MOST_FOLLOW_UPS = 10
CALLED_BACK = (
    "Called the customer: apologised for the wait and booked them a morning appointment.",
    "Spoke to the customer; the adviser will call them back about the missing document.",
    "E-mailed the customer, who was glad to hear from us; the team was reminded of the standard.",
)


def _responses(since: datetime) -> list[Visit]:
    return list(
        db.session.scalars(
            select(Visit)
            .join(Scorecard, Scorecard.id == Visit.scorecard_id)
            .where(
                Scorecard.channel == SURVEY_CHANNEL,
                Visit.status != VisitStatus.DRAFT,
                Visit.visited_at >= since,
            )
            .options(selectinload(Visit.answers), selectinload(Visit.staff))
            .order_by(Visit.visited_at, Visit.id)
        )
    )


def customer_voice_activity(rng: random.Random, clock: _Clock, users: Mapping[str, User]) -> int:
    """Follow-ups for some detractors and two shared comments; returns the follow-ups made."""
    responses = _responses(clock.ago(days=FOLLOW_UP_DAYS))
    made = 0
    for visit in reversed(responses):  # the newest first: the latest are still open
        score = nps_answer(visit)
        if made >= MOST_FOLLOW_UPS or score is None or score > 6 or rng.random() < 0.25:
            continue
        db.session.add(
            SurveyContact(visit=visit, branch=visit.branch, email=f"customer{visit.id}@example.net")
        )
        action = open_follow_up(visit)
        if action is None:
            continue
        made += 1
        opened = clock.stamp(visit.visited_at + timedelta(minutes=5))
        action.created_at = action.decided_at = opened
        closing = datetime.combine(action.due_on, time(11), tzinfo=opened.tzinfo)
        if action.owner_user is not None and closing < clock.ago(days=7) and rng.random() < 0.8:
            update = actions.post_update(
                action, action.owner_user, ActionStatus.DONE, rng.choice(CALLED_BACK)
            )
            update.created_at = action.closed_at = clock.stamp(closing)
    _share_with_amira(clock, users)
    return made


def _share_with_amira(clock: _Clock, users: Mapping[str, User]) -> None:
    amira = users["staff@demo.test"].staff_member
    if amira is None:
        return
    kind = [
        v
        for v in _responses(clock.ago(days=120))
        if amira in v.staff and (nps_answer(v) or 0) >= 9 and has_comment(v)
    ]
    for visit in kind[-2:]:
        try:
            shared = share_comment(visit, users["manager@demo.test"])
        except SharingError:  # pragma: no cover - the filter above leaves none
            continue
        shared.shared_at = clock.stamp(visit.visited_at + timedelta(days=1))
