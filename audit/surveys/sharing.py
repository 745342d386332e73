"""Sharing a customer's comment with the staff member the response names.

A comment stays with managers until one of them chooses to share it: customers write
for the business, and a remark may be unfair or personal. Sharing shows the comment,
its date and scores (never the customer's e-mail) on the named staff member's portal
and tells them; unsharing hides it again. Nothing here knows of requests; the caller
commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext

from audit.access import branch_in_scope
from audit.extensions import db
from audit.models import (
    Role,
    Scorecard,
    SharedSurveyComment,
    User,
    Visit,
    VisitStatus,
    record_event,
)
from audit.notifications.service import notify
from audit.reporting.customer_voice import (
    SURVEY_CHANNEL,
    definition_measures,
)
from audit.service_errors import FieldError


class SharingError(FieldError):
    """A comment that cannot be shared (or unshared); ``str()`` is for the person."""


def may_share(visit: Visit, user: User) -> bool:
    """Managers of the response's branch (and admins) share and unshare its comment."""
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.MANAGER and branch_in_scope(visit.branch, user)


def _check(visit: Visit, user: User) -> None:
    scorecard: Scorecard = visit.scorecard
    if scorecard.channel != SURVEY_CHANNEL or visit.status is VisitStatus.DRAFT:
        raise SharingError(gettext("Only a customer's survey response has a comment to share."))
    if not may_share(visit, user):
        raise SharingError(
            gettext("Only managers of this branch can share its customers' comments.")
        )


def has_comment(visit: Visit) -> bool:
    _, comments = definition_measures(visit.version.definition or {})
    return any(
        a.question_key in comments and (a.value_text or "").strip() and not a.hidden
        for a in visit.answers
    )


def share_comment(visit: Visit, actor: User) -> SharedSurveyComment:
    """Show the response's comment to the staff member(s) it names, and tell them."""
    _check(visit, actor)
    if not visit.staff:
        raise SharingError(
            gettext("This response names no staff member to share the comment with.")
        )
    if not has_comment(visit):
        raise SharingError(gettext("This response has no comment to share."))
    if db.session.get(SharedSurveyComment, visit.id) is not None:
        raise SharingError(gettext("This comment is already shared."))
    shared = SharedSurveyComment(visit=visit, shared_by=actor, shared_at=datetime.now(UTC))
    db.session.add(shared)
    db.session.flush()
    record_event(actor, "survey.comment_shared", visit, staff=[s.code for s in visit.staff])
    notify(
        [member.user for member in visit.staff],
        "survey.comment_shared",
        f"{actor.name} shared a customer's comment about you from {visit.branch.name}.",
        "/coaching/me#customer-comments",
    )
    return shared


def unshare_comment(visit: Visit, actor: User) -> None:
    """Hide the comment from the staff member again."""
    _check(visit, actor)
    shared = db.session.get(SharedSurveyComment, visit.id)
    if shared is None:
        raise SharingError(gettext("This comment is not shared."))
    db.session.delete(shared)
    record_event(actor, "survey.comment_unshared", visit)
