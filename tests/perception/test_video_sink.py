"""Video alarms into the platform: the synthetic street clip of tests/perception/video, run through the
real pipeline into the real PostgreSQL and a content-addressed store — one alarm per stay, its snapshot
stored by its hash, the cleared ones cleared, the violation types mapped to the city's catalogue."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from core.docstore import LocalDirStore
from core.perception_tables import Alarm, AlarmTransition
from core.settings import Settings, get_settings
from perception.video.camera import CameraConfig, load_camera, parse_camera
from perception.video.pipeline import Pipeline, run_camera
from perception.video_sink import PlatformSink
from tests.perception.video.mjpeg import MjpegServer, Serve
from tests.perception.video.synthetic import ColourDetector, render, sprite, write_clip
from tests.perception.video.test_cli import camera_file
from tests.perception.video.test_detector import save_random_ssdlite
from tests.perception.video.test_pipeline import CAMERA, ORIGIN, SCENE
from workers.cli import app as cli


def test_the_street_clip_becomes_four_alarms_with_their_snapshots(perception_db: Engine, tmp_path: Path) -> None:
    write_clip(tmp_path / "street.avi", SCENE, seconds=16.0, fps=10)
    config = CAMERA | {"district": "990102"}  # a district of the demo tree
    (tmp_path / "CAMERA.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    camera = load_camera(tmp_path / "CAMERA.yaml")
    store = LocalDirStore(tmp_path / "store")
    raised: list[Alarm] = []
    sink = PlatformSink(perception_db, store, Settings().perception_violation_codes, on_new=raised.append)
    stats = run_camera(camera, sink, detector=ColourDetector(), origin=ORIGIN)
    assert (stats.raised, stats.cleared) == (4, 2)
    with Session(perception_db) as session:
        rows = session.exec(select(Alarm).where(Alarm.source == "video").order_by(col(Alarm.raised_at))).all()
    assert len(rows) == 4 and {r.alarm_id for r in raised} == {r.alarm_id for r in rows}
    by_rule = {row.rule_code: row for row in rows}
    assert by_rule["street_vending"].violation_code == "street_vending_jiaxing"
    assert by_rule["piled_materials"].violation_code == "piling_materials_bj"
    assert by_rule["vehicle_illegal_parking"].violation_code is None  # not in this city's catalogue: notify-only
    assert {r.rule_code for r in rows if r.state == "cleared"} == {"vehicle_illegal_parking", "piled_materials"}
    for row in rows:
        assert row.evidence_sha256 is not None and row.source_ref.startswith("cam-synthetic-01:")
        jpeg = store.get(row.evidence_sha256)
        assert jpeg[:3] == b"\xff\xd8\xff" and hashlib.sha256(jpeg).hexdigest() == row.evidence_sha256
    assert by_rule["vehicle_illegal_parking"].values["label"] == "car"
    assert by_rule["vehicle_illegal_parking"].jurisdiction_path == "990100/990102/"


def test_the_platform_command_runs_a_camera_with_the_real_detector(
    perception_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_clip(tmp_path / "street.avi", [sprite("car", (24, 12), (0.0, 60, 100), (2.0, 60, 100))], seconds=2.0)
    save_random_ssdlite(tmp_path / "ssdlite.pth")
    monkeypatch.setenv("ZHIFA_DATABASE_URL", perception_db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ZHIFA_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli, ["perception", "video", "--camera", str(camera_file(tmp_path)), "--max-frames", "2", "--no-triage"]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "camera cam-cli: 2 frames at " in result.output and "0 alarms raised" in result.output  # a random model
    assert "0 reconnects" in result.output  # a file is read once


def _live_camera(source: str) -> CameraConfig:
    zone = {
        "name": "禁停路段",
        "polygon": [[20, 75], [130, 75], [130, 120], [20, 120]],
        "violation": "vehicle_illegal_parking",
        "dwell_seconds": 1,
        "stationary": {"reacquire_seconds": 1},
    }
    data = {
        "camera_id": "cam-live-07",
        "district": "990102",
        "source": source,
        "reconnect": False,  # the run ends with the test's stream
        "timestamps": "stream",  # 25 frames a second of stream time, served as fast as they are read
        "fps": 5,
        "detector": {"weights": "ssdlite.pth"},
        "zones": [zone],
    }
    return parse_camera(data, Path("/cameras"))


def test_a_live_camera_restarted_takes_its_open_alarms_back_from_the_database(
    perception_db: Engine, tmp_path: Path
) -> None:
    store = LocalDirStore(tmp_path / "store")
    raised: list[Alarm] = []
    sink = PlatformSink(perception_db, store, {}, on_new=raised.append)
    car_a = sprite("car", (24, 12), (0.0, 40, 100), (60.0, 40, 100))
    car_b = sprite("car", (24, 12), (0.0, 100, 100), (60.0, 100, 100))
    before = Pipeline(_live_camera("rtsp://10.0.0.7/1"), ColourDetector(), sink, origin=ORIGIN)
    for index in range(15):  # 3 s: both cars parked past the dwell
        before.process(index * 0.2, render(index * 0.2, [car_a, car_b]))
    assert len(raised) == 2
    stays = sink.open_stays("cam-live-07")
    assert {stay.alarm_id for stay in stays} == {row.source_ref.partition(":")[2] for row in raised}
    assert {stay.box for stay in stays} == {(40.0, 100.0, 64.0, 112.0), (100.0, 100.0, 124.0, 112.0)}
    assert sink.open_stays("cam-live-08") == []

    # The worker restarts: car A is still there, pulls out past the strip's end at 2-4.5 s and waits there;
    # car B left while the worker was down.
    drives_off = sprite("car", (24, 12), (0.0, 40, 100), (2.0, 40, 100), (4.5, 125, 100), (6.0, 125, 100))
    with MjpegServer([Serve([render(i / 25, [drives_off]) for i in range(150)])]) as server:
        stats = run_camera(_live_camera(server.url), sink, detector=ColourDetector())
    assert stats.resumed == 2 and stats.raised == 0 and stats.cleared == 2
    with Session(perception_db) as session:
        rows = session.exec(select(Alarm).where(Alarm.source == "video")).all()
        ids = [row.alarm_id for row in rows]
        clearings = session.exec(
            select(AlarmTransition).where(col(AlarmTransition.alarm_id).in_(ids), AlarmTransition.kind == "cleared")
        ).all()
    assert len(rows) == 2 and {row.state for row in rows} == {"cleared"}  # no second alarm for car A
    assert sorted(t.detail["values"]["reason"] for t in clearings) == ["left", "lost"]  # A drove off; B was gone
    assert sink.open_stays("cam-live-07") == []


def test_a_video_alarm_it_cannot_read_back_is_left_alone(perception_db: Engine, tmp_path: Path) -> None:
    now = ORIGIN
    with Session(perception_db) as session:
        session.add(
            Alarm(
                alarm_id="0b1e8d1c-0000-4000-8000-000000000001",
                source="video",
                source_ref="cam-live-07:a-posted-by-hand",
                rule_code="vehicle_illegal_parking",
                kind="camera",
                district_code="990102",
                jurisdiction_path="990100/990102/",
                severity="WARNING",
                values={"zone": "禁停路段"},  # no box, label or first sighting
                raised_at=now,
                updated_at=now,
            )
        )
        session.commit()
    sink = PlatformSink(perception_db, LocalDirStore(tmp_path / "store"), {})
    assert sink.open_stays("cam-live-07") == []
