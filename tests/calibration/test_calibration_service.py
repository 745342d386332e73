"""Calibration cases through the service: agreement figures against a hand computation,
rater accuracy, and the refusals (publishing, sending, closing, who may rate)."""

from __future__ import annotations

import pytest

from audit.calibration import results, service
from audit.calibration.results import rater_accuracy
from audit.calibration.service import AnswersRefused, CalibrationError
from audit.extensions import db
from audit.models import AuditEvent, CaseStatus, Role
from audit.scorecards.values import NA
from tests.builders import make_user
from tests.calibration.conftest import REFERENCE, answer, make_case

ANN = {
    "greeted": "yes",
    "empathy": 4,
    "outcome": "Partly",
    "follow_up": "no",
    "wait": 3,
    "recommend": 8,
}
BOB = {"greeted": "yes", "empathy": 3, "outcome": "Fully", "wait": 3, "recommend": 7}
CAT = {
    "greeted": "yes",
    "empathy": 4,
    "outcome": "Partly",
    "follow_up": "yes",
    "wait": 6,
    "recommend": 8,
}
NOT_OFFERED = {"follow_up": "Not offered."}


@pytest.fixture
def answered(world):  # noqa: ANN001, ANN201
    case = make_case(world.manager, world.card, [world.ann, world.bob, world.cat])
    answer(case, world.ann, ANN, NOT_OFFERED)
    answer(case, world.bob, BOB)
    answer(case, world.cat, CAT)
    return case


def by_key(case_results):  # noqa: ANN001, ANN201
    return {q.question.key: q for q in case_results.questions}


def test_agreement_per_question_matches_a_hand_computation(world, answered):
    figures = results.case_results(answered)
    q = by_key(figures)
    assert (figures.asked, figures.sent) == (3, 3)
    # Pairwise agreement: three raters make three pairs.
    assert q["greeted"].percent == 1.0
    assert q["empathy"].percent == pytest.approx(1 / 3)  # 4, 3, 4
    assert q["outcome"].percent == pytest.approx(1 / 3)  # Partly, Fully, Partly
    assert q["follow_up"].percent == 0.0  # no, (hidden for Bob), yes: one pair, unequal
    assert q["follow_up"].answered == 2
    assert q["wait"].percent == pytest.approx(1 / 3)  # 3, 3, 6
    assert q["summary"].percent is None and q["summary"].level is None  # text: no figure
    # Who gave the reference answer.
    assert [(k, q[k].matched) for k in ("greeted", "empathy", "outcome", "follow_up", "wait")] == [
        ("greeted", 3),
        ("empathy", 2),
        ("outcome", 2),
        ("follow_up", 1),
        ("wait", 2),
    ]
    assert q["outcome"].explanation == "The adviser solved half of it and said so."
    assert q["outcome"].spread == [("Partly", 2), ("Fully", 1)]
    # The case's nominal alpha over greeted [y y y], outcome [P F P], follow_up [n · y]:
    # coincidences o_yy=3, o_PP=1, o_PF=o_FP=1, o_ny=o_yn=1 (n=8); n_yes=4, n_no=1, n_P=2,
    # n_F=1. D_o = 4/8, D_e = (64 - 16 - 1 - 4 - 1)/(8*7); alpha = 1 - D_o/D_e = 1/3.
    assert figures.case_alpha["nominal"] == pytest.approx(1 - (4 / 8) / (42 / 56))
    # One case is one unit per question: alpha is not informative yet (0 or undefined).
    assert q["greeted"].alpha is None and q["greeted"].alpha_cases == 1


def test_alpha_per_question_runs_across_the_cases_of_the_version(world, answered):
    second = make_case(
        world.manager,
        world.card,
        [world.ann, world.bob, world.cat],
        reference={**REFERENCE, "outcome": "Fully", "wait": 10},
        title="Quiet Tuesday",
    )
    same = {"greeted": "yes", "empathy": 5, "outcome": "Fully", "wait": 10, "recommend": 10}
    for rater in (world.ann, world.bob, world.cat):
        answer(second, rater, same)
    q = by_key(results.case_results(second))
    # wait: units [3, 3, 6] and [10, 10, 10]: D_o = 3, D_e = 24 (test_agreement), alpha 0.875.
    assert q["wait"].alpha == pytest.approx(0.875)
    assert q["wait"].alpha_cases == 2
    assert q["wait"].percent == 1.0 and q["wait"].matched == 3


