"""Corrective actions the data proposes: a failed critical item, a question failed again
and again at one branch. Idempotent by `source_key`; managers decide them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from audit.actions.service import A, _link, _today, managers_for_branch
from audit.extensions import db
from audit.models import (
    ACTIVE_ACTION_STATUSES,
    Action,
    ActionKind,
    ActionPriority,
    Scorecard,
    User,
    Visit,
    VisitStatus,
    record_event,
)
from audit.notifications.service import notify
from audit.org.timezones import visit_day
from audit.reporting.filters import ReportFilter
from audit.reporting.questions import recurring_failures
from audit.scorecards.store import definition_of
from audit.service_errors import TEXT_MAX as TEXT_MAX  # the forms' limit too
from audit.webhooks.emitting import emit

# --- proposals -------------------------------------------------------------------------


def _add_proposal(action: Action) -> bool:
    """Insert one proposal unless its source_key exists (checked, then guarded by the index)."""
    exists = db.session.scalar(select(Action.id).where(Action.source_key == action.source_key))
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(action)
            db.session.flush()
    except IntegrityError:  # another process proposed the same finding just now
        return False
    return True


def _announce(actions: Sequence[Action], actor: User | None) -> None:
    managers: dict[int, list[User]] = {}  # per branch: one visit's actions share it
    for action in actions:
        if action.branch_id not in managers:
            managers[action.branch_id] = managers_for_branch(action.branch)
        record_event(
            actor,
            "action.proposed",
            action,
            kind=action.kind.value,
            source_key=action.source_key,
            branch_id=action.branch_id,
        )
        emit("action.proposed", action)
        notify(
            [u for u in managers[action.branch_id] if actor is None or u.id != actor.id],
            "action.proposed",
            _l(
                "Proposed action at %(branch)s: %(title)s",
                branch=action.branch.name,
                title=action.title,
            ),
            _link(action),
        )


def propose_for_visit(visit: Visit, actor: User | None = None) -> list[Action]:
    """Propose one action per critical item the visit failed (approved or published only).

    Idempotent: a visit approved, rescored or scanned again proposes nothing new.
    """
    if visit.status not in (VisitStatus.APPROVED, VisitStatus.PUBLISHED) or visit.excluded:
        return []
    failed = [a for a in visit.answers if a.critical_failed]
    if not failed:
        return []
    definition = definition_of(visit.version)
    added: list[Action] = []
    for answer in failed:
        question = definition.question(answer.question_key)
        text = question.text if question is not None else answer.question_key
        lines = [
            f"A critical item failed on the visit of {visit_day(visit):%d %b %Y} "
            f"({visit.scorecard.title}).",
        ]
        if answer.comment:
            lines.append(f"Comment: {answer.comment}")
        action = Action(
            branch_id=visit.branch_id,
            kind=ActionKind.CRITICAL,
            status=A.PROPOSED,
            priority=ActionPriority.HIGH,
            title=f"Critical item failed: {text}"[:200],
            description="\n".join(lines),
            source_key=f"critical:{visit.id}:{answer.question_key}",
            visit_id=visit.id,
            scorecard_id=visit.scorecard_id,
            question_key=answer.question_key,
            created_by=actor,
        )
        if _add_proposal(action):
            added.append(action)
    _announce(added, actor)
    return added


def propose_recurring(
    date_from: date, date_to: date, actor: User | None = None, min_visits: int | None = None
) -> list[Action]:
    """Propose an action for each question a branch failed on N visits in the period."""
    flt = ReportFilter(date_from=date_from, date_to=date_to)
    findings = recurring_failures(flt, min_visits)
    if not findings:
        return []
    slugs = {f.question.scorecard for f in findings}
    card_ids = dict(
        db.session.execute(select(Scorecard.slug, Scorecard.id).where(Scorecard.slug.in_(slugs)))
        .tuples()
        .all()
    )
    active = {
        (row.branch_id, row.scorecard_id, row.question_key)
        for row in db.session.execute(
            select(Action.branch_id, Action.scorecard_id, Action.question_key).where(
                Action.kind == ActionKind.RECURRING,
                Action.status.in_((A.PROPOSED, *ACTIVE_ACTION_STATUSES)),
            )
        )
    }
    period = f"{date_from.isoformat()}..{date_to.isoformat()}"
    added: list[Action] = []
    for finding in findings:
        card_id = card_ids[finding.question.scorecard]
        if (finding.branch.id, card_id, finding.question.key) in active:
            continue
        action = Action(
            branch_id=finding.branch.id,
            kind=ActionKind.RECURRING,
            status=A.PROPOSED,
            priority=ActionPriority.MEDIUM,
            title=f"Recurring issue: {finding.question.text}"[:200],
            description=(
                f"Failed on {finding.failed} of {finding.n} visits between "
                f"{date_from:%d %b %Y} and {date_to:%d %b %Y} "
                f"(last on {finding.last_failed_at:%d %b %Y})."
            ),
            source_key=f"recurring:{finding.branch.id}:{card_id}:{finding.question.key}:{period}",
            scorecard_id=card_id,
            question_key=finding.question.key,
            created_by=actor,
        )
        if _add_proposal(action):
            added.append(action)
    _announce(added, actor)
    return added


def critical_failures(start: datetime, end: datetime | None = None) -> Select[tuple[Visit]]:
    """Reviewed, counted visits with a failed critical item, visited from ``start`` to ``end``."""
    query = (
        select(Visit)
        .where(
            Visit.status.in_((VisitStatus.APPROVED, VisitStatus.PUBLISHED)),
            Visit.excluded.is_(False),
            Visit.critical_failed.is_(True),
            Visit.visited_at >= start,
        )
        .options(
            selectinload(Visit.answers),
            joinedload(Visit.version),
            joinedload(Visit.scorecard),
        )
    )
    return query if end is None else query.where(Visit.visited_at < end)


def propose_all(
    date_from: date | None, date_to: date | None, actor: User | None = None
) -> tuple[int, int]:
    """Scan approved/published visits in the period: (critical, recurring) proposals made.

    Without dates the period is the last 90 days up to today.
    """
    date_to = date_to or _today()
    date_from = date_from or date_to - timedelta(days=89)
    start = datetime.combine(date_from, datetime.min.time(), UTC)
    end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), UTC)
    visits = db.session.scalars(critical_failures(start, end).order_by(Visit.id))
    critical = sum(len(propose_for_visit(visit, actor)) for visit in visits)
    recurring = len(propose_recurring(date_from, date_to, actor))
    return critical, recurring
