"""The whole pipeline on a synthetic 16 s street clip: exactly the expected alarms, with valid snapshots.

The scene (160x120, 10 fps, sampled at 5 fps):
- car A drives through the no-parking stretch (0-3 s): no alarm;
- car B parks in it (5-13 s), a bus hides it for 1.4 s at 9 s (longer than the tracker keeps a track),
  then it drives off: ONE 机动车乱停放, cleared "left";
- bicycle 1 stands outside the bicycle parking area, bicycle 2 inside it, bicycle 3 rides past: ONE 非机动车乱停放;
- an umbrella stall stands on the sidewalk from 6 s: ONE 占道经营;
- a suitcase stands in the corner 2-6 s, then is taken away: ONE 乱堆物堆料, cleared "lost"; another is there
  for 1 s only: none.
"""

import base64
import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from perception.video.alarms import JsonLinesSink, MemorySink
from perception.video.camera import CameraConfig, CameraConfigError, ViolationType, load_camera
from perception.video.frames import read_frames
from perception.video.pipeline import Pipeline, run_camera

from .synthetic import ColourDetector, occluder, render, sprite, write_clip

ORIGIN = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
SCENE = [
    sprite("car", (24, 12), (0.0, -24, 80), (3.0, 160, 80)),  # car A
    sprite("car", (24, 12), (4.0, 160, 100), (5.0, 60, 100), (13.0, 60, 100), (15.0, -30, 100)),  # car B
    sprite("bicycle", (8, 14), (1.0, 60, 44), (16.0, 60, 44)),
    sprite("bicycle", (8, 14), (0.0, 130, 10), (16.0, 130, 10)),
    sprite("bicycle", (8, 14), (5.0, 0, 60), (9.0, 152, 60)),
    sprite("umbrella", (20, 10), (6.0, 20, 10), (16.0, 20, 10)),
    sprite("suitcase", (10, 10), (2.0, 10, 50), (6.0, 10, 50)),
    sprite("suitcase", (10, 10), (10.0, 30, 52), (11.0, 30, 52)),
    occluder((40, 40), (9.0, 50, 85), (10.4, 50, 85)),  # the bus in front of car B
]


def zone(name: str, polygon: list[list[int]], violation: str, **settings: Any) -> dict[str, Any]:
    return {"name": name, "polygon": polygon, "violation": violation, "dwell_seconds": 2, **settings}


CAMERA = {
    "camera_id": "cam-synthetic-01",
    "district": "110105",
    "source": "street.avi",
    "fps": 5,
    "detector": {"weights": "weights/ssdlite.pth"},
    "tracker": {"max_missed_frames": 2},
    "zones": [
        zone("禁停路段", [[30, 75], [130, 75], [130, 120], [30, 120]], "vehicle_illegal_parking", dwell_seconds=3),
        zone("非机动车停放区", [[110, 0], [160, 0], [160, 40], [110, 40]], "nonmotor_illegal_parking"),
        zone("人行道", [[0, 0], [100, 0], [100, 40], [0, 40]], "street_vending"),
        zone("墙角", [[0, 42], [50, 42], [50, 70], [0, 70]], "piled_materials", stationary={"reacquire_seconds": 3}),
    ],
}


@pytest.fixture(scope="module")
def camera(tmp_path_factory: pytest.TempPathFactory) -> CameraConfig:
    folder = tmp_path_factory.mktemp("camera")
    write_clip(folder / "street.avi", SCENE, seconds=16.0, fps=10)
    (folder / "CAMERA.yaml").write_text(yaml.safe_dump(CAMERA, allow_unicode=True), encoding="utf-8")
    return load_camera(folder / "CAMERA.yaml")


@pytest.fixture(scope="module")
def sink(camera: CameraConfig) -> MemorySink:
    sink = MemorySink()
    stats = run_camera(camera, sink, detector=ColourDetector(), origin=ORIGIN)
    assert stats.frames == 80 and stats.raised == 4 and stats.cleared == 2
    return sink


def test_exactly_the_expected_alarms_are_raised(sink: MemorySink) -> None:
    raised = [
        (a.violation_type, a.zone, a.label, round(a.first_seen_s, 1), round(a.raised_at_s, 1)) for a in sink.alarms
    ]
    assert raised == [
        (ViolationType.NONMOTOR_ILLEGAL_PARKING, "非机动车停放区", "bicycle", 1.0, 3.0),
        (ViolationType.PILED_MATERIALS, "墙角", "suitcase", 2.0, 4.0),
        (ViolationType.VEHICLE_ILLEGAL_PARKING, "禁停路段", "car", 5.0, 8.0),  # car B; car A drove through
        (ViolationType.STREET_VENDING, "人行道", "umbrella", 6.0, 8.0),
    ]
    assert [a.violation_name for a in sink.alarms] == ["非机动车乱停放", "乱堆物堆料", "机动车乱停放", "占道经营"]
    parked = sink.alarms[2]
    assert parked.camera_id == "cam-synthetic-01" and parked.district == "110105"
    assert parked.first_seen == datetime(2026, 11, 26, 8, 0, 5, tzinfo=UTC)
    assert parked.raised_at == datetime(2026, 11, 26, 8, 0, 8, tzinfo=UTC)
    assert abs(parked.box[0] - 60) <= 2 and abs(parked.box[3] - 112) <= 2 and parked.score > 0.8


