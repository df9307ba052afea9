"""Frames from a video file or a live stream (OpenCV / FFmpeg), sampled at the camera's fps.

Every frame is grabbed (demuxed and decoded, which keeps the stream in step) but only the sampled ones are
converted to RGB arrays. Timestamps are seconds since the reader started: for a live stream, by the monotonic
clock when the frame arrived (camera.Timestamps says why: cameras' reported rates lie); for a file, by frame
index and the container's rate (the clock where it gives none).

A file ends the run at its end. A live stream (rtsp://, http://, ...) that cannot be opened, drops or stalls
is released and reopened with exponential backoff, for as long as the camera runs: a camera worker outlives
the camera's and the network's outages. Across reopenings timestamps keep counting from the first open
attempt, so the pipeline's time never runs backwards and its open stays carry over the outage.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import numpy as np
from numpy.typing import NDArray

from perception.video.camera import Timestamps, default_timestamps, is_stream_url

Frame = NDArray[np.uint8]

log = logging.getLogger("zhifa.perception.video")

_MAX_NATIVE_FPS = 240.0  # above this a reported rate is junk (some streams say 90000, the RTP clock)


class FrameSourceError(RuntimeError):
    """The file or stream cannot be opened."""


class SourceCounters(Protocol):
    """Where the reader counts a live stream's outages (`PipelineStats` has these fields)."""

    reconnects: int
    outage_seconds: float


@dataclass(slots=True)
class _Counters:
    reconnects: int = 0
    outage_seconds: float = 0.0


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


class Backoff:
    """Delays between attempts to reopen a stream: `first` seconds, doubling up to `most`, each off by up to
    ±`jitter` of itself so that cameras dropped together (a switch restarting) do not retry in lockstep."""

    def __init__(
        self, first: float = 1.0, most: float = 30.0, jitter: float = 0.1, rng: random.Random | None = None
    ) -> None:
        self._first, self._most, self._jitter = first, most, jitter
        self._rng = rng or random.Random()
        self._next = first

    def delay(self) -> float:
        base = self._next
        self._next = min(base * 2.0, self._most)
        return base * (1.0 + self._rng.uniform(-self._jitter, self._jitter))

    def reset(self) -> None:
        """Frames flow again: the next outage starts from the first delay."""
        self._next = self._first


@dataclass(slots=True)
class Reconnection:
    """How a live stream is (re)opened. Tests swap the clock and the wait for fake ones."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    jitter: float = 0.1
    open_timeout: float = 10.0  # seconds FFmpeg may take to connect
    read_timeout: float = 10.0  # seconds without data before a grab fails: a stalled stream counts as dropped
    clock: Callable[[], float] = time.monotonic
    # waits between attempts; None: the stop event's wait (a stop cuts it short), else time.sleep
    wait: Callable[[float], object] | None = None
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self) -> Backoff:
        return Backoff(self.first_delay, self.max_delay, self.jitter, self.rng)


def redact(source: str) -> str:
    """The source for logs and messages: a password in a stream URL (rtsp://user:pass@host) becomes ***."""
    if not is_stream_url(source):
        return source
    parts = urlsplit(source)
    if parts.password is None:
        return source
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username}:***@{host}").geturl()


def _open(cv2: Any, source: str, policy: Reconnection) -> Any | None:
    """An opened capture, or None. Stream URLs get FFmpeg's connect and read timeouts, so that a dead camera
    or a stalled stream fails a call instead of blocking it for good."""
    try:
        if is_stream_url(source):
            timeouts = [
                cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                round(policy.open_timeout * 1000),
                cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                round(policy.read_timeout * 1000),
            ]
            capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG, timeouts)
        else:
            capture = cv2.VideoCapture(source)
    except cv2.error as exc:  # a malformed URL can throw instead of failing to open
        log.warning("%s: %s", redact(source), exc)
        return None
    if capture.isOpened():
        return capture
    capture.release()
    return None


