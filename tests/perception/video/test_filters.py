"""Object filters (Frigate's): a zone's min_area / max_area and the camera's object masks keep detections that
are not what a zone judges from raising alarms — and only those.

Three cars park in one no-parking strip (frames straight into `Pipeline.process`, 5 a second): a normal one,
a tiny one (a car far down the road, or a toy), and one standing on the spot a billboard shows.
"""

from pathlib import Path
from typing import Any

from perception.video.alarms import MemorySink
from perception.video.camera import CameraConfig, parse_camera
from perception.video.pipeline import Pipeline

from .synthetic import ColourDetector, render, sprite

STRIP = [[10, 75], [155, 75], [155, 120], [10, 120]]
NORMAL = sprite("car", (24, 12), (0.0, 20, 100), (10.0, 20, 100))  # 288 px²
TINY = sprite("car", (8, 5), (0.0, 70, 105), (10.0, 70, 105))  # 40 px²
ON_THE_BILLBOARD = sprite("car", (24, 12), (0.0, 110, 100), (10.0, 110, 100))
BILLBOARD = [[100, 95], [150, 95], [150, 118], [100, 118]]  # holds the third car's ground point (122, 112)


def camera(zone: dict[str, Any] | None = None, **settings: Any) -> CameraConfig:
    zone = {
        "name": "禁停路段",
        "polygon": STRIP,
        "violation": "vehicle_illegal_parking",
        "dwell_seconds": 1,
        **(zone or {}),
    }
    data = {
        "camera_id": "cam-filters",
        "district": "110105",
        "source": "street.avi",
        "fps": 5,
        "detector": {"weights": "ssdlite.pth"},
        "zones": [zone],
        **settings,
    }
    return parse_camera(data, Path("/cameras"))


def alarms_of(config: CameraConfig) -> list[tuple[float, float, float, float]]:
    sink = MemorySink()
    pipeline = Pipeline(config, ColourDetector(min_area=20), sink)
    for index in range(15):  # 3 s
        pipeline.process(index * 0.2, render(index * 0.2, [NORMAL, TINY, ON_THE_BILLBOARD]))
    return sorted(alarm.box for alarm in sink.alarms)


def test_without_filters_all_three_raise() -> None:
    assert [box[0] for box in alarms_of(camera())] == [20.0, 70.0, 110.0]


def test_a_box_smaller_than_min_area_is_not_judged() -> None:
    assert [box[0] for box in alarms_of(camera({"min_area": 100}))] == [20.0, 110.0]


def test_a_box_larger_than_max_area_is_not_judged() -> None:
    assert [box[0] for box in alarms_of(camera({"max_area": 100}))] == [70.0]


def test_a_mask_drops_what_stands_on_it_and_nothing_else() -> None:
    assert [box[0] for box in alarms_of(camera(masks=[BILLBOARD]))] == [20.0, 70.0]
