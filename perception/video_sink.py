"""Video alarms into the platform: the snapshot into the content-addressed store, the alarm into the
alarm table (source ``video``), a new one to its triage — the same road as a sensor's alarms.

Each stay of an object is its own alarm (``source_ref`` = camera and the pipeline's alarm id): two
cars parked in one zone are two violations, and the first leaving does not clear the second. The
pipeline already folds a stationary object's frames and re-acquisitions into one stay (Frigate's
parked-car complaint), so the platform sees one alarm per parked car. The video violation types map
to the deploying city's violation catalogue codes (``Settings.perception_violation_codes``); a type
the catalogue has no code for (vehicle parking is the traffic police's in many cities) is recorded
and triaged as notify-only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.alarms import AlarmSignal, apply_signal
from core.devices import district_path
from core.docstore import DocumentStore
from core.perception_tables import Alarm
from perception.video.alarms import AlarmCleared, VideoAlarm

log = logging.getLogger("zhifa.perception")


class PlatformSink:
    """An `AlarmSink` (perception.video.alarms) that records into the platform's database and store."""

    def __init__(
        self,
        engine: Engine,
        store: DocumentStore,
        violation_codes: dict[str, str],
        on_new: Callable[[Alarm], None] | None = None,
        on_cleared: Callable[[Alarm], None] | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.violation_codes = violation_codes
        self.on_new = on_new
        self.on_cleared = on_cleared
        self._paths: dict[str, str] = {}

    def emit(self, alarm: VideoAlarm) -> None:
        sha256 = self.store.put(alarm.snapshot_jpeg)  # content-addressed: a retried emit stores nothing new
        x1, y1, x2, y2 = alarm.box
        signal = AlarmSignal(
            source="video",
            source_ref=source_ref(alarm.camera_id, alarm.alarm_id),
            rule_code=alarm.violation_type.value,
            kind="camera",
            district_code=alarm.district,
            jurisdiction_path=self._path(alarm.district),
            transition="raised",
            severity="WARNING",
            at=alarm.raised_at,
            violation_code=self.violation_codes.get(alarm.violation_type.value),
            message=f"{alarm.violation_name}：{alarm.zone}（{alarm.label} {alarm.score:.2f}）",
            values={
                "camera": alarm.camera_id,
                "zone": alarm.zone,
                "label": alarm.label,
                "score": round(alarm.score, 3),
                "track_id": alarm.track_id,
                "box": [round(v, 1) for v in (x1, y1, x2, y2)],
                "first_seen": alarm.first_seen.isoformat(),
            },
            evidence_sha256=sha256,
        )
        with Session(self.engine, expire_on_commit=False) as session:
            row, outcome = apply_signal(session, signal)
        if outcome == "new" and row is not None and self.on_new is not None:
            self.on_new(row)

    def clear(self, cleared: AlarmCleared) -> None:
        signal = AlarmSignal(
            source="video",
            source_ref=source_ref(cleared.camera_id, cleared.alarm_id),
            rule_code=cleared.violation_type.value,
            kind="camera",
            district_code="",
            jurisdiction_path="",
            transition="cleared",
            severity="WARNING",
            at=cleared.ended_at,
            values={"reason": cleared.reason},
        )
        with Session(self.engine, expire_on_commit=False) as session:
            row, outcome = apply_signal(session, signal)
        if outcome == "cleared" and row is not None and self.on_cleared is not None:
            self.on_cleared(row)

    def _path(self, district: str) -> str:
        if district not in self._paths:
            with Session(self.engine) as session:
                self._paths[district] = district_path(session, district)
        return self._paths[district]


def source_ref(camera_id: str, alarm_id: str) -> str:
    return f"{camera_id}:{alarm_id}"
