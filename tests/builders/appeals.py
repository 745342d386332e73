"""Appeals as they stand, for visits the appeal service cannot take.

Where a visit has answers and is published, tests raise and decide appeals through
:mod:`audit.appeals.service` (see :func:`tests.builders.make_appeal_figures_world`);
:func:`make_appeal` writes one directly, for the percent-only visits of
:func:`tests.builders.add_visits`, which have no answer to appeal.
"""

from __future__ import annotations

from datetime import datetime

from audit.extensions import db
from audit.models import AnswerChange, Appeal, AppealStatus, User, Visit


def make_appeal(
    visit: Visit,
    question_key: str,
    status: AppealStatus = AppealStatus.OPEN,
    *,
    by: User | None = None,
    reason: str = "Disputed",
    decided_by: User | None = None,
    decided_at: datetime | None = None,
    decision_note: str = "",
    answer_change: AnswerChange | None = None,
    created_at: datetime | None = None,
) -> Appeal:
    """An appeal by ``by`` on one answer of ``visit``; decided ones name who and when."""
    appeal = Appeal(
        visit=visit,
        question_key=question_key,
        raised_by=by,
        reason=reason,
        status=status,
        decided_by=decided_by,
        decided_at=decided_at,
        decision_note=decision_note,
        answer_change_id=answer_change.id if answer_change else None,
    )
    if created_at is not None:
        appeal.created_at = created_at
    db.session.add(appeal)
    db.session.flush()
    return appeal
