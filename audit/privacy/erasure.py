"""Erasing a person: their identity replaced everywhere by a stable pseudonym.

A person is an account (:class:`User`), a staff member (:class:`StaffMember`), or both
when the two are linked; erasing one erases the other. What happens:

- **Replaced** by the pseudonym ("Erased person #12" for account 12, "Erased staff
  member #7" for staff member 7 without an account): the name, the e-mail (an address
  under ``erased.invalid``, which can receive nothing), the staff code (``ERASED-7``),
  and every mention of the name, e-mail or code in any text of any table — comments,
  notes, notifications to other people, the audit trail's details, stored API answers,
  webhook bodies (:func:`audit.privacy.rewrite.sweep`). In the text of records tied to
  the person (visits they made or served at, notes to them, text they wrote) the first
  name or surname alone is replaced too.
- **Deleted**: what belongs to the account alone — the rows the schema deletes with
  an account (``ON DELETE CASCADE`` to ``users``: sessions, sign-in and reset links,
  recovery codes, API tokens, notifications, region scope, report subscriptions…), the
  failed sign-ins under their address, the password, the two-factor secret, the single
  sign-on subject, and the original file names of photos they uploaded.
- **Kept**, attributed to the pseudonym: every visit (its answers, scores, photos and
  history), assignment, coaching note, kudos, appeal and action, and every audit event
  (its actor is the pseudonymised row). So every score, league and PDF is unchanged.

The erasure is recorded as ``user.erased`` / ``staff.erased`` with no name in it. A
second erasure of the same person does nothing, nor does the later of two at once (a
conditional update claims the person). The caller commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, func, or_, select, update

from audit.extensions import N_, db, in_english
from audit.models import (
    Action,
    ActionUpdate,
    Answer,
    AnswerChange,
    Appeal,
    Assignment,
    Attachment,
    CoachingNote,
    CoachingReply,
    Kudos,
    LoginAttempt,
    Role,
    ScorecardQuestion,
    StaffMember,
    User,
    Visit,
    record_event,
    visit_staff,
)
from audit.privacy.rewrite import MIN_WORD, Needles, rewrite_rows, sweep
from audit.service_errors import FieldError

__all__ = [
    "ERASED_DOMAIN",
    "ErasureError",
    "Person",
    "erase",
    "find_staff",
    "find_user",
    "owned_tables",
]

#: Pseudonymous addresses live under a reserved domain (RFC 2606): no mail ever arrives.
ERASED_DOMAIN = "erased.invalid"

#: Columns naming *other* people: never touched by the sweep (a namesake keeps their name).
IDENTITY_COLUMNS = frozenset(
    {
        User.__table__.c.name,
        User.__table__.c.email,
        StaffMember.__table__.c.name,
        StaffMember.__table__.c.email,
        StaffMember.__table__.c.code,
    }
)


class ErasureError(FieldError):
    """An erasure that cannot be done (the person is not found, or is the last admin)."""


@dataclass
class Person:
    """Who is erased: an account, a staff member, or the two linked."""

    user: User | None = None
    staff: StaffMember | None = None
    #: What the erasure did, for the command's and the page's message.
    changes: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, record: User | StaffMember) -> Person:
        if isinstance(record, User):
            return cls(user=record, staff=record.staff_member)
        return cls(user=record.user, staff=record)

    @property
    def pseudonym(self) -> str:
        if self.user is not None:
            return f"Erased person #{self.user.id}"
        if self.staff is None:
            raise ValueError("a person is an account, a staff member or both")
        return f"Erased staff member #{self.staff.id}"

    @property
    def erased(self) -> bool:
        return all(r.erased_at is not None for r in (self.user, self.staff) if r is not None)

    def needles(self, *, with_name_parts: bool = False) -> Needles:
        names = [r.name for r in (self.user, self.staff) if r is not None]
        words = list(names)
        if with_name_parts:
            words += [part for name in names for part in name.split() if len(part) >= MIN_WORD]
        addresses = [r.email for r in (self.user, self.staff) if r is not None]
        codes = [self.staff.code] if self.staff is not None else []
        return Needles.of(words, addresses, self.pseudonym, codes)


# --- finding the person ----------------------------------------------------------------


def find_user(email: str, *, by_id: bool = False) -> User:
    """The account with this e-mail (any case), or this id with ``by_id``;
    :class:`ErasureError` when there is none."""
    if by_id:
        user = db.session.get(User, _record_id(email))
    else:
        user = db.session.scalar(
            select(User).where(func.lower(User.email) == email.strip().lower())
        )
    if user is None:
        what = "id" if by_id else "e-mail"
        raise ErasureError(f"No account has the {what} {email!r}.", field="email")
    return user


def find_staff(code: str, *, by_id: bool = False) -> StaffMember:
    """The staff member with this code, or this id with ``by_id``; :class:`ErasureError`
    when there is none."""
    if by_id:
        member = db.session.get(StaffMember, _record_id(code))
    else:
        member = db.session.scalar(select(StaffMember).where(StaffMember.code == code.strip()))
    if member is None:
        what = "id" if by_id else "code"
        raise ErasureError(f"No staff member has the {what} {code!r}.", field="code")
    return member


def _record_id(text: str) -> int:
    if not text.strip().lstrip("#").isdigit():
        raise ErasureError(f"{text!r} is not a record id (a whole number).")
    return int(text.strip().lstrip("#"))


# --- what belongs to an account ------------------------------------------------------


def owned_tables() -> list[tuple[Table, Any]]:
    """Every (table, column) whose rows the schema deletes with an account: a foreign key
    to ``users.id`` with ``ON DELETE CASCADE``. Read from the metadata, so a table added
    by a later area is covered as it is declared."""
    found = []
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == User.__tablename__ and key.ondelete == "CASCADE":
                found.append((table, key.parent))
    return found


def preview(person: Person, say: Callable[..., str] = in_english) -> dict[str, int]:
    """What erasing ``person`` would delete and keep, counted (for the confirm step): in
    English for the command line, in the reader's language with ``say=gettext``."""
    counts: dict[str, int] = {}
    if person.user is not None:
        for table, column in owned_tables():
            n = db.session.scalar(
                select(func.count()).select_from(table).where(column == person.user.id)
            )
            if n:
                counts[say(N_("%(table)s deleted"), table=table.name)] = n
        counts[say(N_("visits made, kept under the pseudonym"))] = db.session.scalar(
            select(func.count()).select_from(Visit).where(Visit.visitor_id == person.user.id)
        )
    if person.staff is not None:
        counts[say(N_("visits served, kept under the pseudonym"))] = db.session.scalar(
            select(func.count())
            .select_from(visit_staff)
            .where(visit_staff.c.staff_member_id == person.staff.id)
        )
    return counts


