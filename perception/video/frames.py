"""Frames from a video file or stream (OpenCV / FFmpeg), sampled at the camera's fps.

Every frame is grabbed (demuxed and decoded, which keeps the stream in step) but only the sampled ones are
converted to RGB arrays. Timestamps are seconds of video: from the container's frame rate where it gives one
(files, and most RTSP streams), else from the wall clock since the source opened.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

Frame = NDArray[np.uint8]

_MAX_NATIVE_FPS = 240.0  # above this a reported rate is junk (some streams say 90000, the RTP clock)


class FrameSourceError(RuntimeError):
    """The file or stream cannot be opened."""


class Sampler:
    """Keeps frames 1/fps seconds of video apart on average; after a gap (a stalled stream) it starts over
    from the next frame instead of catching up with a burst."""

    def __init__(self, fps: float) -> None:
        self._step = 1.0 / fps
        self._due = 0.0

    def keep(self, at: float) -> bool:
        if at + 1e-6 < self._due:
            return False
        late = at >= self._due + self._step
        self._due = (at if late else self._due) + self._step
        return True


def read_frames(source: str, fps: float, *, max_frames: int | None = None) -> Iterator[tuple[float, Frame]]:
    """(seconds since the start, H x W x 3 uint8 RGB frame), `fps` of them a second of video."""
    import cv2

    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        capture.release()
        raise FrameSourceError(f"cannot open video source {source!r} (a missing file, or a stream not reachable)")
    try:
        native = capture.get(cv2.CAP_PROP_FPS)
        fixed_rate = 0.0 < native <= _MAX_NATIVE_FPS
        opened = time.monotonic()
        sampler = Sampler(fps)
        kept = index = 0
        while max_frames is None or kept < max_frames:
            if not capture.grab():
                break  # end of file, or the stream dropped (the caller restarts the camera)
            at = index / native if fixed_rate else time.monotonic() - opened
            index += 1
            if not sampler.keep(at):
                continue
            ok, bgr = capture.retrieve()
            if not ok or bgr is None:
                continue
            kept += 1
            rgb: Frame = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.uint8, copy=False)  # 8-bit already
            yield at, rgb
    finally:
        capture.release()
