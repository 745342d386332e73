"""Optional photo evidence on a form: an action update's photo, an appeal's evidence.

:func:`store_photo` checks, cleans and stores the bytes (see :mod:`audit.evidence`)
and knows nothing of requests; :func:`photo_field`, :func:`save_upload` and
:func:`send_photo` are the pieces the views share, so that every such upload is
taken, refused and served the same way. (The shopper's visit form has its own
flow: attachments tied to questions, sent by script.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Response, abort, current_app, send_file
from flask_wtf.file import FileField

from audit.evidence import CONTENT_TYPE, FileStore, UploadRefused, process_image

ACCEPT = "image/jpeg,image/png,image/webp"


@dataclass(frozen=True)
class Photo:
    """A photo already checked and stored: the file, its thumbnail, when it was taken."""

    name: str
    thumb_name: str
    captured_at: datetime | None

    @property
    def names(self) -> tuple[str, str]:
        return self.name, self.thumb_name


def store_photo(data: bytes, store: FileStore, max_bytes: int) -> Photo:
    """Check, clean and store an uploaded photo; raises :class:`UploadRefused` for a non-photo."""
    image = process_image(data, max_bytes)
    name, thumb = store.new_names()
    store.save(name, image.data)
    store.save(thumb, image.thumb)
    return Photo(name, thumb, image.captured_at)


def photo_field(label: str, description: str) -> FileField:
    """An optional photo on a form; the phone offers its camera and gallery."""
    return FileField(label, description=description, render_kw={"accept": ACCEPT})


def file_store() -> FileStore:
    return FileStore(current_app.config["UPLOAD_FOLDER"])


def save_upload(field: FileField, store: FileStore) -> Photo | None:
    """Store the photo sent in ``field``; None when none was sent or it was refused.

    A refusal (not a photo, too large) is added to the field's errors, for the form.
    """
    upload = field.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    max_bytes = current_app.config["MAX_PHOTO_MB"] * 1024 * 1024
    try:
        return store_photo(upload.stream.read(max_bytes + 1), store, max_bytes)
    except UploadRefused as refused:
        field.errors = [*field.errors, str(refused)]
        return None


def send_photo(name: str | None) -> Response:
    """A stored photo (or thumbnail), to a viewer the caller has already checked; else 404."""
    store = file_store()
    if not name or not store.exists(name):
        abort(404)
    response = send_file(store.path(name), mimetype=CONTENT_TYPE, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
