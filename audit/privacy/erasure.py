"""Erasing a person: their identity replaced everywhere by a stable pseudonym.

A person is an account (:class:`User`), a staff member (:class:`StaffMember`), or both
when the two are linked; erasing one erases the other. What happens:

- **Replaced** by the pseudonym ("Erased person #12" for account 12, "Erased staff
  member #7" for staff member 7 without an account): the name, the e-mail (an address
  under ``erased.invalid``, which can receive nothing), the staff code (``ERASED-7``),
  and every mention of the name, e-mail or code in people's words and the app's copies
  of them — comments, notes, notifications to other people, the audit trail's details,
  stored API answers, webhook bodies (:func:`audit.privacy.rewrite.sweep` over
  :func:`audit.privacy.free_text.free_text`; never settings, links or keys). The names
  and e-mails the audit trail records the person had before (:data:`IDENTITY_EVENTS`)
  are searched too. In the text of records tied to the person (visits they made or
  served at, notes to them, text they wrote) and in the copies of those records the
  first name or surname alone is replaced as well: their audit events, the webhook
  bodies about them (a delivery names its record by its event and the body's
  ``data.id``, :data:`COPIED_AS`) and the stored API answers that point to them (by
  their ``Location``; an answer without one names no record and is left as it is).
- **Deleted**: what belongs to the account alone — the rows the schema deletes with
  an account (``ON DELETE CASCADE`` to ``users``: sessions, sign-in and reset links,
  recovery codes, API tokens, notifications, region scope…), the report subscriptions
  they own with the PDFs those sent (as
  :func:`audit.subscriptions.service.delete_subscription` does), the failed sign-ins
  under their addresses, the password, the two-factor secret, the single sign-on
  subject, and the original file names of photos they uploaded (in the trust signals
  that quoted them too).
- **Kept**, attributed to the pseudonym: every visit (its answers, scores, photos and
  history), assignment, coaching note, kudos, appeal and action, and every audit event
  (its actor is the pseudonymised row). So every score, league and PDF is unchanged.

The erasure is recorded as ``user.erased`` / ``staff.erased`` with no name in it. A
second erasure of the same person does nothing, nor does the later of two at once (a
conditional update claims the person). The caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    cast,
    delete,
    false,
    func,
    literal,
    or_,
    select,
    update,
)

from audit.extensions import N_, db, in_english
from audit.models import (
    Action,
    ActionUpdate,
    Answer,
    AnswerChange,
    Appeal,
    Assignment,
    Attachment,
    AuditEvent,
    CoachingNote,
    CoachingReply,
    IdempotentRequest,
    Kudos,
    LoginAttempt,
    ReportSubscription,
    Role,
    ScorecardQuestion,
    StaffMember,
    User,
    Visit,
    VisitSignal,
    WebhookDelivery,
    record_event,
    visit_staff,
)
from audit.privacy.free_text import free_text
from audit.privacy.rewrite import MIN_WORD, Needles, Place, sweep
from audit.service_errors import FieldError
from audit.subscriptions.service import delete_subscription

__all__ = [
    "COPIED_AS",
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

#: Events that record who an account or staff member is: their ``email`` and ``name``
#: details (a value, or a list such as ``[before, after]``) hold the person's addresses
#: and names, former ones included.
IDENTITY_EVENTS = ("user.created", "user.invited", "user.updated", "staff.created", "staff.updated")

#: How the records that webhooks and the API's stored answers carry are named there, by
#: table: the first word of a delivery's event (``visit.excluded`` is about the visit
#: whose id is the body's ``data.id``) and the API's collection (a stored answer's
#: ``Location``, ``/api/v1/visits/12``).
COPIED_AS = {
    "visits": ("visit", "visits"),
    "actions": ("action", "actions"),
    "appeals": ("appeal", "appeals"),
    "coaching_notes": ("coaching_note", "coaching-notes"),
    "assignments": ("assignment", "assignments"),
}

#: The fields of a webhook body or an API answer that hold a person's whole name (the
#: visitor's, each staff member's, an author's; audit/api/*_schemas.py): another Alice's
#: there is hers, and the erased person's own is replaced whole by the sweep of every
#: free text.
NAME_FIELDS = frozenset(
    {"name", "shopper_name", "staff_name", "owner_name", "author", "raised_by", "decided_by"}
)

#: The record under which the app records a child row's text (its events' subject, the
#: webhook body it travels in), and the column that names it.
PARENT_OF: dict[str, tuple[Any, str]] = {
    "answers": (Visit, "visit_id"),
    "answer_changes": (Visit, "visit_id"),
    "appeals": (Visit, "visit_id"),
    "coaching_replies": (CoachingNote, "note_id"),
    "action_updates": (Action, "action_id"),
}


class ErasureError(FieldError):
    """An erasure that cannot be done (the person is not found, or is the last admin)."""


@dataclass
class Person:
    """Who is erased: an account, a staff member, or the two linked."""

    user: User | None = None
    staff: StaffMember | None = None
    #: What the erasure did, for the command's and the page's message.
    changes: dict[str, int] = field(default_factory=dict)
    #: Names and addresses the audit trail records for them (:func:`former_identities`).
    former_names: list[str] = field(default_factory=list)
    former_addresses: list[str] = field(default_factory=list)

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

    @property
    def records(self) -> list[User | StaffMember]:
        return [r for r in (self.user, self.staff) if r is not None]

    def needles(self, *, with_name_parts: bool = False) -> Needles:
        """Their names, addresses and staff code, current and former; with
        ``with_name_parts`` each first name and surname alone as well."""
        names = [r.name for r in self.records] + self.former_names
        words = list(names)
        if with_name_parts:
            words += [part for name in names for part in name.split() if len(part) >= MIN_WORD]
        addresses = [r.email for r in self.records] + self.former_addresses
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
    person.former_names, person.former_addresses = former_identities(person)
    needles = person.needles()
    connected = person.needles(with_name_parts=True)
    changes = person.changes
    tied = _tied_texts(person)
    events, bodies = _tied_copies(person, tied)
    changes["texts tied to the person"] = sweep(connected, [*tied, events]) + sweep(
        replace(connected, kept_keys=NAME_FIELDS), bodies
    )
    if person.user is not None:
        changes["report_subscriptions deleted"] = _delete_subscriptions(person.user, actor)
        changes.update(_delete_owned(person.user))
        changes["photo file names forgotten"] = _forget_file_names(person.user)
    changes["failed sign-ins deleted"] = _delete_login_attempts(needles.addresses)
    if person.user is not None:
        _pseudonymise_user(person.user, person.pseudonym, now)
    if person.staff is not None:
        _pseudonymise_staff(person.staff, person.pseudonym, now)
    changes["other rows mentioning them"] = sweep(needles, free_text())
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


def former_identities(person: Person) -> tuple[list[str], list[str]]:
    """The names and e-mail addresses the audit trail records for the person's records
    (:data:`IDENTITY_EVENTS`): an address or name changed since is still theirs, and
    still stands in what was written before."""
    subjects = [
        and_(AuditEvent.subject_type == r.__tablename__, AuditEvent.subject_id == r.id)
        for r in person.records
    ]
    query = select(AuditEvent.details).where(AuditEvent.action.in_(IDENTITY_EVENTS), or_(*subjects))
    names: list[str] = []
    addresses: list[str] = []
    for details in db.session.scalars(query):
        names += _strings((details or {}).get("name"))
        addresses += [a for a in _strings((details or {}).get("email")) if "@" in a]
    return names, addresses


def _strings(value: object) -> list[str]:
    """The strings of a detail: itself, or those in its list (``[before, after]``)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _delete_subscriptions(user: User, actor: User | None) -> int:
    """Delete the report subscriptions the account owns as their owner deleting them
    would, so the PDFs they sent leave the storage once this commits (the schema's
    cascade would leave the files behind, with nothing to find them)."""
    owned = db.session.scalars(
        select(ReportSubscription).where(ReportSubscription.owner_id == user.id)
    ).all()
    for subscription in owned:
        delete_subscription(subscription, actor)
    db.session.flush()
    return len(owned)


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


