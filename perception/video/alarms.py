"""What the video pipeline hands on: `VideoAlarm` / `AlarmCleared` records and the `AlarmSink` they go to.

A sink receives, per stay of an object in a zone, at most one `emit` (the dwell was reached) and then at most
one `clear` with the same `alarm_id` (the object left, or was lost and not seen again). The platform keeps
one active alarm per (source, violation type) and treats a repeated alarm as an update (DESIGN.md,
"Supervision loop and alarms"); `alarm_id` is stable for a given run origin, so a retried post is idempotent.
Sinks are called on the pipeline's thread between frames: a slow sink slows the camera, so one that posts to
the network should queue and return.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO

from pydantic import BaseModel, ConfigDict, field_serializer, field_validator

from perception.video.camera import ViolationType


class VideoAlarm(BaseModel):
    model_config = ConfigDict(frozen=True)

    alarm_id: str  # uuid5 of camera, zone, run origin and stay number
    camera_id: str
    district: str
    zone: str
    violation_type: ViolationType
    violation_name: str  # 机动车乱停放, 非机动车乱停放, 占道经营, 乱堆物堆料
    track_id: int
    label: str  # the detector's class, e.g. "car"
    score: float
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in frame pixels
    first_seen: datetime  # entered the zone (UTC: run origin + seconds of video)
    raised_at: datetime  # dwell reached
    first_seen_s: float  # the same two, as seconds into the source
    raised_at_s: float
    snapshot_jpeg: bytes  # the frame at raised_at with the zone and boxes drawn
    snapshot_sha256: str  # hex SHA-256 of snapshot_jpeg, for the evidence store

    # In JSON the snapshot is standard base64 (pydantic's own "base64" mode writes the URL-safe alphabet).
    @field_serializer("snapshot_jpeg", when_used="json")
    def _jpeg_to_base64(self, jpeg: bytes) -> str:
        return base64.b64encode(jpeg).decode("ascii")

    @field_validator("snapshot_jpeg", mode="before")
    @classmethod
    def _jpeg_from_base64(cls, value: object) -> object:
        return base64.b64decode(value, validate=True) if isinstance(value, str) else value


class AlarmCleared(BaseModel):
    model_config = ConfigDict(frozen=True)

    alarm_id: str
    camera_id: str
    zone: str
    violation_type: ViolationType
    track_id: int
    reason: Literal["left", "lost"]  # seen leaving the zone / tracking lost and not re-acquired in time
    ended_at: datetime  # left: first seen outside the zone; lost: last seen
    ended_at_s: float


@dataclass(frozen=True, slots=True)
class OpenStay:
    """An alarm a sink holds open for a camera, as a restarted pipeline takes it back (`Pipeline.resume`)."""

    alarm_id: str
    zone: str
    violation_type: ViolationType
    label: str
    box: tuple[float, float, float, float]
    first_seen: datetime
    raised_at: datetime


class AlarmSink(Protocol):
    def emit(self, alarm: VideoAlarm) -> None:
        """A new alarm: once per object's stay, when it has been in the zone for the dwell time."""
        ...

    def clear(self, cleared: AlarmCleared) -> None:
        """The object of an alarm emitted before is gone."""
        ...

    def open_stays(self, camera_id: str) -> list[OpenStay]:
        """The camera's alarms emitted and not cleared, for a live camera's restart to take back."""
        ...


def stay_of(alarm: VideoAlarm) -> OpenStay:
    return OpenStay(
        alarm.alarm_id, alarm.zone, alarm.violation_type, alarm.label, alarm.box, alarm.first_seen, alarm.raised_at
    )


class MemorySink:
    def __init__(self) -> None:
        self.alarms: list[VideoAlarm] = []
        self.cleared: list[AlarmCleared] = []

    def emit(self, alarm: VideoAlarm) -> None:
        self.alarms.append(alarm)

    def clear(self, cleared: AlarmCleared) -> None:
        self.cleared.append(cleared)

    def open_stays(self, camera_id: str) -> list[OpenStay]:
        gone = {cleared.alarm_id for cleared in self.cleared}
        return [stay_of(a) for a in self.alarms if a.camera_id == camera_id and a.alarm_id not in gone]


class JsonLinesSink:
    """One JSON object a line, `"event": "raised"` or `"cleared"`, flushed at once (tail -f, log shippers).

    The snapshot is inline (base64 `snapshot_jpeg`) unless `snapshot_dir` is given: then it is written there
    as `<alarm_id>.jpg` and the line names the file in `snapshot_file` (its SHA-256 stays in the line).
    """

    def __init__(self, stream: TextIO, snapshot_dir: Path | None = None) -> None:
        self._stream = stream
        self._snapshot_dir = snapshot_dir
        if snapshot_dir is not None:
            snapshot_dir.mkdir(parents=True, exist_ok=True)

    def emit(self, alarm: VideoAlarm) -> None:
        if self._snapshot_dir is None:
            record: dict[str, Any] = json.loads(alarm.model_dump_json())
        else:
            target = self._snapshot_dir / f"{alarm.alarm_id}.jpg"
            target.write_bytes(alarm.snapshot_jpeg)
            record = alarm.model_dump(mode="json", exclude={"snapshot_jpeg"})
            record["snapshot_file"] = str(target)
        self._write({"event": "raised", **record})

    def clear(self, cleared: AlarmCleared) -> None:
        self._write({"event": "cleared", **cleared.model_dump(mode="json")})

    def open_stays(self, camera_id: str) -> list[OpenStay]:
        return []  # lines written for someone else to read: nothing to take back

    def _write(self, record: dict[str, Any]) -> None:
        self._stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._stream.flush()
