"""The calibration pages: who may open what, and forms that keep what was typed."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest

from audit.calibration import service
from audit.extensions import db
from audit.models import CalibrationAssignment, CalibrationCase, Role
from tests.builders import make_user, published_card
from tests.calibration.conftest import REFERENCE, make_case
from tests.images import jpeg


@pytest.fixture
def site(app):  # noqa: ANN001, ANN201
    """A published case for Ann and Bob with a photo; a draft case for Ann; Olly is not asked."""
    with app.app_context():
        card = published_card()
        manager = make_user(Role.MANAGER)
        ann, bob, olly = (make_user(Role.SHOPPER, name=n) for n in ("Ann", "Bob", "Olly"))
        staff = make_user(Role.STAFF)
        case = make_case(manager, card, [ann, bob])
        draft = service.create_case(manager, card, "Still a draft", "Scenario", "")
        service.assign_raters(draft, [ann.id], manager)
        db.session.commit()
        return SimpleNamespace(
            case=case.id,
            draft=draft.id,
            ann=ann.email,
            bob=bob.email,
            olly=olly.email,
            staff=staff.email,
            manager=manager.email,
            ann_assignment=next(a.id for a in case.assignments if a.rater_id == ann.id),
            bob_assignment=next(a.id for a in case.assignments if a.rater_id == bob.id),
            draft_assignment=draft.assignments[0].id,
        )


MANAGER_PAGES = [
    "/calibration/",
    "/calibration/new",
    "/calibration/{case}",
    "/calibration/{case}/results",
]


@pytest.mark.parametrize("path", MANAGER_PAGES)
@pytest.mark.parametrize("who", ["ann", "staff"])
def test_manager_pages_are_for_managers(client, auth, site, path, who):
    auth.login(getattr(site, who))
    assert client.get(path.format(case=site.case)).status_code == 403


@pytest.mark.parametrize("path", MANAGER_PAGES)
def test_a_manager_opens_them(client, auth, site, path):
    auth.login(site.manager)
    assert client.get(path.format(case=site.case)).status_code == 200


def test_a_rater_reaches_only_their_own_published_cases(client, auth, site):
    auth.login(site.ann)
    assert client.get(f"/calibration/answer/{site.ann_assignment}").status_code == 200
    assert client.get(f"/calibration/answer/{site.bob_assignment}").status_code == 404
    assert client.get(f"/calibration/answer/{site.draft_assignment}").status_code == 404
    assert client.get("/calibration/answer/999999").status_code == 404
    home = client.get("/shop/").get_data(as_text=True)
    assert "Saturday rush" in home and "Still a draft" not in home
    mine = client.get("/calibration/mine").get_data(as_text=True)
    assert "Saturday rush" in mine and "Still a draft" not in mine


def test_the_reference_shows_only_after_sending(client, auth, site):
    auth.login(site.ann)
    url = f"/calibration/answer/{site.ann_assignment}"
    before = client.get(url).get_data(as_text=True)
    assert "The adviser solved half of it" not in before
    form = {
        "answer-greeted": "yes",
        "answer-empathy": "4",
        "answer-outcome": "Fully",
        "answer-wait": "3",
        "answer-recommend": "8",
        "answer-summary": "Seen it.",
        "action": "submit",
    }
    sent = client.post(url, data=form, follow_redirects=True)
    page = sent.get_data(as_text=True)
    assert sent.status_code == 200
    assert "Where you differed" in page
    assert "The adviser solved half of it and said so." in page
    assert "You gave the reference answer to 4 of 6 questions." in page
    # Sent: the answers no longer change.
    again = client.post(url, data={**form, "answer-outcome": "Partly"}, follow_redirects=True)
    assert "You gave the reference answer to 4 of 6 questions." in again.get_data(as_text=True)


def test_a_half_filled_form_keeps_what_was_typed(client, auth, site, app):
    auth.login(site.ann)
    url = f"/calibration/answer/{site.ann_assignment}"
    response = client.post(
        url,
        data={
            "answer-greeted": "yes",
            "answer-wait": "a while",
            "answer-summary": "Typed",
            "action": "submit",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give a number" in page
    assert 'value="a while"' in page and ">Typed</textarea>" in page
    with app.app_context():
        assignment = db.session.get(CalibrationAssignment, site.ann_assignment)
        assert service.response_values(assignment)["greeted"] == "yes"
        assert assignment.submitted_at is None


def test_the_reference_form_keeps_what_was_typed(client, auth, app):
    with app.app_context():
        card = published_card()
        manager = make_user(Role.MANAGER)
        case = service.create_case(manager, card, "New", "Scenario", "")
        db.session.commit()
        case_id, email = case.id, manager.email
    auth.login(email)
    response = client.post(
        f"/calibration/{case_id}/reference",
        data={"answer-greeted": "yes", "answer-wait": "soon", "explain-wait": "On the clock"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="soon"' in page and "On the clock</textarea>" in page
    # Publishing now is refused with what is missing, and the case stays a draft.
    client.post(f"/calibration/{case_id}/publish", follow_redirects=True)
    with app.app_context():
        assert db.session.get(CalibrationCase, case_id).status.value == "draft"


def test_case_photos_are_for_the_manager_and_the_raters(client, auth, app):
    with app.app_context():
        card = published_card()
        manager = make_user(Role.MANAGER)
        ann, olly = make_user(Role.SHOPPER), make_user(Role.SHOPPER)
        case = service.create_case(manager, card, "With a photo", "Scenario", "")
        service.set_references(case, REFERENCE, {}, manager)
        service.assign_raters(case, [ann.id], manager)
        db.session.commit()
        case_id, people = case.id, (manager.email, ann.email, olly.email)
    auth.login(people[0])
    client.post(
        f"/calibration/{case_id}/photos",
        data={"photo": (io.BytesIO(jpeg((400, 300))), "shelf.jpg")},
        content_type="multipart/form-data",
    )
    refused = client.post(
        f"/calibration/{case_id}/photos",
        data={"photo": (io.BytesIO(b"not a photo"), "notes.txt")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "notes.txt:" in refused.get_data(as_text=True)
    with app.app_context():
        photos = db.session.get(CalibrationCase, case_id).photos
        assert len(photos) == 1
        photo_id = photos[0].id
    url = f"/calibration/photos/{photo_id}"

    def status(path: str) -> int:
        with client.get(path) as response:  # a file: closed after reading
            return response.status_code

    assert status(url) == 200
    auth.logout()
    auth.login(people[1])
    assert status(url) == 404  # a draft: not shown to raters yet
    auth.logout()
    auth.login(people[0])
    client.post(f"/calibration/{case_id}/publish")
    auth.logout()
    auth.login(people[1])
    assert status(url) == 200
    assert status(f"{url}/thumb") == 200
    auth.logout()
    auth.login(people[2])
    assert status(url) == 404


#: The raters' pages; every other calibration page is the managers'.
RATER_ENDPOINTS = {
    "calibration.mine",
    "calibration.answer",
    "calibration.photo",
    "calibration.photo_thumb",
}


def calibration_urls(app, *, raters: bool) -> list[tuple[str, str]]:  # noqa: ANN001
    """Every calibration route (walked from the url_map, so a page added later is
    checked too), with ids filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if (
            not rule.endpoint.startswith("calibration.")
            or (rule.endpoint in RATER_ENDPOINTS) != raters
        ):
            continue
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        urls += [(m, url) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


@pytest.mark.parametrize("who", ["ann", "staff"])
def test_every_manager_route_refuses_other_roles(app, client, auth, site, who):
    auth.login(getattr(site, who))
    urls = calibration_urls(app, raters=False)
    assert len(urls) >= 14
    for method, url in urls:
        assert client.open(url, method=method).status_code == 403, (method, url)


def test_staff_cannot_reach_the_raters_pages(app, client, auth, site):
    auth.login(site.staff)
    for method, url in calibration_urls(app, raters=True):
        assert client.open(url, method=method).status_code == 403, (method, url)
