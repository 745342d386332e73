"""Visits imported from JSON or CSV and exported again carry the scores DESIGN.md's rules give.

Expected figures are worked out by hand from the rules in the comments, not
taken from the code.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Answer, Visit, VisitStatus
from audit.scorecards.fileformat import load_file
from audit.scorecards.store import save_definition
from tests.builders import make_answer_change, make_branch, make_region, make_staff, make_user

DATA = Path(__file__).parent / "data"


@pytest.fixture
def org(app):
    with app.app_context():
        region = make_region("North")
        branch = make_branch(region, code="LDS01")
        make_staff(branch, code="S1")
        make_staff(branch, code="S2")
        make_user("shopper", email="shopper@example.org")
        for name in ("rules-card.yaml", "weighted-card.yaml"):
            save_definition(load_file(DATA / name), publish=True)
        db.session.commit()


def _visit(external_id: str, scorecard: str = "rules-card", **answers) -> dict:
    return {
        "external_id": external_id,
        "branch": "LDS01",
        "scorecard": scorecard,
        "visited_at": "2026-05-14T10:30:00",
        "answers": answers,
    }


def _import(runner, tmp_path, items, name="visits.json"):
    path = tmp_path / name
    path.write_text(json.dumps(items) if name.endswith(".json") else items)
    return runner.invoke(args=["visits", "import", str(path)]), path


def _export(runner, *args) -> dict[str, dict]:
    result = runner.invoke(args=["visits", "export", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return {record["external_id"]: record for record in json.loads(result.output)}


BASE = {"greeted": "yes", "wait": 3, "recommend": 9, "summary": "Fine"}

# (external_id, answers, earned, possible, percent, band, critical_failed)
RULE_CASES = [
    # yes 5 + scale 4 on 1..5 -> 10*(4-1)/(5-1) = 7.5 + Fully 10 + wait 3 inside max 5 -> 4
    # follow_up hidden (outcome Fully); earned 26.5 of 29 -> 91.3793...% (>= 85 target, < 95)
    ("full", {**BASE, "empathy": 4, "outcome": "Fully"}, 26.5, 29, 26.5 / 29 * 100, "meets", False),
    # empathy N/A adds nothing to earned or possible: 19 of 19 -> 100% -> exceeds (>= 95)
    ("na", {**BASE, "empathy": "na", "outcome": "Fully"}, 19, 19, 100.0, "exceeds", False),
    # a value sent for a hidden question is ignored: follow_up hidden as outcome is Fully
    (
        "hidden",
        {**BASE, "empathy": 5, "outcome": "Fully", "follow_up": "no"},
        29,
        29,
        100.0,
        "exceeds",
        False,
    ),
    # outcome Partly shows follow_up: 5 + 10 + 5 + 2 + 4 = 26 of 31 -> 83.87% -> below 85
    (
        "partly",
        {**BASE, "empathy": 5, "outcome": "Partly", "follow_up": "yes"},
        26,
        31,
        26 / 31 * 100,
        "below",
        False,
    ),
    # wait 6 is outside max 5 -> 0 of 4; 5 + 10 + 10 + 0 = 25 of 29 = 86.2% -> meets 85
    (
        "slow",
        {**BASE, "empathy": 5, "outcome": "Fully", "wait": 6},
        25,
        29,
        25 / 29 * 100,
        "meets",
        False,
    ),
    # wait exactly 5 is inside (inclusive)
    (
        "edge",
        {**BASE, "empathy": 5, "outcome": "Fully", "wait": 5},
        29,
        29,
        100.0,
        "exceeds",
        False,
    ),
    # greeted no: critical item earns 0 -> zero_visit: percent 0, flagged; sums unchanged
    (
        "critical",
        {**BASE, "greeted": "no", "empathy": 5, "outcome": "Fully"},
        24,
        29,
        0.0,
        "below",
        True,
    ),
]


@pytest.mark.parametrize("case", RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_json_import_then_export_gives_the_rules_scores(app, runner, tmp_path, org, case):
    external_id, answers, earned, possible, percent, band, critical = case
    comments = {"follow_up": "Did not offer"} if answers.get("follow_up") == "no" else {}
    item = {**_visit(external_id, **answers), "comments": comments}
    result, _ = _import(runner, tmp_path, [item])
    assert result.exit_code == 0, result.output
    record = _export(runner)[external_id]
    assert record["earned"] == pytest.approx(earned)
    assert record["possible"] == pytest.approx(possible)
    assert record["percent"] == pytest.approx(percent)
    assert record["band"] == band
    assert record["critical_failed"] is critical
    assert record["sections"]["service"] == pytest.approx(earned / possible * 100)
    assert record["status"] == "approved"


# weighted-card: opening weight 2 (8 points), handling weight 1 (missing), extras weight 3
WEIGHTED_CASES = [
    # opening 4/8 = 50%, handling 8*(3/4) = 6/8 = 75%, extras yes 1/1 = 100%
    # (2*50 + 1*75 + 3*100) / 6 = 79.1666...
    (
        "w1",
        {"answered_fast": "no", "named": "yes", "accuracy": 3, "upsell": "yes"},
        (2 * 50 + 75 + 3 * 100) / 6,
        {"opening": 50.0, "handling": 75.0, "extras": 100.0},
        False,
    ),
    # extras N/A -> no percent, weights renormalise over opening and handling:
    # (2*50 + 1*75) / 3 = 58.333...
    (
        "w2",
        {"answered_fast": "no", "named": "yes", "accuracy": 3, "upsell": "na"},
        (2 * 50 + 75) / 3,
        {"opening": 50.0, "handling": 75.0, "extras": None},
        False,
    ),
    # named no (critical) -> zero_section: opening set to 0 before the visit percent:
    # (2*0 + 1*100 + 3*100) / 6 = 66.666...
    (
        "w3",
        {"answered_fast": "yes", "named": "no", "accuracy": 4, "upsell": "yes"},
        (0 + 100 + 300) / 6,
        {"opening": 0.0, "handling": 100.0, "extras": 100.0},
        True,
    ),
]


@pytest.mark.parametrize("case", WEIGHTED_CASES, ids=[c[0] for c in WEIGHTED_CASES])
def test_weighted_sections_and_zero_section(app, runner, tmp_path, org, case):
    external_id, answers, percent, sections, critical = case
    result, _ = _import(runner, tmp_path, [_visit(external_id, "weighted-card", **answers)])
    assert result.exit_code == 0, result.output
    record = _export(runner, "--scorecard", "weighted-card")[external_id]
    assert record["percent"] == pytest.approx(percent)
    assert record["critical_failed"] is critical
    for key, expected in sections.items():
        if expected is None:
            assert record["sections"][key] is None
        else:
            assert record["sections"][key] == pytest.approx(expected)


def test_csv_import_and_export(app, runner, tmp_path, org):
    csv_text = (
        "external_id,branch,scorecard,version,visited_at,shopper,staff,status,"
        "greeted,empathy,outcome,follow_up,wait,recommend,summary,comment:follow_up\n"
        "C1,LDS01,rules-card,1,2026-05-01,shopper@example.org,S1;S2,published,"
        'yes,na,Not at all,no,2,10,"Long, honest summary",Never offered\n'
    )
    result, _ = _import(runner, tmp_path, csv_text, name="visits.csv")
    assert result.exit_code == 0, result.output
    # 5 + N/A + 0 + 0 (follow_up shown, no) + 4 = 9 of 21
    record = _export(runner)["C1"]
    assert record["earned"] == 9 and record["possible"] == 21
    assert record["percent"] == pytest.approx(9 / 21 * 100)
    assert record["status"] == "published" and record["staff"] == ["S1", "S2"]
    assert record["answers"]["empathy"] == "na"
    assert record["comments"] == {"follow_up": "Never offered"}
    csv_out = runner.invoke(args=["visits", "export", "--format", "csv"]).output.splitlines()
    header = csv_out[0].split(",")
    assert header[:12] == [
        "id",
        "external_id",
        "branch",
        "scorecard",
        "version",
        "visited_at",
        "status",
        "earned",
        "possible",
        "percent",
        "band",
        "critical_failed",
    ]
    assert "section:service" in header
    row = dict(zip(header, csv_out[1].split(","), strict=True))
    assert float(row["percent"]) == pytest.approx(9 / 21 * 100)


def test_reimport_skips_known_external_ids(app, runner, tmp_path, org):
    items = [_visit("R1", **BASE, empathy=5, outcome="Fully")]
    assert _import(runner, tmp_path, items)[0].exit_code == 0
    result, _ = _import(runner, tmp_path, items)
    assert result.exit_code == 0
    assert "0 visits imported, 1 skipped" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Visit)) == 1


def test_one_bad_item_imports_nothing_and_every_problem_is_named(app, runner, tmp_path, org):
    items = [
        _visit("G1", **BASE, empathy=5, outcome="Fully"),
        _visit("B1", **{**BASE, "greeted": "maybe"}, empathy=9, outcome="Mostly"),
        {**_visit("B2", **BASE, empathy=5), "branch": "NOWHERE", "visited_at": "14/05/2026"},
        _visit(
            "B3",
            **{k: v for k, v in BASE.items() if k != "summary"},
            empathy=5,
            outcome="Partly",
            follow_up="no",
        ),
        _visit("G1", **BASE, empathy=5, outcome="Fully"),
    ]
    result, path = _import(runner, tmp_path, items)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert any(line.startswith(f"{path}:[1].answers.greeted: ") for line in lines)
    assert any(line.startswith(f"{path}:[1].answers.empathy: ") for line in lines)
    assert any(line.startswith(f"{path}:[1].answers.outcome: ") for line in lines)
    assert f"{path}:[2].branch: unknown branch 'NOWHERE'" in lines
    assert any(line.startswith(f"{path}:[2].visited_at: ") for line in lines)
    assert any(line.startswith(f"{path}:[3].answers.summary: ") for line in lines)
    assert any(
        line.startswith(f"{path}:[3].answers.follow_up: ") and "comment" in line.lower()
        for line in lines
    )
    assert any(line.startswith(f"{path}:[4].external_id: duplicate") for line in lines)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Visit)) == 0


def test_csv_errors_name_file_and_line(app, runner, tmp_path, org):
    csv_text = (
        "external_id,branch,scorecard,visited_at,greeted,empathy,outcome,wait,summary\n"
        "K1,LDS01,rules-card,2026-05-01,yes,5,Fully,2,ok\n"
        "K2,LDS01,rules-card,2026-05-01,yes,5,Fully,two,ok\n"
        "K3,LDS01,no-such-card,2026-05-01,yes,5,Fully,2,ok\n"
    )
    result, path = _import(runner, tmp_path, csv_text, name="v.csv")
    assert result.exit_code == 1
    assert f"{path}:3: wait: " in result.output
    assert f"{path}:4: scorecard: unknown scorecard 'no-such-card'" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Visit)) == 0


def test_export_filters_by_scorecard_and_dates(app, runner, tmp_path, org):
    items = [
        {**_visit("D1", **BASE, empathy=5, outcome="Fully"), "visited_at": "2026-03-31T23:59"},
        {**_visit("D2", **BASE, empathy=5, outcome="Fully"), "visited_at": "2026-04-01T00:00"},
        {**_visit("D3", **BASE, empathy=5, outcome="Fully"), "visited_at": "2026-04-30T23:00"},
        _visit("W1", "weighted-card", answered_fast="yes", named="yes", accuracy=4, upsell="na"),
    ]
    assert _import(runner, tmp_path, items)[0].exit_code == 0
    april = _export(
        runner, "--scorecard", "rules-card", "--from", "2026-04-01", "--to", "2026-04-30"
    )
    assert set(april) == {"D2", "D3"}
    assert set(_export(runner, "--scorecard", "weighted-card")) == {"W1"}


def test_rescore_recomputes_on_purpose_and_counts_changes(app, runner, tmp_path, org):
    items = [_visit(f"S{n}", **BASE, empathy=5, outcome="Fully") for n in range(3)]
    assert _import(runner, tmp_path, items)[0].exit_code == 0
    result = runner.invoke(args=["visits", "rescore"])
    assert "Rescored 3 visits: 0 changed." in result.output
    with app.app_context():
        visit = db.session.scalar(select(Visit).where(Visit.external_id == "S1"))
        answer = db.session.scalar(
            select(Answer).where(Answer.visit_id == visit.id, Answer.question_key == "wait")
        )
        answer.value_number = 30  # a corrected answer, as a reviewer might make
        db.session.commit()
        assert visit.percent == 100.0  # stored scores never change silently
    result = runner.invoke(args=["visits", "rescore", "--scorecard", "rules-card"])
    assert "Rescored 3 visits: 1 changed." in result.output
    with app.app_context():
        visit = db.session.scalar(select(Visit).where(Visit.external_id == "S1"))
        assert visit.percent == pytest.approx(25 / 29 * 100)


def test_imported_visits_keep_their_details(app, runner, tmp_path, org):
    item = {
        **_visit("K9", **BASE, empathy=5, outcome="Fully"),
        "shopper": "shopper@example.org",
        "staff": ["S2"],
        "status": "submitted",
        "visited_at": "2026-05-14T10:30:00+01:00",
    }
    assert _import(runner, tmp_path, [item])[0].exit_code == 0
    with app.app_context():
        visit = db.session.scalar(select(Visit).where(Visit.external_id == "K9"))
        assert visit.status is VisitStatus.SUBMITTED
        assert visit.visitor.email == "shopper@example.org"
        assert [s.code for s in visit.staff] == ["S2"]
        assert visit.visited_at.isoformat() == "2026-05-14T09:30:00+00:00"
        assert visit.version.number == 1
        assert len(visit.answers) == 7  # one row per question, hidden ones included


def test_exports_mark_answers_changed_after_sending(app, runner, tmp_path, org):
    """Both formats say which answers changed after the visit was sent, and how; the
    original is only in the history."""
    result, _ = _import(
        runner, tmp_path, [_visit(e, **BASE, empathy=4, outcome="Fully") for e in ("E1", "E2")]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        visit = db.session.scalar(select(Visit).where(Visit.external_id == "E1"))
        admin = make_user("admin", email="admin@example.org")
        at = visit.visited_at
        make_answer_change(visit, "greeted", "yes", "no", by=admin, reason="Seen", at=at)
        make_answer_change(
            visit, "wait", "3", "2", by=admin, reason="Timed", at=at, source="appeal"
        )
        db.session.commit()
    records = _export(runner)
    assert records["E1"]["changed"] == {
        "greeted": "changed by the reviewer",
        "wait": "changed on appeal",
    }
    assert records["E2"]["changed"] == {}
    lines = runner.invoke(args=["visits", "export", "--format", "csv"]).output.splitlines()
    rows = {row["external_id"]: row for row in csv.DictReader(lines)}
    assert rows["E1"]["changed"] == "greeted: changed by the reviewer; wait: changed on appeal"
    assert rows["E2"]["changed"] == ""
