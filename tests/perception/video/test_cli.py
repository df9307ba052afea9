"""`video --camera CAMERA.yaml`: the real detector from a local weights file on the camera's clip."""

import json
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from perception.video.cli import video

from .synthetic import sprite, write_clip
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
    path = folder / f"camera-{weights}-{source}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_command_runs_the_camera_and_writes_json_lines(folder: Path) -> None:
    out = folder / "alarms.jsonl"
    result = CliRunner().invoke(app, ["--camera", str(camera_file(folder)), "-o", str(out), "--max-frames", "2"])
    assert result.exit_code == 0, result.output
    assert "camera cam-cli: 2 frames" in result.stderr and "0 alarms raised" in result.stderr
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
