"""Appeal pages: raising (eligible people, window, evidence), deciding, what each sees."""

from __future__ import annotations

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import AnswerChange, Appeal, AppealStatus, Role, Visit
from tests.builders import import_visits, make_appeal_world, make_user, publish_reviewed
from tests.images import jpeg


@pytest.fixture
def ids(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with app.app_context():
        world = make_appeal_world()
        (visit,) = import_visits({"external_id": "V1", "staff": "ADV1"})
        publish_reviewed(visit, world.manager)
        south = make_user(Role.MANAGER, regions=[world.south])
        admin = make_user(Role.ADMIN)
        db.session.commit()
        return SimpleNamespace(
            visit=visit.id,
            publisher=world.manager.email,
            north=world.north_manager.email,
            south=south.email,
            admin=admin.email,
            adviser=world.adviser_user.email,
            colleague=world.colleague_user.email,
            shopper=world.shopper.email,
        )


def appeal_as(client, ids, **fields):
    data = {
        "question_key": "empathy",
        "reason": "I acknowledged the situation",
        "requested-empathy": "5",
    }
    data.update(fields)
    return client.post(
        f"/appeals/visits/{ids.visit}/new", data=data, content_type="multipart/form-data"
    )


def only_appeal(app) -> Appeal:
    with app.app_context():
        appeal = db.session.scalars(select(Appeal)).one()
        db.session.expunge(appeal)
        return appeal


def test_staff_member_named_on_the_visit_appeals_with_evidence(app, client, auth, ids):
    auth.login(ids.adviser)
    listing = client.get("/appeals/").get_data(as_text=True)
    assert f"/appeals/visits/{ids.visit}/new" in listing  # visits still open to appeal
    form = client.get(f"/appeals/visits/{ids.visit}/new")
    assert form.status_code == 200 and 'value="empathy"' in form.get_data(as_text=True)
    response = appeal_as(client, ids, photo=(io.BytesIO(jpeg()), "rota.jpg"))
    assert response.status_code == 302
    appeal = only_appeal(app)
    assert appeal.question_key == "empathy" and appeal.evidence_name
    with client.get(f"/appeals/{appeal.id}/evidence") as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert "My appeals" in client.get("/appeals/").get_data(as_text=True)


def test_other_staff_get_404_and_see_nothing(app, client, auth, ids):
    auth.login(ids.adviser)
    appeal_as(client, ids, photo=(io.BytesIO(jpeg()), "rota.jpg"))
    appeal = only_appeal(app)
    auth.logout()
    auth.login(ids.colleague)
    assert client.get(f"/appeals/visits/{ids.visit}/new").status_code == 404
    assert f"/appeals/visits/{ids.visit}/new" not in client.get("/appeals/").get_data(as_text=True)
    assert appeal_as(client, ids).status_code == 404
    assert client.get(f"/appeals/{appeal.id}").status_code == 404
    assert client.get(f"/appeals/{appeal.id}/evidence").status_code == 404
    assert "I acknowledged" not in client.get("/appeals/?status=all").get_data(as_text=True)


def test_manager_outside_scope_gets_403_and_shoppers_are_kept_out(app, client, auth, ids):
    auth.login(ids.south)
    assert client.get(f"/appeals/visits/{ids.visit}/new").status_code == 403
    assert appeal_as(client, ids).status_code == 403
    auth.logout()
    auth.login(ids.shopper)
    assert appeal_as(client, ids).status_code == 403


def test_a_non_image_evidence_file_is_refused(app, client, auth, ids):
    auth.login(ids.adviser)
    response = appeal_as(client, ids, photo=(io.BytesIO(b"%PDF-1.4 not a photo"), "x.jpg"))
    assert response.status_code == 422 and "PDF" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Appeal)).all() == []


def test_the_window_is_enforced(app, client, auth, ids):
    with app.app_context():
        visit = db.session.get(Visit, ids.visit)
        visit.published_at -= timedelta(days=15)
        db.session.commit()
    auth.login(ids.adviser)
    response = appeal_as(client, ids)
    assert response.status_code == 302 and "/appeals/" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalars(select(Appeal)).all() == []


def test_reviewer_amends_and_the_visit_page_shows_it(app, client, auth, ids):
    auth.login(ids.adviser)
    appeal_as(client, ids)
    appeal = only_appeal(app)
    auth.logout()
    # The manager who approved and published the visit may not decide.
    auth.login(ids.publisher)
    page = client.get(f"/appeals/{appeal.id}").get_data(as_text=True)
    assert "another reviewer decides" in page
    response = client.post(
        f"/appeals/{appeal.id}/amend", data={"amend-value": "5", "amend-note": "Fine by me"}
    )
    assert response.status_code == 302
    assert only_appeal(app).status is AppealStatus.OPEN
    auth.logout()
    auth.login(ids.north)
    page = client.get(f"/appeals/{appeal.id}").get_data(as_text=True)
    assert "Amend and re-score" in page and 'value="5" selected' in page
    response = client.post(
        f"/appeals/{appeal.id}/amend",
        data={"amend-value": "5", "amend-comment": "", "amend-note": "Video shows empathy"},
    )
    assert response.status_code == 302
    assert only_appeal(app).status is AppealStatus.AMENDED
    with app.app_context():
        visit = db.session.get(Visit, ids.visit)
        assert visit.percent == pytest.approx(100.0)
        change = db.session.scalars(select(AnswerChange)).one()
        assert change.source == "appeal" and change.reason == "Video shows empathy"
    page = client.get(f"/review/visits/{ids.visit}").get_data(as_text=True)
    assert "Appeals" in page and "Video shows empathy" in page
    assert "changed on appeal" in page  # the visit's history shows the recorded change


def test_reviewer_upholds_and_nothing_changes(app, client, auth, ids):
    auth.login(ids.adviser)
    appeal_as(client, ids)
    appeal = only_appeal(app)
    auth.logout()
    auth.login(ids.admin)
    response = client.post(f"/appeals/{appeal.id}/uphold", data={"uphold-note": ""})
    assert response.status_code == 422
    response = client.post(f"/appeals/{appeal.id}/uphold", data={"uphold-note": "It stands"})
    assert response.status_code == 302
    assert only_appeal(app).status is AppealStatus.UPHELD
    with app.app_context():
        assert db.session.get(Visit, ids.visit).percent == pytest.approx(26.5 / 29 * 100)
        assert db.session.scalars(select(AnswerChange)).all() == []
    auth.logout()
    auth.login(ids.adviser)
    page = client.get(f"/appeals/{appeal.id}").get_data(as_text=True)
    assert "the answer stands" in page and "It stands" in page


def test_staff_cannot_decide(app, client, auth, ids):
    auth.login(ids.adviser)
    appeal_as(client, ids)
    appeal = only_appeal(app)
    response = client.post(f"/appeals/{appeal.id}/uphold", data={"uphold-note": "Mine"})
    assert response.status_code == 403
    response = client.post(f"/appeals/{appeal.id}/withdraw", data={})
    assert response.status_code == 302
    assert only_appeal(app).status is AppealStatus.WITHDRAWN