def test_each_rater_sees_where_they_differed_and_why(world, answered):
    figures = results.case_results(answered)
    by_rater = {r.assignment.rater.name: r for r in figures.raters}
    assert by_rater["Ann Rater"].differences == []
    assert (by_rater["Ann Rater"].matched, by_rater["Ann Rater"].compared) == (6, 6)
    bob = by_rater["Bob Rater"]
    assert [d.question.key for d in bob.differences] == [
        "empathy",
        "outcome",
        "follow_up",
        "recommend",
    ]
    follow_up = bob.differences[2]
    assert (follow_up.answer_words, follow_up.reference_words) == ("not answered", "No")
    outcome = bob.differences[1]
    assert (outcome.answer, outcome.reference) == ("Fully", "Partly")
    assert outcome.explanation == "The adviser solved half of it and said so."
    # The rater's own feedback is the same, read from their answers only.
    own = results.rater_feedback(bob.assignment)
    assert [d.question.key for d in own.differences] == [d.question.key for d in bob.differences]
    assert (own.matched, own.compared) == (2, 6)


def test_rater_accuracy_counts_sent_answers_in_sql(world, answered):
    second = make_case(
        world.manager,
        world.card,
        [world.ann, world.bob, world.cat, world.other],
        reference={**REFERENCE, "outcome": "Fully", "wait": 10, "recommend": 10},
        title="Quiet Tuesday",
    )
    same = {"greeted": "yes", "empathy": 4, "outcome": "Fully", "wait": 10, "recommend": 10}
    for rater in (world.ann, world.bob):
        answer(second, rater, same)
    # Cat and Olly have not sent the second case: it does not count for them.
    accuracy = rater_accuracy([world.ann.id, world.bob.id, world.cat.id, world.other.id, 999])
    # Case 2 compares 5 questions (follow_up is hidden by its reference "Fully").
    assert accuracy[world.ann.id] == (pytest.approx(11 / 11), 2)
    assert accuracy[world.bob.id] == (pytest.approx((2 + 5) / 11), 2)
    assert accuracy[world.cat.id] == (pytest.approx(4 / 6), 1)
    assert world.other.id not in accuracy and 999 not in accuracy
    assert rater_accuracy([]) == {}


def test_a_draft_case_and_an_unsent_answer_count_nowhere(world):
    case = service.create_case(world.manager, world.card, "Draft", "Scenario", "")
    service.set_references(case, REFERENCE, {}, world.manager)
    service.assign_raters(case, [world.ann.id], world.manager)
    db.session.commit()
    assert rater_accuracy([world.ann.id]) == {}
    assert service.open_assignments(world.ann) == []


def test_publishing_needs_every_reference_answer(world):
    case = service.create_case(world.manager, world.card, "Half done", "Scenario", "")
    problems = service.set_references(
        case,
        {"greeted": "yes", "empathy": "seven"},
        {"greeted": "Said hello at once."},
        world.manager,
    )
    assert [p.key for p in problems] == ["empathy"]
    assert case.reference("greeted").value_text == "yes"  # the valid one is kept
    with pytest.raises(AnswersRefused) as refused:
        service.publish(case, world.manager)
    assert {p.key for p in refused.value.problems} >= {"empathy", "outcome", "wait"}
    assert case.status is CaseStatus.DRAFT


def test_na_reference_and_answers_compare_as_answers(world):
    case = make_case(
        world.manager, world.card, [world.ann], reference={**REFERENCE, "empathy": "na"}
    )
    assert service.stored(case.reference("empathy")) is NA
    answer(case, world.ann, {**ANN, "empathy": "na"}, NOT_OFFERED)
    assert rater_accuracy([world.ann.id])[world.ann.id] == (1.0, 1)


