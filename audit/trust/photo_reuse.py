"""``photo_reuse``: a photo whose perceptual hash matches one on another visit.

A perceptual hash (pHash, from the maintained ``imagehash`` library) stays the same, or
nearly, when a photo is re-encoded, resized or lightly edited, so it catches the photo a
shopper took once and sends again with another visit. Each photo of a submitted visit
gets one :class:`audit.models.PhotoHash` row: the 64-bit hash and its four 16-bit bands.

Two hashes within :data:`MAX_DISTANCE` bits of each other agree exactly on at least one
band (four bands, at most three differing bits: pigeonhole), so the search asks the
database for the photos sharing a band, four indexed equality lookups, and counts the
differing bits only on what comes back. Nothing scans every photo.

Only photos of visits sent earlier are matched: the signal goes to the visit that sent a
photo again, never to the one that sent it first.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import imagehash
from PIL import Image, UnidentifiedImageError
from sqlalchemy import and_, func, or_, select

from audit.extensions import db
from audit.models import Attachment, AttachmentKind, PhotoHash, SignalKind, Visit
from audit.org.timezones import visit_day
from audit.storage import Storage
from audit.storage.base import StorageError
from audit.trust.checks import Finding

__all__ = ["MAX_DISTANCE", "bands", "hamming", "hash_image", "hash_photos", "photo_reuse"]

log = logging.getLogger(__name__)

#: Differing bits (of 64) still called the same photo. Re-encoding and resizing change
#: 0-2 bits; two different photos of the same shop front differ by well over 10.
MAX_DISTANCE = 3


def hash_image(data: bytes) -> int:
    """The 64-bit perceptual hash of an image file's bytes."""
    with Image.open(io.BytesIO(data)) as image:
        return int(str(imagehash.phash(image)), 16)


def bands(value: int) -> tuple[int, int, int, int]:
    """The hash's four 16-bit parts, most significant first."""
    return (value >> 48) & 0xFFFF, (value >> 32) & 0xFFFF, (value >> 16) & 0xFFFF, value & 0xFFFF


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def hash_photos(visit: Visit, store: Storage) -> list[PhotoHash]:
    """The hashes of the visit's photos, made for those that have none yet.

    A photo the store cannot give back (away, or gone) is left unhashed and logged: the
    next computation tries again, and a missing signal is better than a failed task.
    """
    existing = {
        row.attachment_id: row
        for row in db.session.scalars(select(PhotoHash).where(PhotoHash.visit_id == visit.id))
    }
    rows = []
    for attachment in visit.attachments:
        row = existing.get(attachment.id)
        if row is None:
            try:
                value = hash_image(store.get(attachment.thumb_name))
            except (StorageError, UnidentifiedImageError, OSError) as error:
                log.warning("photo %s of visit %s not hashed: %s", attachment.id, visit.id, error)
                continue
            row = PhotoHash(
                attachment_id=attachment.id,
                visit_id=visit.id,
                phash=f"{value:016x}",
                **{f"band{n}": part for n, part in enumerate(bands(value))},
            )
            db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


@dataclass(frozen=True)
class _Match:
    mine: PhotoHash
    theirs: PhotoHash
    distance: int


def _matches(rows: list[PhotoHash], visit: Visit) -> list[_Match]:
    """The photos of visits sent before ``visit`` within MAX_DISTANCE of its photos: the one
    sent first is the original, so computing both visits again moves nothing."""
    sent = visit.submitted_at or visit.visited_at
    other_sent = func.coalesce(Visit.submitted_at, Visit.visited_at)
    earlier = or_(other_sent < sent, and_(other_sent == sent, Visit.id < visit.id))
    found: list[_Match] = []
    for row in rows:
        value = int(row.phash, 16)
        candidates = db.session.scalars(
            select(PhotoHash)
            .join(Visit, Visit.id == PhotoHash.visit_id)
            .where(
                PhotoHash.visit_id != visit.id,
                earlier,
                or_(
                    *(getattr(PhotoHash, f"band{n}") == getattr(row, f"band{n}") for n in range(4))
                ),
            )
        )
        for other in candidates:
            distance = hamming(value, int(other.phash, 16))
            if distance <= MAX_DISTANCE:
                found.append(_Match(row, other, distance))
    return found


def _name(attachment: Attachment) -> str:
    noun = "Receipt" if attachment.kind is AttachmentKind.RECEIPT else "Photo"
    name = attachment.original_name or f"{noun.lower()} {attachment.id}"
    return f"{noun} '{name}'" + (f" ({attachment.question_key})" if attachment.question_key else "")


def photo_reuse(visit: Visit, store: Storage) -> list[Finding]:
    """One finding per photo of ``visit`` that matches a photo of a visit sent before it
    (the closest match, then the oldest visit: where the photo was most likely first
    sent). The visit sent first keeps no signal, however often both are computed."""
    best: dict[int, _Match] = {}
    for match in _matches(hash_photos(visit, store), visit):
        key = match.mine.attachment_id
        current = best.get(key)
        if current is None or (match.distance, match.theirs.visit_id) < (
            current.distance,
            current.theirs.visit_id,
        ):
            best[key] = match
    findings = []
    for match in sorted(best.values(), key=lambda m: m.mine.attachment_id):
        mine, theirs = match.mine.attachment, match.theirs.attachment
        other = theirs.visit
        same = "the same photo" if match.distance == 0 else "nearly the same photo"
        who = "by the same shopper" if other.visitor_id == visit.visitor_id else "by another person"
        detail = (
            f"{_name(mine)} is {same} as one on visit {other.id} at {other.branch.label} "
            f"on {visit_day(other):%d %b %Y}, {who}."
        )
        evidence = {
            "attachment_id": mine.id,
            "other_attachment_id": theirs.id,
            "other_visit_id": other.id,
            "distance": match.distance,
        }
        findings.append(Finding(SignalKind.PHOTO_REUSE, "high", detail, evidence))
    return findings
