"""The visit report: every answer with its comment and photos, sections against targets,
critical fails, and a summary of the review history.

Who reads it decides what it shows. Managers and admins see the shopper's
name and who did what in the review; staff never see the shopper's identity
(no name, no e-mail, no actor of any review step, no file names): the
staff variant names only roles ("the shopper", "a reviewer").

Appeals are listed with their outcome (a staff reader sees only their own,
as on the visit page), and answers changed on appeal are told apart from
corrections made in review before publication, for every reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from audit.appeals.service import AppealView, appeals_for_visit
from audit.dates import format_date, format_datetime
from audit.documents.render import Resources, build_html, render_pdf
from audit.extensions import db
from audit.languages import localized
from audit.models import (
    AnswerChange,
    Attachment,
    AttachmentKind,
    AuditEvent,
    Role,
    User,
    Visit,
    event_words,
)
from audit.reporting.reader_text import percent_text
from audit.scorecards.definition import Question, ScorecardDefinition
from audit.scorecards.store import definition_of
from audit.visits.answer_changes import EVENTS as CHANGE_EVENTS
from audit.visits.answer_changes import change_marks
from audit.visits.scores import stored_value

#: Review steps worth a line in the report; they read as everywhere else (EVENT_WORDS).
REPORTED_EVENTS = frozenset(
    {
        "visit.submitted",
        "visit.resubmitted",
        "visit.returned",
        "visit.approved",
        "visit.excluded",
        "visit.included",
        "visit.published",
        "visit.rescored",
    }
)


#: What an answer that was never given reads as.
NO_ANSWER = "—"
#: A photo's or receipt's caption begins with what it is.
KIND_WORDS = {AttachmentKind.PHOTO: _l("Photo"), AttachmentKind.RECEIPT: _l("Receipt")}


def shows_identity(viewer: User | None) -> bool:
    """Managers and admins (and the CLI, viewer None) may see who the shopper was."""
    return viewer is None or viewer.role in (Role.ADMIN, Role.MANAGER)


@dataclass(frozen=True)
class Photo:
    uri: str
    caption: str


@dataclass(frozen=True)
class AnswerRow:
    question: Question
    value: str
    earned: float | None
    possible: float | None
    comment: str
    hidden: bool
    critical_failed: bool
    photos: tuple[Photo, ...] = ()
    #: "changed by the reviewer" / "changed on appeal" when it changed after it was sent.
    changed: str = ""
    not_applicable: bool = False

    @property
    def answered(self) -> bool:
        """An answer that has a value (to show with the question's unit)."""
        return not (self.hidden or self.not_applicable or self.value == NO_ANSWER)

    @property
    def state(self) -> str:
        """full / partial / failed / na / unscored, for the row's colour."""
        if self.hidden or self.not_applicable:
            return "na"
        if not self.possible:
            return "unscored"
        if self.earned is None:
            return "failed"
        if self.earned >= self.possible:
            return "full"
        return "failed" if self.earned == 0 else "partial"


@dataclass(frozen=True)
class SectionRow:
    key: str
    title: str
    percent: float | None
    earned: float | None
    possible: float | None
    target: float | None
    weight: float | None
    critical_failed: bool
    answers: tuple[AnswerRow, ...]

    @property
    def meets(self) -> bool | None:
        if self.percent is None or self.target is None:
            return None
        return self.percent >= self.target


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    what: str
    who: str | None = None
    detail: str = ""


#: Who raised an appeal, as a staff reader is told (never a name).
ROLE_WORDS = {
    Role.STAFF: _l("A staff member"),
    Role.MANAGER: _l("A manager"),
    Role.ADMIN: _l("An administrator"),
}


@dataclass(frozen=True)
class AppealLine:
    raised_at: datetime
    raised_by: str  # a name for managers and admins, a role for staff readers
    question: str
    reason: str
    outcome: str  # open, upheld, amended, withdrawn
    outcome_label: str
    decided_at: datetime | None
    decided_by: str | None  # None for staff readers
    decision_note: str
    change: str  # "old → new" when the answer was amended

    @classmethod
    def of(cls, view: AppealView, identity: bool) -> AppealLine:
        appeal = view.appeal
        raiser = appeal.raised_by
        if raiser is None:
            raised_by = "—"
        elif identity:
            raised_by = raiser.name
        else:
            raised_by = str(ROLE_WORDS.get(raiser.role, _l("Someone")))
        decider = appeal.decided_by.name if identity and appeal.decided_by else None
        change = ""
        if view.change is not None:
            change = f"{view.change.old_value or '—'} → {view.change.new_value or '—'}"
        return cls(
            raised_at=appeal.created_at,
            raised_by=raised_by,
            question=view.question_text,
            reason=appeal.reason,
            outcome=appeal.status.value,
            outcome_label=view.status_label,
            decided_at=appeal.decided_at,
            decided_by=decider,
            decision_note=appeal.decision_note or "",
            change=change,
        )


@dataclass
class VisitReport:
    visit: Visit
    definition: ScorecardDefinition
    sections: list[SectionRow]
    critical_questions: list[str]
    history: list[HistoryLine]
    general_photos: list[Photo]
    show_identity: bool
    corrections: int = 0
    staff_names: list[str] = field(default_factory=list)
    appeals: list[AppealLine] = field(default_factory=list)


def _value(question: Question, answer_value: object) -> str:
    """The answer as the reader reads it: "Yes", "N/A", a choice by its option's label, in
    the reader's language; "" unanswered."""
    from audit.review.service import display_value  # the one way answers are written out

    text = display_value(answer_value)  # type: ignore[arg-type]
    words = {"yes": gettext("Yes"), "no": gettext("No"), "N/A": gettext("N/A")}
    if text in words:
        return words[text]
    if question.type == "choice":  # stored by its default wording
        for option in question.options:
            if option.label == text:
                return localized(option.label)
    return text


def _photos(visit: Visit, resources: Resources, identity: bool) -> dict[str | None, list[Photo]]:
    photos: dict[str | None, list[Photo]] = {}
    attachment: Attachment
    for attachment in visit.attachments:
        uri = resources.upload_uri(attachment.thumb_name) or resources.upload_uri(
            attachment.stored_name
        )
        if uri is None:
            continue
        when = format_datetime(attachment.captured_at, visit.branch)  # on the branch's clock
        caption = str(KIND_WORDS.get(attachment.kind, attachment.kind.value.capitalize()))
        if when:
            caption = gettext("%(kind)s, taken %(when)s", kind=caption, when=when)
        if identity and attachment.original_name:
            caption += f" · {attachment.original_name}"
        photos.setdefault(attachment.question_key, []).append(Photo(uri, caption))
    return photos


def _history(visit: Visit, identity: bool) -> tuple[list[HistoryLine], int]:
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == Visit.__tablename__, AuditEvent.subject_id == visit.id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    lines = []
    for event in events:
        if event.action not in REPORTED_EVENTS:
            continue
        label = event_words(event.action)
        details = event.details or {}
        detail = ""
        if event.action in ("visit.returned", "visit.excluded", "visit.included") and identity:
            detail = str(details.get("reason") or "")
        if event.action == "visit.approved" and details.get("percent") is not None:
            score = percent_text(details["percent"])
            detail = gettext("score %(percent)s", percent=score)
        who = event.actor.name if identity and event.actor else None
        lines.append(HistoryLine(event.at, label, who, detail))
    changes: list[AnswerChange] = list(visit.answer_changes)
    corrected = [c for c in changes if c.source != "appeal"]
    for change in changes:
        on_appeal = change.source == "appeal"
        if not identity and not on_appeal:
            continue  # staff see review corrections only as a count, below
        detail = f"{change.question_key}: {change.old_value or '—'} → {change.new_value or '—'}"
        if change.reason and identity:
            detail += f" ({change.reason})"
        who = change.changed_by.name if identity and change.changed_by else None
        what = event_words(CHANGE_EVENTS[change.source])
        lines.append(HistoryLine(change.changed_at, what, who, detail))
    if not identity and corrected:
        lines.append(
            HistoryLine(
                corrected[-1].changed_at,
                gettext("Answers corrected in review"),
                None,
                ngettext(
                    "%(num)d answer corrected before publication",
                    "%(num)d answers corrected before publication",
                    len(corrected),
                ),
            )
        )
    if not events:  # an imported visit: its dates are all there is
        for at, what in (
            (visit.submitted_at, event_words("visit.submitted")),
            (visit.approved_at, event_words("visit.approved")),
            (visit.published_at, event_words("visit.published")),
        ):
            if at is not None:
                lines.append(HistoryLine(at, what))
    lines.sort(key=lambda line: line.at)
    return lines, len(changes)


def visit_report(
    visit: Visit, viewer: User | None, resources: Resources | None = None
) -> VisitReport:
    """Everything the visit report shows, from the visit's own rows (a handful of queries)."""
    resources = resources or Resources.from_app()
    identity = shows_identity(viewer)
    definition = definition_of(visit.version)
    answers = {a.question_key: a for a in visit.answers}
    marks = change_marks([visit.id])
    scores = {s.section_key: s for s in visit.section_scores}
    photos = _photos(visit, resources, identity)
    sections = []
    critical = []
    for section in definition.sections:
        rows = []
        for question in section.questions:
            answer = answers.get(question.key)
            if answer is not None and answer.critical_failed:
                critical.append(question.text)
            rows.append(
                AnswerRow(
                    question=question,
                    value=gettext("Not shown (hidden by an earlier answer)")
                    if answer is not None and answer.hidden
                    else _value(question, stored_value(answer)) or NO_ANSWER,
                    earned=answer.earned if answer else None,
                    possible=answer.possible if answer else question.possible,
                    comment=answer.comment if answer else "",
                    hidden=bool(answer and answer.hidden),
                    critical_failed=bool(answer and answer.critical_failed),
                    photos=tuple(photos.get(question.key, ())),
                    changed=marks.get((visit.id, question.key), ""),
                    not_applicable=bool(answer and answer.is_na),
                )
            )
        score = scores.get(section.key)
        sections.append(
            SectionRow(
                key=section.key,
                title=section.title,
                percent=score.percent if score else None,
                earned=score.earned if score else None,
                possible=score.possible if score else None,
                target=section.target,
                weight=section.weight,
                critical_failed=bool(score and score.critical_failed),
                answers=tuple(rows),
            )
        )
    known = {q.key for q in definition.questions()}
    general = [p for key, items in photos.items() if key not in known for p in items]
    history, corrections = _history(visit, identity)
    appeals = [AppealLine.of(view, identity) for view in appeals_for_visit(visit.id, viewer)]
    return VisitReport(
        visit=visit,
        definition=definition,
        sections=sections,
        critical_questions=critical,
        history=history,
        general_photos=general,
        show_identity=identity,
        corrections=corrections,
        staff_names=[m.name for m in visit.staff],
        appeals=appeals,
    )


def visit_html(visit: Visit, viewer: User | None) -> str:
    report = visit_report(visit, viewer)
    title = gettext("Visit report #%(id)s", id=visit.id)
    period = format_date(visit.local_day)  # the branch's day, in the reader's words
    return build_html(
        "visit.html", report=report, title=title, subtitle=visit.branch.label, period=period
    )


def visit_pdf(visit: Visit, viewer: User | None) -> bytes:
    """The visit report as PDF for ``viewer`` (None: the CLI, which shows everything)."""
    return render_pdf(visit_html(visit, viewer))