def _forget_file_names(user: User) -> int:
    """Empty the original names of the photos the account uploaded ("IMG_jane_smith.jpg"
    can name them) and put what the trust checks say of an unnamed photo ("Photo 12")
    in the stored signals that quoted a name; returns how many photos had one."""
    photos = db.session.scalars(
        select(Attachment).where(
            Attachment.uploaded_by_id == user.id, Attachment.original_name != ""
        )
    ).all()
    if not photos:
        return 0
    visits = select(Attachment.visit_id).where(Attachment.uploaded_by_id == user.id)
    for signal in db.session.scalars(select(VisitSignal).where(VisitSignal.visit_id.in_(visits))):
        signal.detail = _unnamed(
            signal.detail, [p for p in photos if p.visit_id == signal.visit_id]
        )
    for photo in photos:
        photo.original_name = ""
    return len(photos)


def _unnamed(detail: str, photos: Iterable[Attachment]) -> str:
    """``detail`` with each photo's file name replaced by "Photo ID" ("photo ID" within
    a sentence), as the checks name a photo without one."""
    for photo in photos:
        detail = re.sub(
            re.escape(photo.original_name),
            lambda m, n=photo.id: f"Photo {n}" if m.start() == 0 else f"photo {n}",
            detail,
        )
    return detail


