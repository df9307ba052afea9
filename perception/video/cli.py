"""`zhifa perception video --camera CAMERA.yaml [-o FILE] [--snapshots DIR] [--max-frames N]`.

Runs one camera's source through the detector and zone rules and writes its alarms as JSON lines (see
`perception.video.alarms.JsonLinesSink`) to stdout or a file. A live stream is reopened whenever it drops, so
the command runs until SIGTERM or SIGINT (Ctrl-C), which end it cleanly: the frame in hand is finished, the
stream released and the summary printed; a second signal acts as it would have without this. Exit 1: the
camera file, the weights or the source cannot be used (the message says which and why).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, TextIO

import typer
from rich.console import Console

from perception.video.alarms import JsonLinesSink
from perception.video.camera import CameraConfigError, load_camera
from perception.video.detector import WeightsError  # the module imports torch only when a model is built
from perception.video.frames import FrameSourceError
from perception.video.pipeline import PipelineStats, run_camera

console = Console(stderr=True)  # stdout may carry the alarms
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set `stop` while the block runs; the old handlers come back after, and at once after
    the first signal, so that a second one interrupts a camera stuck in a call. Only the main thread can set
    signal handlers: elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in _STOP_SIGNALS}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)

    def handle(signum: int, _: FrameType | None) -> None:
        restore()
        # Event.set takes a lock that the interrupted main thread may be holding (inside stop.wait): set it
        # from another thread, which waits for the lock instead of deadlocking.
        threading.Thread(target=stop.set, name="stop-camera", daemon=True).start()

    for sig in _STOP_SIGNALS:
        signal.signal(sig, handle)
    try:
        yield
    finally:
        restore()


def summary(camera_id: str, stats: PipelineStats) -> str:
    return (
        f"camera {camera_id}: {stats.frames} frames at {stats.fps:.1f} fps, {stats.raised} alarms raised, "
        f"{stats.cleared} cleared, {stats.resumed} taken back, {stats.reconnects} reconnects, "
        f"{stats.outage_seconds:.0f} s without frames"
    )


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
    # Stream drops and reconnections are logged; a no-op where the host application configured logging.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_camera(camera)
    except CameraConfigError as exc:
        console.print(f"[red]camera configuration:[/red] {exc}")
        raise typer.Exit(1) from exc
    stop = threading.Event()
    with ExitStack() as stack:
        stream: TextIO = sys.stdout
        if output is not None and str(output) != "-":
            stream = stack.enter_context(output.open("a", encoding="utf-8"))
        try:
            with stop_on_signals(stop):
                stats = run_camera(config, JsonLinesSink(stream, snapshots), max_frames=max_frames, stop=stop)
        except (CameraConfigError, WeightsError, FrameSourceError) as exc:
            console.print(f"[red]camera {config.camera_id}:[/red] {exc}")
            raise typer.Exit(1) from exc
    if stop.is_set():
        console.print(f"camera {config.camera_id}: stopped by a signal")
    console.print(summary(config.camera_id, stats))
