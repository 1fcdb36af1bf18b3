"""Uploaded images: decoded and re-encoded with Pillow (every metadata block dropped), with a thumbnail; the
EXIF position is read out first, for staff only."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

#: Formats accepted from clients → the format we re-encode to (PNG stays PNG for screenshots, the rest JPEG).
ACCEPTED = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "JPEG", "GIF": "PNG", "MPO": "JPEG", "BMP": "JPEG"}
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png"}
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560
THUMB_SIDE = 320


class ImageRejected(Exception):
    """The bytes are not an image we accept (kind: 'type' → 415, 'size' → 422)."""

    def __init__(self, message: str, *, kind: str = "type") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class CleanImage:
    """An image re-encoded without metadata, its thumbnail, and what we kept from it."""

    data: bytes
    thumb: bytes
    media_type: str
    extension: str
    width: int
    height: int
    #: (lng, lat) in WGS-84 from the EXIF GPS block, if the camera wrote one (staff only).
    gps: tuple[float, float] | None


def _ratio(value: Any) -> float:
    if isinstance(value, tuple) and len(value) == 2:
        return float(value[0]) / float(value[1]) if value[1] else 0.0
    return float(value)


def _gps(img: Image.Image) -> tuple[float, float] | None:
    try:
        info = img.getexif().get_ifd(0x8825)
        if not info or 2 not in info or 4 not in info:
            return None
        lat = sum(_ratio(v) / 60**i for i, v in enumerate(info[2]))
        lng = sum(_ratio(v) / 60**i for i, v in enumerate(info[4]))
        if info.get(1) == "S":
            lat = -lat
        if info.get(3) == "W":
            lng = -lng
        if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat == 0 and lng == 0):
            return None
        return round(lng, 7), round(lat, 7)
    except Exception:  # a broken EXIF block is ignored, never an error
        return None


def _encode(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        img.save(out, "PNG", optimize=True)
    return out.getvalue()


def clean_image(data: bytes) -> CleanImage:
    """Decode, check, orient, shrink, and re-encode an upload; nothing of the original file is kept."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            if fmt not in ACCEPTED:
                raise ImageRejected(f"image format {fmt or 'unknown'} is not accepted; send JPEG, PNG or WebP")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected(f"the image has more than {MAX_PIXELS:,} pixels", kind="size")
            gps = _gps(probe)
            probe.load()
            img = ImageOps.exif_transpose(probe) or probe
            target = ACCEPTED[fmt]
            if target == "PNG":
                img = img.convert("RGBA") if img.mode in ("RGBA", "LA", "P") else img.convert("RGB")
            else:
                img = img.convert("RGB")
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            thumb = img.copy()
            thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
            return CleanImage(
                data=_encode(img, target),
                thumb=_encode(thumb, "JPEG"),
                media_type=MEDIA_TYPES[target],
                extension=EXTENSIONS[target],
                width=img.width,
                height=img.height,
                gps=gps,
            )
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageRejected):
            raise
        raise ImageRejected("the file is not a readable image; send JPEG, PNG or WebP") from None
