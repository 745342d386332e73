"""A customer's response from the public survey page, stored as a visit of the survey card.

What a link opens (:func:`open_link`), the limits that keep one phone or one network
from flooding a branch (:func:`check_limits`), and storing a response
(:func:`store_response`): a visit of the survey scorecard's published version at the
branch, with no visitor (a customer is nobody's account), scored by the normal scoring
engine and approved at once (a customer's answer has no review, and approval keeps it
out of the review queue and, unpublished, out of staff's feedback). The visit appears in
``visits export`` and the API; survey-channel cards never count in mystery-shop figures
(:func:`audit.reporting.sql.visit_conditions`) but in the customer-voice figures
(:mod:`audit.reporting.customer_voice`). A contact e-mail goes to its own table
(:class:`~audit.models.SurveyContact`), never into the answers.

Nothing here reads a request: the page hands over the device key and the address.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select

from audit.accounts.email_address import normalise_email
from audit.extensions import db
from audit.languages import current_language
from audit.models import (
    Branch,
    Scorecard,
    ScorecardVersion,
    StaffMember,
    SurveyContact,
    SurveyResponse,
    Visit,
    VisitStatus,
    record_event,
)
from audit.models.survey import MAX_EMAIL_LENGTH
from audit.scorecards.definition import ScorecardDefinition
from audit.scorecards.scoring import AnswerValue, SubmissionProblem, submission_problems
from audit.scorecards.store import definition_of
from audit.scorecards.values import normalise_value
from audit.service_errors import FieldError
from audit.settings import get_setting
from audit.surveys.follow_up import open_follow_up
from audit.surveys.links import read_token
from audit.visits.scores import set_answer, store_score

__all__ = [
    "DEFAULT_SURVEY",
    "LIMIT_WINDOW",
    "MAX_TEXT_LENGTH",
    "LimitReached",
    "LinkNotFound",
    "ResponseRefused",
    "SurveyLink",
    "address_key",
    "check_limits",
    "device_key",
    "link_records",
    "open_link",
    "store_response",
    "survey_scorecard",
]

#: The library's customer-survey card: what a link without a scorecard asks.
DEFAULT_SURVEY = "customer-survey"
#: The longest written answer a customer may send (a comment, not an essay; a bot's
#: megabyte of text is refused before anything is stored).
MAX_TEXT_LENGTH = 2000
#: The abuse limits count the responses of this long before now.
LIMIT_WINDOW = timedelta(days=1)
SURVEY_CHANNEL = "survey"


class LinkNotFound(LookupError):
    """The link names nothing that can be answered: altered, a closed branch, no survey."""


class LimitReached(Exception):
    """This device or address has sent as many responses about the branch as a day allows."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ResponseRefused(FieldError):
    """The answers cannot be stored as sent; ``problems`` name each question (by key) or
    the contact fields (``contact``, ``email``)."""

    def __init__(self, problems: list[SubmissionProblem]) -> None:
        super().__init__(gettext("Some answers need another look."))
        self.problems = problems


@dataclass(frozen=True)
class SurveyLink:
    """What a genuine link opens: the branch, the staff member it names (if still at the
    branch), and the survey card's published version."""

    token: str
    branch: Branch
    staff: StaffMember | None
    scorecard: Scorecard
    version: ScorecardVersion
    definition: ScorecardDefinition


def survey_scorecard(slug: str | None = None) -> Scorecard:
    """A published survey-channel card by slug (default: the library's customer survey);
    :class:`LinkNotFound` when there is none."""
    scorecard = db.session.scalar(
        select(Scorecard).where(Scorecard.slug == (slug or DEFAULT_SURVEY))
    )
    if scorecard is None or scorecard.channel != SURVEY_CHANNEL:
        raise LinkNotFound(f"There is no survey card {slug!r}.")
    if scorecard.latest_published is None:
        raise LinkNotFound(f"The survey card {scorecard.slug!r} has no published version.")
    return scorecard


