"""Photos and receipts on a visit being filled in: checked, stored with their record, removed."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext

from audit.extensions import db
from audit.models import (
    Attachment,
    AttachmentKind,
    User,
    Visit,
    record_event,
)
from audit.photos.images import CONTENT_TYPE, ProcessedImage, process_image
from audit.photos.uploads import store_image
from audit.scorecards.store import definition_of
from audit.shop.service import (
    CLOCK_SKEW,
    MAX_ATTACHMENTS,
    VisitError,
    check_editable,
    require_editable,
)
from audit.storage import Storage
from audit.storage.files import delete_when_committed

# --- photos and receipts -------------------------------------------------------------


def add_attachment(
    visit: Visit,
    data: bytes,
    *,
    user: User,
    store: Storage,
    max_bytes: int,
    question_key: str | None = None,
    kind: AttachmentKind = AttachmentKind.PHOTO,
    original_name: str = "",
    captured_hint: datetime | None = None,
) -> tuple[Attachment, bool]:
    """Check and store one photo; returns (attachment, created).

    The same photo sent again for the same place (a retried upload) gives back
    the attachment already stored. ``captured_hint`` is the capture time the
    phone read before shrinking the photo; the file's own EXIF time wins.
    Raises :class:`audit.photos.images.UploadRefused` for anything that is not a photo and
    :class:`audit.storage.StorageUnavailable` when it cannot be stored; the files are
    kept only if the caller commits.
    """
    check_editable(visit)
    if question_key is not None:
        question = definition_of(visit.version).question(question_key)
        if question is None:
            raise VisitError(gettext("This question is not on the form."))
        if question.evidence == "none":
            raise VisitError(gettext("This question does not take photos."))
    image: ProcessedImage = process_image(data, max_bytes)  # the slow part, before the lock
    require_editable(visit)
    if len(visit.attachments) >= MAX_ATTACHMENTS:
        raise VisitError(gettext("A visit can have at most %(num)d photos.", num=MAX_ATTACHMENTS))
    for existing in visit.attachments:
        if (
            existing.sha256 == image.sha256
            and existing.question_key == question_key
            and existing.kind is kind
        ):
            return existing, False
    captured = image.captured_at
    if captured is None and captured_hint is not None:
        if captured_hint <= datetime.now(UTC) + CLOCK_SKEW:
            captured = captured_hint
    attachment = stored_attachment(
        image,
        store,
        question_key=question_key,
        kind=kind,
        original_name=original_name or "",
        captured_at=captured,
        user=user,
    )
    visit.attachments.append(attachment)
    db.session.flush()
    record_event(
        user,
        "visit.attachment_added",
        visit,
        attachment_id=attachment.id,
        question_key=question_key,
        kind=kind.value,
        size=attachment.size,
    )
    return attachment, True


def stored_attachment(
    image: ProcessedImage,
    store: Storage,
    *,
    question_key: str,
    kind: AttachmentKind,
    original_name: str,
    captured_at: datetime | None,
    user: User | None,
) -> Attachment:
    """The record of a checked image, its file and thumbnail stored (kept only if this
    transaction commits); the caller adds it to its visit."""
    name, thumb = store_image(image, store)
    return Attachment(
        question_key=question_key,
        kind=kind,
        original_name=original_name[:255],
        stored_name=name,
        thumb_name=thumb,
        content_type=CONTENT_TYPE,
        size=len(image.data),
        sha256=image.sha256,
        width=image.width,
        height=image.height,
        captured_at=captured_at,
        uploaded_by=user,
    )


def delete_attachment(attachment: Attachment, user: User, store: Storage) -> None:
    """Remove a photo from a visit still being filled in; its files go once the caller
    has committed."""
    visit = attachment.visit
    require_editable(visit)
    if attachment not in visit.attachments:
        raise VisitError(gettext("This photo has already been removed."))
    delete_when_committed(store, attachment.stored_name, attachment.thumb_name)
    record_event(
        user,
        "visit.attachment_deleted",
        visit,
        attachment_id=attachment.id,
        question_key=attachment.question_key,
    )
    visit.attachments.remove(attachment)
    db.session.flush()