def test_sending_checks_answers_by_the_visit_rules_and_keeps_them(world):
    case = make_case(world.manager, world.card, [world.ann])
    assignment = case.assignments[0]
    problems = service.save_answers(
        assignment,
        {"greeted": "yes", "wait": "lots", "outcome": "Partly", "follow_up": "no"},
        {},
        world.ann,
    )
    assert [p.key for p in problems] == ["wait"]
    with pytest.raises(AnswersRefused) as refused:
        service.submit_answers(assignment, world.ann)
    missing = {p.key for p in refused.value.problems}
    # Unanswered scored questions, the required text, and the comment a "no" needs.
    assert {"empathy", "wait", "summary", "follow_up"} <= missing
    assert assignment.submitted_at is None
    assert service.response_values(assignment)["greeted"] == "yes"


def test_sent_answers_and_closed_cases_take_no_more_answers(world):
    case = make_case(world.manager, world.card, [world.ann, world.bob])
    sent = answer(case, world.ann, ANN, NOT_OFFERED)
    with pytest.raises(CalibrationError, match="sent your answers"):
        service.save_answers(sent, {"greeted": "no"}, {}, world.ann)
    service.close(case, world.manager)
    bob = next(a for a in case.assignments if a.rater_id == world.bob.id)
    with pytest.raises(CalibrationError, match="closed"):
        service.save_answers(bob, BOB, {}, world.bob)
    with pytest.raises(CalibrationError, match="closed"):
        service.assign_raters(case, [world.other.id], world.manager)
    with pytest.raises(CalibrationError):
        service.set_references(case, REFERENCE, {}, world.manager)


def test_only_active_shoppers_and_assessors_rate(world):
    case = service.create_case(world.manager, world.card, "Who rates", "Scenario", "")
    staff = make_user(Role.STAFF)
    gone = make_user(Role.SHOPPER, active=False)
    for wrong in (world.manager, staff, gone):
        with pytest.raises(CalibrationError, match="Only active shoppers and assessors"):
            service.assign_raters(case, [world.ann.id, wrong.id], world.manager)
    assert case.assignments == []
    assert service.assign_raters(case, [world.ann.id, world.cat.id], world.manager) == 2
    assert service.assign_raters(case, [world.ann.id], world.manager) == 0  # already asked


def test_a_rater_who_sent_cannot_be_taken_off(world):
    case = make_case(world.manager, world.card, [world.ann, world.bob])
    sent = answer(case, world.ann, ANN, NOT_OFFERED)
    with pytest.raises(CalibrationError, match="already sent"):
        service.unassign(sent, world.manager)
    bob = next(a for a in case.assignments if a.rater_id == world.bob.id)
    service.unassign(bob, world.manager)
    db.session.commit()
    assert [a.rater_id for a in case.assignments] == [world.ann.id]


def test_changes_are_recorded(world, answered):
    actions = set(
        db.session.scalars(
            db.select(AuditEvent.action).where(AuditEvent.subject_type == "calibration_cases")
        )
    )
    assert {"calibration.created", "calibration.published", "calibration.answered"} <= actions


def test_a_case_needs_a_title_and_a_scenario(world):
    with pytest.raises(CalibrationError) as error:
        service.create_case(world.manager, world.card, " ", "Scenario", "")
    assert error.value.field == "title"
    with pytest.raises(CalibrationError) as error:
        service.create_case(world.manager, world.card, "Title", "  ", "")
    assert error.value.field == "scenario"


def test_erasing_a_rater_keeps_their_answers_and_the_figures(world, answered):
    from audit.privacy.erasure import erase

    before = results.case_results(answered)
    erase(world.bob, world.manager)
    db.session.commit()
    after = results.case_results(answered)
    assert (after.asked, after.sent) == (before.asked, before.sent) == (3, 3)
    assert [q.percent for q in after.questions] == [q.percent for q in before.questions]
    assert world.bob.email.endswith("@erased.invalid")
