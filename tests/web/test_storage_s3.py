"""Every file path of the app with ``STORAGE_URL=s3://bucket/prefix`` on a real S3 server
(moto's server mode): photos and thumbnails uploaded, served after the access check and
removed; action and appeal evidence; a visit PDF with its photo; report job PDFs made by
one app and downloaded from another sharing only the database and the bucket.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from audit.actions import proposals
from audit.extensions import db
from audit.jobs import reports
from audit.models import ActionUpdate, Appeal, Attachment, Role
from audit.reporting.filters import ReportFilter
from tests.builders import (
    FULL,
    import_visits,
    make_appeal_world,
    make_shop_world,
    make_staff,
    make_user,
    make_world,
    publish_reviewed,
    started_draft,
)
from tests.conftest import TEST_PASSWORD, make_app
from tests.images import jpeg, noisy_jpeg
from tests.s3_server import S3

PREFIX = "audit/files"
CARD = {
    "slug": "poster-card",
    "title": "Poster card",
    "channel": "web",
    "target": 80,
    "sections": [
        {
            "key": "display",
            "title": "Display",
            "questions": [
                {"key": "greeted", "text": "Greeted?", "type": "yes_no"},
                {
                    "key": "poster",
                    "text": "Poster on display?",
                    "type": "yes_no",
                    "evidence": "optional",
                },
            ],
        }
    ],
}
PHOTO = noisy_jpeg((800, 600))


@pytest.fixture
def on_s3(app: Flask, s3: S3, tmp_path: Path) -> S3:
    """The app's files on S3; the upload folder is somewhere that must stay empty."""
    app.config.update(STORAGE_URL=s3.url(PREFIX), UPLOAD_FOLDER=str(tmp_path / "not-used"))
    return s3


def login(app: Flask, email: str):  # noqa: ANN201 - a test client
    client = app.test_client()
    client.post("/login", data={"email": email, "password": TEST_PASSWORD})
    return client


def stored(s3: S3, key: str) -> bytes:
    return s3.objects(f"{PREFIX}/")[f"{PREFIX}/{key}"]


