"""The embedded broker `zhifa dev` falls back to: a QoS 1 message goes through it."""

from __future__ import annotations

import asyncio
import threading
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from perception.embedded_broker import serve
from tests.perception.brokers import accepting, free_port


async def test_a_message_goes_through_the_embedded_broker() -> None:
    port, stop = free_port(), asyncio.Event()
    server = asyncio.create_task(serve(port, stop))
    for _ in range(100):
        if accepting(port):
            break
        await asyncio.sleep(0.05)
    got = threading.Event()
    received: list[bytes] = []

    def on_message(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        received.append(bytes(message.payload))
        got.set()

    subscriber = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"sub-{uuid.uuid4().hex[:6]}")
    subscriber.on_message = on_message
    subscriber.connect("127.0.0.1", port)
    subscriber.subscribe("zhifa/+/sensors/+/+", qos=1)
    subscriber.loop_start()
    await asyncio.sleep(0.3)
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:6]}")
    publisher.connect("127.0.0.1", port)
    publisher.loop_start()
    publisher.publish("zhifa/990102/sensors/fume/F-1", b'{"ts": "x"}', qos=1)
    assert await asyncio.to_thread(got.wait, 10)
    assert received == [b'{"ts": "x"}']
    for client in (publisher, subscriber):
        client.loop_stop()
        client.disconnect()
    stop.set()
    await server
