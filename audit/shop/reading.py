"""What the shopper's pages read: their visits grouped for the home page, the form's data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from audit.extensions import db
from audit.languages import localized
from audit.models import (
    Attachment,
    AttachmentKind,
    Branch,
    Scorecard,
    ScorecardVersion,
    StaffMember,
    User,
    VersionStatus,
    Visit,
)
from audit.scorecards.definition import Question
from audit.scorecards.scoring import (
    NA,
    AnswerValue,
    InvalidAnswer,
    hidden_questions,
    normalise_value,
    question_earned,
)
from audit.scorecards.store import definition_of
from audit.shop.service import SENT, V
from audit.visits.answer_changes import YES_NO_WORDS
from audit.visits.scores import answer_values, comments_of

# --- reading -----------------------------------------------------------------------


@dataclass(frozen=True)
class Home:
    returned: list[Visit]
    drafts: list[Visit]
    sent: list[Visit]


def visits_for(user: User, recent: int = 10) -> Home:
    """The user's own visits, as their home page groups them (no scores are loaded)."""
    base = (
        select(Visit)
        .where(Visit.visitor_id == user.id)
        .options(joinedload(Visit.branch), joinedload(Visit.scorecard))
    )
    returned = db.session.scalars(
        base.where(Visit.status == V.RETURNED).order_by(Visit.updated_at.desc())
    ).all()
    drafts = db.session.scalars(
        base.where(Visit.status == V.DRAFT).order_by(Visit.updated_at.desc())
    ).all()
    sent = db.session.scalars(
        base.where(Visit.status.in_(SENT))
        .order_by(Visit.submitted_at.desc().nulls_last(), Visit.id.desc())
        .limit(recent)
    ).all()
    return Home(list(returned), list(drafts), list(sent))


def published_scorecards(channel: str | None = None) -> list[Scorecard]:
    """Scorecards with a published version, by title; only those of ``channel`` if given."""
    published = select(ScorecardVersion.scorecard_id).where(
        ScorecardVersion.status == VersionStatus.PUBLISHED
    )
    query = select(Scorecard).where(Scorecard.id.in_(published)).order_by(Scorecard.title)
    if channel is not None:
        query = query.where(Scorecard.channel == channel)
    return list(db.session.scalars(query))


def load_for_form(visit_id: int) -> None:
    """Warm the session with what the form reads, in a few queries instead of one per row."""
    db.session.scalars(
        select(Visit)
        .where(Visit.id == visit_id)
        .options(
            selectinload(Visit.answers),
            selectinload(Visit.attachments),
            selectinload(Visit.staff),
            joinedload(Visit.branch).selectinload(Branch.staff),
            joinedload(Visit.version),
        )
    ).all()


def draft_state(visit: Visit) -> dict[str, object]:
    """The saved draft as the phone's JSON (values as the form sends them back)."""
    return {
        "answers": {k: v for k, v in values_for_form(visit).items() if v is not None},
        "comments": comments_of(visit),
        "staff_ids": [m.id for m in visit.staff],
        "staff_description": visit.staff_description,
        "started_at": _iso(visit.started_at),
        "ended_at": _iso(visit.ended_at),
        "saved_at": _iso(visit.draft_saved_at),
        "status": visit.status.value,
    }


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def form_value(value: object) -> object:
    """A stored value as the form shows it ("na" for N/A)."""
    return "na" if value is NA else value


def values_for_form(visit: Visit) -> Mapping[str, object]:
    return {k: form_value(v) for k, v in answer_values(visit).items()}


# --- the comment rule, in the page ---------------------------------------------------


def full_marks(question: Question) -> dict[str, object] | None:
    """Which answers earn the question's full points, for the form's script.

    The page asks for a comment the moment a shopper taps an answer below full
    points (``comment_on_fail``); it reads this instead of knowing the scoring
    rules itself. ``{"values": [...]}`` lists the full answers of a yes/no, scale
    or choice question (as the form sends them); ``{"min": .., "max": ..}`` is a
    number question's target (None: no bound). None for an unscored question.
    """
    if not question.scored:
        return None
    if question.type == "number":
        target = question.target
        return {"min": target.min if target else None, "max": target.max if target else None}
    candidates: list[AnswerValue]
    if question.type == "yes_no":
        candidates = ["yes", "no"]
    elif question.type == "choice":
        candidates = [option.label for option in question.options]
    elif question.type == "scale" and question.min is not None and question.max is not None:
        candidates = list(range(int(question.min), int(question.max) + 1))
    else:
        return None
    return {"values": [v for v in candidates if question_earned(question, v) >= question.possible]}


