"""A Mosquitto of the test's own (a free port, persistence in a temporary folder), which a test may
stop and start again — the shared one at 127.0.0.1:1883 is for everything else."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accepting(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class PrivateBroker:
    def __init__(self, folder: Path) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o777)  # mosquitto started as root drops to its own user, which must write its persistence here
        self.config = folder / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {folder}/\nautosave_interval 1\nmax_queued_messages 100000\n"
        )
        self.binary = binary
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([self.binary, "-c", str(self.config)], stderr=subprocess.DEVNULL)
        for _ in range(100):
            if accepting(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError("the private mosquitto did not start")

    def stop(self) -> None:
        """SIGTERM: mosquitto writes its persistence file (sessions, queued QoS 1 messages) and exits."""
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
            self.process = None
