"""A camera's HTTP MJPEG stream (multipart/x-mixed-replace, as many IP cameras serve), scripted connection by
connection so that tests can drop it, refuse it and stall it, and OpenCV's FFmpeg backend reads it for real."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

import cv2

from .synthetic import Frame

BOUNDARY = b"frame"


@dataclass(frozen=True)
class Serve:
    """One connection: these frames, then `end`: "close" (the stream drops) or "stall" (the connection stays
    open and silent until the server stops, as a hung camera's does)."""

    frames: Sequence[Frame | bytes]  # RGB frames, or bytes sent as they are (a corrupt frame)
    end: Literal["close", "stall"] = "close"
    interval: float = 0.0  # seconds between frames (0: as fast as the reader takes them)


@dataclass(frozen=True)
class Refuse:
    """One connection answered 503: the camera's web server is up, its stream is not."""


Connection = Serve | Refuse


class MjpegServer:
    """Serves `script` one item per connection on 127.0.0.1; once the script is used up it refuses."""

    def __init__(self, script: Sequence[Connection]) -> None:
        self.script = list(script)
        self.connections = 0
        self.released = threading.Event()  # ends the stalls
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
                pass

            def do_GET(self) -> None:
                index, owner.connections = owner.connections, owner.connections + 1
                item = owner.script[index] if index < len(owner.script) else Refuse()
                if isinstance(item, Refuse):
                    self.send_error(503, "stream unavailable")
                    return
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace;boundary={BOUNDARY.decode()}")
                self.end_headers()
                for number, frame in enumerate(item.frames):
                    if number and item.interval:
                        time.sleep(item.interval)
                    if isinstance(frame, bytes):
                        jpeg = frame
                    else:
                        jpeg = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))[1].tobytes()
                    head = b"--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % (BOUNDARY, len(jpeg))
                    try:
                        self.wfile.write(head + jpeg + b"\r\n")
                        self.wfile.flush()
                    except OSError:  # the reader hung up (it was stopped)
                        return
                if item.end == "stall":
                    owner.released.wait(30)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/stream.mjpg"
        self._thread = threading.Thread(  # a short poll: shutdown() returns at once
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="mjpeg", daemon=True
        )

    def __enter__(self) -> MjpegServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
