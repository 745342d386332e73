"""Uploads are checked by content, cleaned of metadata, shrunk and stored as files."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, datetime

import pytest
from PIL import ExifTags, Image

from audit.photos import images as evidence
from audit.photos.images import UploadRefused, process_image
from audit.storage.files import new_names
from audit.storage.local import LocalStorage
from tests.images import jpeg, png

LIMIT = 10 * 1024 * 1024


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_camera_jpeg_is_kept_without_any_metadata_but_its_capture_time():
    result = process_image(jpeg(), LIMIT)
    stored = reopen(result.data)
    assert stored.format == "JPEG"
    exif = stored.getexif()
    assert len(exif) == 0
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in stored.info and "icc_profile" not in stored.info
    assert b"PhoneCam" not in result.data and b"Exif" not in result.data
    # 10:11:12 at +01:00 is 09:11:12 UTC.
    assert result.captured_at == datetime(2024, 5, 6, 9, 11, 12, tzinfo=UTC)
    assert (result.width, result.height) == (1200, 900) == stored.size
    thumb = reopen(result.thumb)
    assert max(thumb.size) == evidence.THUMB_LONG_SIDE
    assert len(result.sha256) == 64


def test_no_comment_xmp_or_colour_profile_reaches_the_photo_or_its_thumbnail():
    """What a JPEG carries beside EXIF (an editor's comment, XMP with a location, an ICC
    profile naming the device) is left behind too, in both files."""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretPlace 53.79N</x:xmpmeta>'
    buffer = io.BytesIO()
    Image.open(io.BytesIO(jpeg())).save(
        buffer, "JPEG", comment=b"SecretComment", xmp=xmp, icc_profile=profile, quality=90
    )
    carried = reopen(buffer.getvalue()).info
    assert {"comment", "xmp", "icc_profile"} <= carried.keys()  # the upload has them
    result = process_image(buffer.getvalue(), LIMIT)
    for data in (result.data, result.thumb):
        info = reopen(data).info
        assert not {"comment", "xmp", "icc_profile", "exif"} & info.keys()
        assert b"SecretComment" not in data and b"SecretPlace" not in data
        assert b"PhoneCam" not in data


def test_large_photos_are_shrunk_and_turned_upright():
    # Orientation 6: the camera was held on its side; the stored photo is portrait.
    result = process_image(jpeg((4000, 3000), orientation=6), LIMIT)
    assert (result.width, result.height) == (1920, 2560)
    assert reopen(result.data).getexif().get(ExifTags.Base.Orientation) is None


def test_png_and_webp_are_accepted_and_transparency_lands_on_white():
    result = process_image(png(), LIMIT)
    stored = reopen(result.data)
    assert stored.mode == "RGB" and stored.format == "JPEG"
    assert result.captured_at is None and result.original_format == "PNG"
    buffer = io.BytesIO()
    Image.new("RGB", (50, 40), "navy").save(buffer, "WEBP")
    assert process_image(buffer.getvalue(), LIMIT).original_format == "WebP"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"Dear diary, this is not a photo at all.\n" * 20, "not a photo we can read"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
        (b"<!doctype html><html><body><script>alert(1)</script>", "HTML"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"),
        (b"", "empty"),
    ],
)
def test_things_that_are_not_photos_are_refused_with_a_clear_message(data, words):
    with pytest.raises(UploadRefused) as refused:
        process_image(data, LIMIT)
    assert refused.value.status == 400
    assert words in str(refused.value)


def test_other_image_formats_and_damaged_files_are_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "GIF")
    with pytest.raises(UploadRefused, match="JPEG, PNG or WebP"):
        process_image(buffer.getvalue(), LIMIT)
    whole = jpeg()
    with pytest.raises(UploadRefused, match="damaged"):
        process_image(whole[: len(whole) // 2], LIMIT)


def test_damaged_files_are_refused_even_when_weasyprint_loosened_pillow(monkeypatch):
    from PIL import ImageFile

    # Importing WeasyPrint (the PDF reports) sets this for the whole process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    whole = jpeg()
    with pytest.raises(UploadRefused, match="damaged"):
        process_image(whole[: len(whole) // 2], LIMIT)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # put back for WeasyPrint
    assert process_image(whole, LIMIT).width == 1200


def test_files_over_the_limit_are_refused_before_reading():
    with pytest.raises(UploadRefused) as refused:
        process_image(b"\xff\xd8" + b"\x00" * 2_000_000, 1024 * 1024)
    assert refused.value.status == 413
    assert "at most 1 MB" in str(refused.value)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be huge: the header is all a decompression bomb needs."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + (chunk(b"IEND", b""))
    )


@pytest.mark.parametrize("side", [8000, 20000, 60000])
def test_decompression_bombs_are_refused_without_decoding(side):
    with pytest.raises(UploadRefused) as refused:
        process_image(_png_header_only(side, side), LIMIT)
    assert refused.value.status == 413
    assert "pixels" in str(refused.value)


def test_the_file_store_names_files_itself_and_refuses_other_paths(tmp_path):
    store = LocalStorage(tmp_path)
    name, thumb = new_names(datetime(2025, 3, 9, tzinfo=UTC))
    assert name.startswith("2025/03/") and name.endswith(".jpg")
    assert thumb == name.replace(".jpg", "_thumb.jpg")
    store.put(name, b"data", "image/jpeg")
    assert store.exists(name)
    with store.open(name) as handle:
        assert handle.read() == b"data"
    assert not list((tmp_path / "2025" / "03").glob(".upload-*"))
    store.delete(name, thumb)
    assert not store.exists(name)
    for bad in ("../secret.jpg", "/etc/passwd", "2025/03/../../a.jpg", ".hidden", "", "a//b"):
        with pytest.raises(ValueError):
            store.path(bad)
