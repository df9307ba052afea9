"""Video alarms into the platform: the snapshot into the content-addressed store, the alarm into the
alarm table (source ``video``), a new one to its triage — the same road as a sensor's alarms.

Each stay of an object is its own alarm (``source_ref`` = camera and the pipeline's alarm id): two
cars parked in one zone are two violations, and the first leaving does not clear the second. The
pipeline already folds a stationary object's frames and re-acquisitions into one stay (Frigate's
parked-car complaint), so the platform sees one alarm per parked car; when a live camera's worker restarts,
`open_stays` hands the pipeline back the alarms still open here, so the car parked through the restart keeps
its alarm and one gone meanwhile has its alarm cleared. The video violation types map
to the deploying city's violation catalogue codes (``Settings.perception_violation_codes``); a type
the catalogue has no code for (vehicle parking is the traffic police's in many cities) is recorded
and triaged as notify-only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.alarms import AlarmSignal, apply_signal
from core.devices import district_path
from core.docstore import DocumentStore
from core.perception_tables import Alarm
from perception.video.alarms import AlarmCleared, OpenStay, VideoAlarm
from perception.video.camera import ViolationType

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

    def open_stays(self, camera_id: str) -> list[OpenStay]:
        """The camera's video alarms not cleared (active or acknowledged), oldest first."""
        query = (
            select(Alarm)
            .where(Alarm.source == "video", col(Alarm.source_ref).startswith(f"{camera_id}:", autoescape=True))
            .where(Alarm.state != "cleared")
            .order_by(col(Alarm.raised_at))
        )
        with Session(self.engine) as session:
            rows = session.exec(query).all()
        stays = []
        for row in rows:
            try:
                values = row.values
                x1, y1, x2, y2 = (float(v) for v in values["box"])
                stays.append(
                    OpenStay(
                        alarm_id=row.source_ref.partition(":")[2],
                        zone=str(values["zone"]),
                        violation_type=ViolationType(row.rule_code),
                        label=str(values["label"]),
                        box=(x1, y1, x2, y2),
                        first_seen=datetime.fromisoformat(values["first_seen"]),
                        raised_at=row.raised_at,
                    )
                )
            except (KeyError, IndexError, TypeError, ValueError) as exc:  # not written by this sink: leave it be
                log.warning("alarm %s: not a video stay to take back (%s)", row.alarm_id, exc)
        return stays

    def _path(self, district: str) -> str:
        if district not in self._paths:
            with Session(self.engine) as session:
                self._paths[district] = district_path(session, district)
        return self._paths[district]


def source_ref(camera_id: str, alarm_id: str) -> str:
    return f"{camera_id}:{alarm_id}"
