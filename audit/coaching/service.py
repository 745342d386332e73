"""Coaching notes: write, acknowledge, reply, close, remind. No Flask request in here.

Every change writes an :class:`AuditEvent` and notifies the other side; the
caller commits. Who may reach a note is decided by the views' guard; these
functions check what the person may *do* with a note they can reach.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext, pgettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import joinedload

from audit.access import scope_branches
from audit.coaching.portal import answer_lines, by_section
from audit.coaching.recognition import TopPerformer, top_performers
from audit.dates import format_date, lazy_date
from audit.extensions import db
from audit.languages import localized
from audit.models import (
    Branch,
    CoachingNote,
    CoachingReply,
    Notification,
    Role,
    StaffMember,
    User,
    Visit,
    VisitStatus,
    record_event,
    record_new,
)
from audit.notifications.service import notify
from audit.org.timezones import branch_today, branch_zone, start_of_day, today_in, visit_day
from audit.service_errors import TEXT_MAX, FieldError
from audit.webhooks.emitting import emit

__all__ = [
    "CoachingError",
    "NoteFilter",
    "TopPerformer",
    "acknowledge",
    "close",
    "create_note",
    "note_link",
    "notes_query",
    "open_notes_for",
    "prefill_note",
    "remind_due_follow_ups",
    "reply",
    "top_performers",
]

BODY_MAX = 5000
GOAL_MAX = TEXT_MAX

#: Visit statuses a note or kudos may be written from (reviewed; the staff see it once published).
COACHABLE = (VisitStatus.APPROVED, VisitStatus.PUBLISHED)


class CoachingError(FieldError):
    """Something that cannot be done to a note; ``str()`` is for the person."""


def note_link(note: CoachingNote) -> str:
    return f"/coaching/notes/{note.id}"


def _now() -> datetime:
    return datetime.now(UTC)


# --- writing -----------------------------------------------------------------------


def prefill_note(visit: Visit) -> str:
    """The note's opening text: the standards missed, by section, with the shopper's comments.

    Written to the staff member, so each line leads with the standard (or says
    plainly that the question has none), never with the shopper's question.
    """
    lost = [line for line in answer_lines(visit) if line.lost_points]
    if not lost:
        return ""
    # In the writer's language: the manager edits it before it is sent.
    lines = [
        gettext(
            "From the visit on %(day)s, standards missed:",
            day=format_date(visit_day(visit)),
        )
    ]
    for section, answers in by_section(lost):
        lines.extend(("", str(localized(section))))
        for line in answers:
            standard = str(localized(line.standard_text))
            if not standard.endswith((".", "!", "?", '"', "”")):
                standard += "."
            text = gettext(
                "- %(standard)s Answer: %(answer)s (%(points)s).",
                standard=standard,
                answer=line.value or gettext("none"),
                points=line.points_label,
            )
            if line.comment:
                text += f' {line.comment_by}: "{line.comment}"'
            lines.append(text)
    return "\n".join(lines)


def check_visit_for(member: StaffMember, visit: Visit) -> None:
    """A note or kudos from ``visit`` needs a reviewed visit that names ``member``."""
    if visit.status not in COACHABLE or visit.excluded:
        raise CoachingError(
            gettext("Only an approved or published visit can be used for coaching.")
        )
    if member not in visit.staff:
        raise CoachingError(gettext("%(name)s is not named on this visit.", name=member.name))


def create_note(
    author: User,
    member: StaffMember,
    body: str,
    *,
    goal: str = "",
    follow_up_on: date | None = None,
    visit: Visit | None = None,
    today: date | None = None,
) -> CoachingNote:
    body, goal = body.strip(), goal.strip()
    if not body:
        raise CoachingError(gettext("Write the note."))
    if len(body) > BODY_MAX or len(goal) > GOAL_MAX:
        raise CoachingError(gettext("The note is too long."))
    if follow_up_on is not None and follow_up_on < (today or member_today(member)):
        raise CoachingError(
            gettext("The follow-up date cannot be in the past."), field="follow_up_on"
        )
    if visit is not None:
        check_visit_for(member, visit)
    note = CoachingNote(
        staff_member=member,
        visit=visit,
        author=author,
        body=body,
        goal=goal,
        follow_up_on=follow_up_on,
    )
    record_new(
        author,
        "coaching_note.created",
        note,
        staff_member_id=member.id,
        visit_id=visit.id if visit else None,
        follow_up_on=follow_up_on.isoformat() if follow_up_on else None,
    )
    emit("coaching_note.created", note)
    notify(
        [member.user],
        "coaching.note",
        _l(
            "%(name)s wrote you a coaching note. Please read and acknowledge it.",
            name=author.name,
        ),
        note_link(note),
    )
    return note


def acknowledge(note: CoachingNote, actor: User) -> None:
    """The staff member confirms they have read the note (once)."""
    if note.staff_member.user_id != actor.id:
        raise CoachingError(gettext("Only the staff member the note is for can acknowledge it."))
    if note.acknowledged_at is not None:
        raise CoachingError(gettext("You have already acknowledged this note."))
    note.acknowledged_at = _now()
    record_event(actor, "coaching_note.acknowledged", note)
    notify(
        [note.author],
        "coaching.acknowledged",
        _l("%(name)s acknowledged your coaching note.", name=note.staff_member.name),
        note_link(note),
    )


def reply(note: CoachingNote, actor: User, body: str) -> CoachingReply:
    """Add a reply; a staff member's reply tells the author, a manager's the staff member."""
    body = body.strip()
    if not body:
        raise CoachingError(gettext("Write a reply."))
    if len(body) > BODY_MAX:
        raise CoachingError(gettext("The reply is too long."))
    if not note.is_open:
        raise CoachingError(gettext("This note is closed; replies are no longer possible."))
    answer = CoachingReply(note=note, author=actor, body=body)
    db.session.add(answer)
    db.session.flush()
    record_event(actor, "coaching_note.replied", note, reply_id=answer.id)
    if note.staff_member.user_id == actor.id:
        recipients = [note.author]
        message = _l("%(name)s replied to your coaching note.", name=note.staff_member.name)
    else:
        recipients = [note.staff_member.user]
        message = _l("%(name)s replied to your coaching note.", name=actor.name)
    notify(recipients, "coaching.reply", message, note_link(note))
    return answer


def close(note: CoachingNote, actor: User, closing_note: str = "") -> None:
    """A manager closes the note once the follow-up has happened."""
    if actor.role not in (Role.MANAGER, Role.ADMIN):
        raise CoachingError(gettext("Only a manager can close a coaching note."))
    if not note.is_open:
        raise CoachingError(gettext("This note is already closed."))
    note.closed_at = _now()
    note.closing_note = closing_note.strip()[:GOAL_MAX]
    record_event(actor, "coaching_note.closed", note, closing_note=note.closing_note)
    notify(
        [note.staff_member.user],
        "coaching.closed",
        _l("%(name)s closed the coaching note to you.", name=actor.name),
        note_link(note),
    )


# --- reading -----------------------------------------------------------------------


def open_notes_for(staff_member_id: int) -> list[CoachingNote]:
    """Open notes to one staff member, oldest first (for the staff coaching PDF)."""
    return list(
        db.session.scalars(
            select(CoachingNote)
            .where(
                CoachingNote.staff_member_id == staff_member_id, CoachingNote.closed_at.is_(None)
            )
            .options(joinedload(CoachingNote.author), joinedload(CoachingNote.visit))
            .order_by(CoachingNote.created_at, CoachingNote.id)
        )
    )


def notes_for_staff(member: StaffMember) -> list[CoachingNote]:
    """Every note to ``member``, open ones first, newest first within each."""
    return list(
        db.session.scalars(
            select(CoachingNote)
            .where(CoachingNote.staff_member_id == member.id)
            .options(joinedload(CoachingNote.author))
            .order_by(
                CoachingNote.closed_at.is_not(None),
                CoachingNote.created_at.desc(),
                CoachingNote.id.desc(),
            )
        )
    )


class NoteFilter(enum.StrEnum):
    OPEN = "open"
    UNACKNOWLEDGED = "unacknowledged"
    DUE = "due"
    CLOSED = "closed"
    ALL = "all"

    @property
    def label(self) -> str:
        """The filter's name on the overview's tabs (a list of notes: "Open" ones)."""
        return {
            NoteFilter.OPEN: pgettext("filter", "Open"),
            NoteFilter.UNACKNOWLEDGED: pgettext("filter", "Not acknowledged"),
            NoteFilter.DUE: pgettext("filter", "Follow-up due"),
            NoteFilter.CLOSED: pgettext("filter", "Closed"),
            NoteFilter.ALL: pgettext("filter", "All"),
        }[self]


def member_today(member: StaffMember) -> date:
    """Today on the calendar of ``member``'s branch: a follow-up date is that branch's
    date, due from its start there."""
    return today_in(branch_zone(member.branch), _now())


def _follow_up_due(today: date | None) -> Any:
    """Open notes whose follow-up date has come, each by its staff member's branch's
    calendar (or all by ``today``); the query joins ``StaffMember``."""
    return and_(
        CoachingNote.closed_at.is_(None),
        CoachingNote.follow_up_on <= (today or branch_today(StaffMember.branch_id, _now())),
    )


def _status_condition(status: NoteFilter, today: date | None) -> Any:
    is_open = CoachingNote.closed_at.is_(None)
    return {
        NoteFilter.OPEN: is_open,
        NoteFilter.UNACKNOWLEDGED: and_(is_open, CoachingNote.acknowledged_at.is_(None)),
        NoteFilter.DUE: _follow_up_due(today),
        NoteFilter.CLOSED: CoachingNote.closed_at.is_not(None),
        NoteFilter.ALL: None,
    }[status]


def _scoped(query: Select, viewer: User) -> Select:
    query = query.join(StaffMember, StaffMember.id == CoachingNote.staff_member_id).join(
        Branch, Branch.id == StaffMember.branch_id
    )
    return scope_branches(query, viewer)


def notes_query(
    viewer: User,
    status: NoteFilter = NoteFilter.OPEN,
    *,
    branch_id: int | None = None,
    today: date | None = None,
) -> Select:
    """Notes to staff in the viewer's regions, the most urgent first."""
    query = _scoped(select(CoachingNote), viewer).options(
        joinedload(CoachingNote.staff_member).joinedload(StaffMember.branch),
        joinedload(CoachingNote.author),
    )
    condition = _status_condition(status, today)
    if condition is not None:
        query = query.where(condition)
    if branch_id is not None:
        query = query.where(StaffMember.branch_id == branch_id)
    return query.order_by(
        CoachingNote.closed_at.is_not(None),
        CoachingNote.follow_up_on.is_(None),
        CoachingNote.follow_up_on,
        CoachingNote.created_at.desc(),
        CoachingNote.id.desc(),
    )


