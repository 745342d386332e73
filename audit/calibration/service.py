"""Calibration cases from writing to closing, and raters' answers; nothing here knows of
requests. The caller commits.

Life of a case::

    draft ──publish──> published ──close──> closed
    (manager writes the scenario, photos,    (assigned raters     (results stay,
     reference answers; assigns raters)       answer and send)     no more answers)

Answers are checked by the scoring engine's own rules (:func:`normalise_value`,
:func:`submission_problems`): a rater sends a case only when every question a visit would
need is answered, so agreement is measured on complete answers. Photos are asked of the
raters nowhere: the case's own photos are the evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TypeVar

from flask_babel import format_number, gettext, ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audit.extensions import db
from audit.models import (
    CalibrationAssignment,
    CalibrationCase,
    CalibrationPhoto,
    CalibrationReference,
    CalibrationResponse,
    CaseStatus,
    Role,
    Scorecard,
    ScorecardVersion,
    User,
    VersionStatus,
    record_event,
    record_new,
)
from audit.photos.uploads import store_photo
from audit.scorecards.definition import Question, ScorecardDefinition
from audit.scorecards.scoring import (
    NA,
    AnswerValue,
    InvalidAnswer,
    SubmissionProblem,
    hidden_questions,
    normalise_value,
    submission_problems,
)
from audit.scorecards.store import definition_of
from audit.service_errors import FieldError
from audit.storage import Storage
from audit.storage.files import delete_when_committed
from audit.visits.scores import NUMERIC_TYPES, stored_value

#: Who may be asked to score a case.
RATER_ROLES = (Role.SHOPPER, Role.ASSESSOR)
MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_ANSWER = 10_000
MAX_EXPLANATION = 5_000
MAX_PHOTOS = 20


class CalibrationError(FieldError):
    """Something asked of a case that cannot be done; ``str()`` is for the person."""


class AnswersRefused(CalibrationError):
    """A rater's answers cannot be sent yet: ``problems`` says what is missing, per key."""

    def __init__(self, problems: list[SubmissionProblem]) -> None:
        self.problems = problems
        super().__init__(
            ngettext(
                "%(num)d thing to finish before sending",
                "%(num)d things to finish before sending",
                len(problems),
            )
        )


# --- stored values -------------------------------------------------------------------


Row = CalibrationReference | CalibrationResponse
R = TypeVar("R", CalibrationReference, CalibrationResponse)


def stored(row: Row | None) -> AnswerValue:
    """The engine's value of a stored reference or response (None when there is none),
    read as a visit's answer is: the columns are the same."""
    return stored_value(row)  # type: ignore[arg-type]


def _store(row: Row, question: Question, value: AnswerValue) -> None:
    """Write a normalised value as a visit's answer is written (text, number or N/A)."""
    row.is_na = value is NA
    row.value_number = None
    row.value_text = None
    if value is not None and value is not NA:
        if question.type in NUMERIC_TYPES:
            row.value_number = float(value)  # type: ignore[arg-type]
        else:
            row.value_text = str(value)


def _checked(
    definition: ScorecardDefinition, raw: Mapping[str, object]
) -> tuple[dict[str, AnswerValue], list[SubmissionProblem]]:
    """Every question's value from what a form sent; invalid ones None, with a problem."""
    values: dict[str, AnswerValue] = {}
    problems: list[SubmissionProblem] = []
    for question in definition.questions():
        value = raw.get(question.key)
        if isinstance(value, str) and len(value) > MAX_ANSWER:
            problems.append(
                SubmissionProblem(
                    question.key,
                    gettext("Keep this under %(max)s characters", max=format_number(MAX_ANSWER)),
                )
            )
            values[question.key] = None
            continue
        try:
            values[question.key] = normalise_value(question, value)
        except InvalidAnswer as error:
            problems.append(SubmissionProblem(question.key, str(error)))
            values[question.key] = None
    return values, problems


def _added(rows: list[R], row: R) -> R:
    rows.append(row)
    return row


