"""Photos and receipts: checked by content, re-encoded without metadata, stored as files.

Nothing here knows of requests or the database. :func:`process_image` takes the
bytes a phone sent and either refuses them (:class:`UploadRefused`, with a
message for the shopper) or returns a clean JPEG and its thumbnail:

- the bytes must be a JPEG, PNG or WebP image that Pillow can open and verify;
  anything else (a text file renamed ``.jpg``, HTML, SVG, PDF, HEIC, GIF, a
  damaged file) is refused, whatever its name or declared type says;
- files over the size limit and images with too many pixels (decompression
  bombs) are refused before they are decoded;
- the picture is turned upright (EXIF orientation), scaled to at most
  :data:`STORED_LONG_SIDE` pixels and re-encoded as JPEG with no metadata at
  all (no GPS, no camera serial, no EXIF); only the capture time is kept, as a
  field.

Where the files go is :mod:`audit.storage.files`.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError

#: Formats accepted, as Pillow names them, with the name people know them by.
ACCEPTED_FORMATS: dict[str, str] = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
ACCEPTED_TEXT = "a JPEG, PNG or WebP photo"
#: More pixels than this is refused before decoding (a 12 MP phone photo is 12 million).
MAX_PIXELS = 50_000_000
STORED_LONG_SIDE = 2560
THUMB_LONG_SIDE = 320
JPEG_QUALITY = 85
THUMB_QUALITY = 80
CONTENT_TYPE = "image/jpeg"

# Pillow's own guard (a warning above the limit, an error above twice it) backs ours up.
Image.MAX_IMAGE_PIXELS = min(Image.MAX_IMAGE_PIXELS or MAX_PIXELS, MAX_PIXELS)


class UploadRefused(ValueError):
    """An upload that is not stored; ``str()`` is for the shopper, ``status`` for HTTP."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    thumb: bytes
    width: int
    height: int
    #: When the photo was taken, from its EXIF data (UTC), if it said.
    captured_at: datetime | None
    #: sha256 of the bytes as uploaded: the same photo sent twice has the same hash.
    sha256: str
    original_format: str


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def _sniff(data: bytes) -> str | None:
    """A specific refusal for common non-photos, before Pillow is asked."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") or b"<svg" in head or b"<html" in head or b"<script" in head:
        return (
            "This file is a web page or a drawing (HTML or SVG), not a photo. "
            f"Choose {ACCEPTED_TEXT}."
        )
    if head.startswith(b"%pdf"):
        return f"This file is a PDF document, not a photo. Choose {ACCEPTED_TEXT}."
    if data[4:8] == b"ftyp" and data[8:12] in {b"heic", b"heix", b"mif1", b"msf1", b"hevc"}:
        return (
            "HEIC photos cannot be read here. On an iPhone choose 'Most Compatible' "
            f"in Settings › Camera › Formats, or choose {ACCEPTED_TEXT}."
        )
    return None


def _parse_exif_time(raw: object, offset: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    text = raw.strip("\x00 ").strip()
    try:
        when = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    tz = UTC
    if isinstance(offset, str):
        match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", offset.strip("\x00 ").strip())
        if match:
            sign = -1 if match.group(1) == "-" else 1
            delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
            tz = timezone(sign * delta)
    # Without an offset the camera's clock is taken as UTC: EXIF does not say otherwise.
    return when.replace(tzinfo=tz).astimezone(UTC)


def capture_time(image: Image.Image) -> datetime | None:
    """DateTimeOriginal (else DateTimeDigitized, else DateTime) from the EXIF data."""
    try:
        exif = image.getexif()
        sub = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:  # broken EXIF data is common and never fatal
        return None
    for tag, offset_tag in (
        (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal),
        (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized),
    ):
        when = _parse_exif_time(sub.get(tag), sub.get(offset_tag))
        if when is not None:
            return when
    return _parse_exif_time(exif.get(ExifTags.Base.DateTime), sub.get(ExifTags.Base.OffsetTime))


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (JPEG has no alpha)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, quality: int) -> bytes:
    """``image`` as a baseline JPEG that carries nothing but the picture.

    ``image`` is a copy of our own (made by converting or resizing the upload). Its info
    dict, which holds what the upload carried (EXIF, XMP, ICC profile, comment), is
    emptied first: Pillow writes only what ``save`` is given, and reads a comment from
    the info dict, so no metadata can reach the file.
    """
    image.info = {}
    buffer = io.BytesIO()
    # Baseline JPEG with the standard tables: optimize and progressive cost about six
    # times the encoding time (measured by bench/load.py: the most CPU of a visit's
    # requests) for files about a tenth smaller, and the upload waits for it.
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _shrunk(image: Image.Image, long_side: int) -> Image.Image:
    """A new image at most ``long_side`` pixels on its longer side, as
    :meth:`Image.Image.thumbnail` makes it, without copying the large one first."""
    width, height = image.size
    if max(width, height) <= long_side:
        return image.copy()
    scale = long_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


_STRICT = threading.Lock()


@contextmanager
def _strict_decoding() -> Iterator[None]:
    """Decode with Pillow's LOAD_TRUNCATED_IMAGES off, whatever the process has set.

    WeasyPrint (the PDF reports) sets ``ImageFile.LOAD_TRUNCATED_IMAGES = True`` for
    the whole process when it is imported; a damaged or half-sent photo would then be
    stored with a grey lower half instead of being refused. The flag is global, so
    the change is made under a lock and put back at once.
    """
    with _STRICT:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def process_image(data: bytes, max_bytes: int) -> ProcessedImage:
    """Check, clean and shrink one uploaded photo; raises :class:`UploadRefused`."""
    with _strict_decoding():
        return _process_image(data, max_bytes)


def _process_image(data: bytes, max_bytes: int) -> ProcessedImage:
    if len(data) > max_bytes:
        raise UploadRefused(
            f"This file is {_megabytes(len(data))} MB; photos can be at most "
            f"{_megabytes(max_bytes)} MB.",
            status=413,
        )
    if not data:
        raise UploadRefused("The file is empty. Choose the photo again.")
    refusal = _sniff(data)
    if refusal:
        raise UploadRefused(refusal)
    not_readable = f"This file is not a photo we can read. Choose {ACCEPTED_TEXT}."
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with _open(data) as probe:
                fmt = probe.format or ""
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise UploadRefused(_too_many_pixels(width, height), status=413)
                probe.verify()
        except UploadRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadRefused(
                "This image has far too many pixels to be a photo.", status=413
            ) from None
        except UnidentifiedImageError:
            raise UploadRefused(not_readable) from None
        except Exception:  # Pillow raises many types for damaged files
            raise UploadRefused(
                f"This photo is damaged or incomplete. Try again, or choose {ACCEPTED_TEXT}."
            ) from None
        if fmt not in ACCEPTED_FORMATS:  # pragma: no cover  (formats= already limits this)
            raise UploadRefused(not_readable)
        try:
            with _open(data) as image:
                captured_at = capture_time(image)
                if fmt == "JPEG":  # decode at a reduced scale when the photo is huge
                    image.draft("RGB", (STORED_LONG_SIDE, STORED_LONG_SIDE))
                ImageOps.exif_transpose(image, in_place=True)
                picture = _flatten(image)  # a copy: what the upload carried is left behind
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadRefused(
                "This image has far too many pixels to be a photo.", status=413
            ) from None
        except Exception:
            raise UploadRefused(
                f"This photo is damaged or incomplete. Try again, or choose {ACCEPTED_TEXT}."
            ) from None
    picture.thumbnail((STORED_LONG_SIDE, STORED_LONG_SIDE), Image.Resampling.LANCZOS)
    thumb_image = _shrunk(picture, THUMB_LONG_SIDE)
    stored = _encode(picture, JPEG_QUALITY)
    return ProcessedImage(
        data=stored,
        thumb=_encode(thumb_image, THUMB_QUALITY),
        width=picture.width,
        height=picture.height,
        captured_at=captured_at,
        sha256=hashlib.sha256(data).hexdigest(),
        original_format=ACCEPTED_FORMATS[fmt],
    )


def _too_many_pixels(width: int, height: int) -> str:
    return (
        f"This image is {width}×{height} pixels; photos can have at most "
        f"{MAX_PIXELS // 1_000_000} million pixels."
    )


# --------------------------------------------------------------------------- storage
