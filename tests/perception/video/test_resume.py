"""A live camera's restart: the alarms its previous run left open are taken back, not raised again.

Two pipelines one after the other (the worker stopped and started again) share a sink. Car A is parked
through the restart and drives off in the second run; car B went away while the worker was down. The frames
go straight into `Pipeline.process` (160x120 synthetic scenes, the colour detector), 5 a second.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from perception.video.alarms import MemorySink, OpenStay
from perception.video.camera import CameraConfig, ViolationType, parse_camera
from perception.video.pipeline import Pipeline

from .synthetic import ColourDetector, Sprite, render, sprite

FIRST_RUN = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
SECOND_RUN = FIRST_RUN + timedelta(minutes=5)  # the worker was down for the rest of the five minutes
STEP = 0.2
NO_PARKING = "禁停路段"


def camera(**zone_settings: Any) -> CameraConfig:
    zone = {
        "name": NO_PARKING,
        "polygon": [[20, 75], [150, 75], [150, 120], [20, 120]],
        "violation": "vehicle_illegal_parking",
        "dwell_seconds": 1,
        "stationary": {"reacquire_seconds": 3},
        **zone_settings,
    }
    data = {
        "camera_id": "cam-live-01",
        "district": "110105",
        "source": "rtsp://10.0.0.9/stream1",
        "fps": 5,
        "detector": {"weights": "ssdlite.pth"},
        "zones": [zone],
    }
    return parse_camera(data, Path("/cameras"))


def play(pipeline: Pipeline, scene: list[Sprite], seconds: float) -> None:
    for index in range(round(seconds / STEP)):
        pipeline.process(index * STEP, render(index * STEP, scene))


def first_run(sink: MemorySink) -> None:
    parked_a = sprite("car", (24, 12), (0.0, 40, 100), (10.0, 40, 100))
    parked_b = sprite("car", (24, 12), (0.0, 100, 100), (10.0, 100, 100))
    play(Pipeline(camera(), ColourDetector(), sink, origin=FIRST_RUN), [parked_a, parked_b], seconds=3.0)
    assert len(sink.alarms) == 2 and not sink.cleared


def test_the_car_parked_through_a_restart_keeps_its_alarm_and_the_one_gone_is_cleared() -> None:
    sink = MemorySink()
    first_run(sink)
    car_a, car_b = sorted(sink.alarms, key=lambda alarm: alarm.box[0])
    assert [stay.alarm_id for stay in sink.open_stays("cam-live-01")] == [car_a.alarm_id, car_b.alarm_id]

    second = Pipeline(camera(), ColourDetector(), sink, origin=SECOND_RUN)
    assert second.resume(sink.open_stays("cam-live-01")) == 2 and second.stats.resumed == 2
    # car A pulls away at 4 s, slowly (4 px a frame), and leaves the strip's end at ~8.9 s; car B is gone
    drives_off = sprite("car", (24, 12), (0.0, 40, 100), (4.0, 40, 100), (10.0, 160, 100))
    play(second, [drives_off], seconds=10.0)

    assert len(sink.alarms) == 2 and second.stats.raised == 0  # taken back, not raised again
    cleared = {event.alarm_id: event for event in sink.cleared}
    assert set(cleared) == {car_a.alarm_id, car_b.alarm_id}
    assert cleared[car_b.alarm_id].reason == "lost"  # not seen within reacquire_seconds of the restart
    assert cleared[car_b.alarm_id].ended_at == SECOND_RUN  # last known there: when the worker came back
    assert cleared[car_a.alarm_id].reason == "left"
    left_at = cleared[car_a.alarm_id].ended_at - SECOND_RUN  # the first frame outside the strip
    assert timedelta(seconds=8.6) <= left_at <= timedelta(seconds=9.2)
    assert sink.open_stays("cam-live-01") == []


def test_without_taking_them_back_a_restart_raises_every_parked_car_again() -> None:
    sink = MemorySink()
    first_run(sink)
    second = Pipeline(camera(), ColourDetector(), sink, origin=SECOND_RUN)
    parked_a = sprite("car", (24, 12), (0.0, 40, 100), (10.0, 40, 100))
    play(second, [parked_a], seconds=3.0)
    assert second.stats.raised == 1 and len(sink.alarms) == 3  # what `resume` exists to prevent


def test_an_alarm_of_a_zone_no_longer_configured_is_cleared_at_once() -> None:
    sink = MemorySink()
    first_run(sink)
    renamed = Pipeline(camera(name="禁停路段（新）"), ColourDetector(), sink, origin=SECOND_RUN)
    assert renamed.resume(sink.open_stays("cam-live-01")) == 0
    assert len(sink.cleared) == 2 and {event.reason for event in sink.cleared} == {"lost"}
    assert {event.ended_at for event in sink.cleared} == {SECOND_RUN} and renamed.stats.cleared == 2


def test_a_zone_that_now_watches_another_violation_does_not_take_the_alarm_back() -> None:
    stay = OpenStay(
        alarm_id="a1",
        zone=NO_PARKING,
        violation_type=ViolationType.PILED_MATERIALS,
        label="suitcase",
        box=(40.0, 100.0, 64.0, 112.0),
        first_seen=FIRST_RUN,
        raised_at=FIRST_RUN + timedelta(seconds=2),
    )
    sink = MemorySink()
    assert Pipeline(camera(), ColourDetector(), sink, origin=SECOND_RUN).resume([stay]) == 0
    assert [event.alarm_id for event in sink.cleared] == ["a1"]


def test_other_cameras_alarms_are_not_this_ones() -> None:
    sink = MemorySink()
    first_run(sink)
    assert sink.open_stays("cam-live-02") == []
