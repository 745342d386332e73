"""Sections, questions, critical fails and trend on small hand-made data.

The branch-visit scorecard has two versions here (see tests.builders.branch_visit_versions):
v2 renames section "arrival" to "Arrival" with target 85 (v1: 90), drops
the "needs" target, drops question name_badge and adds offered_card.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from audit.extensions import db
from audit.models import Branch
from audit.reporting import (
    ReportFilter,
    critical_fails,
    monthly_trend,
    most_failed_questions,
    question_results,
    recurring_failures,
    section_heatmap,
    section_results,
)
from audit.scorecards.definition import ScorecardDefinition
from audit.settings import set_setting
from audit.visits.imports import import_file
from tests.builders import add_visits
from tests.reporting.dataset import CARD, Org, build_org

Q1 = ReportFilter(date(2026, 1, 1), date(2026, 3, 31), CARD)


def full_marks(definition: ScorecardDefinition) -> dict:
    answers = {}
    for q in definition.questions():
        answers[q.key] = {
            "yes_no": "yes",
            "scale": q.max,
            "choice": q.options[0].label if q.options else None,
            "number": 0,
            "nps": 10,
            "text": "Fine",
        }[q.type]
    return answers


def import_visits(
    org: Org, code: str, visits: list[tuple[int, str, dict]], prefix: str = ""
) -> None:
    items = []
    for i, (version, day, changes) in enumerate(visits):
        answers = full_marks(org.definitions[version]) | changes
        items.append(
            {
                "external_id": f"{prefix}{code}-{i}",
                "branch": code,
                "scorecard": CARD,
                "version": version,
                "visited_at": day,
                "answers": answers,
                "comments": {k: "Noted" for k in answers},
            }
        )
    import_file(json.dumps(items).encode(), "visits.json")
    db.session.commit()


@pytest.fixture
def versions_org(ctx) -> Org:
    org = build_org(random.Random(2), regions=1, branches=1)
    code = next(iter(org.branch_ids))
    import_visits(
        org,
        code,
        [
            (1, "2026-01-15", {"name_badge": "no", "offer_honoured": "no"}),  # critical fail
            (2, "2026-02-15", {}),
            (2, "2026-03-10", {"offered_card": "no", "recommend": 3}),
        ],
    )
    return org


def test_sections_across_versions_take_the_newest_title_and_target(versions_org):
    sections = {s.section.key: s for s in section_results(Q1)}
    assert list(sections) == ["arrival", "needs", "advice", "close"]  # "overall" has no score
    arrival = sections["arrival"]
    assert (arrival.section.title, arrival.section.target) == ("Arrival", 85)
    assert arrival.figure.n == 3 and arrival.figure.judged == 3
    # arrival: v1 visit 10 of 11 points (name badge missed) = 90.9%, meets v1's 90
    assert arrival.figure.passed == 3
    assert arrival.target.value == 85 and arrival.target.difference > 0
    needs = sections["needs"]
    # only the v1 visit's version sets a "needs" target; v2 has none
    assert needs.section.target is None and needs.target is None
    assert (needs.figure.n, needs.figure.judged, needs.figure.passed) == (3, 1, 1)
    # the advice section of the critical-fail visit holds the failed critical question
    assert sections["advice"].figure.critical_fails == 1


def test_questions_across_versions(versions_org):
    questions = {q.question.key: q for q in question_results(Q1)}
    badge = questions["name_badge"]  # only in v1: its v1 text, its section's newest title
    assert badge.question.text == "Was the adviser wearing a name badge you could read?"
    assert badge.question.section_title == "Arrival"
    assert (badge.n, badge.passed, badge.pass_rate) == (1, 0, 0.0)
    card = questions["offered_card"]  # only in v2
    assert (card.n, card.passed, card.question.section_key) == (2, 1, "close")
    assert questions["greeted_promptly"].n == 3
    # next_steps_agreed is hidden (outcome Fully) and written_information never N/A here
    assert "next_steps_agreed" not in questions
    assert "recommend" not in questions  # nps is not scored

    worst = most_failed_questions(Q1)
    assert [(q.question.key, q.passed, q.n) for q in worst] == [
        ("name_badge", 0, 1),
        ("offered_card", 1, 2),
        ("offer_honoured", 2, 3),
    ]
    assert [q.question.key for q in most_failed_questions(Q1, min_answers=2)] == [
        "offered_card",
        "offer_honoured",
    ]
    rates = [q.pass_rate for q in worst]
    assert rates == sorted(rates)
    assert len(most_failed_questions(Q1, limit=1)) == 1


def test_critical_fails_list(versions_org):
    result = critical_fails(Q1)
    assert result.count == 1
    (visit,) = result.visits
    assert visit.percent == 0.0 and visit.visited_at == datetime(2026, 1, 15, tzinfo=UTC)
    assert [q.key for q in visit.questions] == ["offer_honoured"]
    assert visit.questions[0].text.startswith("When you asked about the advertised offer")
    assert critical_fails(ReportFilter(date(2026, 2, 1), date(2026, 3, 31), CARD)).count == 0


def test_heatmap_lists_scored_sections_per_branch(versions_org):
    heatmap = section_heatmap(Q1)
    assert [b.code for b in heatmap.branches] == list(versions_org.branch_ids)
    assert [s.key for s in heatmap.sections] == ["arrival", "needs", "advice", "close"]
    (branch,) = heatmap.branches
    assert heatmap.cell(branch.id, heatmap.sections[0]).n == 3


def test_recurring_failures_threshold_defaults_to_the_setting(versions_org):
    code = next(iter(versions_org.branch_ids))
    import_visits(versions_org, code, [(2, "2026-03-20", {"offered_card": "no"})], "more")
    assert recurring_failures(Q1) == []  # default threshold 3
    set_setting("recurring_failure_visits", 2, None)
    (failure,) = recurring_failures(Q1)
    assert (failure.question.key, failure.failed, failure.n) == ("offered_card", 2, 3)
    assert failure.last_failed_at == datetime(2026, 3, 20, tzinfo=UTC)
    assert failure.branch.code == code


def test_trend_months_are_utc_calendar_months(ctx, db_kind):
    org = build_org(random.Random(3), regions=1, branches=1)
    if db_kind == "postgresql":
        # the session's time zone must not move a visit into another month
        db.session.execute(text("SET TIME ZONE 'Pacific/Auckland'"))
    branch = db.session.get(Branch, next(iter(org.branch_ids.values())))
    stamps = [
        datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 4, 1, 0, 0, 0, tzinfo=UTC),
        datetime(2026, 5, 31, 23, 59, 59, 500000, tzinfo=UTC),
        datetime(2026, 6, 1, 0, 0, 0, tzinfo=UTC),  # after the period
        datetime(2026, 1, 31, 23, 0, 0, tzinfo=UTC),  # before it
    ]
    for i, at in enumerate(stamps):
        add_visits(branch, [60 + 10 * i], at=at)

    # From the first month with a visit (not February) to the end of the period.
    trend = monthly_trend(ReportFilter(date(2026, 2, 1), date(2026, 5, 31), CARD))
    assert [(p.month, p.figure.n, p.figure.mean) for p in trend] == [
        ("2026-03", 1, 60.0),
        ("2026-04", 1, 70.0),
        ("2026-05", 1, 80.0),
    ]
    # open period: the first month with visits to the last, gaps kept
    assert [p.month for p in monthly_trend(ReportFilter(scorecard=CARD))] == [
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
    ]
