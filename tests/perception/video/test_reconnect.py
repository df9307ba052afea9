"""Live streams that drop: read for real by OpenCV's FFmpeg backend from a local HTTP MJPEG server that the
tests drop, refuse and stall. The backoff's waits go to a fake clock, so nothing sleeps for them; the tests of
the reopening arithmetic time frames by the stream (`STREAM`), since the fake clock stands still between waits,
and the last tests time a paced stream by the real clock, as a live camera is by default."""

import itertools
import logging
import random
import threading
from pathlib import Path
from typing import Any

import pytest

from perception.video.alarms import MemorySink
from perception.video.camera import CameraConfig, Timestamps, is_stream_url, parse_camera
from perception.video.frames import Backoff, FrameSourceError, Reconnection, read_frames, redact
from perception.video.pipeline import PipelineStats, run_camera

from .mjpeg import Connection, MjpegServer, Refuse, Serve
from .synthetic import ColourDetector, Frame, render, sprite, write_clip

STEP = 0.04  # FFmpeg reports 25 fps for an MJPEG stream: frame i is at i * 0.04 s of its connection
STREAM = Timestamps.STREAM


class FakeClock:
    """The reader's monotonic clock; it moves only when the reader waits between attempts."""

    def __init__(self, stop: threading.Event | None = None, stop_after: int | None = None) -> None:
        self.now = 1000.0
        self.waits: list[float] = []
        self._stop, self._stop_after = stop, stop_after

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
        if self._stop is not None and len(self.waits) == self._stop_after:
            self._stop.set()


def policy(clock: FakeClock) -> Reconnection:
    # jitter 0: exact delays; a short read timeout: the stalled connection fails fast
    return Reconnection(jitter=0.0, open_timeout=2.0, read_timeout=0.3, clock=clock, wait=clock.wait)


def scene(start: int, count: int, drives_off_at: int | None = None) -> list[Frame]:
    """A car parked in the no-parking zone (frames numbered over the whole run, 25 a second); from
    `drives_off_at` it drives out to the right."""
    leave = drives_off_at if drives_off_at is not None else 10**6
    car = sprite("car", (24, 12), (0.0, 60, 100), (leave / 25, 60, 100), (leave / 25 + 1.0, 310, 100))
    return [render(index / 25, [car]) for index in range(start, start + count)]


def camera_at(url: str, **settings: Any) -> CameraConfig:
    data = {
        "camera_id": "cam-stream-01",
        "district": "110105",
        "source": url,
        "fps": 25,  # every frame of the stream
        "timestamps": "stream",
        "detector": {"weights": "ssdlite.pth"},
        "zones": [
            {
                "name": "禁停路段",
                "polygon": [[30, 75], [130, 75], [130, 120], [30, 120]],
                "violation": "vehicle_illegal_parking",
                "dwell_seconds": 0.4,
            }
        ],
        **settings,
    }
    return parse_camera(data, Path("/cameras"))


def test_a_parked_car_keeps_its_one_alarm_across_a_drop_a_refusal_and_a_stall(
    caplog: pytest.LogCaptureFixture,
) -> None:
    script: list[Connection] = [
        Serve(scene(0, 20)),  # the alarm is raised here (dwell 0.4 s), then the stream drops
        Refuse(),  # the camera is rebooting
        Refuse(),
        Serve(scene(20, 20), end="stall"),  # back; then it hangs without closing
        Serve(scene(40, 20, drives_off_at=45)),  # back again; the car drives off
    ]
    clock, sink = FakeClock(), MemorySink()
    with MjpegServer(script) as server, caplog.at_level(logging.INFO, logger="zhifa.perception"):
        detector = ColourDetector()
        stats = run_camera(camera_at(server.url), sink, detector=detector, max_frames=60, reconnection=policy(clock))
    assert server.connections == 5
    assert stats.frames == detector.calls == 60  # every frame of every connection reached the pipeline
    assert clock.waits == [1.0, 2.0, 4.0, 1.0]  # doubling while down; from the start again once frames flowed
    assert stats.reconnects == 2 and stats.outage_seconds == pytest.approx(7.0 + 1.0)
    assert len(sink.alarms) == 1 and len(sink.cleared) == 1  # the reconnections raised no second alarm
    alarm, cleared = sink.alarms[0], sink.cleared[0]
    assert cleared.alarm_id == alarm.alarm_id and cleared.reason == "left"
    assert alarm.raised_at_s < 0.8  # in the first connection
    assert cleared.ended_at_s > 8.0  # in the third: second 0 of its frames is 8 s (the waits) after the start
    messages = [record.getMessage() for record in caplog.records]
    assert sum("dropped" in m for m in messages) == 2 and sum("cannot open" in m for m in messages) == 2
    assert sum("reconnected" in m for m in messages) == 2
    assert all(m.startswith("camera cam-stream-01: ") for m in messages)


