"""A visit's life in the field: start, draft, submit; nothing here knows of requests.

Photos and receipts are in :mod:`audit.shop.attachments`, what the pages read in
:mod:`audit.shop.reading`.

Life of a visit as the shopper sees it::

    (assignment accepted) ──start_visit──> draft ──submit──> submitted ──> (review)
    (assessor, in scope)  ──start_audit──>   ^                                │
                                             └──────── returned <──return─────┘

- A draft is saved as the shopper types (:func:`save_draft`): partial data is
  fine, invalid values are kept out of the database and reported per key.
- :func:`submit` checks :func:`missing_items`, stores the score (scores are
  stored at submission, never shown to the shopper) and is idempotent by the
  client's token: the same token twice gives one submission and one event.
- Every status change writes an :class:`AuditEvent`; the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload, selectinload

from audit.access import branch_in_scope
from audit.assignments.service import STARTABLE, AssignmentStateError, mark_submitted, status_word
from audit.extensions import db
from audit.languages import localized
from audit.models import (
    Assignment,
    AssignmentStatus,
    Branch,
    Scorecard,
    ScorecardVersion,
    StaffMember,
    User,
    Visit,
    VisitStatus,
    record_event,
    record_new,
)
from audit.org.geo import haversine_m
from audit.org.timezones import branch_zone
from audit.scorecards.definition import ScorecardDefinition
from audit.scorecards.scoring import (
    InvalidAnswer,
    SubmissionProblem,
    normalise_value,
    submission_problems,
)
from audit.scorecards.store import definition_of
from audit.service_errors import FieldError
from audit.tasks import enqueue
from audit.visits.lock import lock_visit
from audit.visits.scores import (
    QuestionIds,
    answer_values,
    comments_of,
    set_answer,
    store_score,
    stored_value,
)
from audit.webhooks.emitting import emit, emit_critical_failure

V = VisitStatus
#: Visits the shopper may still change.
EDITABLE = (V.DRAFT, V.RETURNED)
#: Visits that have been sent (the shopper sees their status, never their score).
SENT = (V.SUBMITTED, V.APPROVED, V.PUBLISHED)
#: audit.trust.service.compute_visit_signals, named so that shop does not import trust.
SIGNALS_TASK = "audit.trust.service:compute_visit_signals"
#: Channels where the shopper meets someone: who served and when they left are needed.
MET_IN_PERSON = frozenset({"in_person", "phone"})


@dataclass(frozen=True)
class DetailWords:
    """How the form asks for a visit's times and people, in the words of its channel."""

    started: str
    ended: str
    served: str


_DETAIL_WORDS = {
    "in_person": DetailWords(
        lazy_gettext("You arrived at"), lazy_gettext("You left at"), lazy_gettext("Who served you?")
    ),
    "phone": DetailWords(
        lazy_gettext("The call started at"),
        lazy_gettext("The call ended at"),
        lazy_gettext("Who took your call?"),
    ),
}
_DETAIL_WORDS_ONLINE = DetailWords(
    lazy_gettext("You started at"),
    lazy_gettext("You finished at"),
    lazy_gettext("Who answered you?"),
)

#: The scoring engine's words for what is missing (audit/scorecards/scoring.py, which knows
#: nothing of languages), marked here so the catalogue carries them; translated below.
_PROBLEM_WORDS = (
    lazy_gettext("Answer this question"),
    lazy_gettext("Add a comment: this answer earns less than full points"),
    lazy_gettext("Add a photo"),
)


def detail_words(channel: str) -> DetailWords:
    """The form's words for the visit's times and people on ``channel`` (email, chat and
    web are answered online: no arriving, no leaving)."""
    return _DETAIL_WORDS.get(channel, _DETAIL_WORDS_ONLINE)


MAX_STAFF = 5
MAX_TEXT = 10_000
MAX_COMMENT = 5_000
MAX_DESCRIPTION = 500
MAX_ATTACHMENTS = 60
#: How far ahead of the server's clock a phone's clock may be.
CLOCK_SKEW = timedelta(minutes=15)
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")

#: Keys of the visit details in problems and missing items; a question key starts
#: with a letter or digit, so these never clash with one.
STARTED, ENDED, STAFF = "@started", "@ended", "@staff"
#: The form's first screen, where the visit details are asked.
DETAILS_SECTION = "@details"


# --- errors ------------------------------------------------------------------


class VisitError(FieldError):
    """Something a shopper asked for that cannot be done; ``str()`` is for them."""


class VisitStateError(VisitError):
    """The visit (or assignment) is not in a state that allows this."""


class OutOfScope(VisitError):
    """An assessor asked for a branch outside their regions."""


class SubmissionRefused(VisitError):
    def __init__(self, problems: Sequence[MissingItem]) -> None:
        self.problems = list(problems)
        super().__init__(
            ngettext(
                "%(num)d thing to finish before sending",
                "%(num)d things to finish before sending",
                len(self.problems),
            )
        )