def _pseudonymise_staff(member: StaffMember, pseudonym: str, now: datetime) -> None:
    member.name = pseudonym
    member.code = f"ERASED-{member.id}"
    member.email = None
    member.job_title = ""
    member.active = False
    member.hide_from_recognition = True
    member.erased_at = now


def _tied_copies(person: Person, tied: list[Place]) -> tuple[Place, list[Place]]:
    """The audit events about the person and about each record tied to them (or whose
    child row is: :data:`PARENT_OF`), and the webhook bodies and stored API answers about
    such a record: services copy a record's free text into its events' details (a
    closing note, the reason a visit was returned or an answer edited), and a delivery or
    an answer carries the record as the API shows it, so a first name alone goes from
    there too (but from their :data:`NAME_FIELDS`)."""
    wheres: dict[Table, list[ColumnElement[bool]]] = {}
    for table, _columns, where in tied:
        wheres.setdefault(table, []).append(where)
    chosen: dict[Table, list[Select[Any]]] = {}
    for table, conditions in wheres.items():
        chosen.setdefault(table, []).append(select(table.c.id).where(or_(*conditions)))
        if table.name in PARENT_OF:
            parent, key = PARENT_OF[table.name]
            parent_ids = select(table.c[key]).where(or_(*conditions))
            chosen.setdefault(parent.__table__, []).append(parent_ids)
    about = [
        and_(AuditEvent.subject_type == r.__tablename__, AuditEvent.subject_id == r.id)
        for r in person.records
    ]
    sent, answered = [false()], [false()]
    for table, selects in chosen.items():
        for ids in selects:
            about.append(
                and_(AuditEvent.subject_type == table.name, AuditEvent.subject_id.in_(ids))
            )
            if table.name in COPIED_AS:
                event, collection = COPIED_AS[table.name]
                sent.append(_delivered_about(event, ids))
                answered.append(_answered_about(collection, ids))
    events, deliveries = AuditEvent.__table__, WebhookDelivery.__table__
    answers = IdempotentRequest.__table__
    return (events, [events.c.details], or_(*about)), [
        (deliveries, [deliveries.c.body], or_(*sent)),
        (answers, [answers.c.body], or_(*answered)),
    ]


def _delivered_about(event: str, ids: Select[Any]) -> ColumnElement[bool]:
    """Webhook deliveries of an ``event.…`` about one of ``ids`` (the body's ``data.id``,
    kept as ``record_id``)."""
    deliveries = WebhookDelivery.__table__
    return and_(
        deliveries.c.event.startswith(f"{event}.", autoescape=True),
        deliveries.c.record_id.in_(ids),
    )


def _answered_about(collection: str, ids: Select[Any]) -> ColumnElement[bool]:
    """Stored API answers whose ``Location`` is the API's path to one of ``ids`` (a
    create's answer, ``…/visits/12``)."""
    location = IdempotentRequest.__table__.c.headers["Location"].as_string()
    chosen = ids.subquery()
    record_id = next(iter(chosen.c))
    return (
        select(record_id)
        .where(location.endswith(literal(f"/{collection}/") + cast(record_id, String)))
        .exists()
    )


def _tied_texts(person: Person) -> list[Place]:
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