def _write_rows(
    definition: ScorecardDefinition,
    values: Mapping[str, AnswerValue],
    notes: Mapping[str, str],
    rows: Mapping[str, Row],
    add: Callable[[str], Row],
    note_field: str,
    problems: list[SubmissionProblem],
) -> None:
    """Write each question's value and note (a reference's explanation, a rater's comment)
    onto its row, adding a row (``add``) only for a question given something. A note too
    long is cut and reported; the page shows it again as it was typed."""
    for question in definition.questions():
        key = question.key
        note = (notes.get(key) or "").strip()
        if len(note) > MAX_EXPLANATION:
            problems.append(
                SubmissionProblem(
                    key,
                    gettext(
                        "Keep this text under %(max)s characters",
                        max=format_number(MAX_EXPLANATION),
                    ),
                )
            )
            note = note[:MAX_EXPLANATION]
        row = rows.get(key)
        if row is None:
            if values[key] is None and not note:
                continue
            row = add(key)
        _store(row, question, values[key])
        setattr(row, note_field, note)


def form_value(value: AnswerValue) -> object:
    """A stored value as the question widgets show it ("na" for N/A)."""
    return "na" if value is NA else value


def published_scorecards() -> list[Scorecard]:
    """Scorecards a case can be written against: those with a published version."""
    published = select(ScorecardVersion.scorecard_id).where(
        ScorecardVersion.status == VersionStatus.PUBLISHED
    )
    return list(
        db.session.scalars(
            select(Scorecard).where(Scorecard.id.in_(published)).order_by(Scorecard.title)
        )
    )


def definition_of_case(case: CalibrationCase) -> ScorecardDefinition:
    return definition_of(case.version)


# --- writing a case ----------------------------------------------------------------


def _texts(title: str, scenario: str, transcript: str) -> tuple[str, str, str]:
    title = CalibrationError.required_text(title, gettext("Give the case a title."), "title")
    if len(title) > MAX_TITLE:
        raise CalibrationError(
            gettext("Keep the title under %(max)s characters.", max=MAX_TITLE), "title"
        )
    scenario = (scenario or "").strip()
    if not scenario:
        raise CalibrationError(
            gettext("Write the scenario out: what happened at the visit."), "scenario"
        )
    for text, field in ((scenario, "scenario"), (transcript, "transcript")):
        if len(text or "") > MAX_TEXT:
            raise CalibrationError(
                gettext("Keep this under %(max)s characters.", max=format_number(MAX_TEXT)),
                field,
            )
    return title, scenario, (transcript or "").strip()


def create_case(
    user: User, scorecard: Scorecard, title: str, scenario: str, transcript: str = ""
) -> CalibrationCase:
    """A draft case against the scorecard's published version (which never changes)."""
    version = scorecard.latest_published
    if version is None:
        raise CalibrationError(
            gettext("%(scorecard)s has no published version yet.", scorecard=scorecard.title),
            "scorecard",
        )
    title, scenario, transcript = _texts(title, scenario, transcript)
    case = CalibrationCase(
        scorecard=scorecard,
        version=version,
        title=title,
        scenario=scenario,
        transcript=transcript,
        status=CaseStatus.DRAFT,
        created_by=user,
    )
    record_new(user, "calibration.created", case, scorecard=scorecard.slug, version=version.number)
    return case


def _require_draft(case: CalibrationCase) -> None:
    if case.status is not CaseStatus.DRAFT:
        raise CalibrationError(
            gettext("This case is published; its scenario and reference answers no longer change.")
            if case.status is CaseStatus.PUBLISHED
            else gettext(
                "This case is closed; its scenario and reference answers no longer change."
            )
        )


def update_case(
    case: CalibrationCase, user: User, title: str, scenario: str, transcript: str
) -> None:
    _require_draft(case)
    case.title, case.scenario, case.transcript = _texts(title, scenario, transcript)
    record_event(user, "calibration.edited", case)


