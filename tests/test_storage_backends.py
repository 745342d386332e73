"""The storage interface, the same tests on both backends: a folder and S3 (moto's server).

What every caller relies on: an object put is there whole when ``put`` returns, is read
back byte for byte with its size and SHA-256, is listed under its prefix, goes when
deleted; keys that are not keys are refused; a missing object says so.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
import requests

from audit.storage import (
    ObjectMissing,
    Storage,
    StorageConfigError,
    StorageUnavailable,
    open_storage,
    storage,
    storage_url,
)
from audit.storage.local import LocalStorage
from audit.storage.s3 import S3Storage, parse_url
from tests.s3_server import S3

PHOTO_KEY = "2026/05/0123456789abcdef0123456789abcdef.jpg"


@pytest.fixture(params=["file", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "file":
        return open_storage((tmp_path / "files").as_uri())
    s3: S3 = request.getfixturevalue("s3")
    return open_storage(s3.url("tenant/files"))


def test_an_object_put_is_read_back_whole_with_its_size_and_hash(store: Storage):
    data = bytes(range(256)) * 1000
    store.put(PHOTO_KEY, data, "image/jpeg")
    assert store.exists(PHOTO_KEY)
    assert store.get(PHOTO_KEY) == data
    with store.open(PHOTO_KEY) as stream:
        assert stream.read() == data
    assert store.size(PHOTO_KEY) == len(data)
    assert store.sha256(PHOTO_KEY) == hashlib.sha256(data).hexdigest()


def test_a_stream_is_stored_as_well_as_bytes_and_put_replaces(store: Storage):
    store.put("reports/abc/report.pdf", io.BytesIO(b"%PDF-1 first"), "application/pdf")
    store.put("reports/abc/report.pdf", io.BytesIO(b"%PDF-1 second"), "application/pdf")
    assert store.get("reports/abc/report.pdf") == b"%PDF-1 second"


def test_keys_are_listed_by_prefix_in_order_and_deleted(store: Storage):
    for key in ("b/2.jpg", "a/1.jpg", "a/0.jpg", "c.json"):
        store.put(key, key.encode())
    assert list(store.keys()) == ["a/0.jpg", "a/1.jpg", "b/2.jpg", "c.json"]
    assert list(store.keys("a/")) == ["a/0.jpg", "a/1.jpg"]
    store.delete("a/0.jpg", "b/2.jpg", "never/stored.jpg")  # a missing key is no error
    assert list(store.keys()) == ["a/1.jpg", "c.json"]
    store.discard("a/1.jpg")
    assert not store.exists("a/1.jpg")


def test_a_missing_object_says_so(store: Storage):
    assert not store.exists("nothing/here.jpg")
    for read in (store.open, store.get, store.size):
        with pytest.raises(ObjectMissing):
            read("nothing/here.jpg")


@pytest.mark.parametrize("bad", ["../secret", "/etc/passwd", "a/../../b", ".hidden", "", "a//b"])
def test_keys_that_are_paths_out_are_refused(store: Storage, bad: str):
    with pytest.raises(ValueError):
        store.put(bad, b"x")
    with pytest.raises(ValueError):
        store.exists(bad)


def test_the_store_is_ready_and_says_how_to_download(store: Storage):
    store.check()
    store.put(PHOTO_KEY, b"jpeg bytes", "image/jpeg")
    url = store.url_for_download(PHOTO_KEY, "photo.jpg", expires=60, content_type="image/jpeg")
    if isinstance(store, LocalStorage):
        assert url is None  # the app streams it
        assert store.local_path(PHOTO_KEY).read_bytes() == b"jpeg bytes"
        return
    # S3: a presigned URL any HTTP client can fetch, for a minute, without keys.
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200 and answer.content == b"jpeg bytes"
    assert 'filename="photo.jpg"' in answer.headers["Content-Disposition"]
    assert "X-Amz-Expires=60" in url
    tampered = url.replace(PHOTO_KEY, PHOTO_KEY.replace(".jpg", "_thumb.jpg"))
    assert requests.get(tampered, timeout=10).status_code == 403


def test_objects_in_s3_are_private_and_under_the_prefix(s3: S3):
    store = open_storage(s3.url("tenant/files"))
    store.put(PHOTO_KEY, b"secret photo", "image/jpeg")
    assert set(s3.objects()) == {f"tenant/files/{PHOTO_KEY}"}
    plain = requests.get(f"{s3.endpoint}/{s3.bucket}/tenant/files/{PHOTO_KEY}", timeout=10)
    assert plain.status_code == 403  # no keys, no presigned URL: refused


def test_a_local_write_that_fails_leaves_no_temporary_file(tmp_path: Path):
    store = LocalStorage(tmp_path)

    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            raise OSError(5, "Input/output error")

    with pytest.raises(StorageUnavailable, match="could not be stored"):
        store.put("a/b.pdf", Broken())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_an_s3_store_that_is_down_says_so_in_words(lone_s3: S3):
    store = open_storage(lone_s3.url(), {"STORAGE_TIMEOUT": 2})
    store.put("a.jpg", b"x")
    lone_s3.outage()
    with pytest.raises(StorageUnavailable) as failure:
        store.put("b.jpg", b"y")
    assert str(failure.value) == (
        "The file could not be stored: the server's storage did not answer. "
        "Try again in a few minutes."
    )
    with pytest.raises(StorageUnavailable, match="could not be read"):
        store.get("a.jpg")
    with pytest.raises(StorageUnavailable):
        store.check()
    lone_s3.restart()
    store.check()
    assert store.get("a.jpg") == b"x" and not store.exists("b.jpg")


def test_a_missing_bucket_is_not_ready(s3: S3):
    store = open_storage(f"s3://{s3.bucket}-gone/files")
    with pytest.raises(StorageUnavailable, match="does not exist"):
        store.check()


def test_storage_urls(tmp_path: Path):
    assert parse_url("s3://bucket") == ("bucket", "")
    assert parse_url("s3://bucket/a/b/") == ("bucket", "a/b/")
    assert isinstance(open_storage(f"file://{tmp_path}"), LocalStorage)
    assert isinstance(open_storage("s3://bucket/x"), S3Storage)
    for bad in ("file://relative/path", "ftp://host/x", "uploads", "s3:///nobucket", "s3://b/../x"):
        with pytest.raises(StorageConfigError):
            open_storage(bad)
    # Unset, the upload folder is the store: existing installs keep their files.
    folder = tmp_path / "uploads"
    config = {"STORAGE_URL": None, "UPLOAD_FOLDER": str(folder)}
    assert storage_url(config) == folder.resolve().as_uri()
    assert storage_url({**config, "STORAGE_URL": "s3://b/p"}) == "s3://b/p"


def test_one_store_per_app_made_anew_when_its_url_changes(app, tmp_path: Path):
    with app.app_context():
        first = storage()
        assert storage() is first and isinstance(first, LocalStorage)
        assert first.root.resolve() == Path(app.config["UPLOAD_FOLDER"]).resolve()
        app.config["UPLOAD_FOLDER"] = str(tmp_path / "elsewhere")
        assert storage() is not first
        assert storage().root == (tmp_path / "elsewhere").resolve()