def falls_short(question: Question, value: object) -> bool:
    """Whether a form value earns less than the question's full points (so the
    scorecard's comment rule asks for a comment); never for N/A, no answer or an
    invalid value (that one is reported as it is)."""
    if not question.scored:
        return False
    try:
        normalised = normalise_value(question, value)
    except InvalidAnswer:
        return False
    if normalised is None or normalised is NA:
        return False
    return question_earned(question, normalised) < question.possible


# --- a sent visit, read only ------------------------------------------------------------


@dataclass(frozen=True)
class SentAnswer:
    """One answer as the shopper sent it, worded for reading (never its points)."""

    question: Question
    value: str
    comment: str
    photos: list[Attachment]


@dataclass(frozen=True)
class SentSection:
    title: str
    answers: list[SentAnswer]


@dataclass(frozen=True)
class SentVisit:
    sections: list[SentSection]
    staff: list[StaffMember]
    staff_description: str
    photos: list[Attachment]
    receipts: list[Attachment]


def as_sent(visit: Visit) -> tuple[dict[str, AnswerValue], dict[str, str]]:
    """The values and comments as the shopper last sent them.

    A reviewer's edit or an upheld appeal after that changes the stored answer and
    records the old one (:class:`audit.models.AnswerChange`): the first such change of
    a question holds what the shopper sent.
    """
    definition = definition_of(visit.version)
    values = answer_values(visit)
    comments = comments_of(visit)
    seen: set[str] = set()
    for change in sorted(visit.answer_changes, key=lambda c: (c.changed_at, c.id)):
        if visit.submitted_at is not None and change.changed_at < visit.submitted_at:
            continue  # before the last sending: the shopper sent what came of it
        if change.question_key in seen:
            continue
        seen.add(change.question_key)
        question = definition.question(change.question_key)
        if question is None:
            continue
        try:
            values[question.key] = normalise_value(question, change.old_value)
        except InvalidAnswer:
            values[question.key] = change.old_value or None
        if change.old_comment:
            comments[question.key] = change.old_comment
        else:
            comments.pop(question.key, None)
    return values, comments


def _plain(question: Question, value: AnswerValue) -> str:
    """An answer as the shopper reads it back: "Yes", "4 of 5 (Good)", "3 minutes"."""
    if value is None:
        return gettext("Not answered")
    if value is NA:
        return gettext("Not applicable")
    if question.type == "yes_no" and isinstance(value, str):
        return gettext(YES_NO_WORDS[value]) if value in YES_NO_WORDS else value.capitalize()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if question.type == "scale":
        label = question.labels.get(value) if isinstance(value, int) else None
        text = (
            gettext("%(value)s of %(most)s", value=value, most=format(question.max, "g"))
            if question.max is not None
            else str(value)
        )
        return f"{text} ({localized(label)})" if label else text
    if question.type == "nps":
        return gettext("%(value)s of %(most)s", value=value, most=10)
    if question.type == "choice" and isinstance(value, str):
        option = question.option(value)
        return localized(option.label) if option is not None else value
    if question.type == "number" and question.unit:
        return f"{value} {localized(question.unit)}"
    return str(value)


def sent_visit(visit: Visit) -> SentVisit:
    """A sent visit as its shopper may read it back: every question they saw, with the
    answer, comment and photos they sent; no score, no points."""
    definition = definition_of(visit.version)
    values, comments = as_sent(visit)
    hidden = hidden_questions(definition, values)
    photos: dict[str | None, list[Attachment]] = {}
    for attachment in visit.attachments:
        photos.setdefault(attachment.question_key, []).append(attachment)
    sections = [
        SentSection(
            section.title,
            [
                SentAnswer(
                    question,
                    _plain(question, values.get(question.key)),
                    comments.get(question.key, ""),
                    photos.get(question.key, []),
                )
                for question in section.questions
                if question.key not in hidden
            ],
        )
        for section in definition.sections
    ]
    loose = photos.get(None, [])
    return SentVisit(
        sections=[s for s in sections if s.answers],
        staff=list(visit.staff),
        staff_description=visit.staff_description,
        photos=[a for a in loose if a.kind is AttachmentKind.PHOTO],
        receipts=[a for a in loose if a.kind is AttachmentKind.RECEIPT],
    )
