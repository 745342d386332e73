"""Photo evidence on a form (a visit's photos, an action update's, an appeal's), and its files.

:func:`store_image` and :func:`store_photo` put checked bytes (see
:mod:`audit.photos.images`) into the app's storage (:mod:`audit.storage`); :func:`photo_field`,
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

from flask import Response, current_app
from flask_wtf.file import FileField

from audit.photos.images import CONTENT_TYPE, ProcessedImage, UploadRefused, process_image
from audit.storage import Storage, StorageUnavailable, storage
from audit.storage.files import keep_if_committed, new_names, put_pair
from audit.storage.serving import send_stored

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


#: What a person uploading a photo is told when the store cannot take it.
PHOTO_ADVICE = "Your answers are safe; try the photo again in a few minutes."


def store_image(image: ProcessedImage, store: Storage) -> tuple[str, str]:
    """Store a checked image and its thumbnail (both or neither), kept only if the current
    transaction commits; returns their names once both are stored. Raises
    :class:`StorageUnavailable` (worded about the photo) otherwise."""
    name, thumb = new_names()
    try:
        put_pair(store, name, image.data, thumb, image.thumb, CONTENT_TYPE)
    except StorageUnavailable as failure:
        raise failure.about("The photo", PHOTO_ADVICE) from failure.__cause__
    keep_if_committed(store, name, thumb)
    return name, thumb


def store_photo(data: bytes, store: Storage, max_bytes: int) -> Photo:
    """Check, clean and store an uploaded photo; raises :class:`UploadRefused` for a non-photo
    and :class:`StorageUnavailable` when it cannot be stored."""
    image = process_image(data, max_bytes)
    name, thumb = store_image(image, store)
    return Photo(name, thumb, image.captured_at)


def photo_field(label: str, description: str) -> FileField:
    """An optional photo on a form; the phone offers its camera and gallery."""
    return FileField(label, description=description, render_kw={"accept": ACCEPT})


def file_store() -> Storage:
    """The app's store (:func:`audit.storage.storage`)."""
    return storage()


def save_upload(field: FileField, store: Storage) -> Photo | None:
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
    return send_stored(name, CONTENT_TYPE)