# --- the erasure ---------------------------------------------------------------------


def erase(record: User | StaffMember, actor: User | None, *, reason: str = "request") -> Person:
    """Erase the person ``record`` is (and the record linked to it); returns the person
    with what changed. ``reason`` ("request" or "retention") goes in the audit event."""
    person = Person.of(record)
    if person.erased:
        return person
    if person.user is not None:
        _check_allowed(person.user, actor)
    now = datetime.now(UTC)
    if not _claim(person, now):
        return person  # erased meanwhile, by another run: nothing changed here
    needles = person.needles()
    connected = person.needles(with_name_parts=True)
    changes = person.changes
    changes["texts tied to the person"] = sum(
        rewrite_rows(table, columns, connected, where)
        for table, columns, where in _tied_texts(person)
    )
    if person.user is not None:
        changes.update(_delete_owned(person.user))
    changes["failed sign-ins deleted"] = _delete_login_attempts(needles.addresses)
    if person.user is not None:
        _pseudonymise_user(person.user, person.pseudonym, now)
    if person.staff is not None:
        _pseudonymise_staff(person.staff, person.pseudonym, now)
    changes["other rows mentioning them"] = sweep(needles, skip=IDENTITY_COLUMNS)
    db.session.flush()
    if person.user is not None:
        record_event(actor, "user.erased", person.user, reason=reason)
    if person.staff is not None:
        record_event(actor, "staff.erased", person.staff, reason=reason)
    return person


