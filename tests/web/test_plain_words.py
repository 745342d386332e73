"""Pages say things in the words of the people reading them, never the app's own keys:
question wording instead of question keys, "Meets target" instead of "meets", "High
priority" instead of "high", and one message where one thing is wrong."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from audit.extensions import db
from audit.models import ActionKind, ActionPriority, Role
from audit.scorecards.fileformat import load_file
from audit.scorecards.store import save_definition
from tests.builders import (
    import_visits,
    make_action,
    make_answer_change,
    make_appeal,
    make_coaching_world,
    make_user,
    make_world,
    publish_reviewed,
)
from tests.builders.scorecards import DATA

LONG_QUESTION = "How long did you wait at the window before anyone came to serve you at all?"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _manager(app, auth) -> None:
    with app.app_context():
        email = make_user(Role.MANAGER).email
        db.session.commit()
    auth.login(email)


# --- the scorecard builder -------------------------------------------------------------------


def _new_scorecard(client, **fields: str):
    data = {
        "slug": "shop-visit",
        "title": "Shop visit",
        "channel": "in_person",
        "target": "80",
        "critical_fail": "zero_visit",
    }
    data.update(fields)
    return client.post("/scorecards/new", data=data)


def test_builder_names_questions_and_rules_in_words(app, client, auth):
    _manager(app, auth)
    assert _new_scorecard(client).status_code == 302
    version = _text(client.get("/scorecards/shop-visit/v1"))
    # A draft without sections: the message alone, not "Sections: Give the scorecard…".
    problems = version[version.index('id="problems"') :]
    problems = problems[: problems.index("</ul>")]
    assert "Give the scorecard at least one section" in problems
    assert "Sections</a>:" not in problems and "Sections:" not in problems
    # The summary says what a critical failure does, as the settings form does.
    assert "A failed critical question scores the whole visit 0%" in version
    assert "zero visit" not in version and "zero_visit" not in version

    response = client.post("/scorecards/shop-visit/v1/sections/new", data={"title": "Welcome"})
    assert response.status_code == 302
    response = client.post(
        "/scorecards/shop-visit/v1/sections/0/questions/new",
        data={
            "text": LONG_QUESTION,
            "key": "how_long_did_you_wait_at_the_window",
            "type": "yes_no",
            "evidence": "none",
            "show_if_mode": "equals",
        },
        follow_redirects=True,
    )
    page = _text(response)
    assert "how_long_did_you_wait_at_the_window added" not in page
    flash = re.search(r"Question “([^”]*)” added\.", page)
    assert flash, page
    shown = flash.group(1)
    assert shown.endswith("…") and len(shown) <= 60
    assert LONG_QUESTION.startswith(shown[:-1])  # cut at a word's end
    assert LONG_QUESTION[len(shown) - 1] == " "


def test_an_empty_title_and_slug_give_one_message(app, client, auth):
    _manager(app, auth)
    page = _text(_new_scorecard(client, title="", slug=""))
    assert "is made from the title when left empty" not in page
    assert page.count('class="invalid-feedback"') == 1, page
    title = re.search(r'<input[^>]*id="title"[^>]*>', page)
    slug = re.search(r'<input[^>]*id="slug"[^>]*>', page)
    assert title and slug, page
    assert "is-invalid" in title.group(0) and "is-invalid" not in slug.group(0)


# --- appeals ---------------------------------------------------------------------------------


def test_appeals_list_and_appeal_show_the_question_and_the_answer_as_the_form_does(
    app, client, auth
):
    with app.app_context():
        world = make_world()
        (visit,) = import_visits({"external_id": "V1"})
        publish_reviewed(visit, world.manager)
        appeal = make_appeal(visit, "greeted", by=world.manager)
        db.session.commit()
        appeal_id, email = appeal.id, world.manager.email
    auth.login(email)
    listing = _text(client.get("/appeals/"))
    assert f'href="/appeals/{appeal_id}">Greeted?</a>' in listing
    assert ">greeted<" not in listing
    detail = _text(client.get(f"/appeals/{appeal_id}"))
    assert re.search(r"Answer now</dt><dd[^>]*>Yes\b", detail), detail


# --- the review page -------------------------------------------------------------------------


def test_review_page_bands_signals_and_history_in_words(app, client, auth):
    with app.app_context():
        world = make_world()
        (visit,) = import_visits(
            {
                "external_id": "V1",
                "started_at": "2026-05-14T10:00:00",
                "ended_at": "2026-05-14T10:20:00",
            }
        )
        make_answer_change(
            visit,
            "greeted",
            "no",
            "yes",
            by=world.manager,
            reason="CCTV shows a wave",
            at=datetime(2026, 5, 15, 9, tzinfo=UTC),
            old_comment="",
            new_comment="Waved from the desk",
        )
        make_answer_change(
            visit,
            "empathy",
            "4",
            "4",
            by=world.manager,
            reason="Tidy up",
            at=datetime(2026, 5, 15, 10, tzinfo=UTC),
            old_comment="Rushed",
            new_comment="",
        )
        db.session.commit()
        visit_id, email = visit.id, world.manager.email
    auth.login(email)
    page = _text(client.get(f"/review/visits/{visit_id}"))
    # 26.5 of 29 points, 91.4%: between target 85 and excellence 95.
    assert ">Meets target</span>" in page and ">meets</span>" not in page
    assert "<del>No</del> → <ins>Yes</ins>" in page
    assert "Comment added: “Waved from the desk”" in page
    assert "Comment cleared" in page
    assert "Comment: “" not in page
    signals = page[page.index("Trust signals") :]
    signals = signals[: signals.index("</ul>")]
    assert re.search(r">(Looks right|Check this)</span>", signals), signals
    assert not re.search(r">(ok|check)</span>", signals)
    # Points-based: earned of possible is the score; no word about weights.
    assert "Sections weighted" not in page


def test_review_page_says_when_the_score_weights_sections(app, client, auth):
    with app.app_context():
        world = make_world()
        save_definition(load_file(DATA / "weighted-card.yaml"), publish=True)
        db.session.commit()
        answers = {"answered_fast": "yes", "named": "yes", "accuracy": 2, "upsell": "no"}
        (visit,) = import_visits(
            {"external_id": "W1", "scorecard": "weighted-card", "answers": answers}
        )
        visit_id, email = visit.id, world.manager.email
    auth.login(email)
    page = _text(client.get(f"/review/visits/{visit_id}"))
    basis = re.search(r"data-score-basis>(.*?)</div>", page, re.S)
    assert basis, page
    words = " ".join(basis.group(1).split())
    assert words.startswith("Sections weighted ·")
    assert words.endswith("points before weighting")


# --- lists -----------------------------------------------------------------------------------


def test_action_lists_say_priority_and_source_in_words(app, client, auth):
    with app.app_context():
        world = make_world()
        action = make_action(
            world.leeds, "Fix the queue signs", by=world.manager, priority=ActionPriority.HIGH
        )
        action.kind = ActionKind.CRITICAL
        db.session.commit()
        email = world.manager.email
    auth.login(email)
    page = _text(client.get("/actions/"))
    assert ">High priority</span>" in page and ">high</span>" not in page
    assert "Critical item failed · raised" in page and "critical · raised" not in page


def test_staff_home_says_its_averages_count_published_visits(app, client, auth):
    with app.app_context():
        make_coaching_world()
    auth.login("alice@example.org")
    page = _text(client.get("/coaching/me"))
    branch = re.search(r'data-count="branch">([^<]*)<', page)
    company = re.search(r'data-count="company">([^<]*)<', page)
    assert branch and company, page
    assert re.fullmatch(r"\d+ published visits?", branch.group(1))
    assert re.fullmatch(r"\d+ published visits?", company.group(1))
