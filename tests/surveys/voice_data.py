"""Survey responses for the customer-voice tests, written directly as visits of the library's
customer-survey card with their answers (as the public page stores them)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from audit.extensions import db
from audit.models import Answer, Branch, Scorecard, StaffMember, Visit, VisitStatus
from audit.scorecards.fileformat import load_file
from audit.scorecards.store import save_definition
from tests.builders.scorecards import ROOT

SURVEY_CARD = ROOT / "scorecards" / "customer-survey.yaml"


def publish_survey_card() -> Scorecard:
    version, _ = save_definition(load_file(SURVEY_CARD), publish=True)
    return version.scorecard


def add_response(
    card: Scorecard,
    branch: Branch,
    at: datetime,
    *,
    nps: int | None = None,
    csat: int | None = None,
    ces: int | None = None,
    comment: str | None = None,
    staff: Iterable[StaffMember] = (),
    status: VisitStatus = VisitStatus.SUBMITTED,
    excluded: bool = False,
) -> Visit:
    """One response; a score left None is a question the customer skipped."""
    version = card.latest_published
    assert version is not None
    questions = {q.key: q for q in version.questions}
    visit = Visit(
        scorecard=card,
        version=version,
        branch=branch,
        status=status,
        visited_at=at,
        submitted_at=at,
        excluded=excluded,
        staff=list(staff),
    )
    values = {"recommend": nps, "csat": csat, "ease": ces}
    for position, (key, value) in enumerate(values.items()):
        if value is not None:
            visit.answers.append(
                Answer(
                    question=questions[key],
                    question_key=key,
                    position=position,
                    value_number=float(value),
                )
            )
    if comment is not None:
        visit.answers.append(
            Answer(
                question=questions["comment"],
                question_key="comment",
                position=9,
                value_text=comment,
            )
        )
    db.session.add(visit)
    db.session.flush()
    return visit


@dataclass(frozen=True)
class Spread:
    """Random responses: every score drawn, some skipped, some excluded or drafts."""

    count: int
    seed: int


def add_random_responses(
    card: Scorecard,
    branch: Branch,
    spread: Spread,
    *,
    start: datetime = datetime(2026, 3, 2, 9, tzinfo=UTC),
    staff: list[StaffMember] | None = None,
) -> None:
    rng = random.Random(spread.seed)  # noqa: S311 - test data
    for i in range(spread.count):
        at = start + timedelta(days=rng.randrange(0, 90), hours=rng.randrange(0, 8))
        add_response(
            card,
            branch,
            at,
            nps=rng.choice([None, *range(11)]),
            csat=rng.choice([None, 1, 2, 3, 4, 5, 5]),
            ces=rng.choice([None, *range(1, 8)]),
            comment=rng.choice([None, "", f"Comment {i} at {branch.code}"]),
            staff=[rng.choice(staff)] if staff and rng.random() < 0.6 else (),
            status=VisitStatus.DRAFT if rng.random() < 0.05 else VisitStatus.SUBMITTED,
            excluded=rng.random() < 0.05,
        )