def _claim(person: Person, now: datetime) -> bool:
    """Mark the person's main record erased, if nobody has: a conditional UPDATE, so of
    two erasures at once (the daily job and a command) one goes on and the other, which
    waits for the row, finds it taken and stops."""
    record = person.user if person.user is not None else person.staff
    model = type(record)
    result = db.session.execute(
        update(model)
        .where(model.id == record.id, model.erased_at.is_(None))
        .values(erased_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _check_allowed(user: User, actor: User | None) -> None:
    if actor is not None and actor.id == user.id:
        raise ErasureError("You cannot erase your own account; ask another administrator.")
    if user.role is Role.ADMIN and user.active:
        others = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        )
        if not others:
            raise ErasureError("This is the last active administrator; it cannot be erased.")


def _delete_owned(user: User) -> dict[str, int]:
    counts = {}
    for table, column in owned_tables():
        result = db.session.execute(delete(table).where(column == user.id))
        if result.rowcount:
            counts[f"{table.name} deleted"] = result.rowcount
    db.session.expire(user)  # its regions, sessions… are gone
    return counts


def _delete_login_attempts(addresses: tuple[str, ...]) -> int:
    if not addresses:
        return 0
    lowered = [address.lower() for address in addresses]
    result = db.session.execute(
        delete(LoginAttempt).where(func.lower(LoginAttempt.email).in_(lowered))
    )
    return result.rowcount or 0


def _pseudonymise_user(user: User, pseudonym: str, now: datetime) -> None:
    user.name = pseudonym
    user.email = f"erased-{user.id}@{ERASED_DOMAIN}"
    user.password_hash = None
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.sso_subject = None
    user.last_login_at = None
    user.active = False
    user.erased_at = now
    for attachment in db.session.scalars(
        select(Attachment).where(Attachment.uploaded_by_id == user.id)
    ):
        attachment.original_name = ""  # "IMG_jane_smith.jpg": a file name can name them


def _pseudonymise_staff(member: StaffMember, pseudonym: str, now: datetime) -> None:
    member.name = pseudonym
    member.code = f"ERASED-{member.id}"
    member.email = None
    member.job_title = ""
    member.active = False
    member.hide_from_recognition = True
    member.erased_at = now


def _tied_texts(person: Person) -> list[tuple[Table, list[Any], ColumnElement[bool]]]:
    """The free text of records tied to the person, where a first name or surname alone
    is theirs too: (table, text columns, which rows)."""

    def cols(model: Any, *names: str) -> tuple[Table, list[Any]]:
        table = model.__table__
        return table, [table.c[name] for name in names]

    found: list[tuple[Table, list[Any], ColumnElement[bool]]] = []

    def add(model: Any, names: tuple[str, ...], where: ColumnElement[bool]) -> None:
        table, columns = cols(model, *names)
        found.append((table, columns, where))

    note_texts = ("body", "goal", "closing_note")
    visit_texts = ("staff_description", "return_reason", "exclusion_reason")
    change_texts = ("old_value", "new_value", "old_comment", "new_comment", "reason")
    appeal_texts = ("reason", "requested_value", "decision_note")
    visits: list[Any] = []
    if person.staff is not None:
        staff_id = person.staff.id
        visits.append(
            select(visit_staff.c.visit_id).where(visit_staff.c.staff_member_id == staff_id)
        )
        notes = select(CoachingNote.id).where(CoachingNote.staff_member_id == staff_id)
        actions = select(Action.id).where(Action.owner_staff_id == staff_id)
        add(CoachingNote, note_texts, CoachingNote.staff_member_id == staff_id)
        add(CoachingReply, ("body",), CoachingReply.note_id.in_(notes))
        add(Kudos, ("message", "quoted"), Kudos.staff_member_id == staff_id)
        add(Action, ("title", "description"), Action.id.in_(actions))
        add(ActionUpdate, ("note",), ActionUpdate.action_id.in_(actions))
    if person.user is not None:
        user_id = person.user.id
        visits.append(select(Visit.id).where(Visit.visitor_id == user_id))
        add(CoachingNote, note_texts, CoachingNote.author_id == user_id)
        add(CoachingReply, ("body",), CoachingReply.author_id == user_id)
        add(Kudos, ("message", "quoted"), Kudos.author_id == user_id)
        appealed = or_(Appeal.raised_by_id == user_id, Appeal.decided_by_id == user_id)
        add(Appeal, appeal_texts, appealed)
        add(AnswerChange, change_texts, AnswerChange.changed_by_id == user_id)
        add(ActionUpdate, ("note",), ActionUpdate.author_id == user_id)
        add(Action, ("title", "description"), Action.owner_user_id == user_id)
        add(Assignment, ("scenario", "decline_reason"), Assignment.shopper_id == user_id)
    # Only answers to free-text questions: a choice's label must stay what it scores as.
    written = Answer.question_id.in_(
        select(ScorecardQuestion.id).where(ScorecardQuestion.type == "text")
    )
    for chosen in visits:
        add(Visit, visit_texts, Visit.id.in_(chosen))
        add(Answer, ("comment",), Answer.visit_id.in_(chosen))
        add(Answer, ("value_text",), and_(Answer.visit_id.in_(chosen), written))
        add(AnswerChange, change_texts, AnswerChange.visit_id.in_(chosen))
        add(Appeal, appeal_texts, Appeal.visit_id.in_(chosen))
    return found
