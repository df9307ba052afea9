"""A messaging gateway for tests: a real HTTP server on 127.0.0.1 that answers each POST with the next scripted
status (the last one repeats) and keeps what it received."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Gateway:
    url: str
    statuses: list[int]
    received: list[Received] = field(default_factory=list)


@contextmanager
def notice_gateway(*statuses: int) -> Iterator[Gateway]:
    gateway = Gateway(url="", statuses=list(statuses) or [200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            gateway.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            status = gateway.statuses.pop(0) if len(gateway.statuses) > 1 else gateway.statuses[0]
            answer = json.dumps({"message_id": f"m-{len(gateway.received)}"} if status < 300 else {"error": "no"})
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer.encode())

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/notices"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
