"""CAMERA.yaml: defaults per violation type, relative paths, and errors that name the field."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from perception.video.camera import (
    COCO_LABELS,
    DEFAULT_CLASSES,
    CameraConfigError,
    DetectorKind,
    Timestamps,
    ViolationType,
    ZoneMode,
    load_camera,
    load_labels,
)

ROAD = [[30, 70], [130, 70], [130, 120], [30, 120]]


def camera_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "camera_id": "cam-001",
        "district": "110105",
        "source": "clips/street.avi",
        "fps": 5,
        "detector": {"weights": "weights/ssdlite.pth"},
        "zones": [{"name": "no-parking", "polygon": ROAD, "violation": "vehicle_illegal_parking"}],
    }
    data.update(overrides)
    return data


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "CAMERA.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_minimal_camera_gets_the_defaults_and_paths_relative_to_its_file(tmp_path: Path) -> None:
    camera = load_camera(write(tmp_path, camera_data()))
    zone = camera.zones[0]
    assert camera.source == str(tmp_path / "clips/street.avi")
    assert camera.detector.weights == tmp_path / "weights/ssdlite.pth"
    assert camera.detector.model is DetectorKind.SSDLITE and camera.detector.labels == COCO_LABELS
    assert zone.classes == ("car", "bus", "truck") and zone.mode is ZoneMode.INSIDE
    assert zone.dwell == 180.0 and zone.inertia_frames == 3 and zone.stationary.required
    assert camera.watched_classes == {"car", "bus", "truck"}
    assert not camera.live  # a file: its end ends the run
    assert camera.timestamps is Timestamps.STREAM  # a file's seconds are its frames' (no wall time)


def test_stream_urls_are_kept_and_nonmotor_zones_default_to_outside(tmp_path: Path) -> None:
    zones = [{"name": "停车区", "polygon": ROAD, "violation": "nonmotor_illegal_parking", "dwell_seconds": 60}]
    camera = load_camera(write(tmp_path, camera_data(source="rtsp://10.0.0.5/stream1", zones=zones)))
    assert camera.source == "rtsp://10.0.0.5/stream1" and camera.live  # reopened when it drops
    assert camera.timestamps is Timestamps.CLOCK  # its reported frame rate is not trusted
    assert camera.zones[0].mode is ZoneMode.OUTSIDE and camera.zones[0].dwell == 60


def test_the_default_classes_of_every_violation_type_are_coco_classes() -> None:
    labels = set(load_labels(COCO_LABELS))
    assert len(load_labels(COCO_LABELS)) == 91
    for violation in ViolationType:
        assert set(DEFAULT_CLASSES[violation]) <= labels, violation


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"zones": [{"name": "z", "polygon": [[0, 0], [10, 0]], "violation": "street_vending"}]}, "at least 3"),
        (
            {"zones": [{"name": "z", "polygon": [[0, 0], [10, 10], [10, 0], [0, 10]], "violation": "street_vending"}]},
            "crosses itself",
        ),
        ({"zones": [{"name": "z", "polygon": ROAD, "violation": "littering"}]}, "zones.0.violation"),
        ({"zones": [{"name": "z", "polygon": ROAD, "violation": "street_vending", "inertia_frames": 0}]}, "inertia"),
        ({"zones": []}, "zones"),
        ({"fps": 0}, "fps"),
        ({"reconnect": "sometimes"}, "reconnect"),
        ({"timestamps": "pts"}, "timestamps"),
        ({"zones": [{"name": "z", "polygon": ROAD, "violation": "street_vending", "min_area": -1}]}, "min_area"),
        (
            {"zones": [{"name": "z", "polygon": ROAD, "violation": "street_vending", "min_area": 50, "max_area": 40}]},
            "max_area 40 is below min_area 50",
        ),
        ({"masks": [[[0, 0], [10, 0]]]}, "mask 0: a polygon needs at least 3 points"),
        ({"masks": [[[0, 0], [10, 10], [10, 0], [0, 10]]]}, "crosses itself"),
        ({"camera_id": "cam 1"}, "camera_id"),
        ({"detector": {"weights": "w.pth", "model": "yolo"}}, "detector.model"),
        ({"tracker": {"low_score": 0.6, "high_score": 0.5}}, "above high_score"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_settings_name_the_field(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    with pytest.raises(CameraConfigError, match=message) as caught:
        load_camera(write(tmp_path, camera_data(**change)))
    assert "CAMERA.yaml" in str(caught.value)


def test_zone_names_must_be_unique(tmp_path: Path) -> None:
    zone = {"name": "a", "polygon": ROAD, "violation": "piled_materials"}
    with pytest.raises(CameraConfigError, match="repeated: a"):
        load_camera(write(tmp_path, camera_data(zones=[zone, zone])))


def test_a_class_the_model_cannot_output_is_refused(tmp_path: Path) -> None:
    zone = {"name": "stalls", "polygon": ROAD, "violation": "street_vending", "classes": ["umbrella", "stall"]}
    with pytest.raises(CameraConfigError, match="zone 'stalls': 'stall' not in the label map"):
        load_camera(write(tmp_path, camera_data(zones=[zone])))


def test_a_custom_label_map_is_read_from_beside_the_file(tmp_path: Path) -> None:
    (tmp_path / "labels.txt").write_text("# our fine-tuned model\n__background__\nstall\nbuilding materials\n")
    zone = {"name": "stalls", "polygon": ROAD, "violation": "street_vending", "classes": ["stall"]}
    camera = load_camera(
        write(tmp_path, camera_data(detector={"weights": "w.pth", "labels": "labels.txt"}, zones=[zone]))
    )
    assert load_labels(camera.detector.labels) == ["__background__", "stall", "building materials"]
    with pytest.raises(CameraConfigError, match="'car', 'bus', 'truck' not in the label map"):
        load_camera(write(tmp_path, camera_data(detector={"weights": "w.pth", "labels": "labels.txt"})))


def test_unreadable_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CameraConfigError, match="cannot read"):
        load_camera(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("camera_id: [unclosed\n")
    with pytest.raises(CameraConfigError, match="not valid YAML"):
        load_camera(tmp_path / "bad.yaml")
    with pytest.raises(CameraConfigError, match="expected a mapping"):
        load_camera(write(tmp_path, ["a", "list"]))
    with pytest.raises(CameraConfigError, match="cannot read the label map"):
        load_camera(write(tmp_path, camera_data(detector={"weights": "w.pth", "labels": "nope.txt"})))


def test_a_stream_whose_rate_is_exact_can_be_timed_by_its_frames(tmp_path: Path) -> None:
    camera = load_camera(write(tmp_path, camera_data(source="rtsp://10.0.0.5/stream1", timestamps="stream")))
    assert camera.live and camera.timestamps is Timestamps.STREAM
    assert camera.realtime  # still frames of now: a restart takes its open alarms back


@pytest.mark.parametrize(
    ("settings", "realtime"),
    [
        ({"source": "rtsp://10.0.0.5/stream1", "reconnect": False}, True),
        ({"source": "clips/street.avi"}, False),  # a recording: a timeline of its own
        ({"source": "clips/street.avi", "reconnect": True}, False),
        ({"source": "/dev/video0", "timestamps": "clock"}, True),  # a capture device
    ],
)
def test_which_cameras_take_their_open_alarms_back_after_a_restart(
    tmp_path: Path, settings: dict[str, Any], realtime: bool
) -> None:
    assert load_camera(write(tmp_path, camera_data(**settings))).realtime is realtime
