"""Scorecard versions in the database, and the standard library end to end."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from audit.config import PROJECT_ROOT
from audit.extensions import db
from audit.models import AuditEvent, ScorecardQuestion, VersionStatus, Visit
from audit.models.scorecard import ImmutableVersionError
from audit.scorecards.fileformat import definition_to_data, load_file, load_yaml
from audit.scorecards.scoring import submission_problems
from audit.scorecards.store import (
    ScorecardStateError,
    definition_of,
    draft_errors,
    find_version,
    new_scorecard,
    publish_version,
    retire_version,
    save_definition,
    save_working_data,
    start_draft,
)
from audit.visits.scores import set_answer, store_score
from tests.builders import make_branch

LIBRARY = sorted((PROJECT_ROOT / "scorecards").glob("*.yaml"))
RULES = Path(__file__).parent / "data" / "rules-card.yaml"


def test_library_has_the_standard_scorecards():
    slugs = {load_file(path).slug for path in LIBRARY}
    assert {"branch-visit", "phone-enquiry", "complaint-handling", "customer-survey"} <= slugs
    assert slugs & {"email-response", "web-chat-response"}
    assert len(LIBRARY) >= 5


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_library_card_is_complete(path):
    definition = load_file(path)
    questions = definition.questions()
    assert all(q.guidance for q in questions), "every question carries shopper guidance"
    if definition.slug != "customer-survey":
        assert any(q.critical for q in questions)
    assert 0 < definition.target <= 100


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_library_round_trips_through_the_database_and_export(app, runner, path):
    with app.app_context():
        original = load_file(path)
        version, created = save_definition(original, publish=True)
        db.session.commit()
        assert created and version.status is VersionStatus.PUBLISHED
        assert [q.key for q in version.questions] == [q.key for q in original.questions()]
    result = runner.invoke(args=["scorecards", "export", original.slug])
    assert result.exit_code == 0, result.output
    assert load_yaml(result.output, "export.yaml") == original
    with app.app_context():
        assert definition_of(find_version(original.slug)) == original


def test_validate_command_lists_every_error_with_its_line(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "slug: bad\n"
        "title: Bad\n"
        "channel: fax\n"  # 3
        "target: 120\n"  # 4
        "sections:\n"
        "  - key: s\n"
        "    title: S\n"
        "    questions:\n"
        "      - key: q\n"
        "        text: Q\n"
        "        type: scale\n"
        "        min: 5\n"  # 12
        "        max: 3\n"
        "        colour: red\n"  # 14
    )
    result = runner.invoke(args=["scorecards", "validate", str(bad), str(LIBRARY[0])])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(bad))]
    numbers = sorted(int(line.split(":")[1]) for line in lines)
    assert {3, 4, 14} <= set(numbers)
    assert any(n in (12, 13) for n in numbers)
    assert f"{LIBRARY[0]}: valid" in result.output
    ok = runner.invoke(args=["scorecards", "validate", *map(str, LIBRARY)])
    assert ok.exit_code == 0, ok.output


def test_import_command_publishes_and_is_idempotent(app, runner):
    result = runner.invoke(args=["scorecards", "import", "--publish", *map(str, LIBRARY)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["scorecards", "import", "--publish", *map(str, LIBRARY)])
    assert again.output.count("unchanged") == len(LIBRARY)
    with app.app_context():
        assert find_version("branch-visit").number == 1


def test_import_with_one_bad_file_imports_nothing(app, runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("slug: x\n")
    result = runner.invoke(args=["scorecards", "import", str(LIBRARY[0]), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:1:" in result.output
    with app.app_context():
        assert find_version(load_file(LIBRARY[0]).slug) is None


def _visit_on(version, branch, **answers) -> Visit:
    visit = Visit(
        scorecard_id=version.scorecard_id,
        version=version,
        branch=branch,
        visited_at=version.created_at,
    )
    db.session.add(visit)
    definition = definition_of(version)
    for question in definition.questions():
        if question.key in answers:
            set_answer(visit, question, answers[question.key])
    store_score(visit, definition)
    return visit


def test_published_versions_are_immutable_and_editing_makes_v2(ctx):
    original = load_file(RULES)
    v1, _ = save_definition(original, publish=True)
    branch = make_branch()
    answers = {"greeted": "yes", "empathy": 5, "outcome": "Fully", "wait": 9, "summary": "ok"}
    assert submission_problems(original, answers, {}) == []
    visit = _visit_on(v1, branch, **answers)
    db.session.commit()
    assert visit.percent == pytest.approx(25 / 29 * 100)

    v1.definition = {**v1.definition, "title": "Sneaky edit"}
    with pytest.raises(ImmutableVersionError):
        db.session.flush()
    db.session.rollback()

    v2 = start_draft(v1.scorecard, None)
    assert v2.number == 2 and v2.status is VersionStatus.DRAFT
    data = definition_to_data(original)
    data["sections"][0]["questions"][4]["points"] = 10  # wait now worth 10
    assert save_working_data(v2, data, None) == []
    publish_version(v2, None)
    db.session.commit()
    assert v1.status is VersionStatus.RETIRED and v2.status is VersionStatus.PUBLISHED
    db.session.refresh(visit)
    assert visit.version_id == v1.id
    assert visit.percent == pytest.approx(25 / 29 * 100)  # unchanged meaning
    assert find_version("rules-card").number == 2
    points = db.session.scalars(
        select(ScorecardQuestion.possible).where(ScorecardQuestion.key == "wait")
    ).all()
    assert sorted(points) == [4, 10]


def test_incomplete_draft_cannot_be_published(ctx):
    version = new_scorecard(
        {"slug": "fresh", "title": "Fresh", "channel": "phone", "target": 80}, None
    )
    db.session.commit()
    assert ["sections" in e.message for e in draft_errors(version)] == [True]
    with pytest.raises(ScorecardStateError, match="problem"):
        publish_version(version, None)
    data = dict(version.definition)
    data["sections"] = [
        {"key": "s", "title": "S", "questions": [{"key": "q", "text": "Q?", "type": "yes_no"}]}
    ]
    assert save_working_data(version, data, None) == []
    publish_version(version, None)
    retire_version(version, None)
    db.session.commit()
    assert version.status is VersionStatus.RETIRED
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[0] == "scorecard.created" and actions[-2:] == [
        "scorecard.published",
        "scorecard.retired",
    ]
    with pytest.raises(ScorecardStateError):
        save_working_data(version, data, None)


def test_same_definition_again_creates_no_version_but_a_change_does(ctx):
    original = load_file(RULES)
    save_definition(original, publish=True)
    _, created = save_definition(original)
    assert not created
    changed = dataclasses.replace(original, title="Rules card, revised")
    version, created = save_definition(changed)
    assert created and version.number == 2 and version.status is VersionStatus.DRAFT