def branches_query(viewer: User) -> Select:
    """Active branches in the viewer's regions, for the overview's filter."""
    return scope_branches(select(Branch).where(Branch.active.is_(True)), viewer).order_by(
        Branch.name
    )


def note_counts(viewer: User, today: date | None = None) -> dict[NoteFilter, int]:
    """How many notes each filter holds, in one query."""
    columns = [
        func.count(CoachingNote.id).filter(_status_condition(f, today)).label(f.value)
        for f in (NoteFilter.OPEN, NoteFilter.UNACKNOWLEDGED, NoteFilter.DUE, NoteFilter.CLOSED)
    ]
    row = db.session.execute(_scoped(select(*columns).select_from(CoachingNote), viewer)).one()
    counts = {f: int(getattr(row, f.value) or 0) for f in NoteFilter if f is not NoteFilter.ALL}
    counts[NoteFilter.ALL] = counts[NoteFilter.OPEN] + counts[NoteFilter.CLOSED]
    return counts


# --- reminders ---------------------------------------------------------------------


def remind_due_follow_ups(today: date | None = None) -> int:
    """Tell each author about open notes whose follow-up date has come; once per note per
    day. The day is the staff member's branch's (a follow-up due on the 7th in Tokyo is
    due from midnight there), unless ``today`` names one day for every branch.

    Returns how many reminders were added; the caller commits.
    """
    due = db.session.scalars(
        select(CoachingNote)
        .join(StaffMember, StaffMember.id == CoachingNote.staff_member_id)
        .where(_follow_up_due(today), CoachingNote.author_id.is_not(None))
        .options(
            joinedload(CoachingNote.author),
            joinedload(CoachingNote.staff_member).joinedload(StaffMember.branch),
        )
        .order_by(CoachingNote.id)
    ).all()
    if not due:
        return 0
    # A note's day starts at its branch's midnight: reminded since then is reminded today.
    days: dict[int, tuple[date, datetime]] = {}
    for note in due:
        day = today or member_today(note.staff_member)
        days[note.id] = day, start_of_day(day, branch_zone(note.staff_member.branch))
    reminded = db.session.execute(
        select(Notification.user_id, Notification.link, Notification.created_at).where(
            Notification.kind == "coaching.follow_up_due",
            Notification.created_at >= min(start for _, start in days.values()),
        )
    ).tuples()
    last_reminded: dict[tuple[int, str], datetime] = {}
    for user_id, link, at in reminded:
        key = (user_id, link)
        last_reminded[key] = max(at, last_reminded.get(key, at))
    sent = 0
    for note in due:
        note_day, day_start = days[note.id]
        at = last_reminded.get((note.author_id, note_link(note)))
        if at is not None and at >= day_start:
            continue
        name = note.staff_member.name
        message = (
            _l("The follow-up with %(name)s was due today.", name=name)
            if note.follow_up_on == note_day
            else _l(
                "The follow-up with %(name)s was due on %(day)s.",
                name=name,
                day=lazy_date(note.follow_up_on),
            )
        )
        sent += len(notify([note.author], "coaching.follow_up_due", message, note_link(note)))
    return sent
