"""Synthetic street scenes for the video tests: coloured rectangles that drive, park and get hidden, and a
real detector of them (colour thresholding + connected components), so the pipeline is tested on pixels, not
on canned answers."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from perception.video.detector import Detection

Frame = NDArray[np.uint8]
Position = Callable[[float], tuple[float, float] | None]  # top-left corner at t seconds, None when absent

WIDTH, HEIGHT = 160, 120
BACKGROUND = (50, 50, 50)
OCCLUDER = (128, 128, 128)  # a passing bus: hides what is behind it, detected as nothing
COLOURS: dict[str, tuple[int, int, int]] = {
    "car": (220, 30, 30),
    "bicycle": (30, 30, 220),
    "umbrella": (30, 200, 30),
    "suitcase": (230, 220, 30),
}


def keyframes(*points: tuple[float, float, float]) -> Position:
    """(t, x, y) points; the object moves linearly between them and is absent before the first and after
    the last."""

    def at(t: float) -> tuple[float, float] | None:
        if t < points[0][0] or t > points[-1][0]:
            return None
        for (t0, x0, y0), (t1, x1, y1) in itertools.pairwise(points):
            if t0 <= t <= t1:
                share = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
                return x0 + (x1 - x0) * share, y0 + (y1 - y0) * share
        return points[-1][1], points[-1][2]

    return at


@dataclass(frozen=True)
class Sprite:
    colour: tuple[int, int, int]
    size: tuple[int, int]  # width, height
    position: Position


def sprite(label: str, size: tuple[int, int], *points: tuple[float, float, float]) -> Sprite:
    return Sprite(COLOURS[label], size, keyframes(*points))


def occluder(size: tuple[int, int], *points: tuple[float, float, float]) -> Sprite:
    return Sprite(OCCLUDER, size, keyframes(*points))


def render(t: float, sprites: Sequence[Sprite], size: tuple[int, int] = (WIDTH, HEIGHT)) -> Frame:
    """The scene at t (RGB); later sprites are drawn over earlier ones."""
    frame = np.empty((size[1], size[0], 3), dtype=np.uint8)
    frame[:] = BACKGROUND
    for item in sprites:
        place = item.position(t)
        if place is None:
            continue
        x, y = round(place[0]), round(place[1])
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(size[0], x + item.size[0]), min(size[1], y + item.size[1])
        if x1 > x0 and y1 > y0:
            frame[y0:y1, x0:x1] = item.colour
    return frame


def write_clip(path: Path, sprites: Sequence[Sprite], seconds: float, fps: int = 10) -> Path:
    """An MJPG AVI file of the scene (lossy, like a camera's stream)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (WIDTH, HEIGHT))
    assert writer.isOpened()
    for index in range(round(seconds * fps)):
        writer.write(cv2.cvtColor(render(index / fps, sprites), cv2.COLOR_RGB2BGR))
    writer.release()
    return path


class ColourDetector:
    """Finds each colour's blobs; score = how much of its box the colour fills (1.0 for a clean rectangle)."""

    def __init__(self, tolerance: int = 60, min_area: int = 20) -> None:
        self._tolerance = tolerance
        self._min_area = min_area
        self.calls = 0

    def detect(self, frame: Frame) -> list[Detection]:
        self.calls += 1
        found = []
        signed = frame.astype(np.int16)
        for label, colour in COLOURS.items():
            hits = (np.abs(signed - np.array(colour, dtype=np.int16)) < self._tolerance).all(axis=2)
            mask = np.asarray(hits, dtype=np.uint8)
            count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
            for index in range(1, count):
                x, y, w, h, area = (int(v) for v in stats[index])
                if area >= self._min_area:
                    found.append(Detection((float(x), float(y), float(x + w), float(y + h)), label, area / (w * h)))
        return found
