"""An embedded MQTT broker for `zhifa dev` where no broker answers (amqtt, pure Python: ~2k msgs/s,
enough for a demo; production uses Mosquitto or EMQX). ``python -m perception.embedded_broker PORT``."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from amqtt.broker import Broker

log = logging.getLogger("zhifa.perception")


async def serve(port: int, stop: asyncio.Event) -> None:
    broker = Broker({"listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}}})
    await broker.start()
    log.info("embedded MQTT broker (amqtt) on 127.0.0.1:%d", port)
    try:
        await stop.wait()
    finally:
        await broker.shutdown()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 1883

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(port, stop)

    asyncio.run(run())


if __name__ == "__main__":
    main()
