"""Photos made for tests: real JPEG and PNG bytes, as a phone would send them."""

from __future__ import annotations

import io
import random

from PIL import ExifTags, Image


def jpeg(size=(1200, 900), *, exif: bool = True, orientation: int | None = None) -> bytes:
    """A JPEG with camera metadata: capture time with its offset, GPS, maker."""
    image = Image.new("RGB", size, (180, 40, 40))
    image.paste((20, 120, 200), (0, 0, size[0] // 2, size[1] // 3))
    data = Image.Exif()
    if exif:
        data[ExifTags.Base.Make] = "PhoneCam"
        data[ExifTags.Base.Model] = "Model 7"
        if orientation:
            data[ExifTags.Base.Orientation] = orientation
        sub = data.get_ifd(ExifTags.IFD.Exif)
        sub[ExifTags.Base.DateTimeOriginal] = "2024:05:06 10:11:12"
        sub[ExifTags.Base.OffsetTimeOriginal] = "+01:00"
        gps = data.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps[ExifTags.GPS.GPSLatitude] = (53.0, 47.0, 53.0)
        gps[ExifTags.GPS.GPSLongitudeRef] = "W"
        gps[ExifTags.GPS.GPSLongitude] = (1.0, 32.0, 33.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=data, quality=90)
    return buffer.getvalue()


def png(size=(400, 300), mode="RGBA") -> bytes:
    image = Image.new(mode, size, (0, 200, 0, 128) if mode == "RGBA" else (0, 200, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def noisy_jpeg(size=(1600, 1200), seed: int = 7) -> bytes:
    """A photo that compresses badly (random pixels): large files and a large thumbnail."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()