def test_the_parked_car_hidden_by_a_bus_is_not_alarmed_twice_and_its_alarm_ends_when_it_drives_off(
    sink: MemorySink,
) -> None:
    ends = [(c.violation_type, c.reason, round(c.ended_at_s, 1)) for c in sink.cleared]
    assert ends == [
        (ViolationType.PILED_MATERIALS, "lost", 6.0),  # taken away out of sight, not seen again within 3 s
        (ViolationType.VEHICLE_ILLEGAL_PARKING, "left", 14.0),  # ground point out of the stretch at 14.0
    ]
    parked, car_end = sink.alarms[2], sink.cleared[1]
    assert car_end.alarm_id == parked.alarm_id
    assert car_end.track_id != parked.track_id  # the tracker lost it behind the bus; the stay carried over


def test_snapshots_are_jpegs_of_the_frame_with_their_hash(sink: MemorySink) -> None:
    for alarm in sink.alarms:
        assert hashlib.sha256(alarm.snapshot_jpeg).hexdigest() == alarm.snapshot_sha256
        image = Image.open(io.BytesIO(alarm.snapshot_jpeg))
        assert image.format == "JPEG" and image.size == (160, 120)
        image.verify()
        pixel = Image.open(io.BytesIO(alarm.snapshot_jpeg)).convert("RGB").getpixel((int(alarm.box[0]), 60))
        assert isinstance(pixel, tuple)
    # The alarm box is drawn in red around the object
    car = Image.open(io.BytesIO(sink.alarms[2].snapshot_jpeg)).convert("RGB")
    red, green, blue = car.getpixel((int(sink.alarms[2].box[0]) - 1, 106))  # type: ignore[misc]
    assert red > 180 and green < 90 and blue < 90


def test_alarm_ids_are_stable_for_a_run_origin(camera: CameraConfig, sink: MemorySink) -> None:
    assert len({a.alarm_id for a in sink.alarms}) == 4
    again = MemorySink()
    run_camera(camera, again, detector=ColourDetector(), origin=ORIGIN, max_frames=21)  # to 4.0 s
    assert [a.alarm_id for a in again.alarms] == [a.alarm_id for a in sink.alarms[:2]]


def test_json_lines_carry_raised_and_cleared_records(camera: CameraConfig, tmp_path: Path) -> None:
    inline, filed = io.StringIO(), io.StringIO()
    frames = list(read_frames(camera.source, camera.fps, max_frames=50))  # to 9.8 s: the suitcase's end is in
    for stream, snapshots in ((inline, None), (filed, tmp_path / "snapshots")):
        Pipeline(camera, ColourDetector(), JsonLinesSink(stream, snapshots), origin=ORIGIN).run(frames)
    records = [json.loads(line) for line in inline.getvalue().splitlines()]
    assert [(r["event"], r["violation_type"]) for r in records] == [
        ("raised", "nonmotor_illegal_parking"),
        ("raised", "piled_materials"),
        ("raised", "vehicle_illegal_parking"),
        ("raised", "street_vending"),
        ("cleared", "piled_materials"),
    ]
    first = records[0]
    assert first["violation_name"] == "非机动车乱停放" and first["first_seen"] == "2026-11-26T08:00:01Z"
    assert hashlib.sha256(base64.b64decode(first["snapshot_jpeg"])).hexdigest() == first["snapshot_sha256"]
    on_disk = json.loads(filed.getvalue().splitlines()[0])
    assert "snapshot_jpeg" not in on_disk
    assert hashlib.sha256(Path(on_disk["snapshot_file"]).read_bytes()).hexdigest() == on_disk["snapshot_sha256"]


def test_only_watched_classes_reach_the_tracker(camera: CameraConfig) -> None:
    frame = render(8.0, SCENE)
    pipeline = Pipeline(camera, ColourDetector(), MemorySink(), origin=ORIGIN)
    pipeline.process(0.0, frame)
    assert pipeline.stats.detections == 5  # car B, three bicycles, the umbrella: all watched
    narrow = camera.model_copy(update={"zones": camera.zones[:1]})
    only_cars = Pipeline(narrow, ColourDetector(), MemorySink(), origin=ORIGIN)
    only_cars.process(0.0, frame)
    assert only_cars.stats.detections == 1


def test_a_zone_drawn_for_another_resolution_is_refused(camera: CameraConfig) -> None:
    pipeline = Pipeline(camera, ColourDetector(), MemorySink())
    with pytest.raises(CameraConfigError, match="zone '禁停路段' lies outside the 64x48 frames"):
        pipeline.process(0.0, render(0.0, SCENE)[:48, :64])
