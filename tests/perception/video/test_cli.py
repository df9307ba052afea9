"""`video --camera CAMERA.yaml`: the real detector from a local weights file on the camera's clip."""

import json
import os
import re
import signal
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from perception.video.cli import video
from perception.video.pipeline import Pipeline
from perception.video.rules import RuleEvent

from .mjpeg import MjpegServer, Serve
from .synthetic import Frame, render, sprite, write_clip
from .test_detector import save_random_ssdlite

app = typer.Typer()
app.command()(video)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("cli")
    write_clip(here / "street.avi", [sprite("car", (24, 12), (0.0, 60, 100), (2.0, 60, 100))], seconds=2.0)
    save_random_ssdlite(here / "ssdlite.pth")
    return here


def camera_file(folder: Path, weights: str = "ssdlite.pth", source: str = "street.avi") -> Path:
    data = {
        "camera_id": "cam-cli",
        "district": "110105",
        "source": source,
        "fps": 2,
        "detector": {"weights": weights, "threads": 1},
        "zones": [
            {
                "name": "禁停",
                "polygon": [[0, 60], [160, 60], [160, 120], [0, 120]],
                "violation": "vehicle_illegal_parking",
            }
        ],
    }
    name = re.sub(r"[^\w.-]", "_", f"{weights}-{source}")  # a stream URL's slashes
    path = folder / f"camera-{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_command_runs_the_camera_and_writes_json_lines(folder: Path) -> None:
    out = folder / "alarms.jsonl"
    result = CliRunner().invoke(app, ["--camera", str(camera_file(folder)), "-o", str(out), "--max-frames", "2"])
    assert result.exit_code == 0, result.output
    assert "camera cam-cli: 2 frames" in result.stderr and "0 alarms raised" in result.stderr
    assert "0 reconnects, 0 s without frames" in " ".join(result.stderr.split())  # rich wraps long lines
    assert out.read_text() == ""  # a random model finds nothing above the default score threshold
    to_stdout = CliRunner().invoke(app, ["--camera", str(camera_file(folder)), "--max-frames", "1"])
    assert to_stdout.exit_code == 0 and all(json.loads(line) for line in to_stdout.stdout.splitlines())


@pytest.mark.parametrize(
    ("weights", "source", "message"),
    [
        ("missing.pth", "street.avi", "Installing model weights"),
        ("ssdlite.pth", "gone.avi", "cannot open video source"),
    ],
)
def test_unusable_weights_or_sources_exit_1_with_the_reason(
    folder: Path, weights: str, source: str, message: str
) -> None:
    result = CliRunner().invoke(app, ["--camera", str(camera_file(folder, weights, source))])
    assert result.exit_code == 1
    assert message in " ".join(result.stderr.split())  # rich wraps long lines


def test_an_invalid_camera_file_exits_1(tmp_path: Path) -> None:
    (tmp_path / "CAMERA.yaml").write_text("camera_id: x\n")
    result = CliRunner().invoke(app, ["--camera", str(tmp_path / "CAMERA.yaml")])
    assert result.exit_code == 1 and "camera configuration" in result.stderr


def test_sigterm_stops_a_live_camera_cleanly_with_its_summary(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = signal.getsignal(signal.SIGTERM)
    process = Pipeline.process

    def process_then_terminate(self: Pipeline, at: float, frame: Frame) -> list[RuleEvent]:
        events = process(self, at, frame)
        if self.stats.frames == 3:  # as a service manager would, in the middle of the stream
            assert signal.getsignal(signal.SIGTERM) is not previous  # the command's handler is in place
            os.kill(os.getpid(), signal.SIGTERM)
        return events

    monkeypatch.setattr(Pipeline, "process", process_then_terminate)
    car = sprite("car", (24, 12), (0.0, 60, 100), (20.0, 60, 100))
    # 10 frames a second, as the camera films them: a live stream is sampled (2 fps) by the clock
    with MjpegServer([Serve([render(i / 10, [car]) for i in range(200)], interval=0.1)]) as server:
        out = folder / "live.jsonl"
        args = ["--camera", str(camera_file(folder, source=server.url)), "-o", str(out), "--max-frames", "150"]
        result = CliRunner().invoke(app, args)  # --max-frames: a safety net should the signal be lost
    assert result.exit_code == 0, result.output
    stderr = " ".join(result.stderr.split())
    assert "camera cam-cli: stopped by a signal" in stderr and "0 reconnects" in stderr
    frames = int(re.search(r"(\d+) frames at", stderr).group(1))  # type: ignore[union-attr]
    assert 3 <= frames < 150  # the frame in hand was finished; it stopped on the signal, not at --max-frames
    assert signal.getsignal(signal.SIGTERM) is previous  # the handler is gone with the command
