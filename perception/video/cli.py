"""`zhifa perception video --camera CAMERA.yaml [-o FILE] [--snapshots DIR] [--max-frames N]`.

Runs one camera's source through the detector and zone rules and writes its alarms as JSON lines (see
`perception.video.alarms.JsonLinesSink`) to stdout or a file. Exit 1: the camera file, the weights or the
source cannot be used (the message says which and why).
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console

from perception.video.alarms import JsonLinesSink
from perception.video.camera import CameraConfigError, load_camera
from perception.video.detector import WeightsError  # the module imports torch only when a model is built
from perception.video.frames import FrameSourceError
from perception.video.pipeline import run_camera

console = Console(stderr=True)  # stdout may carry the alarms


def video(
    camera: Annotated[Path, typer.Option("--camera", "-c", help="the camera's CAMERA.yaml")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="JSON-lines file to append alarms to; '-' for stdout [-]")
    ] = None,
    snapshots: Annotated[
        Path | None, typer.Option("--snapshots", help="write snapshot JPEGs here instead of inline base64")
    ] = None,
    max_frames: Annotated[int | None, typer.Option("--max-frames", min=1, help="stop after N sampled frames")] = None,
) -> None:
    """Watch a camera for 机动车乱停放, 非机动车乱停放, 占道经营 and 乱堆物堆料 in its zones; print the alarms."""
    try:
        config = load_camera(camera)
    except CameraConfigError as exc:
        console.print(f"[red]camera configuration:[/red] {exc}")
        raise typer.Exit(1) from exc
    with ExitStack() as stack:
        stream: TextIO = sys.stdout
        if output is not None and str(output) != "-":
            stream = stack.enter_context(output.open("a", encoding="utf-8"))
        try:
            stats = run_camera(config, JsonLinesSink(stream, snapshots), max_frames=max_frames)
        except (CameraConfigError, WeightsError, FrameSourceError) as exc:
            console.print(f"[red]camera {config.camera_id}:[/red] {exc}")
            raise typer.Exit(1) from exc
    console.print(
        f"camera {config.camera_id}: {stats.frames} frames at {stats.fps:.1f} fps, "
        f"{stats.raised} alarms raised, {stats.cleared} cleared"
    )
