"""`zhifa perception mqtt` (the sensor worker) and `zhifa simulate sensors` (readings for demos)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
from typing import Annotated

import paho.mqtt.client as mqtt
import typer
from paho.mqtt.enums import CallbackAPIVersion
from sqlmodel import Session

from core.db import get_engine
from core.devices import DeviceIn, device_row, district_path
from core.perception_tables import Device
from core.settings import get_settings
from core.temporal import connect
from perception import mqtt_worker
from perception.simulator import device_ids, messages
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
