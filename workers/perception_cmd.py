"""`zhifa perception mqtt` (the sensor worker) and `zhifa simulate sensors` (readings for demos)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import threading
import time
from pathlib import Path
from typing import Annotated

import paho.mqtt.client as mqtt
import typer
from paho.mqtt.enums import CallbackAPIVersion
from sqlmodel import Session
from temporalio.client import Client

from core.alarm_triage import start_triage
from core.db import get_engine
from core.devices import DeviceIn, device_row, district_path
from core.docstore import make_store
from core.perception_tables import Alarm, Device
from core.settings import Settings, get_settings
from core.temporal import connect
from perception import mqtt_worker
from perception.simulator import device_ids, messages
from perception.video.camera import CameraConfigError, load_camera
from perception.video.cli import stop_on_signals as stop_camera_on_signals
from perception.video.cli import summary as camera_summary
from perception.video.cli import video
from perception.video.detector import WeightsError
from perception.video.frames import FrameSourceError
from perception.video.pipeline import run_camera
from perception.video_sink import PlatformSink
from rules.alarm_rules import load_alarm_rules
from workers.worker import stop_on_signals

perception_app = typer.Typer(help="Perception: sensors over MQTT (and video, perception/video).", no_args_is_help=True)
simulate_app = typer.Typer(help="Simulated devices for demos and benchmarks.", no_args_is_help=True)
log = logging.getLogger("zhifa.perception")


@perception_app.command("mqtt")
def mqtt_command(
    no_triage: Annotated[bool, typer.Option(help="record alarms only; start no triage workflows")] = False,
) -> None:
    """Subscribe to zhifa/+/sensors/+/+ (QoS 1, persistent session) and turn readings into alarms."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    rules = load_alarm_rules()

    async def main() -> None:
        stop = asyncio.Event()
        with stop_on_signals(stop):
            worker = await mqtt_worker.run(settings, get_engine(), rules, stop, connect=None if no_triage else connect)
        log.info("stopped: %s", worker.stats)

    asyncio.run(main())


@perception_app.command("video")
def video_command(
    camera: Annotated[Path, typer.Option("--camera", "-c", help="the camera's CAMERA.yaml")],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="write the alarms as JSON lines here ('-': stdout) instead of the platform"
        ),
    ] = None,
    max_frames: Annotated[int | None, typer.Option("--max-frames", min=1, help="stop after N sampled frames")] = None,
    no_triage: Annotated[bool, typer.Option(help="record alarms only; start no triage workflows")] = False,
) -> None:
    """Watch a camera's zones (机动车乱停放, 非机动车乱停放, 占道经营, 乱堆物堆料): alarms with snapshots into the
    platform (the snapshot a ledger-ready file in the store, the alarm to its triage), or JSON lines with -o."""
    if output is not None:
        video(camera=camera, output=output, snapshots=None, max_frames=max_frames)
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    try:
        config = load_camera(camera)
    except CameraConfigError as exc:
        typer.secho(f"camera configuration: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from exc
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="triage", daemon=True).start()
    client = None if no_triage else _connect_or_none(loop, settings)

    def triage(alarm: Alarm) -> None:  # a camera has no responsible party: triage verifies (an officer looks)
        if client is not None:
            asyncio.run_coroutine_threadsafe(start_triage(client, settings, alarm, None), loop).result(30)

    sink = PlatformSink(get_engine(), make_store(settings), settings.perception_violation_codes, on_new=triage)
    stop = threading.Event()  # SIGTERM/SIGINT: finish the frame, release the stream, print the summary
    try:
        with stop_camera_on_signals(stop):
            stats = run_camera(config, sink, max_frames=max_frames, stop=stop)
    except (CameraConfigError, WeightsError, FrameSourceError) as exc:
        typer.secho(f"camera {config.camera_id}: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from exc
    finally:
        loop.call_soon_threadsafe(loop.stop)
    if stop.is_set():
        typer.echo("stopped by a signal")
    typer.echo(camera_summary(config.camera_id, stats))


def _connect_or_none(loop: asyncio.AbstractEventLoop, settings: Settings) -> Client | None:
    try:
        return asyncio.run_coroutine_threadsafe(connect(settings), loop).result(15)
    except Exception as exc:
        log.warning("Temporal unreachable (%s): alarms are recorded, triage waits", exc)
        return None


@simulate_app.command("sensors")
def simulate_sensors(
    devices: Annotated[int, typer.Option(min=1, help="how many fume monitors")] = 10,
    rate: Annotated[float, typer.Option(min=0.1, help="readings per second, all devices together")] = 10.0,
    duration: Annotated[float, typer.Option(help="seconds to run (0: until interrupted)")] = 0.0,
    district: Annotated[str, typer.Option(help="the district the devices are in")] = "990102",
    register: Annotated[bool, typer.Option(help="register the devices first (admin's job in production)")] = False,
    speed: Annotated[
        float, typer.Option(min=1.0, help="simulated seconds per real second (the day replays faster)")
    ] = 30.0,
    seed: Annotated[int, typer.Option(help="random seed (the same seed, the same readings)")] = 7,
) -> None:
    """Publish realistic fume readings (diurnal peaks, noise, faults, exceedances) to the broker."""
    settings = get_settings()
    sims = device_ids(devices, district)
    if register:
        with Session(get_engine()) as session:
            path = district_path(session, district)
            now = dt.datetime.now(dt.UTC)
            for sim in sims:
                if session.get(Device, sim.device_id) is None:
                    spec = DeviceIn(device_id=sim.device_id, kind="fume", district_code=district, name=sim.device_id)
                    session.add(device_row(spec, path, now))
            session.commit()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"zhifa-simulator-{seed}")
    client.connect(settings.mqtt_host, settings.mqtt_port)
    client.loop_start()
    step = dt.timedelta(seconds=speed * len(sims) / rate)  # each device reports once per round
    rng = random.Random(seed)
    # The simulated day starts nearly 24 h back (the worker takes nothing older) and catches up with now.
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=23, minutes=50)
    began, sent = time.monotonic(), 0
    try:
        for topic, payload in messages(sims, start, step, rng):
            client.publish(topic, payload, qos=1)
            sent += 1
            if duration and time.monotonic() - began >= duration:
                break
            time.sleep(max(0.0, began + sent / rate - time.monotonic()))
    except KeyboardInterrupt:
        pass
    finally:
        client.loop_stop()
        client.disconnect()
    typer.echo(f"published {sent} readings from {len(sims)} devices in {time.monotonic() - began:.1f} s")
