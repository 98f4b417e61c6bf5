"""Uploaded pictures, re-encoded: whatever was sent is decoded and written anew, so what the site
serves is only pixels (no metadata, no GPS position, no script in a crafted file; ASVS 5.2).

The type is read from the content (the name and the browser's claim are ignored), the size from the
header before any pixel is decoded: a 20,000 × 20,000 "decompression bomb" is refused without the
memory it would take. JPEGs are decoded straight at a reduced scale when only a small copy is wanted.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from coworking.core.errors import InvalidInput
from coworking.core.vocabulary import N_

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_BYTES = 10 * 1024 * 1024
# 50 megapixels: any phone's or camera's photo, far below what would exhaust a small server.
MAX_PIXELS = 50_000_000
# Pillow's own bomb check, as a second net under ours (it raises above twice this).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# WebP: a third smaller than JPEG at the same look, which counts on a rural connection.
FORMAT, MEDIA_TYPE, EXTENSION = "WEBP", "image/webp", "webp"
QUALITY = 80


@dataclass(frozen=True)
class Rendition:
    """One re-encoded copy: ``width`` × ``height`` pixels of WebP."""

    width: int
    height: int
    data: bytes


def reencode(data: bytes, long_edges: tuple[int, ...], field: str) -> list[Rendition]:
    """Copies of the picture in ``data``, each at most ``long_edges[i]`` pixels on its long side (none
    larger than the original; at least one). InvalidInput (on ``field``) for anything but a readable
    JPEG, PNG or WebP of at most MAX_BYTES and MAX_PIXELS."""
    if len(data) > MAX_BYTES:
        raise InvalidInput({field: N_("This file is over 10 MB: choose a smaller photo.")})
    too_many_pixels = InvalidInput({field: N_("This picture has too many pixels (over 50 megapixels): send a smaller one.")})
    try:
        with Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS)) as image:
            width, height = image.size  # from the header: nothing is decoded yet
            if width * height > MAX_PIXELS:
                raise too_many_pixels
            return _renditions(image, long_edges)
    except Image.DecompressionBombError:  # Pillow's own check in open(), for the most extreme sizes
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise InvalidInput({field: N_("This file is not a JPEG, PNG or WebP photo we can read.")}) from None


def _renditions(image: Any, long_edges: tuple[int, ...]) -> list[Rendition]:  # noqa: ANN401 - a Pillow image
    largest = max(long_edges)
    if image.format == "JPEG":
        image.draft("RGB", (largest, largest))  # decode at 1/2, 1/4 or 1/8 scale when that is enough
    image.seek(0)  # an animation: its first frame
    image.load()
    picture = _in_srgb(ImageOps.exif_transpose(image))  # turned as the camera meant; the EXIF is then forgotten
    picture = picture.convert(
        "RGBA" if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info else "RGB"
    )
    original = max(picture.size)
    edges = sorted({min(edge, original) for edge in long_edges})
    renditions = []
    for edge in edges:
        copy = picture.copy()
        copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # Saved with nothing but pixels: no exif, icc_profile or xmp is passed on.
        copy.save(out, FORMAT, quality=QUALITY, method=4)
        renditions.append(Rendition(copy.width, copy.height, out.getvalue()))
    return renditions


def _in_srgb(picture: Any) -> Any:  # noqa: ANN401
    """The picture's colours in sRGB, which is what a copy without a colour profile is read as (a phone's
    wide-gamut photo would otherwise look dull)."""
    profile = picture.info.get("icc_profile")
    if not profile or picture.mode not in ("RGB", "RGBA"):
        return picture
    try:
        return ImageCms.profileToProfile(
            picture, io.BytesIO(profile), ImageCms.createProfile("sRGB"), outputMode=picture.mode
        )
    except (ImageCms.PyCMSError, OSError):
        return picture
