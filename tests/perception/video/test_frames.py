"""Reading a video file with OpenCV: sampling at the camera's fps, timestamps, RGB order, errors."""

from pathlib import Path

import numpy as np
import pytest

from perception.video.frames import FrameSourceError, Sampler, read_frames

from .synthetic import COLOURS, HEIGHT, WIDTH, sprite, write_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    car = sprite("car", (40, 20), (0.0, 0, 80), (2.9, 116, 80))  # drives right for 3 s at 10 fps
    return write_clip(tmp_path_factory.mktemp("frames") / "clip.avi", [car], seconds=3.0, fps=10)


def test_frames_are_sampled_at_the_configured_rate(clip: Path) -> None:
    frames = list(read_frames(str(clip), fps=5))
    assert [round(at, 3) for at, _ in frames] == [round(0.2 * i, 3) for i in range(15)]
    for _, frame in frames:
        assert frame.shape == (HEIGHT, WIDTH, 3) and frame.dtype == np.uint8


def test_frames_are_rgb(clip: Path) -> None:
    _, first = next(read_frames(str(clip), fps=5))
    red = first[90, 20].astype(int)  # inside the car at t=0
    assert np.abs(red - np.array(COLOURS["car"])).max() < 40


def test_a_rate_above_the_source_keeps_every_frame_and_max_frames_stops(clip: Path) -> None:
    assert len(list(read_frames(str(clip), fps=30))) == 30
    assert len(list(read_frames(str(clip), fps=30, max_frames=4))) == 4


def test_a_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FrameSourceError, match="cannot open video source"):
        next(read_frames(str(tmp_path / "none.avi"), fps=2))


def test_the_sampler_keeps_the_average_rate_of_an_uneven_ratio() -> None:
    sampler = Sampler(fps=3)
    kept = [index for index in range(250) if sampler.keep(index / 25)]  # 10 s of 25 fps video
    assert len(kept) == 30
    assert kept[:4] == [0, 9, 17, 25]
    after_gap = Sampler(fps=2)
    assert [at for at in (0.0, 0.5, 5.0, 5.25, 5.5, 6.0) if after_gap.keep(at)] == [0.0, 0.5, 5.0, 5.5, 6.0]