# --- positions -----------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    lat: float
    lng: float
    accuracy_m: float | None = None


def _place(visit: Visit, position: Position | None) -> None:
    if position is None:
        return
    visit.start_lat, visit.start_lng = position.lat, position.lng
    visit.start_accuracy_m = position.accuracy_m
    branch = visit.branch
    if branch.lat is not None and branch.lng is not None:
        visit.distance_m = round(haversine_m(position.lat, position.lng, branch.lat, branch.lng))


# --- starting ------------------------------------------------------------------


def _new_visit(
    scorecard: Scorecard,
    branch: Branch,
    user: User,
    position: Position | None,
    assignment: Assignment | None = None,
) -> Visit:
    version = scorecard.latest_published
    if version is None:
        raise VisitStateError(
            gettext(
                "%(scorecard)s has no published version yet; ask your manager to publish it.",
                scorecard=scorecard.title,
            )
        )
    now = datetime.now(UTC)
    visit = Visit(
        scorecard=scorecard,
        version=version,
        branch=branch,
        visitor=user,
        status=V.DRAFT,
        visited_at=now,
        started_at=now,
        assignment=assignment,
    )
    _place(visit, position)
    record_new(
        user,
        "visit.started",
        visit,
        assignment_id=assignment.id if assignment else None,
        branch=branch.code,
        scorecard=scorecard.slug,
        version=version.number,
        located=position is not None,
        distance_m=visit.distance_m,
    )
    return visit


def start_visit(assignment: Assignment, user: User, position: Position | None = None) -> Visit:
    """The visit of an accepted assignment: a new draft, or the one already started."""
    if assignment.shopper_id != user.id:
        raise VisitStateError(gettext("This assignment was offered to someone else."))
    if assignment.visit is not None:
        return assignment.visit
    if assignment.status is AssignmentStatus.OFFERED:
        raise VisitStateError(gettext("Accept this assignment before you start the visit."))
    if assignment.status not in STARTABLE:
        raise VisitStateError(
            gettext(
                "This assignment is %(status)s; a visit can no longer be started.",
                status=status_word(assignment.status),
            )
        )
    return _new_visit(assignment.scorecard, assignment.branch, user, position, assignment)


def start_audit(
    branch: Branch, scorecard: Scorecard, user: User, position: Position | None = None
) -> Visit:
    """An unannounced audit by an assessor at a branch in their scope, without an assignment."""
    if not branch_in_scope(branch, user):
        raise OutOfScope(gettext("%(branch)s is outside your regions.", branch=branch.label))
    if not branch.active:
        raise VisitStateError(gettext("%(branch)s is closed.", branch=branch.label))
    return _new_visit(scorecard, branch, user, position)


# --- drafts ----------------------------------------------------------------------


@dataclass
class DraftData:
    """What the phone sends; None means "not sent" (left as it is), so partial saves work."""

    answers: dict[str, object] | None = None
    comments: dict[str, str] | None = None
    staff_ids: list[int] | None = None
    staff_description: str | None = None
    started_at: str | None = None
    ended_at: str | None = None


def require_editable(visit: Visit) -> None:
    """Lock the visit for a change by its visitor; raises when it can no longer change.

    Every change of a draft (autosave, send, photos) starts here, so a change that
    arrives after the visit was sent is refused whole instead of landing on it.
    """
    if lock_visit(visit, EDITABLE):
        return
    raise not_editable(visit)


def _read_locked(visit: Visit, *, scoring: bool = False) -> None:
    """Read the just-locked visit with what a change of it reads, in a few queries.

    Loaded lazily, each of them (answers, staff, photos, the branch whose clock the times
    are read on, the version and, to score, sections and the assignment) would first
    flush what was changed so far, and every flush of a visit asks the reports where
    it counts: a save took twice the queries and most of its time in them
    (bench/load.py). The version's question rows are not loaded: a save that adds an
    answer reads their ids (:class:`audit.visits.scores.QuestionIds`).
    """
    version = joinedload(Visit.version)
    options = [
        selectinload(Visit.answers),
        selectinload(Visit.staff),
        selectinload(Visit.attachments),
        joinedload(Visit.branch),
        version,
    ]
    if scoring:
        options += [
            version.selectinload(ScorecardVersion.sections),
            selectinload(Visit.section_scores),
            joinedload(Visit.assignment),
        ]
    visit_id = inspect(visit).identity[0]  # visit.id would reload the row the lock expired
    db.session.scalars(select(Visit).where(Visit.id == visit_id).options(*options)).one()


def not_editable(visit: Visit) -> VisitStateError:
    return VisitStateError(
        gettext("This visit has been sent and can no longer be changed.")
        if visit.status in SENT
        else gettext("This visit is %(status)s and cannot be changed.", status=visit.status.value)
    )


