"""The demo's six months of visits: valid by the scoring rules, and believable."""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audit.config import PROJECT_ROOT
from audit.demo.answers import _Draft, fill_answers, requires_evidence
from audit.demo.profiles import DAYS_BACK, IMPROVING_BRANCH, STRONG_BRANCH, VOLUMES, WEAK_BRANCH
from audit.demo.shoppers import AGENCY_SHOPPERS
from audit.demo.words import FAILURE_COMMENTS
from audit.extensions import db
from audit.models import Branch, Scorecard, Visit, VisitStatus
from audit.scorecards.fileformat import load_file
from audit.scorecards.scoring import (
    NA,
    hidden_questions,
    question_earned,
    score_visit,
    submission_problems,
)
from audit.scorecards.store import definition_of
from audit.visits.scores import answer_values, comments_of

LIBRARY = {path.stem: load_file(path) for path in (PROJECT_ROOT / "scorecards").glob("*.yaml")}


def test_the_library_and_visits_are_loaded_valid_and_believable(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "6 scorecards" in result.output
    with app.app_context():
        scorecards = db.session.scalars(select(Scorecard)).all()
        assert {s.slug for s in scorecards} == set(LIBRARY)
        assert all(s.latest_published is not None for s in scorecards)

        visits = db.session.scalars(
            select(Visit).options(
                selectinload(Visit.answers),
                selectinload(Visit.staff),
                selectinload(Visit.section_scores),
            )
        ).all()
        assert 600 <= len(visits) <= 900
        assert f"{len(visits)} visits" in result.output
        slugs = {s.id: s.slug for s in scorecards}
        assert {slugs[v.scorecard_id] for v in visits} == set(VOLUMES)

        _check_scores_and_answers(visits, slugs)
        _check_people_times_and_statuses(visits, slugs)
        _check_believable_differences(visits, slugs)


def _check_scores_and_answers(visits: list[Visit], slugs: dict[int, str]) -> None:
    definitions = {}
    for visit in visits:
        definition = definitions.get(visit.version_id)
        if definition is None:
            definition = definitions[visit.version_id] = definition_of(visit.version)
        values, comments = answer_values(visit), comments_of(visit)
        # Valid without any photo: the scorecards needing one as evidence got no visits.
        assert submission_problems(definition, values, comments) == [], visit.id
        score = score_visit(definition, values)
        stored = (visit.earned, visit.possible, visit.percent, visit.band, visit.critical_failed)
        assert stored == (
            score.earned,
            score.possible,
            score.percent,
            score.band,
            score.critical_failed,
        )
        assert {s.section_key: s.percent for s in visit.section_scores} == {
            k: s.percent for k, s in score.sections.items()
        }
        hidden = hidden_questions(definition, values)
        assert len(visit.answers) == len(definition.questions())
        for answer in visit.answers:
            assert answer.hidden == (answer.question_key in hidden)
            if answer.hidden:
                assert answer.value_text is None and answer.value_number is None
                assert not answer.is_na and not answer.comment
            if answer.is_na:
                assert definition.question(answer.question_key).allow_na


def _check_people_times_and_statuses(visits: list[Visit], slugs: dict[int, str]) -> None:
    now = datetime.now(UTC)
    today = now.date()
    described = 0
    visitors: Counter[str] = Counter()
    for visit in visits:
        slug = slugs[visit.scorecard_id]
        assert all(member.branch_id == visit.branch_id for member in visit.staff)
        assert 1 <= len(visit.staff) <= 2 or (not visit.staff and visit.staff_description)
        described += bool(visit.staff_description)
        day = visit.visited_at.date()
        assert today - timedelta(days=DAYS_BACK) <= day < today
        assert day.weekday() < 6 and 9 <= visit.visited_at.hour < 17
        assert visit.started_at < visit.visited_at < visit.ended_at <= visit.submitted_at <= now
        minutes = (visit.ended_at - visit.visited_at).total_seconds() / 60
        if slug == "branch-visit":
            assert 10 <= minutes <= 40
        visitors[visit.visitor.email if visit.visitor else "customer"] += 1
        if visit.status is VisitStatus.PUBLISHED:
            assert visit.submitted_at < visit.approved_at < visit.published_at <= now
        if visit.status is VisitStatus.APPROVED:
            assert visit.approved_at <= now and visit.published_at is None
        if visit.status in (VisitStatus.SUBMITTED, VisitStatus.RETURNED):
            assert visit.approved_at is None and visit.published_at is None
            assert now - visit.submitted_at < timedelta(days=10)
        if visit.status is VisitStatus.RETURNED:
            assert visit.return_reason and visit.visitor.email == "shopper@demo.test"
        if visit.excluded:
            assert visit.exclusion_reason and visit.status is VisitStatus.PUBLISHED
        if slug == "customer-survey":
            assert visit.visitor is None
    statuses = Counter(v.status for v in visits)
    assert statuses[VisitStatus.DRAFT] == 0
    assert statuses[VisitStatus.PUBLISHED] > 0.85 * len(visits)
    assert statuses[VisitStatus.APPROVED] and statuses[VisitStatus.SUBMITTED]
    assert statuses[VisitStatus.RETURNED] <= 2
    assert 3 <= sum(v.excluded for v in visits) <= 10
    assert 0.03 * len(visits) < described < 0.2 * len(visits)
    # Several shoppers share the mystery shops; the assessor makes some audits.
    shoppers = ["shopper@demo.test", *(email for email, _, _ in AGENCY_SHOPPERS)]
    assert all(visitors[email] > 20 for email in shoppers)
    assert sum(visitors[email] for email in shoppers) > 2 * visitors["assessor@demo.test"] > 0


def _check_believable_differences(visits: list[Visit], slugs: dict[int, str]) -> None:
    branch_code = {b.id: b.code for b in db.session.scalars(select(Branch))}
    first_day = datetime.now(UTC) - timedelta(days=DAYS_BACK)
    by_branch: dict[str, list[float]] = defaultdict(list)
    improving_early, improving_late = [], []
    fails: Counter[str] = Counter()
    slow: dict[bool, list[bool]] = {True: [], False: []}
    shop = [v for v in visits if slugs[v.scorecard_id] == "branch-visit"]
    for visit in shop:
        code = branch_code[visit.branch_id]
        by_branch[code].append(visit.percent)
        month = (visit.visited_at - first_day).days // 30
        if code == IMPROVING_BRANCH and month < 2:
            improving_early.append(visit.percent)
        if code == IMPROVING_BRANCH and month >= 4:
            improving_late.append(visit.percent)
        values = answer_values(visit)
        fails.update(k for k, v in values.items() if v == "no")
        busy = visit.visited_at.weekday() == 5 or 12 <= visit.visited_at.hour < 14
        slow[busy].append(values["wait_minutes"] > 5)

    means = {code: statistics.mean(p) for code, p in by_branch.items()}
    others = [m for code, m in means.items() if code not in (STRONG_BRANCH, WEAK_BRANCH)]
    assert means[STRONG_BRANCH] > 90 and means[WEAK_BRANCH] < 75
    assert means[STRONG_BRANCH] - means[WEAK_BRANCH] > 15
    assert means[STRONG_BRANCH] > statistics.mean(others) + 4
    assert means[WEAK_BRANCH] < min(others)
    assert statistics.mean(improving_late) > statistics.mean(improving_early) + 8
    weak_critical = [v for v in shop if branch_code[v.branch_id] == WEAK_BRANCH]
    assert any(v.critical_failed and v.percent == 0 for v in weak_critical)
    # Common failure points everywhere, and longer waits when the branch is busy.
    assert fails["personal_recommendation"] > 2 * fails["thanked"]
    assert fails["farewell"] > 2 * fails["name_badge"]
    busy, quiet = statistics.mean(slow[True]), statistics.mean(slow[False])
    assert busy > 2 * quiet and busy > quiet + 0.05, (busy, quiet)
    nps_answers = [
        v.answer("recommend").value_number
        for v in visits
        if slugs[v.scorecard_id] == "customer-survey"
    ]
    assert sum(n is not None for n in nps_answers) > 0.8 * len(nps_answers)


# --- the answer generator on its own (no database) ------------------------------------------


@pytest.mark.parametrize("slug", sorted(VOLUMES))
def test_generated_answers_follow_the_rules_at_every_skill_level(slug):
    definition = LIBRARY[slug]
    assert not requires_evidence(definition)
    rng = random.Random(3)
    at = datetime(2026, 3, 7, 12, 30, tzinfo=UTC)  # a busy Saturday lunchtime
    for n in range(300):
        skill = -1.0 + 5.0 * n / 300  # from very poor to excellent
        draft = _Draft(slug, definition, rng, skill, n % 2 == 0, 0.3, at, [])
        draft.facts["scenario"] = "Asked about a savings account"
        fill_answers(draft)
        assert submission_problems(definition, draft.values, draft.comments) == []
        hidden = hidden_questions(definition, draft.values)
        assert not hidden & draft.values.keys()
        for key, comment in draft.comments.items():
            # Every shortfall comment comes from the bank: specific, not a placeholder.
            assert not comment.startswith("Below the standard"), (slug, key)
            question = definition.question(key)
            value = draft.values[key]
            assert value is not NA and question_earned(question, value) < question.possible


def test_every_scored_question_of_a_commented_scorecard_has_failure_comments():
    for slug in VOLUMES:
        definition = LIBRARY[slug]
        for question in definition.questions():
            if question.scored and (definition.comment_on_fail or question.comment_on_fail):
                assert (slug, question.key) in FAILURE_COMMENTS, (slug, question.key)


def test_email_and_chat_get_no_visits_because_they_need_a_photo():
    assert requires_evidence(LIBRARY["email-response"])
    assert requires_evidence(LIBRARY["web-chat-response"])
    assert "email-response" not in VOLUMES and "web-chat-response" not in VOLUMES