def set_references(
    case: CalibrationCase,
    answers: Mapping[str, object],
    explanations: Mapping[str, str],
    user: User,
) -> list[SubmissionProblem]:
    """Store the reference answers and explanations the form sent; returns the values that
    could not be kept (each left unanswered, the rest saved). A question hidden by the
    reference's own answers (``show_if``) keeps no answer."""
    _require_draft(case)
    definition = definition_of_case(case)
    values, problems = _checked(definition, answers)
    hidden = hidden_questions(definition, values)
    for key in hidden:
        values[key] = None
    _write_rows(
        definition,
        values,
        explanations,
        {r.question_key: r for r in case.references},
        lambda key: _added(case.references, CalibrationReference(question_key=key)),
        "explanation",
        problems,
    )
    record_event(user, "calibration.references_saved", case, problems=len(problems))
    return problems


def reference_problems(case: CalibrationCase) -> list[SubmissionProblem]:
    """What stops the case being published: the reference must answer every question a
    visit must answer. Comments and photos are not asked of a reference (the explanation
    says why), so every question counts as having both here."""
    definition = definition_of_case(case)
    values = {r.question_key: stored(r) for r in case.references}
    every = [q.key for q in definition.questions()]
    return submission_problems(definition, values, dict.fromkeys(every, "-"), evidence=every)


def publish(case: CalibrationCase, user: User) -> None:
    _require_draft(case)
    missing = reference_problems(case)
    if missing:
        raise AnswersRefused(missing)
    case.status = CaseStatus.PUBLISHED
    case.published_at = datetime.now(UTC)
    record_event(user, "calibration.published", case, raters=len(case.assignments))


def close(case: CalibrationCase, user: User) -> None:
    if case.status is not CaseStatus.PUBLISHED:
        raise CalibrationError(gettext("Only a published case can be closed."))
    case.status = CaseStatus.CLOSED
    case.closed_at = datetime.now(UTC)
    record_event(user, "calibration.closed", case)


# --- photos ------------------------------------------------------------------------


def add_photo(
    case: CalibrationCase,
    data: bytes,
    *,
    store: Storage,
    max_bytes: int,
    original_name: str,
    user: User,
) -> CalibrationPhoto:
    """Check and store a photo of the case; the files are kept only if the caller commits.
    Raises :class:`audit.photos.images.UploadRefused` or
    :class:`audit.storage.StorageUnavailable` as every photo upload does."""
    _require_draft(case)
    if len(case.photos) >= MAX_PHOTOS:
        raise CalibrationError(
            gettext("A case can have at most %(max)s photos.", max=MAX_PHOTOS), "photo"
        )
    photo = store_photo(data, store, max_bytes)
    row = CalibrationPhoto(
        original_name=(original_name or "")[:255],
        stored_name=photo.name,
        thumb_name=photo.thumb_name,
    )
    case.photos.append(row)
    db.session.flush()
    record_event(user, "calibration.photo_added", case, photo_id=row.id)
    return row


def delete_photo(photo: CalibrationPhoto, user: User, store: Storage) -> None:
    case = photo.case
    _require_draft(case)
    delete_when_committed(store, photo.stored_name, photo.thumb_name)
    record_event(user, "calibration.photo_deleted", case, photo_id=photo.id)
    case.photos.remove(photo)
    db.session.flush()


# --- raters ------------------------------------------------------------------------


def rater_choices() -> list[User]:
    """Everyone who may be asked to score a case: active shoppers and assessors."""
    query = (
        select(User)
        .where(User.role.in_(RATER_ROLES), User.active.is_(True), User.erased_at.is_(None))
        .order_by(User.name)
    )
    return list(db.session.scalars(query))


