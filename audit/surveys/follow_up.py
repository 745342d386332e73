"""Closing the loop on a detractor: a customer who scored 0-6 and left an e-mail gets a call
back from the branch, as a corrective action of kind ``customer_follow_up``.

The action is open from the start (nothing to decide: the customer asked to be
contacted), owned by the branch's manager (the first active manager whose regions
name the branch's region, else a head-office manager), high priority, due in two
working days (Monday to Friday; public holidays are not known here). Every manager of
the branch is told. The e-mail itself stays with the response
(:class:`~audit.models.SurveyContact`), which the action links to: the action's text
never copies it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from audit.actions.service import managers_for_branch
from audit.dates import lazy_date
from audit.extensions import db
from audit.models import (
    Action,
    ActionKind,
    ActionPriority,
    ActionStatus,
    SurveyContact,
    Visit,
    record_event,
)
from audit.notifications.service import notify
from audit.reporting.customer_voice import DETRACTOR_UP_TO, definition_measures
from audit.webhooks.emitting import emit

#: Working days a manager has to contact a detractor.
FOLLOW_UP_WORKING_DAYS = 2

__all__ = ["FOLLOW_UP_WORKING_DAYS", "add_working_days", "nps_answer", "open_follow_up"]


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days (Monday to Friday) after ``start``: a response on
    Friday is due on Tuesday, one on Saturday or Sunday on Tuesday too."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def nps_answer(visit: Visit) -> int | None:
    """The response's recommend score (0-10), or None when the customer skipped it."""
    measures, _ = definition_measures(visit.version.definition or {})
    for answer in visit.answers:
        if measures.get(answer.question_key) != "nps" or answer.is_na or answer.hidden:
            continue
        if answer.value_number is not None:
            return round(answer.value_number)
    return None


def _comment(visit: Visit) -> str:
    _, comments = definition_measures(visit.version.definition or {})
    texts = [
        (a.value_text or "").strip()
        for a in visit.answers
        if a.question_key in comments and not a.hidden
    ]
    return "\n".join(t for t in texts if t)


def open_follow_up(visit: Visit) -> Action | None:
    """Called by the survey service right after a response is stored (same transaction):
    a detractor (NPS 0-6) who left an e-mail gets a follow-up action for the branch.

    Returns the action, or None when the response needs none (not a detractor, no
    e-mail). Idempotent: a response opens at most one action (its ``source_key``).
    """
    score = nps_answer(visit)
    if score is None or score > DETRACTOR_UP_TO:
        return None
    contact = db.session.scalar(select(SurveyContact).where(SurveyContact.visit_id == visit.id))
    if contact is None or not contact.email:
        return None
    source_key = f"customer_follow_up:{visit.id}"
    if db.session.scalar(select(Action.id).where(Action.source_key == source_key)) is not None:
        return None
    branch = visit.branch
    managers = managers_for_branch(branch)
    received = (visit.visited_at or datetime.now(UTC)).date()
    comment = _comment(visit)
    lines = [
        f"A customer at {branch.name} scored {score} out of 10 for recommending us "
        f"on {received:%d %b %Y} and asked to be contacted.",
        f"Their comment: “{comment}”" if comment else "They left no comment.",
        "Their e-mail address is with the response (From visit), for managers of the branch "
        "only. Contact them, put things right where you can, and note what was done here.",
    ]
    action = Action(
        branch=branch,
        kind=ActionKind.CUSTOMER_FOLLOW_UP,
        status=ActionStatus.OPEN,
        priority=ActionPriority.HIGH,
        title=f"Contact a customer who scored {score}/10",
        description="\n".join(lines),
        source_key=source_key,
        visit=visit,
        scorecard_id=visit.scorecard_id,
        owner_user=managers[0] if managers else None,
        due_on=add_working_days(received, FOLLOW_UP_WORKING_DAYS),
        decided_at=datetime.now(UTC),
    )
    db.session.add(action)
    db.session.flush()
    record_event(None, "action.created", action, source="survey", visit_id=visit.id, nps=score)
    emit("action.updated", action)
    notify(
        managers,
        "action.assigned",
        _l(
            "A customer at %(branch)s scored %(score)s/10 and asked to be contacted: due %(due)s",
            branch=branch.name,
            score=score,
            due=lazy_date(action.due_on),
        ),
        f"/actions/{action.id}",
    )
    return action