def test_timestamps_run_on_from_the_start_across_reopenings() -> None:
    script: list[Connection] = [Serve(scene(0, 6)), Refuse(), Serve(scene(6, 4)), Serve(scene(10, 5))]
    clock = FakeClock()
    with MjpegServer(script) as server:
        times = [
            at for at, _ in read_frames(server.url, fps=25, max_frames=15, policy=policy(clock), timestamps=STREAM)
        ]
    assert clock.waits == [1.0, 2.0, 1.0]
    first, second, third = times[:6], times[6:10], times[10:]
    assert first == pytest.approx([i * STEP for i in range(6)])
    assert second == pytest.approx([3.0 + i * STEP for i in range(4)])  # the index restarted; time did not
    assert third == pytest.approx([4.0 + i * STEP for i in range(5)])
    assert all(later > earlier for earlier, later in itertools.pairwise(times))


def test_a_segment_that_ran_ahead_of_the_clock_is_not_moved_back() -> None:
    # 50 frames (2 s of stream) arrive at once and the stream comes back 1 s (one wait) after the drop
    clock = FakeClock()
    with MjpegServer([Serve(scene(0, 50)), Serve(scene(50, 3))]) as server:
        times = [
            at for at, _ in read_frames(server.url, fps=25, max_frames=53, policy=policy(clock), timestamps=STREAM)
        ]
    assert clock.waits == [1.0]
    assert times[50:] == pytest.approx([2.0 + i * STEP for i in range(3)])  # right after the last frame


def test_a_corrupt_frame_drops_the_stream_and_it_is_reopened() -> None:
    garbage = b"\xff\xd8" + bytes(range(256)) * 8 + b"\xff\xd9"  # a JPEG's markers around noise
    clock, counters = FakeClock(), PipelineStats()
    with MjpegServer([Serve([*scene(0, 3), garbage, *scene(4, 3)]), Serve(scene(7, 3))]) as server:
        frames = list(
            read_frames(server.url, fps=25, max_frames=6, counters=counters, policy=policy(clock), timestamps=STREAM)
        )
    assert len(frames) == 6 and server.connections == 2 and counters.reconnects == 1
    assert [at for at, _ in frames[3:]] == pytest.approx([1.0, 1.04, 1.08])


def test_a_stream_down_at_start_is_retried_not_an_error() -> None:
    clock = FakeClock()
    counters = PipelineStats()
    with MjpegServer([Refuse(), Refuse(), Serve(scene(0, 3))]) as server:
        times = [
            at
            for at, _ in read_frames(
                server.url, fps=25, max_frames=3, counters=counters, policy=policy(clock), timestamps=STREAM
            )
        ]
    assert clock.waits == [1.0, 2.0] and times == pytest.approx([3.0, 3.04, 3.08])  # seconds since the start
    assert counters.reconnects == 0 and counters.outage_seconds == pytest.approx(3.0)  # never up: no reconnect


def test_a_stop_ends_the_retries_and_counts_the_outage_so_far() -> None:
    stop = threading.Event()
    clock, counters = FakeClock(stop, stop_after=3), PipelineStats()
    with MjpegServer([Serve(scene(0, 5))]) as server:  # then refused for good
        frames = list(
            read_frames(server.url, fps=25, stop=stop, counters=counters, policy=policy(clock), timestamps=STREAM)
        )
    assert len(frames) == 5 and clock.waits == [1.0, 2.0, 4.0]
    assert counters.reconnects == 0 and counters.outage_seconds == pytest.approx(7.0)


def test_without_reconnect_a_stream_ends_at_its_first_drop_and_a_refused_one_is_an_error() -> None:
    clock = FakeClock()
    with MjpegServer([Serve(scene(0, 5)), Refuse()]) as server:
        frames = read_frames(server.url, fps=25, reconnect=False, policy=policy(clock), timestamps=STREAM)
        assert len(list(frames)) == 5
        secret = server.url.replace("http://", "http://admin:hunter2@")
        with pytest.raises(FrameSourceError, match="cannot open video source") as caught:
            next(read_frames(secret, fps=25, reconnect=False, policy=policy(clock)))
    assert clock.waits == [] and "hunter2" not in str(caught.value) and "admin:***@" in str(caught.value)


def test_a_file_ends_at_its_end_and_a_missing_one_fails_at_once(tmp_path: Path) -> None:
    car = sprite("car", (24, 12), (0.0, 60, 100), (2.0, 60, 100))
    clip = write_clip(tmp_path / "clip.avi", [car], seconds=2.0, fps=10)
    clock = FakeClock()
    assert len(list(read_frames(str(clip), fps=10, policy=policy(clock)))) == 20
    with pytest.raises(FrameSourceError, match="cannot open video source"):
        next(read_frames(str(tmp_path / "none.avi"), fps=2, policy=policy(clock)))
    assert clock.waits == []  # neither was retried


