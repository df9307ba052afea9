"""The evidence picture of an alarm: the frame with the zone and the boxes drawn, as JPEG bytes (Pillow).

Text is ASCII (class, score, track id): Pillow's built-in font has no Chinese glyphs, and the violation type
travels in the alarm record beside the picture.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from perception.video.detector import Box

ZONE_COLOUR = (255, 200, 0)
ALARM_COLOUR = (255, 0, 0)
OTHER_COLOUR = (255, 255, 255)


def render_snapshot(
    frame: NDArray[np.uint8],
    zone: Sequence[tuple[float, float]],
    alarm_box: Box,
    caption: str,
    others: Sequence[Box] = (),
    quality: int = 85,
) -> bytes:
    image = Image.fromarray(np.ascontiguousarray(frame))
    draw = ImageDraw.Draw(image)
    line = max(1, round(min(image.size) / 160))  # ~3 px at 480p, still visible when a thumbnail
    draw.polygon([(x, y) for x, y in zone], outline=ZONE_COLOUR, width=line)
    for other in others:
        draw.rectangle(_around(other, 1), outline=OTHER_COLOUR, width=1)
    draw.rectangle(_around(alarm_box, line + 1), outline=ALARM_COLOUR, width=line + 1)
    top, bottom = alarm_box[1] - line - 13, alarm_box[3] + line + 2
    text_at = (alarm_box[0], top if top >= 0 else bottom)  # above the box, else below it
    left, top, right, bottom = draw.textbbox(text_at, caption)
    draw.rectangle((left - 1, top - 1, right + 1, bottom + 1), fill=ALARM_COLOUR)
    draw.text(text_at, caption, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _around(object_box: Box, width: int) -> Box:
    """The box grown by the outline's width: Pillow draws outlines inward, over the object's edge."""
    return (object_box[0] - width, object_box[1] - width, object_box[2] + width, object_box[3] + width)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