def open_link(token: str) -> SurveyLink:
    """The survey a link opens; :class:`LinkNotFound` for an altered or forged token, a
    deactivated or deleted branch, or a card that is not a published survey card.

    A staff member who has left or moved branch is dropped rather than refused: the card
    they handed over still reaches the branch.
    """
    try:
        target = read_token(token)
    except ValueError as error:
        raise LinkNotFound(str(error)) from None
    branch = db.session.get(Branch, target.branch_id)
    if branch is None or not branch.active:
        raise LinkNotFound("This branch is not taking survey responses.")
    scorecard = survey_scorecard(target.scorecard_slug)
    staff = db.session.get(StaffMember, target.staff_id) if target.staff_id else None
    if staff is not None and (not staff.active or staff.branch_id != branch.id):
        staff = None
    version = cast(ScorecardVersion, scorecard.latest_published)  # survey_scorecard checked
    return SurveyLink(token, branch, staff, scorecard, version, definition_of(version))


def link_records(
    branch_code: str, staff_code: str | None = None, scorecard_slug: str | None = None
) -> tuple[Branch, StaffMember | None, Scorecard | None]:
    """The records a new link names, by their codes (``flask surveys link``); ValueError
    saying what is wrong: an unknown or closed branch, a staff member of another branch,
    a card that is not a published survey card."""
    branch = db.session.scalar(select(Branch).where(Branch.code == branch_code.strip()))
    if branch is None:
        raise ValueError(f"There is no branch with the code {branch_code!r}.")
    if not branch.active:
        raise ValueError(f"{branch.label} is deactivated: its survey link would answer 404.")
    staff = None
    if staff_code is not None:
        staff = db.session.scalar(select(StaffMember).where(StaffMember.code == staff_code.strip()))
        if staff is None:
            raise ValueError(f"There is no staff member with the code {staff_code!r}.")
        if staff.branch_id != branch.id:
            raise ValueError(f"{staff.name} ({staff.code}) does not work at {branch.label}.")
        if not staff.active:
            raise ValueError(f"{staff.name} ({staff.code}) is deactivated.")
    scorecard = None
    if scorecard_slug is not None:
        try:
            scorecard = survey_scorecard(scorecard_slug.strip())
        except LinkNotFound as error:
            raise ValueError(
                f"{error} A survey link needs a published card with channel: survey."
            ) from None
    else:
        try:
            survey_scorecard()
        except LinkNotFound as error:
            raise ValueError(
                f"{error} Import scorecards/{DEFAULT_SURVEY}.yaml or give --scorecard."
            ) from None
    return branch, staff, scorecard


# --------------------------------------------------------------------------- limits


