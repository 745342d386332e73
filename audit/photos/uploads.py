"""Photo evidence on a form (a visit's photos, an action update's, an appeal's), and its files.

:func:`store_image` and :func:`store_photo` put checked bytes (see
:mod:`audit.photos.images`) into the file store; :func:`photo_field`,
:func:`save_upload` and :func:`send_photo` are the pieces the views share, so
that every upload is taken, refused and served the same way.

Files follow the database transaction (:func:`register_file_cleanup`, called by
the app factory): a file stored during a transaction that does not commit is
deleted when it ends, and a file whose record is deleted goes only once that
delete is committed. So a rollback, a failed commit or an error page never
leaves a file without its record, nor a record without its file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Response, abort, current_app, send_file
from flask_wtf.file import FileField

from audit.photos.images import CONTENT_TYPE, ProcessedImage, UploadRefused, process_image
from audit.storage.files import FileStore, StorageUnavailable, keep_if_committed

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


def store_image(image: ProcessedImage, store: FileStore) -> tuple[str, str]:
    """Store a checked image and its thumbnail (both or neither), kept only if the current
    transaction commits; returns their names. Raises :class:`StorageUnavailable`."""
    name, thumb = store.new_names()
    store.save_pair(name, image.data, thumb, image.thumb)
    keep_if_committed(store, name, thumb)
    return name, thumb


def store_photo(data: bytes, store: FileStore, max_bytes: int) -> Photo:
    """Check, clean and store an uploaded photo; raises :class:`UploadRefused` for a non-photo
    and :class:`StorageUnavailable` when it cannot be stored."""
    image = process_image(data, max_bytes)
    name, thumb = store_image(image, store)
    return Photo(name, thumb, image.captured_at)


def photo_field(label: str, description: str) -> FileField:
    """An optional photo on a form; the phone offers its camera and gallery."""
    return FileField(label, description=description, render_kw={"accept": ACCEPT})


def file_store() -> FileStore:
    return FileStore(current_app.config["UPLOAD_FOLDER"])


def save_upload(field: FileField, store: FileStore) -> Photo | None:
    """Store the photo sent in ``field``; None when none was sent or it could not be kept.

    A refusal (not a photo, too large) or a storage failure is added to the field's
    errors, for the form; everything else typed in the form is kept as it was.
    """
    upload = field.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    max_bytes = current_app.config["MAX_PHOTO_MB"] * 1024 * 1024
    try:
        return store_photo(upload.stream.read(max_bytes + 1), store, max_bytes)
    except (UploadRefused, StorageUnavailable) as refused:
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
