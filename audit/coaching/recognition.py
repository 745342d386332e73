"""Recognition: kudos for excellent visits, a branch's top performers, and opting out of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from audit.coaching.portal import answer_lines
from audit.extensions import db
from audit.models import (
    Kudos,
    StaffMember,
    User,
    Visit,
    VisitStatus,
    record_event,
    visit_staff,
)
from audit.notifications.service import notify
from audit.reporting import League, ReportFilter
from audit.reporting.sql import rank_mean, visit_conditions
from audit.service_errors import TEXT_MAX, FieldError
from audit.settings import get_setting
from audit.visits.answer_changes import SHOPPERS_COMMENT

MESSAGE_MAX = TEXT_MAX
QUOTE_MAX = 4000
KUDOS_LINK = "/coaching/me#kudos"


class RecognitionError(FieldError):
    """Kudos that cannot be sent; ``str()`` is for the person."""


def kudos_allowed(visit: Visit) -> bool:
    """A reviewed, included visit whose score reached its scorecard's excellence threshold."""
    excellence = visit.version.excellence
    return (
        visit.status in (VisitStatus.APPROVED, VisitStatus.PUBLISHED)
        and not visit.excluded
        and visit.percent is not None
        and excellence is not None
        and visit.percent >= excellence
    )


def positive_comments(visit: Visit) -> str:
    """The shopper's comments on answers that earned full points, one quoted line each
    (a comment a reviewer rewrote is theirs, not the shopper's praise, and is left out)."""
    return "\n".join(
        f"“{line.comment.strip()}”"
        for line in answer_lines(visit)
        if line.full_points and line.comment.strip() and line.comment_by == SHOPPERS_COMMENT
    )


def send_kudos(
    author: User, member: StaffMember, visit: Visit, message: str, quoted: str = ""
) -> Kudos:
    message, quoted = message.strip(), quoted.strip()
    if not message:
        raise RecognitionError(gettext("Write a message."))
    if len(message) > MESSAGE_MAX or len(quoted) > QUOTE_MAX:
        raise RecognitionError(gettext("The message is too long."))
    if not kudos_allowed(visit):
        raise RecognitionError(
            gettext(
                "Kudos can be sent for a reviewed visit at or above the scorecard's "
                "excellence mark."
            )
        )
    if member not in visit.staff:
        raise RecognitionError(gettext("%(name)s is not named on this visit.", name=member.name))
    kudos = Kudos(staff_member=member, visit=visit, author=author, message=message, quoted=quoted)
    db.session.add(kudos)
    db.session.flush()
    record_event(author, "kudos.sent", kudos, staff_member_id=member.id, visit_id=visit.id)
    message = _l("%(name)s sent you kudos!", name=author.name)
    notify([member.user], "coaching.kudos", message, KUDOS_LINK)
    return kudos


def kudos_for(member: StaffMember, limit: int = 20) -> list[Kudos]:
    return list(
        db.session.scalars(
            select(Kudos)
            .where(Kudos.staff_member_id == member.id)
            .options(joinedload(Kudos.author))
            .order_by(Kudos.created_at.desc(), Kudos.id.desc())
            .limit(limit)
        )
    )


def set_hidden_from_recognition(member: StaffMember, hidden: bool, actor: User) -> bool:
    """Set the opt-out; returns whether it changed (and then records it)."""
    if member.hide_from_recognition == hidden:
        return False
    member.hide_from_recognition = hidden
    record_event(actor, "staff_member.recognition_visibility", member, hidden=hidden)
    return True


@dataclass(frozen=True)
class TopPerformer:
    staff_member_id: int
    name: str
    visits: int
    mean: float


def top_performers(
    branch_id: int,
    date_from: date | None,
    date_to: date | None,
    limit: int = 3,
    *,
    min_visits: int | None = None,
) -> list[TopPerformer]:
    """The branch's active staff with the highest mean over their published visits there.

    Staff with fewer visits than ``min_visits`` (the ``min_visits_to_rank``
    setting by default) and staff who opted out of recognition are left out.
    One GROUP BY query.
    """
    minimum = get_setting("min_visits_to_rank") if min_visits is None else min_visits
    flt = ReportFilter(date_from=date_from, date_to=date_to, branch_id=branch_id)
    mean = rank_mean(Visit.percent)
    rows = db.session.execute(
        select(
            StaffMember.id,
            StaffMember.name,
            func.count(Visit.id).label("visits"),
            func.avg(Visit.percent).label("mean"),
        )
        .select_from(Visit)
        .join(visit_staff, visit_staff.c.visit_id == Visit.id)
        .join(StaffMember, StaffMember.id == visit_staff.c.staff_member_id)
        .where(
            *visit_conditions(flt),
            Visit.status == VisitStatus.PUBLISHED,
            StaffMember.branch_id == branch_id,
            StaffMember.active.is_(True),
            StaffMember.hide_from_recognition.is_(False),
        )
        .group_by(StaffMember.id, StaffMember.name)
        .having(func.count(Visit.id) >= minimum)
        .order_by(mean.desc(), StaffMember.name, StaffMember.id)
        .limit(limit)
    ).all()
    return [TopPerformer(r.id, r.name, int(r.visits), float(r.mean)) for r in rows]


def league_leaders(league: League, limit: int = 3) -> list[TopPerformer]:
    """The best ranked members of a staff ``league`` who may be named: active, not opted out.

    A report page names its top performers from the staff league it shows, so both
    panels rest on the same visits (the page's period, scorecard and statuses) and give
    each person the same n and mean. One query, for the opt-outs of the ranked staff.
    """
    if not league.ranked:
        return []
    may_be_named = set(
        db.session.scalars(
            select(StaffMember.id).where(
                StaffMember.id.in_([entry.id for entry in league.ranked]),
                StaffMember.active.is_(True),
                StaffMember.hide_from_recognition.is_(False),
            )
        )
    )
    leaders = []
    for entry in league.ranked:
        mean = entry.figure.mean
        if mean is not None and entry.id in may_be_named:
            leaders.append(TopPerformer(entry.id, entry.name, entry.figure.n, mean))
    return leaders[:limit]
