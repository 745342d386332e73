"""Photos when the upload folder fails for real: a full disk, a read-only one, a thumbnail
that does not fit after its photo did, a transaction that does not commit; and the same
promises on S3 (moto's server mode): a store that is down, a thumbnail refused.

The folder is a small tmpfs mounted for the test (the suite runs as root in CI, as
``make test`` does on a fresh machine of this kind), so the failures are the kernel's
own ENOSPC and EROFS, not imitations of them. Each test checks the promise: a message
the form shows beside the photo, the draft's answers untouched, and no file without its
record nor a record without its file.
"""

from __future__ import annotations

import io
import math
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Attachment, Visit
from audit.photos.images import process_image
from audit.shop.attachments import add_attachment
from audit.storage import storage
from audit.storage.files import delete_when_committed, keep_if_committed, new_names, put_pair
from audit.storage.local import LocalStorage
from tests.builders import make_shop_world, started_draft
from tests.conftest import TEST_PASSWORD, make_app, unavailable
from tests.images import noisy_jpeg

PAGE = 4096
LIMIT = 10 * 1024 * 1024
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


def _mount(path: Path, size: int, *, read_only: bool = False) -> None:
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        unavailable(f"cannot mount a small disk here (needs root): {result.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[callable]:
    """Mount a tmpfs of a given size (or read-only) as a folder; unmounted afterwards."""
    mounted: list[Path] = []

    def mount(size: int, *, read_only: bool = False) -> Path:
        path = tmp_path / f"disk{len(mounted)}"
        _mount(path, size, read_only=read_only)
        mounted.append(path)
        return path

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


def files_in(folder: Path) -> list[str]:
    """Every file left in the folder (temporary ones included), as relative paths."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def pages(size: int) -> int:
    return math.ceil(size / PAGE) * PAGE


PHOTO = noisy_jpeg((800, 600))  # under the 500 KB a request keeps in memory


@pytest.fixture
def shop(app: Flask, tmp_path: Path):
    """A shopper signed in on a draft with one answer saved; returns (client, visit id)."""
    with app.app_context():
        shop = make_shop_world(CARD)
        visit = started_draft(shop.card, shop.branch, shop.shopper)
        db.session.commit()
        visit_id, email = visit.id, shop.shopper.email
    client = app.test_client()
    client.post("/login", data={"email": email, "password": TEST_PASSWORD})
    saved = client.post(f"/shop/visits/{visit_id}/draft", json={"answers": {"greeted": "yes"}})
    assert saved.status_code == 200
    return client, visit_id


def upload(client: FlaskClient, visit_id: int):
    return client.post(
        f"/shop/visits/{visit_id}/attachments",
        data={"file": (io.BytesIO(PHOTO), "poster.jpg"), "question_key": "poster"},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )


def assert_nothing_kept(app: Flask, visit_id: int, folder: Path) -> None:
    assert files_in(folder) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(Attachment.id))) == 0
        visit = db.session.get(Visit, visit_id)
        assert visit.answer("greeted").value_text == "yes"  # the draft is as it was


def test_a_full_disk_says_so_beside_the_photo_and_keeps_nothing(app, shop, small_disk):
    client, visit_id = shop
    folder = small_disk(PAGE)  # far smaller than the photo
    app.config["UPLOAD_FOLDER"] = str(folder)
    response = upload(client, visit_id)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    message = response.json["message"]
    assert "could not be stored" in message and "storage is full" in message
    assert "answers are safe" in message
    assert_nothing_kept(app, visit_id, folder)
    # Room again: the same photo goes through, and its files are its record's.
    app.config["UPLOAD_FOLDER"] = str(small_disk(4 * len(PHOTO)))
    again = upload(client, visit_id)
    assert again.status_code == 201
    with client.get(again.json["thumb_url"]) as thumb:
        assert thumb.status_code == 200


def test_a_read_only_folder_says_so_and_keeps_nothing(app, shop, small_disk):
    client, visit_id = shop
    folder = small_disk(4 * len(PHOTO), read_only=True)
    app.config["UPLOAD_FOLDER"] = str(folder)
    response = upload(client, visit_id)
    assert response.status_code == 503
    assert "not accepting files" in response.json["message"]
    assert_nothing_kept(app, visit_id, folder)


def test_a_thumbnail_that_does_not_fit_takes_its_photo_with_it(app, shop, small_disk):
    client, visit_id = shop
    image = process_image(PHOTO, LIMIT)
    assert len(image.thumb) > 0
    # Exactly room for the photo, none for its thumbnail.
    folder = small_disk(pages(len(image.data)))
    app.config["UPLOAD_FOLDER"] = str(folder)
    response = upload(client, visit_id)
    assert response.status_code == 503
    assert "storage is full" in response.json["message"]
    assert_nothing_kept(app, visit_id, folder)


def test_the_plain_form_shows_the_storage_message_beside_the_photo(app, shop, small_disk):
    client, visit_id = shop
    folder = small_disk(PAGE)
    app.config["UPLOAD_FOLDER"] = str(folder)
    response = client.post(
        f"/shop/visits/{visit_id}",
        data={
            "answer-greeted": "no",
            "answer-poster-photo": (io.BytesIO(PHOTO), "poster.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "poster.jpg: The photo could not be stored" in page
    assert files_in(folder) == []
    with app.app_context():
        assert db.session.get(Visit, visit_id).answer("greeted").value_text == "no"


def test_files_stored_in_a_transaction_that_does_not_commit_are_removed(app, tmp_path):
    folder = tmp_path / "uploads"
    store = LocalStorage(folder)
    with app.app_context():
        shop = make_shop_world(CARD)
        card, branch, shopper = shop.card, shop.branch, shop.shopper
        visit = started_draft(card, branch, shopper)
        add_attachment(
            visit,
            PHOTO,
            user=shopper,
            store=store,
            max_bytes=10 * 1024 * 1024,
            question_key="poster",
        )
        assert len(files_in(folder)) == 2
        db.session.rollback()  # the commit never happened: no record, so no files
        assert files_in(folder) == []

        visit = started_draft(card, branch, shopper)
        attachment, _ = add_attachment(
            visit,
            PHOTO,
            user=shopper,
            store=store,
            max_bytes=10 * 1024 * 1024,
            question_key="poster",
        )
        db.session.commit()
        names = {attachment.stored_name, attachment.thumb_name}
        assert set(files_in(folder)) == names  # committed: the record keeps its files
        db.session.remove()
        assert set(files_in(folder)) == names


def test_a_database_that_is_away_answers_503_with_words_and_a_request_id(tmp_path):
    """Nothing listens on the database port: the phone hears "try again", not a bare 500."""
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:9/none", tmp_path)
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": "someone@example.org", "password": "x"},
        headers={"Accept": "application/json", "X-Request-Id": "phone-req-12345"},
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.headers["X-Request-Id"] == "phone-req-12345"
    body = response.json
    assert (
        "cannot reach its database" in body["message"]
        and "Nothing you sent was lost" in (body["message"])
    )
    assert body["request_id"] == "phone-req-12345"
    page = client.post("/login", data={"email": "someone@example.org", "password": "x"})
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "Back in a moment" in text and "Go back and send it again" in text


def test_an_unexpected_failure_answers_words_and_logs_its_traceback_with_the_id(app, caplog):
    @app.route("/boom")
    def boom():  # a fault no handler knows
        raise RuntimeError("kaboom")

    app.config["TESTING"] = False  # answer as in production, instead of raising in the test
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    assert request_id and response.json["request_id"] == request_id
    assert "Something went wrong on our side" in response.json["message"]
    assert request_id in response.json["message"]
    logged = [r for r in caplog.records if r.levelname == "ERROR" and request_id in r.getMessage()]
    assert logged and logged[0].exc_info and "kaboom" in str(logged[0].exc_info[1])


def test_files_follow_savepoints_too(app, tmp_path):
    """A savepoint rolled back takes its files; one released waits for the outer outcome."""
    store = LocalStorage(tmp_path / "files")

    def stored(tag: bytes) -> tuple[str, str]:
        name, thumb = new_names()
        put_pair(store, name, tag, thumb, tag, "image/jpeg")
        keep_if_committed(store, name, thumb)
        return name, thumb

    with app.app_context():
        db.session.execute(select(1))  # the transaction is open
        outer = stored(b"outer")
        savepoint = db.session.begin_nested()
        inner = stored(b"inner")
        savepoint.rollback()
        assert set(files_in(store.root)) == set(outer)  # the savepoint's file is gone
        released = db.session.begin_nested()
        kept_for_now = stored(b"released")
        delete_when_committed(store, *outer)
        released.commit()
        assert set(files_in(store.root)) == set(outer) | set(kept_for_now)  # nothing decided
        db.session.rollback()  # the outer transaction never commits
        assert files_in(store.root) == []
        assert not set(inner) & set(files_in(store.root))

        db.session.execute(select(1))
        first = stored(b"first")
        released = db.session.begin_nested()
        delete_when_committed(store, *first)
        released.commit()
        assert set(files_in(store.root)) == set(first)  # deleted only when the whole commits
        db.session.commit()
        assert files_in(store.root) == []


# --- on S3 (moto's server mode, stopped for real) ------------------------------------


def test_an_s3_store_that_is_down_refuses_the_photo_and_keeps_no_half_record(app, shop, lone_s3):
    client, visit_id = shop
    app.config.update(STORAGE_URL=lone_s3.url("files"), STORAGE_TIMEOUT=2)
    lone_s3.outage()
    response = upload(client, visit_id)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    message = response.json["message"]
    assert message == (
        "The photo could not be stored: the server's storage did not answer. "
        "Your answers are safe; try the photo again in a few minutes."
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Attachment.id))) == 0
        assert db.session.get(Visit, visit_id).answer("greeted").value_text == "yes"
    # The store is back: it holds nothing from the refused upload, and takes the photo now.
    lone_s3.restart()
    assert lone_s3.objects() == {}
    again = upload(client, visit_id)
    assert again.status_code == 201
    with app.app_context():
        attachment = db.session.scalars(select(Attachment)).one()
        names = {f"files/{attachment.stored_name}", f"files/{attachment.thumb_name}"}
    assert set(lone_s3.objects()) == names
    with client.get(again.json["thumb_url"]) as thumb:
        assert thumb.status_code == 200


def test_on_s3_the_plain_form_shows_the_storage_message_beside_the_photo(app, shop, lone_s3):
    client, visit_id = shop
    app.config.update(STORAGE_URL=lone_s3.url("files"), STORAGE_TIMEOUT=2)
    lone_s3.outage()
    response = client.post(
        f"/shop/visits/{visit_id}",
        data={
            "answer-greeted": "no",
            "answer-poster-photo": (io.BytesIO(PHOTO), "poster.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "poster.jpg: The photo could not be stored" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Visit, visit_id).answer("greeted").value_text == "no"
        assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_on_s3_a_thumbnail_refused_takes_its_photo_with_it(app, shop, s3, monkeypatch):
    """S3 takes the photo, then answers 503 SlowDown for its thumbnail: neither is kept."""
    client, visit_id = shop
    app.config["STORAGE_URL"] = s3.url("files")
    with app.app_context():
        client_of_store = storage().client
    real_put = client_of_store.put_object

    def put_object(**kwargs):
        if kwargs["Key"].endswith("_thumb.jpg"):
            raise ClientError(
                {
                    "Error": {"Code": "SlowDown", "Message": "Reduce your request rate."},
                    "ResponseMetadata": {"HTTPStatusCode": 503},
                },
                "PutObject",
            )
        return real_put(**kwargs)

    monkeypatch.setattr(client_of_store, "put_object", put_object)
    response = upload(client, visit_id)
    assert response.status_code == 503
    assert "The photo could not be stored" in response.json["message"]
    assert s3.objects() == {}  # the photo stored before its thumbnail was removed
    with app.app_context():
        assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_files_on_s3_follow_the_transaction_too(app, s3):
    with app.app_context():
        app.config["STORAGE_URL"] = s3.url("files")
        shop = make_shop_world(CARD)
        visit = started_draft(shop.card, shop.branch, shop.shopper)
        add_attachment(
            visit, PHOTO, user=shop.shopper, store=storage(), max_bytes=LIMIT, question_key="poster"
        )
        assert len(s3.objects()) == 2
        db.session.rollback()  # no commit, no record: no objects
        assert s3.objects() == {}
