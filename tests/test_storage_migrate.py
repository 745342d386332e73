"""``flask storage migrate --to URL``: every object copied, verified by SHA-256, safe to run
again; from the folder to S3 (moto's server mode) and back; a mismatch fails the run."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from audit.storage import Storage, open_storage, storage
from audit.storage.files import new_names
from audit.storage.s3 import S3Storage
from tests.images import jpeg, noisy_jpeg
from tests.s3_server import S3


def seed(store: Storage) -> dict[str, str]:
    """Photos, thumbnails and a finished report job; returns key -> sha256."""
    objects: dict[str, bytes] = {}
    for index in range(3):
        name, thumb = new_names()
        objects[name] = noisy_jpeg((400, 300), seed=index)
        objects[thumb] = jpeg((160, 120), exif=False)
    job = "0123456789abcdef0123456789abcdef"
    objects[f"reports/{job}/status.json"] = b'{"id": "%s"}' % job.encode()
    objects[f"reports/{job}/report.pdf"] = b"%PDF-1.4 " + bytes(range(256)) * 4000  # ~1 MB
    for key, data in objects.items():
        store.put(key, data)
    return {key: hashlib.sha256(data).hexdigest() for key, data in objects.items()}


def hashes(store: Storage) -> dict[str, str]:
    return {key: store.sha256(key) for key in store.keys()}


def migrate(runner: FlaskCliRunner, url: str):  # noqa: ANN201 - a click Result
    return runner.invoke(args=["storage", "migrate", "--to", url])


def test_files_move_to_s3_and_back_verified_and_idempotent(
    app: Flask, runner: FlaskCliRunner, s3: S3, tmp_path: Path
):
    with app.app_context():
        expected = seed(storage())
    target = s3.url("moved")
    first = migrate(runner, target)
    assert first.exit_code == 0, first.output
    assert f"copied and verified: {len(expected)}" in first.output
    assert f"Set STORAGE_URL={target}" in first.output
    in_bucket = {key: hashlib.sha256(data).hexdigest() for key, data in s3.objects().items()}
    assert in_bucket == {f"moved/{key}": digest for key, digest in expected.items()}

    again = migrate(runner, target)
    assert again.exit_code == 0, again.output
    assert "copied and verified: 0" in again.output
    assert f"already there with the same hash: {len(expected)}" in again.output

    # One object changed at the source since: only it is copied again.
    with app.app_context():
        changed = next(iter(expected))
        storage().put(changed, b"edited")
    third = migrate(runner, target)
    assert "copied and verified: 1" in third.output
    assert f"already there with the same hash: {len(expected) - 1}" in third.output
    expected[changed] = hashlib.sha256(b"edited").hexdigest()

    # Now on S3, and back to a new folder.
    app.config["STORAGE_URL"] = target
    back = tmp_path / "back"
    result = migrate(runner, back.as_uri())
    assert result.exit_code == 0, result.output
    assert hashes(open_storage(back.as_uri())) == expected
    assert not [p for p in back.rglob(".*") if p.is_file()]  # no temporary files left


def test_a_hash_mismatch_fails_the_run_and_names_the_object(
    app: Flask, runner: FlaskCliRunner, s3: S3, monkeypatch: pytest.MonkeyPatch
):
    with app.app_context():
        expected = seed(storage())
    real_put = S3Storage.put

    def damaging_put(self, key, data, content_type="application/octet-stream"):
        if key.endswith("report.pdf"):
            data = b"not what was sent"
        return real_put(self, key, data, content_type)

    monkeypatch.setattr(S3Storage, "put", damaging_put)
    result = migrate(runner, s3.url("moved"))
    assert result.exit_code != 0
    assert "failed: 1" in result.output and "report.pdf: hash mismatch" in result.output
    assert "keep STORAGE_URL as it is" in result.output
    assert f"copied and verified: {len(expected) - 1}" in result.output


def test_a_target_that_cannot_be_used_is_refused_before_copying(
    app: Flask, runner: FlaskCliRunner, s3: S3
):
    with app.app_context():
        seed(storage())
        current = storage().url
    for url, words in (
        (f"s3://{s3.bucket}-missing/x", "does not exist"),
        ("ftp://example.org/x", "STORAGE_URL must be"),
        (current, "already the current storage"),
    ):
        result = migrate(runner, url)
        assert result.exit_code != 0 and words in result.output, result.output
    assert s3.objects() == {}


def test_storage_check_says_whether_the_store_is_ready(app: Flask, runner: FlaskCliRunner, s3: S3):
    ready = runner.invoke(args=["storage", "check"])
    assert ready.exit_code == 0 and ready.output.strip().endswith(": ready")
    app.config["STORAGE_URL"] = s3.url("files")
    assert runner.invoke(args=["storage", "check"]).exit_code == 0
    app.config["STORAGE_URL"] = f"s3://{s3.bucket}-missing/files"
    missing = runner.invoke(args=["storage", "check"])
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_objects_the_app_did_not_store_are_left_where_they_are(
    app: Flask, runner: FlaskCliRunner, s3: S3, tmp_path: Path
):
    """A folder marker made by a bucket console and another program's file under the
    prefix are not the app's objects: the migration copies the app's and goes on."""
    app.config["STORAGE_URL"] = s3.url("files")
    with app.app_context():
        expected = seed(storage())
    for foreign in ("files/2026/", "files/.DS_Store", "files/notes/read me.txt"):
        s3.client().put_object(Bucket=s3.bucket, Key=foreign, Body=b"")
    target = tmp_path / "folder"
    result = migrate(runner, target.as_uri())
    assert result.exit_code == 0, result.output
    assert f"copied and verified: {len(expected)}" in result.output
    assert hashes(open_storage(target.as_uri())) == expected