def _recovered(label: str, outage: float, counters: SourceCounters, *, reconnected: bool) -> None:
    counters.outage_seconds += outage
    if reconnected:  # frames had flowed before the outage
        counters.reconnects += 1
        log.info("%s: reconnected, frames flow again after %.1f s without them", label, outage)
    else:
        log.info("%s: the stream is up after %.1f s of failed attempts", label, outage)


def read_frames(
    source: str,
    fps: float,
    *,
    max_frames: int | None = None,
    reconnect: bool | None = None,
    stop: threading.Event | None = None,
    counters: SourceCounters | None = None,
    policy: Reconnection | None = None,
    name: str | None = None,
    timestamps: Timestamps | None = None,
) -> Generator[tuple[float, Frame], None, None]:
    """(seconds since the start, H x W x 3 uint8 RGB frame), `fps` of them a second of video.

    `reconnect`: reopen the source when it cannot be opened or stops delivering frames (None: a stream URL
    does, a file does not). `timestamps`: the clock's or the stream's (None: the clock for a stream URL, the
    frame rate for a file). It ends when `stop` is set (after the current frame), at `max_frames`, or, without
    reconnection, at the end of the source. `counters` gets the reconnects and the seconds without frames.
    """
    import cv2

    live = is_stream_url(source) if reconnect is None else reconnect
    by_clock = (timestamps or default_timestamps(source)) is Timestamps.CLOCK
    policy = policy or Reconnection()
    counters = counters if counters is not None else _Counters()
    label = name or redact(source)
    clock, backoff = policy.clock, policy.backoff()
    wait = policy.wait or (stop.wait if stop is not None else time.sleep)
    sampler = Sampler(fps)
    started = clock()  # second 0 of every timestamp, also after reopenings
    last_at: float | None = None  # the latest grabbed frame's timestamp
    down_since: float | None = None  # start of the current outage (None: never failed, or frames flowing)
    kept = attempts = 0

    def running() -> bool:
        return (stop is None or not stop.is_set()) and (max_frames is None or kept < max_frames)

    try:
        while running():
            attempts += 1
            capture = _open(cv2, source, policy)
            if capture is None:
                if not live:
                    raise FrameSourceError(
                        f"cannot open video source {label!r} (a missing file, or a stream not reachable)"
                    )
                if down_since is None:
                    down_since = clock() if last_at is not None else started  # never up: out since the start
                delay = backoff.delay()
                log.warning(
                    "%s: cannot open %s (attempt %d); retrying in %.1f s", label, redact(source), attempts, delay
                )
                wait(delay)
                continue
            try:
                native = capture.get(cv2.CAP_PROP_FPS)
                fixed_rate = 0.0 < native <= _MAX_NATIVE_FPS
                opened = clock()
                # The frame index restarts with each opening: shift the new segment to the time elapsed since
                # the start, and never behind a frame already handed out (a stream can run ahead of the clock).
                offset = 0.0
                if attempts > 1:
                    floor = 0.0 if last_at is None else last_at + (1.0 / native if fixed_rate else 1e-3)
                    offset = max(opened - started, floor)
                index = 0
                while running():
                    if not capture.grab():
                        break  # the end of a file; a stream dropped, stalled past the read timeout or corrupt
                    if index == 0:
                        backoff.reset()
                        if down_since is not None:
                            _recovered(label, clock() - down_since, counters, reconnected=last_at is not None)
                            down_since = None
                    if by_clock:
                        at = clock() - started
                    else:
                        at = offset + (index / native if fixed_rate else clock() - opened)
                    index += 1
                    last_at = at
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
            if not live or not running():
                if not live and is_stream_url(source) and running():
                    log.warning("%s: the stream ended after %d frames (reconnect is off)", label, index)
                return
            if down_since is None:  # else a reopened stream that gave nothing: the same outage goes on
                down_since = clock() if last_at is not None else started
            delay = backoff.delay()
            log.warning("%s: the stream dropped after %d frames; reopening in %.1f s", label, index, delay)
            wait(delay)
    finally:
        if down_since is not None:  # stopped during an outage: count it up to now
            counters.outage_seconds += clock() - down_since
