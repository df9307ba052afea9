"""Helpers for the evidence upload tests (core/uploads.py): multipart bodies built part by part, and a tiny
Starlette app that calls ``receive_upload``.

httpx drives the app in process through ``ASGITransport`` with request bodies produced by async generators, so
the endpoint sees the body chunk by chunk, as from a socket. The fixtures ``staging`` and ``upload_client`` are
in tests/core/conftest.py.
"""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.uploads import UploadError, receive_upload

BOUNDARY = "----zhifa-boundary-7f3a9c"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
ALLOWED = ("image/jpeg", "image/png", "application/pdf", "video/mp4", "application/json", "text/csv")
MAX_BYTES = 4 * 1024 * 1024
MAX_FIELD = 1024
CHUNK = 64 * 1024

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 16
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n"
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def head(name: str, *, filename: str | None = None, content_type: str | None = None, extra: str = "") -> bytes:
    """The opening of one part: boundary line and headers (UTF-8, as browsers send them)."""
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "") + extra
    lines = [f"--{BOUNDARY}", f"Content-Disposition: {disposition}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def part(name: str, data: bytes, **kwargs: Any) -> bytes:
    return head(name, **kwargs) + data + b"\r\n"


def field(name: str, value: str) -> bytes:
    return part(name, value.encode())


CLOSE = f"--{BOUNDARY}--\r\n".encode()


def file_part(data: bytes, content_type: str = "image/jpeg", filename: str = "photo.jpg") -> bytes:
    return part("file", data, filename=filename, content_type=content_type)


async def chunked(*pieces: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    """The body in small chunks that cut through boundaries and headers."""
    body = b"".join(pieces)
    for start in range(0, len(body), size):
        yield body[start : start + size]


def staged_files(staging: Path) -> list[Path]:
    return sorted(staging.iterdir()) if staging.exists() else []


def make_app(staging: Path, max_bytes: int = MAX_BYTES) -> Starlette:
    async def upload(request: Request) -> JSONResponse:
        try:
            staged = await receive_upload(
                request,
                max_bytes=max_bytes,
                allowed_media_types=ALLOWED,
                staging_dir=staging,
                max_field_bytes=MAX_FIELD,
            )
        except UploadError as exc:
            return JSONResponse({"detail": exc.detail, "error": type(exc).__name__}, status_code=exc.status)
        with staged:
            digest = hashlib.sha256()
            with staged.path.open("rb") as handle:  # in chunks: this endpoint must not hold the file either
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
            return JSONResponse(
                {
                    "sha256": staged.sha256,
                    "on_disk": digest.hexdigest(),
                    "size": staged.size,
                    "media_type": staged.media_type,
                    "filename": staged.filename,
                    "fields": staged.fields,
                    "in_staging": staged.path.parent == staging,
                }
            )

    return Starlette(routes=[Route("/upload", upload, methods=["POST"])])


async def post(client: httpx.AsyncClient, *pieces: bytes, content_type: str = MULTIPART) -> httpx.Response:
    return await client.post("/upload", content=chunked(*pieces), headers={"content-type": content_type})


async def stream_video(client: httpx.AsyncClient, total: int) -> tuple[httpx.Response, int, str]:
    """POST a video of ``total`` bytes made chunk by chunk: (response, largest chunk, its SHA-256)."""
    expected = hashlib.sha256()
    largest = 0

    async def body() -> AsyncIterator[bytes]:  # never more than one chunk of the file exists at a time
        nonlocal largest
        yield field("metadata", '{"device": "bodycam-07"}')
        yield head("file", filename="现场.mp4", content_type="video/mp4")
        for index in range(total // CHUNK):
            chunk = hashlib.sha256(index.to_bytes(4, "big")).digest() * (CHUNK // 32)
            if index == 0:
                chunk = MP4_HEAD + chunk[len(MP4_HEAD) :]
            expected.update(chunk)
            largest = max(largest, len(chunk))
            yield chunk
        yield b"\r\n" + CLOSE

    response = await client.post("/upload", content=body(), headers={"content-type": MULTIPART})
    return response, largest, expected.hexdigest()


async def peak_of_one_upload(staging: Path, total: int) -> int:
    """tracemalloc's peak while one upload of ``total`` bytes is received (run in a process of its own: in the
    suite's process, other tests' background threads allocate in the same window)."""
    transport = httpx.ASGITransport(app=make_app(staging))
    async with httpx.AsyncClient(transport=transport, base_url="http://zhifa.test") as http:
        await stream_video(http, CHUNK)  # warm: first-use imports and caches are not the upload's memory
        tracemalloc.start()
        try:
            response, _, _ = await stream_video(http, total)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert response.status_code == 200, response.text
    return peak
