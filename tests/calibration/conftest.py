"""A calibration world: the rules card, a manager, three raters, and helpers that run a
case through the service as the pages do."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

import pytest

from audit.calibration import service
from audit.extensions import db
from audit.models import CalibrationAssignment, CalibrationCase, Role, User
from tests.builders import make_user, published_card

#: The reference of the first case (the rules card's questions).
REFERENCE = {
    "greeted": "yes",
    "empathy": 4,
    "outcome": "Partly",
    "follow_up": "no",
    "wait": 3,
    "recommend": 8,
    "summary": "Polite but slow.",
}
WHY = {
    "outcome": "The adviser solved half of it and said so.",
    "wait": "Three minutes on the clock.",
}


def make_case(
    manager: User,
    card,  # noqa: ANN001
    raters: list[User],
    reference: Mapping[str, object] = REFERENCE,
    explanations: Mapping[str, str] = WHY,
    title: str = "Saturday rush",
) -> CalibrationCase:
    case = service.create_case(manager, card, title, "You queue at the counter…", "")
    assert service.set_references(case, reference, explanations, manager) == []
    service.assign_raters(case, [r.id for r in raters], manager)
    service.publish(case, manager)
    db.session.commit()
    return case


def answer(
    case: CalibrationCase, rater: User, values: Mapping[str, object], comments=None
) -> CalibrationAssignment:  # noqa: ANN001
    """The rater saves and sends these answers (the text question filled in for them)."""
    assignment = next(a for a in case.assignments if a.rater_id == rater.id)
    answers = {"summary": "Seen it.", **values}
    assert service.save_answers(assignment, answers, comments or {}, rater) == []
    service.submit_answers(assignment, rater)
    db.session.commit()
    return assignment


@pytest.fixture
def world(ctx) -> SimpleNamespace:  # noqa: ANN001
    card = published_card()
    people = SimpleNamespace(
        card=card,
        manager=make_user(Role.MANAGER, name="Mia Manager"),
        ann=make_user(Role.SHOPPER, name="Ann Rater"),
        bob=make_user(Role.SHOPPER, name="Bob Rater"),
        cat=make_user(Role.ASSESSOR, name="Cat Assessor"),
        other=make_user(Role.SHOPPER, name="Olly Other"),
    )
    db.session.commit()
    return people