def assign_raters(case: CalibrationCase, user_ids: Iterable[int], user: User) -> int:
    """Ask these shoppers and assessors to score the case; returns how many were new.

    Someone already asked is left as they are; anyone else is refused whole."""
    if case.status is CaseStatus.CLOSED:
        raise CalibrationError(
            gettext("This case is closed; no one else can be asked to score it.")
        )
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        raise CalibrationError(gettext("Choose at least one shopper or assessor."), "raters")
    raters = {r.id: r for r in rater_choices() if r.id in set(wanted)}
    if len(raters) != len(wanted):
        raise CalibrationError(
            gettext("Only active shoppers and assessors can score a case."), "raters"
        )
    already = {a.rater_id for a in case.assignments}
    added = [raters[i] for i in wanted if i not in already]
    for rater in added:
        case.assignments.append(CalibrationAssignment(rater=rater))
    if added:
        db.session.flush()
        record_event(user, "calibration.assigned", case, raters=[r.id for r in added])
    return len(added)


def unassign(assignment: CalibrationAssignment, user: User) -> None:
    """Take a rater off a case; answers already sent stay part of the results."""
    if assignment.submitted_at is not None:
        raise CalibrationError(
            gettext("%(name)s has already sent their answers.", name=assignment.rater.name)
        )
    case = assignment.case
    record_event(user, "calibration.unassigned", case, rater=assignment.rater_id)
    case.assignments.remove(assignment)
    db.session.flush()


def open_assignments(user: User) -> list[CalibrationAssignment]:
    """The rater's cases: published ones still to send first, then the ones they sent."""
    query = (
        select(CalibrationAssignment)
        .join(CalibrationAssignment.case)
        .where(
            CalibrationAssignment.rater_id == user.id,
            CalibrationCase.status.in_((CaseStatus.PUBLISHED, CaseStatus.CLOSED)),
        )
        .options(selectinload(CalibrationAssignment.case))
        .order_by(
            CalibrationAssignment.submitted_at.is_not(None), CalibrationCase.published_at.desc()
        )
    )
    return list(db.session.scalars(query))


# --- a rater's answers ---------------------------------------------------------------


def _require_answerable(assignment: CalibrationAssignment) -> None:
    if assignment.submitted_at is not None:
        raise CalibrationError(
            gettext("You have sent your answers to this case; they no longer change.")
        )
    if assignment.case.status is not CaseStatus.PUBLISHED:
        raise CalibrationError(gettext("This case is closed; it no longer takes answers."))


def response_values(assignment: CalibrationAssignment) -> dict[str, AnswerValue]:
    return {r.question_key: stored(r) for r in assignment.responses}


def response_comments(assignment: CalibrationAssignment) -> dict[str, str]:
    return {r.question_key: r.comment for r in assignment.responses if r.comment}


def save_answers(
    assignment: CalibrationAssignment,
    answers: Mapping[str, object],
    comments: Mapping[str, str],
    user: User,
) -> list[SubmissionProblem]:
    """Keep what the rater sent; returns the values that could not be kept (left
    unanswered in the database, reported per key, as a visit's draft does)."""
    _require_answerable(assignment)
    definition = definition_of_case(assignment.case)
    values, problems = _checked(definition, answers)
    _write_rows(
        definition,
        values,
        comments,
        {r.question_key: r for r in assignment.responses},
        lambda key: _added(assignment.responses, CalibrationResponse(question_key=key)),
        "comment",
        problems,
    )
    db.session.flush()
    return problems


def submit_answers(assignment: CalibrationAssignment, user: User) -> None:
    """Send the rater's saved answers; raises :class:`AnswersRefused` with what is missing.

    Answers to questions their own answers hide are dropped, as a visit treats them."""
    _require_answerable(assignment)
    definition = definition_of_case(assignment.case)
    values = response_values(assignment)
    problems = submission_problems(
        definition,
        values,
        response_comments(assignment),
        evidence=[q.key for q in definition.questions()],
    )
    if problems:
        raise AnswersRefused(problems)
    hidden = hidden_questions(definition, values)
    for row in list(assignment.responses):
        if row.question_key in hidden:
            assignment.responses.remove(row)
    assignment.submitted_at = datetime.now(UTC)
    record_event(user, "calibration.answered", assignment.case, assignment_id=assignment.id)