def check_editable(visit: Visit) -> None:
    """The same refusal as :func:`require_editable` from what was read, without a lock."""
    if visit.status not in EDITABLE:
        raise not_editable(visit)


def parse_time(text: str, where: tzinfo = UTC) -> datetime:
    """An ISO 8601 time, in UTC: one with an offset is that instant; one without (a
    ``datetime-local`` field, "2027-01-31T23:30") is read on the clock of ``where``.

    The visit form shows and takes its times on the branch's clock, as the shopper
    saw it on the wall there, whatever zone the phone is set to."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=where)
    return value.astimezone(UTC)


def _times(visit: Visit, data: DraftData, problems: list[SubmissionProblem]) -> None:
    now = datetime.now(UTC)
    new: dict[str, datetime | None] = {}
    for key, raw, unreadable, future in (
        (
            STARTED,
            data.started_at,
            gettext("Give the start time as a date and time"),
            gettext("The start time is in the future"),
        ),
        (
            ENDED,
            data.ended_at,
            gettext("Give the end time as a date and time"),
            gettext("The end time is in the future"),
        ),
    ):
        if raw is None:
            continue
        if not raw.strip():
            new[key] = None
            continue
        try:
            when = parse_time(raw, branch_zone(visit.branch))
        except ValueError:
            problems.append(SubmissionProblem(key, unreadable))
            continue
        if when > now + CLOCK_SKEW:
            problems.append(SubmissionProblem(key, future))
            continue
        new[key] = when
    started = new[STARTED] if STARTED in new else visit.started_at
    ended = new[ENDED] if ENDED in new else visit.ended_at
    if started and ended and ended < started:
        problems.append(SubmissionProblem(ENDED, gettext("The visit cannot end before it started")))
        new.pop(ENDED, None)
    if STARTED in new:
        visit.started_at = new[STARTED]
        if new[STARTED] is not None:
            visit.visited_at = new[STARTED]
    if ENDED in new:
        visit.ended_at = new[ENDED]


def _staff(visit: Visit, data: DraftData, problems: list[SubmissionProblem]) -> None:
    if data.staff_ids is not None:
        wanted = list(dict.fromkeys(data.staff_ids))
        members = (
            db.session.scalars(
                select(StaffMember).where(
                    StaffMember.id.in_(wanted), StaffMember.branch_id == visit.branch_id
                )
            ).all()
            if wanted
            else []
        )
        if len(members) != len(wanted):
            problems.append(
                SubmissionProblem(STAFF, gettext("Choose people who work at this branch"))
            )
        elif len(members) > MAX_STAFF:
            problems.append(
                SubmissionProblem(STAFF, gettext("Choose at most %(num)d people", num=MAX_STAFF))
            )
        else:
            visit.staff = list(members)
    if data.staff_description is not None:
        text = data.staff_description.strip()
        if len(text) > MAX_DESCRIPTION:
            problems.append(
                SubmissionProblem(
                    STAFF,
                    gettext("Keep the description under %(num)d characters", num=MAX_DESCRIPTION),
                )
            )
        else:
            visit.staff_description = text


def save_draft(visit: Visit, data: DraftData, user: User) -> list[SubmissionProblem]:
    """Save what was sent onto the draft; returns the values that could not be kept.

    An invalid answer leaves the question unanswered in the database (the
    phone keeps what was typed and shows the message); everything valid is
    saved. Unknown question keys are reported, never stored.
    """
    require_editable(visit)
    _read_locked(visit)
    definition = definition_of(visit.version)
    question_ids = QuestionIds(visit.version)
    problems: list[SubmissionProblem] = []

    for key, raw in (data.answers or {}).items():
        question = definition.question(key)
        if question is None:
            problems.append(SubmissionProblem(key, gettext("This question is not on the form")))
            continue
        if isinstance(raw, str) and len(raw) > MAX_TEXT:
            problems.append(
                SubmissionProblem(key, gettext("Keep this under %(num)d characters", num=MAX_TEXT))
            )
            continue
        try:
            value = normalise_value(question, raw)
        except InvalidAnswer as error:
            problems.append(SubmissionProblem(key, str(error)))
            value = None
        answer = visit.answer(key)
        if answer is None and value is None:
            continue
        if answer is None or stored_value(answer) != value:
            set_answer(visit, question, value, question_rows=question_ids)

    for key, text in (data.comments or {}).items():
        question = definition.question(key)
        if question is None:
            problems.append(SubmissionProblem(key, gettext("This question is not on the form")))
            continue
        text = text.strip()
        if len(text) > MAX_COMMENT:
            problems.append(
                SubmissionProblem(
                    key, gettext("Keep comments under %(num)d characters", num=MAX_COMMENT)
                )
            )
            continue
        answer = visit.answer(key)
        if answer is None:
            if not text:
                continue
            set_answer(visit, question, None, text, question_rows=question_ids)
        elif answer.comment != text:
            answer.comment = text

    _times(visit, data, problems)
    _staff(visit, data, problems)
    visit.draft_saved_at = datetime.now(UTC)
    return problems


# --- what is still missing ---------------------------------------------------------


@dataclass(frozen=True)
class MissingItem:
    """One thing to do before the visit can be sent, worded for the shopper."""

    key: str
    message: str
    section: str
    label: str

    def as_json(self) -> dict[str, str]:
        return {"key": self.key, "message": self.message, "section": self.section}


def evidence_keys(visit: Visit) -> set[str]:
    return {a.question_key for a in visit.attachments if a.question_key}


def missing_items(visit: Visit, definition: ScorecardDefinition | None = None) -> list[MissingItem]:
    """Everything that stops the visit being sent, in form order (empty when ready)."""
    definition = definition or definition_of(visit.version)
    items: list[MissingItem] = []
    if visit.started_at is None:
        items.append(
            MissingItem(
                STARTED,
                gettext("Say when your visit started"),
                DETAILS_SECTION,
                gettext("Visit start"),
            )
        )
    if definition.channel in MET_IN_PERSON:
        if visit.ended_at is None:
            items.append(
                MissingItem(
                    ENDED,
                    gettext("Say when your visit ended"),
                    DETAILS_SECTION,
                    gettext("Visit end"),
                )
            )
        if not visit.staff and not visit.staff_description.strip():
            items.append(
                MissingItem(
                    STAFF,
                    gettext("Say who served you: choose them from the list or describe them"),
                    DETAILS_SECTION,
                    gettext("Who served you"),
                )
            )
    problems = submission_problems(
        definition, answer_values(visit), comments_of(visit), evidence=evidence_keys(visit)
    )
    for problem in problems:
        question = definition.question(problem.key)
        section = definition.section_of(problem.key)
        items.append(
            MissingItem(
                problem.key,
                gettext(problem.message),
                section.key if section else "",
                localized(question.text) if question else problem.key,
            )
        )
    return items


# --- submitting ----------------------------------------------------------------------


def valid_token(token: object) -> bool:
    return isinstance(token, str) and TOKEN.fullmatch(token) is not None


def already_submitted(visit: Visit, token: str) -> bool:
    return visit.client_token == token and visit.status in SENT


def submit(visit: Visit, token: str, user: User, *, locked: bool = False) -> bool:
    """Send the visit; returns True when this token had already sent it (nothing done).

    ``locked``: the caller has already locked the visit in this transaction and read it
    since (:func:`save_draft` of the final draft did), so it is not locked and read again.

    Raises :class:`SubmissionRefused` with what is missing, or
    :class:`VisitStateError` when the visit cannot be sent. The visit is locked
    (:func:`audit.visits.lock.lock_visit`) before anything is read, so the score
    is computed from the answers as they are stored, and two requests at once
    make one submission: the second finds the visit sent, with its own token
    (answered as already done) or another one (refused).
    """
    if not valid_token(token):
        raise VisitError(gettext("This request is missing its submission token; reload the page."))
    if already_submitted(visit, token):
        return True
    if not locked:
        if not lock_visit(visit, EDITABLE):
            # Sent a moment ago: by this token (a double tap), or from somewhere else.
            if already_submitted(visit, token):
                return True
            raise not_editable(visit)
        _read_locked(visit, scoring=True)
    if visit.status is V.RETURNED and visit.client_token == token:
        raise VisitStateError(
            gettext("This visit was returned to you; reload the page to send it again.")
        )
    definition = definition_of(visit.version)
    missing = missing_items(visit, definition)
    if missing:
        raise SubmissionRefused(missing)

    resubmission = visit.status is V.RETURNED
    critical_before = resubmission and visit.critical_failed
    visit.status = V.SUBMITTED
    visit.client_token = token
    visit.submitted_at = datetime.now(UTC)
    if visit.started_at is not None:
        visit.visited_at = visit.started_at
    store_score(visit, definition)
    assignment_status = None
    if visit.assignment is not None:
        try:
            mark_submitted(visit.assignment, user)
        except AssignmentStateError:
            # Cancelled while the shopper was in the branch: the visit still counts for review.
            pass
        assignment_status = visit.assignment.status.value
    record_event(
        user,
        "visit.resubmitted" if resubmission else "visit.submitted",
        visit,
        token=token,
        assignment_status=assignment_status,
    )
    emit("visit.submitted", visit)
    emit_critical_failure(visit, critical_before)
    # Its trust signals compare it with other visits: after the commit, off the request.
    enqueue(SIGNALS_TASK, visit_ids=[visit.id])
    return False
