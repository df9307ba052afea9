"""frames → detector → tracker → zone rules → alarms, for one camera.

Everything after the detector is about a millisecond of Python and numpy a frame, even with 30 boxes against
a few polygons, and a snapshot (~2 ms) is drawn only when an alarm is raised: the pipeline runs at the
detector's pace (~40-50 ms a 640x480 frame on 2 threads; bench/video.py measures the ratio).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from perception.video.alarms import AlarmCleared, AlarmSink, OpenStay, VideoAlarm
from perception.video.camera import VIOLATION_NAMES, CameraConfig, CameraConfigError
from perception.video.detector import Detector, Frame
from perception.video.frames import Reconnection, read_frames
from perception.video.rules import Cleared, Raised, RuleEvent, ZoneRule
from perception.video.snapshot import render_snapshot, sha256_hex
from perception.video.tracker import IouTracker, TrackerFrame
from perception.video.zones import Masks

log = logging.getLogger("zhifa.perception.video")

ALARM_NAMESPACE = uuid.UUID("5b0c7a52-6f8e-4d0a-9f43-2f7e0d6a1c11")  # alarm ids: uuid5 in this namespace


@dataclass(slots=True)
class PipelineStats:
    frames: int = 0
    detections: int = 0  # of watched classes
    raised: int = 0
    cleared: int = 0
    resumed: int = 0  # alarms left open by the previous run, taken back at the start (`Pipeline.resume`)
    seconds: float = 0.0  # wall time spent in `process`
    reconnects: int = 0  # a live stream gave frames again after a drop (perception.video.frames)
    outage_seconds: float = 0.0  # a live stream gave no frames: down, dropped, being reopened

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


class Pipeline:
    def __init__(
        self, camera: CameraConfig, detector: Detector, sink: AlarmSink, *, origin: datetime | None = None
    ) -> None:
        self.camera = camera
        self.origin = origin or datetime.now(UTC)  # wall time of the source's second 0
        self.stats = PipelineStats()
        self._detector = detector
        self._sink = sink
        self._tracker = IouTracker(camera.tracker)
        self._rules = [ZoneRule(zone) for zone in camera.zones]
        self._masks = Masks(camera)
        self._watched = camera.watched_classes
        self._checked_size: tuple[int, int] | None = None
        self._resumed: dict[tuple[str, int], str] = {}  # (zone, stay id) → the alarm id of the previous run

    def resume(self, stays: Iterable[OpenStay]) -> int:
        """Take back the alarms the camera's previous run left open: each waits at its box as a stay lost to an
        occlusion does — a track there takes it over without a second alarm; none within `reacquire_seconds`
        clears it ("lost"). One whose zone is gone from the configuration, or now watches another violation, is
        cleared at once. Returns how many were taken back."""
        rules = {rule.zone.name: rule for rule in self._rules}
        taken = 0
        for open_stay in stays:
            rule = rules.get(open_stay.zone)
            if rule is None or rule.zone.violation is not open_stay.violation_type:
                self._sink.clear(
                    AlarmCleared(
                        alarm_id=open_stay.alarm_id,
                        camera_id=self.camera.camera_id,
                        zone=open_stay.zone,
                        violation_type=open_stay.violation_type,
                        track_id=0,
                        reason="lost",
                        ended_at=self.origin,
                        ended_at_s=0.0,
                    )
                )
                self.stats.cleared += 1
                continue
            first_seen, raised_at = self._seconds(open_stay.first_seen), self._seconds(open_stay.raised_at)
            stay = rule.resume(open_stay.label, open_stay.box, first_seen, raised_at)
            self._resumed[(rule.zone.name, stay.stay_id)] = open_stay.alarm_id
            taken += 1
        self.stats.resumed += taken
        return taken

    def run(self, frames: Iterable[tuple[float, Frame]]) -> PipelineStats:
        for at, frame in frames:
            self.process(at, frame)
        return self.stats

    def process(self, at: float, frame: Frame) -> list[RuleEvent]:
        """One sampled frame at `at` seconds of video; returns (and hands to the sink) what it raised or cleared."""
        begin = time.perf_counter()
        self._check_zones(frame)
        detections = [
            d for d in self._detector.detect(frame) if d.label in self._watched and not self._masks.covers(d.box)
        ]
        tracked = self._tracker.update(detections)
        events: list[RuleEvent] = []
        for rule in self._rules:
            events += rule.update(tracked, at)
        for event in events:
            if isinstance(event, Raised):
                self._sink.emit(self._alarm(event, frame, tracked))
                self.stats.raised += 1
            else:
                self._sink.clear(self._cleared(event))
                self.stats.cleared += 1
        self.stats.frames += 1
        self.stats.detections += len(detections)
        self.stats.seconds += time.perf_counter() - begin
        return events

    def _check_zones(self, frame: Frame) -> None:
        height, width = frame.shape[:2]
        if self._checked_size == (width, height):
            return
        for rule in self._rules:
            if not rule.shape.overlaps_frame(width, height):
                raise CameraConfigError(
                    f"camera {self.camera.camera_id}: zone {rule.zone.name!r} lies outside the {width}x{height} "
                    "frames (polygon drawn for another resolution?)"
                )
        self._checked_size = (width, height)

    def _alarm_id(self, zone: str, stay_id: int) -> str:
        resumed = self._resumed.get((zone, stay_id))
        if resumed is not None:
            return resumed
        return str(uuid.uuid5(ALARM_NAMESPACE, f"{self.camera.camera_id}/{zone}/{self.origin.isoformat()}/{stay_id}"))

    def _at(self, seconds: float) -> datetime:
        return self.origin + timedelta(seconds=seconds)

    def _seconds(self, at: datetime) -> float:
        return (at - self.origin).total_seconds()

    def _alarm(self, event: Raised, frame: Frame, tracked: TrackerFrame) -> VideoAlarm:
        stay, zone = event.stay, event.zone
        caption = f"{stay.label} {stay.score:.2f} #{stay.track_id}"  # the violation type is in the record
        others = [obj.box for obj in tracked.objects if obj.track_id != stay.track_id]
        jpeg = render_snapshot(frame, zone.polygon, stay.box, caption, others)
        return VideoAlarm(
            alarm_id=self._alarm_id(zone.name, stay.stay_id),
            camera_id=self.camera.camera_id,
            district=self.camera.district,
            zone=zone.name,
            violation_type=zone.violation,
            violation_name=VIOLATION_NAMES[zone.violation],
            track_id=stay.track_id,
            label=stay.label,
            score=stay.score,
            box=stay.box,
            first_seen=self._at(stay.first_seen),
            raised_at=self._at(event.at),
            first_seen_s=stay.first_seen,
            raised_at_s=event.at,
            snapshot_jpeg=jpeg,
            snapshot_sha256=sha256_hex(jpeg),
        )

    def _cleared(self, event: Cleared) -> AlarmCleared:
        return AlarmCleared(
            alarm_id=self._alarm_id(event.zone.name, event.stay.stay_id),
            camera_id=self.camera.camera_id,
            zone=event.zone.name,
            violation_type=event.zone.violation,
            track_id=event.stay.track_id,
            reason=event.reason,
            ended_at=self._at(event.at),
            ended_at_s=event.at,
        )


def run_camera(
    camera: CameraConfig,
    sink: AlarmSink,
    *,
    detector: Detector | None = None,
    max_frames: int | None = None,
    origin: datetime | None = None,
    stop: threading.Event | None = None,
    reconnection: Reconnection | None = None,
) -> PipelineStats:
    """Run the camera's source to its end (a file), or until `stop` is set or `max_frames` (a live stream,
    reopened whenever it drops); the torchvision detector configured for the camera unless one is given.

    One pipeline sees every frame, across reopenings too: its tracks, open stays and alarm ids carry over an
    outage of the stream; a live camera also takes back the alarms its previous run left open (`resume`)."""
    if detector is None:
        from perception.video.detector import TorchvisionDetector

        detector = TorchvisionDetector.from_config(camera.detector)
    pipeline = Pipeline(camera, detector, sink, origin=origin)
    if camera.realtime:
        taken = pipeline.resume(sink.open_stays(camera.camera_id))
        if taken:
            log.info("camera %s: %d open alarm(s) of the previous run taken back", camera.camera_id, taken)
    frames = read_frames(
        camera.source,
        camera.fps,
        max_frames=max_frames,
        reconnect=camera.live,
        stop=stop,
        counters=pipeline.stats,
        policy=reconnection,
        name=f"camera {camera.camera_id}",
        timestamps=camera.timestamps,
    )
    with closing(frames):  # release the capture also when the pipeline raises
        return pipeline.run(frames)