def test_photos_go_to_s3_are_served_after_the_check_and_go_when_removed(
    app: Flask, on_s3: S3, tmp_path: Path
):
    with app.app_context():
        shop = make_shop_world(CARD)
        visit = started_draft(shop.card, shop.branch, shop.shopper)
        manager = make_user(Role.MANAGER)
        other = make_user(Role.SHOPPER)
        db.session.commit()
        visit_id, shopper, manager, other = visit.id, shop.shopper.email, manager.email, other.email
    phone = login(app, shopper)
    sent = phone.post(
        f"/shop/visits/{visit_id}/attachments",
        data={"file": (io.BytesIO(PHOTO), "poster.jpg"), "question_key": "poster"},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 201, sent.json
    with app.app_context():
        attachment = db.session.scalars(select(Attachment)).one()
        name, thumb = attachment.stored_name, attachment.thumb_name
    # Stored under the prefix, keyed by the names the row keeps; nothing on local disk.
    assert set(on_s3.objects()) == {f"{PREFIX}/{name}", f"{PREFIX}/{thumb}"}
    assert not (tmp_path / "not-used").exists()
    full = phone.get(sent.json["url"])
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert full.data == stored(on_s3, name)
    assert full.headers["Cache-Control"] == "private, max-age=86400"
    small = phone.get(sent.json["thumb_url"])
    assert small.data == stored(on_s3, thumb) and len(small.data) < len(full.data)
    again = phone.get(sent.json["thumb_url"], headers={"If-None-Match": small.headers["ETag"]})
    assert again.status_code == 304
    # Another shopper is told nothing.
    assert login(app, other).get(sent.json["url"]).status_code == 404

    # Submitted, the visit's PDF carries the photo, read from the bucket.
    saved = phone.post(
        f"/shop/visits/{visit_id}/draft", json={"answers": {"greeted": "yes", "poster": "yes"}}
    )
    assert saved.status_code == 200
    done = phone.post(f"/shop/visits/{visit_id}/submit", json={"client_token": "s" * 32})
    assert done.status_code == 200, done.json
    pdf = login(app, manager).get(f"/reports/visits/{visit_id}.pdf")
    assert pdf.status_code == 200
    pictures = [i.image.size for p in PdfReader(io.BytesIO(pdf.data)).pages for i in p.images]
    assert (320, 240) in pictures  # the thumbnail, 800 × 600 shrunk


def test_a_photo_removed_from_a_draft_leaves_the_bucket(app: Flask, on_s3: S3):
    with app.app_context():
        shop = make_shop_world(CARD)
        visit = started_draft(shop.card, shop.branch, shop.shopper)
        db.session.commit()
        visit_id, shopper = visit.id, shop.shopper.email
    phone = login(app, shopper)
    sent = phone.post(
        f"/shop/visits/{visit_id}/attachments",
        data={"file": (io.BytesIO(PHOTO), "poster.jpg"), "question_key": "poster"},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert len(on_s3.objects()) == 2
    removed = phone.post(sent.json["delete_url"], headers={"Accept": "application/json"})
    assert removed.status_code in (200, 204), removed.data
    assert on_s3.objects() == {}


def test_with_redirects_a_browser_gets_a_short_lived_presigned_url(app: Flask, on_s3: S3):
    app.config.update(STORAGE_REDIRECT=True, STORAGE_URL_SECONDS=120)
    with app.app_context():
        shop = make_shop_world(CARD)
        visit = started_draft(shop.card, shop.branch, shop.shopper)
        db.session.commit()
        visit_id, shopper = visit.id, shop.shopper.email
    phone = login(app, shopper)
    sent = phone.post(
        f"/shop/visits/{visit_id}/attachments",
        data={"file": (io.BytesIO(PHOTO), "poster.jpg"), "question_key": "poster"},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    answer = phone.get(sent.json["url"])
    assert answer.status_code == 302
    assert answer.headers["Cache-Control"] == "private, no-store"
    url = answer.headers["Location"]
    assert url.startswith(on_s3.endpoint) and "X-Amz-Expires=120" in url
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.content[:2] == b"\xff\xd8"
    assert fetched.headers["Content-Disposition"].startswith("inline")
    # The redirect comes only after the access check: a stranger is sent to sign in.
    stranger = app.test_client().get(sent.json["url"])
    assert stranger.status_code == 302 and "/login" in stranger.headers["Location"]
    assert "X-Amz" not in stranger.headers["Location"]


def test_action_and_appeal_evidence_live_on_s3(app: Flask, on_s3: S3):
    with app.app_context():
        world = make_appeal_world()
        (visit,) = import_visits({"external_id": "V1", "staff": "ADV1"})
        publish_reviewed(visit, world.manager)
        db.session.commit()
        visit_id, adviser = visit.id, world.adviser_user.email
    staff = login(app, adviser)
    raised = staff.post(
        f"/appeals/visits/{visit_id}/new",
        data={
            "question_key": "empathy",
            "reason": "I acknowledged the situation",
            "requested-empathy": "5",
            "photo": (io.BytesIO(jpeg()), "rota.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert raised.status_code == 302
    with app.app_context():
        appeal = db.session.scalars(select(Appeal)).one()
        appeal_id, evidence = appeal.id, appeal.evidence_name
    photo = staff.get(f"/appeals/{appeal_id}/evidence")
    assert photo.status_code == 200 and photo.data == stored(on_s3, evidence)
    assert staff.get(f"/appeals/{appeal_id}/evidence/thumb").status_code == 200


def test_action_update_photos_live_on_s3(app: Flask, on_s3: S3):
    with app.app_context():
        world = make_world()
        (visit,) = import_visits(
            {"external_id": "V1", "answers": {**FULL, "greeted": "no"}, "status": "approved"}
        )
        (action,) = proposals.propose_for_visit(visit)
        member = make_staff(world.leeds, name="Olive Owner")
        member.user = make_user(Role.STAFF)
        db.session.commit()
        ids = SimpleNamespace(
            action=action.id,
            member=member.id,
            north=world.north_manager.email,
            owner=member.user.email,
        )
    manager = login(app, ids.north)
    accepted = manager.post(
        f"/actions/{ids.action}/accept",
        data={
            "accept-title": "Greet every customer",
            "accept-description": "Brief the team",
            "accept-owner": f"s:{ids.member}",
            "accept-due_on": "2099-01-01",
            "accept-priority": "high",
        },
    )
    assert accepted.status_code == 302
    owner = login(app, ids.owner)
    posted = owner.post(
        f"/actions/{ids.action}/updates",
        data={
            "update-status": "in_progress",
            "update-note": "Briefed the morning team",
            "update-photo": (io.BytesIO(jpeg()), "board.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert posted.status_code == 302
    with app.app_context():
        update = db.session.scalars(select(ActionUpdate)).one()
        update_id, name, thumb = update.id, update.photo_name, update.thumb_name
    assert set(on_s3.objects()) == {f"{PREFIX}/{name}", f"{PREFIX}/{thumb}"}
    photo = owner.get(f"/actions/updates/{update_id}/photo")
    assert photo.status_code == 200 and photo.data == stored(on_s3, name)


def test_a_report_job_done_by_one_app_is_downloaded_from_another(
    app: Flask, on_s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Two apps share the database and the bucket, nothing else (each has its own
    instance folder): the second finds the first one's job and its PDF."""
    monkeypatch.setitem(reports.MAKERS, "fake", lambda status, progress: b"%PDF-1.4 made on A")
    with app.app_context():
        manager = make_user(Role.MANAGER)
        db.session.commit()
        manager_id, email = manager.id, manager.email
        status = reports.start_job(
            "fake", manager_id, "Fake report", ReportFilter(), filename="fake-2026.pdf"
        )
        reports.wait_for(status.id)
    keys = set(on_s3.objects(f"{PREFIX}/reports/"))
    assert keys == {
        f"{PREFIX}/reports/{status.id}/status.json",
        f"{PREFIX}/reports/{status.id}/report.pdf",
    }
    other = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path / "host-b",
        STORAGE_URL=on_s3.url(PREFIX),
    )
    browser = login(other, email)
    progress = browser.get(f"/reports/jobs/{status.id}.json").get_json()
    assert progress["state"] == "finished"
    download = browser.get(progress["download"])
    assert download.status_code == 200 and download.data == b"%PDF-1.4 made on A"
    assert download.headers["Content-Disposition"] == 'attachment; filename="fake-2026.pdf"'
    assert download.headers["Cache-Control"] == "private, no-store"
    assert re.fullmatch(r"[0-9a-f]{32}", status.id)
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