def test_a_file_with_reconnect_replays_with_time_running_on(tmp_path: Path) -> None:
    car = sprite("car", (24, 12), (0.0, 60, 100), (1.0, 60, 100))
    clip = write_clip(tmp_path / "clip.avi", [car], seconds=1.0, fps=10)
    clock = FakeClock()
    times = [at for at, _ in read_frames(str(clip), fps=10, max_frames=15, reconnect=True, policy=policy(clock))]
    assert clock.waits == [1.0] and times[10:] == pytest.approx([1.0 + i / 10 for i in range(5)])


def test_the_backoff_doubles_up_to_its_cap_and_starts_over_after_a_reset() -> None:
    backoff = Backoff(first=1.0, most=30.0, jitter=0.0)
    assert [backoff.delay() for _ in range(7)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    backoff.reset()
    assert backoff.delay() == 1.0
    jittered = Backoff(first=1.0, most=30.0, jitter=0.1, rng=random.Random(7))
    delays = [jittered.delay() for _ in range(8)]
    for delay, base in zip(delays, [1, 2, 4, 8, 16, 30, 30, 30], strict=True):
        assert base * 0.9 <= delay <= base * 1.1
    assert len(set(delays[-3:])) == 3  # cameras that dropped together spread out


@pytest.mark.parametrize(
    ("source", "live"),
    [
        ("rtsp://10.20.0.17:554/Streaming/Channels/102", True),
        ("RTSPS://cam.example/1", True),
        ("http://10.0.0.5/video.mjpg", True),
        ("srt://10.0.0.5:9000", True),
        ("udp://@239.0.0.1:1234", True),
        ("/var/lib/zhifa/clips/street.mp4", False),
        ("clips/street.avi", False),
        ("file:///var/clips/street.mp4", False),
    ],
)
def test_stream_urls_are_live_and_files_are_not(source: str, live: bool) -> None:
    assert is_stream_url(source) is live
    assert camera_at(source).live is live
    assert camera_at(source, reconnect=not live).live is not live  # the camera file overrides it


def test_passwords_in_stream_urls_are_not_logged() -> None:
    assert redact("rtsp://admin:hunter2@10.0.0.5:554/ch1") == "rtsp://admin:***@10.0.0.5:554/ch1"
    assert redact("rtsp://10.0.0.5/ch1") == "rtsp://10.0.0.5/ch1"
    assert redact("/clips/a:b@c.mp4") == "/clips/a:b@c.mp4"


def test_a_live_stream_is_timed_by_the_clock_not_by_the_rate_it_reports() -> None:
    # FFmpeg says 25 fps for this stream; the camera sends 5 a second (as many do at night). reconnect=False:
    # the run ends with the stream. FFmpeg's probe hands the first two frames over together, so the sampler
    # keeps one of them: frames 0 and 2..11, eleven intervals of 0.2 s less the probed one, at least 2 s.
    with MjpegServer([Serve(scene(0, 12), interval=0.2)]) as server:
        times = [at for at, _ in read_frames(server.url, fps=25, reconnect=False)]
    assert len(times) >= 10
    assert times[-1] - times[0] >= 2.0 - 0.05  # the server's sleeps are the floor; a slow reader only adds
    assert all(later > earlier for earlier, later in itertools.pairwise(times))
    with MjpegServer([Serve(scene(0, 12), interval=0.05)]) as server:
        by_rate = [at for at, _ in read_frames(server.url, fps=25, reconnect=False, timestamps=STREAM)]
    assert by_rate == pytest.approx([i * STEP for i in range(12)])  # what the reported rate would have said


def test_on_a_slow_live_stream_the_dwell_runs_by_the_clock() -> None:
    # A car parked for 2.2 s (12 frames, 0.2 s apart) in a zone whose dwell is 1 s. By the reported 25 fps it
    # would have stayed 0.44 s — no alarm; by the clock it stayed 2.2 s — one alarm, a dwell after it came.
    zone = {
        "name": "禁停路段",
        "polygon": [[30, 75], [130, 75], [130, 120], [30, 120]],
        "violation": "vehicle_illegal_parking",
        "dwell_seconds": 1.0,
    }
    sink = MemorySink()
    with MjpegServer([Serve(scene(0, 12), interval=0.2)]) as server:
        camera = camera_at(server.url, timestamps=None, reconnect=False, zones=[zone])
        assert camera.timestamps is Timestamps.CLOCK  # the default for a stream URL
        stats = run_camera(camera, sink, detector=ColourDetector())
    assert stats.frames >= 10 and len(sink.alarms) == 1
    alarm = sink.alarms[0]
    assert alarm.raised_at_s - alarm.first_seen_s >= 1.0
    assert (alarm.raised_at - alarm.first_seen).total_seconds() >= 1.0  # the record's wall times agree