def device_key(cookie_value: str) -> str:
    """What is stored of a device cookie: its SHA-256 (the cookie itself stays on the
    phone, so a database reader cannot pose as that phone)."""
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def address_key(address: str) -> str:
    """What is stored of a network address: an HMAC under the app's secret, enough to
    count by and useless for finding who sent a response."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"survey-address:{address}".encode(), hashlib.sha256).hexdigest()


def check_limits(branch: Branch, device: str, address: str, now: datetime | None = None) -> None:
    """:class:`LimitReached` when the device key or the address key has sent the day's
    allowance of responses about ``branch`` (``survey_responses_per_device`` and
    ``survey_responses_per_address``, over the last 24 hours)."""
    since = (now or datetime.now(UTC)) - LIMIT_WINDOW
    by_device, by_address = db.session.execute(
        select(
            func.count().filter(SurveyResponse.device_key == device),
            func.count().filter(SurveyResponse.address_key == address),
        ).where(
            SurveyResponse.branch_id == branch.id,
            SurveyResponse.created_at >= since,
            (SurveyResponse.device_key == device) | (SurveyResponse.address_key == address),
        )
    ).one()
    if by_device >= get_setting("survey_responses_per_device"):
        raise LimitReached(
            gettext(
                "Thank you: we already have your answers about this branch for today. "
                "You can tell us about another visit tomorrow."
            )
        )
    if by_address >= get_setting("survey_responses_per_address"):
        raise LimitReached(
            gettext(
                "We have received a great many answers from your network today, so we cannot "
                "take more from it just now. Please try again tomorrow."
            )
        )


# --------------------------------------------------------------------------- storing


def read_answers(
    definition: ScorecardDefinition, raw: Mapping[str, str]
) -> tuple[dict[str, AnswerValue], list[SubmissionProblem]]:
    """The answers as the engine takes them, and every problem (invalid, missing, too
    long) in form order. Questions not in ``raw`` are unanswered."""
    problems: list[SubmissionProblem] = []
    values: dict[str, AnswerValue] = {}
    for question in definition.questions():
        sent = raw.get(question.key)
        if sent is not None and len(sent) > MAX_TEXT_LENGTH:
            problems.append(
                SubmissionProblem(
                    question.key,
                    gettext(
                        "Please keep this to %(max)s characters (it has %(length)s).",
                        max=MAX_TEXT_LENGTH,
                        length=len(sent),
                    ),
                )
            )
            continue
        values[question.key] = sent
    problems.extend(submission_problems(definition, values, {}))
    if problems:
        return {}, sorted(problems, key=_form_order(definition))
    return {q.key: normalise_value(q, values.get(q.key)) for q in definition.questions()}, []


def _form_order(definition: ScorecardDefinition) -> Callable[[SubmissionProblem], int]:
    """Problems in the order of the form (the contact fields, not questions, come last)."""
    order = {q.key: i for i, q in enumerate(definition.questions())}
    return lambda problem: order.get(problem.key, len(order))


def read_contact(wanted: bool, email: str) -> tuple[str | None, list[SubmissionProblem]]:
    """The normalised e-mail a customer agreed to be contacted at (None: no contact)."""
    email = email.strip()
    if not wanted and not email:
        return None, []
    if not wanted:
        return None, [
            SubmissionProblem(
                "contact",
                gettext("Tick the box if we may contact you, or leave the e-mail empty."),
            )
        ]
    if not email:
        return None, [
            SubmissionProblem("email", gettext("Give your e-mail address so we can reply."))
        ]
    if len(email) > MAX_EMAIL_LENGTH:
        return None, [SubmissionProblem("email", gettext("This e-mail address is too long."))]
    try:
        return normalise_email(email), []
    except ValueError as error:
        # email-validator explains in English only: another language gets our words.
        message = (
            gettext("This e-mail address looks wrong: %(reason)s", reason=error)
            if current_language() == "en"
            else gettext("This e-mail address looks wrong.")
        )
        return None, [SubmissionProblem("email", message)]


def store_response(
    link: SurveyLink,
    raw: Mapping[str, str],
    *,
    contact: bool,
    email: str,
    device: str,
    address: str,
    started_at: datetime | None = None,
) -> Visit:
    """Store one response as a visit of the link's survey card; the caller commits.

    Checks, in order, the abuse limits (:class:`LimitReached`: nothing stored) and the
    answers (:class:`ResponseRefused` with every problem: nothing stored). ``device``
    and ``address`` are the keys of :func:`device_key` and :func:`address_key`.
    On PostgreSQL the branch's row is locked first, so two responses sent at once from
    one phone cannot both slip under the limit.
    """
    db.session.execute(select(Branch.id).where(Branch.id == link.branch.id).with_for_update())
    check_limits(link.branch, device, address)
    values, problems = read_answers(link.definition, raw)
    email_address, contact_problems = read_contact(contact, email)
    problems += contact_problems
    if problems:
        raise ResponseRefused(problems)

    now = datetime.now(UTC)
    visit = Visit(
        scorecard=link.scorecard,
        version=link.version,
        branch=link.branch,
        visitor=None,
        status=VisitStatus.APPROVED,
        visited_at=now,
        started_at=started_at,
        ended_at=now,
        submitted_at=now,
        approved_at=now,
    )
    if link.staff is not None:
        visit.staff = [link.staff]
    question_rows = {q.key: q.id for q in link.version.questions}
    for question in link.definition.questions():
        set_answer(visit, question, values.get(question.key), question_rows=question_rows)
    store_score(visit, link.definition)
    db.session.add(visit)
    db.session.flush()
    db.session.add(
        SurveyResponse(visit=visit, branch=link.branch, device_key=device, address_key=address)
    )
    if email_address is not None:
        db.session.add(SurveyContact(visit=visit, branch=link.branch, email=email_address))
    record_event(
        None,
        "visit.survey_received",
        visit,
        branch=link.branch.code,
        scorecard=link.scorecard.slug,
        version=link.version.number,
        staff=link.staff.code if link.staff else None,
        contact=email_address is not None,
    )
    db.session.flush()
    open_follow_up(visit)
    return visit


# --------------------------------------------------------------------------- reading
