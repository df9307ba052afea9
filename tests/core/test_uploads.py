"""Evidence uploads received as they stream (core/uploads.py).

A tiny Starlette app calls ``receive_upload``; httpx drives it in process through ``ASGITransport`` with
request bodies produced by async generators, so the endpoint sees the body chunk by chunk, as from a socket.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Message

from core.uploads import (
    MULTIPART_OVERHEAD,
    MalformedUpload,
    StagedUpload,
    UploadError,
    receive_upload,
)

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


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    return tmp_path / "var" / "staging"


@pytest.fixture
async def client(staging: Path) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(staging))
    async with httpx.AsyncClient(transport=transport, base_url="http://zhifa.test") as http:
        yield http


async def post(client: httpx.AsyncClient, *pieces: bytes, content_type: str = MULTIPART) -> httpx.Response:
    return await client.post("/upload", content=chunked(*pieces), headers={"content-type": content_type})


# --- accepted uploads --------------------------------------------------------------------------------------


async def test_a_photo_with_metadata_is_staged_hashed_and_named(client: httpx.AsyncClient, staging: Path) -> None:
    metadata = json.dumps({"taken_at": "2026-03-01T09:30:00+08:00", "lat": 39.9, "lon": 116.4}, ensure_ascii=False)
    response = await post(
        client,
        field("metadata", metadata),
        part("file", JPEG, filename="现场照片.jpg", content_type="Image/JPEG; charset=binary"),
        field("note", "占道经营，东侧"),
        CLOSE,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sha256"] == body["on_disk"] == hashlib.sha256(JPEG).hexdigest()
    assert body["size"] == len(JPEG)
    assert body["media_type"] == "image/jpeg"
    assert body["filename"] == "现场照片.jpg"
    assert body["fields"] == {"metadata": metadata, "note": "占道经营，东侧"}
    assert body["in_staging"]
    assert staged_files(staging) == []  # the endpoint's `with staged:` discarded the unclaimed file


@pytest.mark.parametrize(
    ("extra", "filename", "expected"),
    [
        ("; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E5%BD%95%E9%9F%B3.pdf", "fallback.pdf", "现场录音.pdf"),
        ("; filename*=utf-8'zh'%E6%96%87%E4%B9%A6.pdf", None, "文书.pdf"),
        ("; filename*=UTF-8''%FF%FE.pdf", "plain.pdf", "plain.pdf"),  # not UTF-8: the plain name stands
        ("", "C:\\Users\\执法\\Desktop\\scan.pdf", "scan.pdf"),
        ("", "../../etc/passwd", "passwd"),
        ("", "a; b.pdf", "a; b.pdf"),
        ("", "evil\u202egpj.pdf", "evilgpj.pdf"),
        ("", "", None),
    ],
)
async def test_filenames_from_content_disposition(
    client: httpx.AsyncClient, extra: str, filename: str | None, expected: str | None
) -> None:
    piece = part("file", PDF, filename=filename, content_type="application/pdf", extra=extra)
    response = await post(client, piece, CLOSE)
    assert response.status_code == 200, response.text
    assert response.json()["filename"] == expected


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


async def test_a_3_mib_video_streams_through_in_chunks(client: httpx.AsyncClient, staging: Path) -> None:
    total = 3 * 1024 * 1024
    response, largest, expected = await stream_video(client, total)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["sha256"] == result["on_disk"] == expected
    assert result["size"] == total and result["media_type"] == "video/mp4"
    assert result["fields"] == {"metadata": '{"device": "bodycam-07"}'}
    assert largest == CHUNK
    assert staged_files(staging) == []
    script = (
        "import asyncio, sys; from pathlib import Path; from tests.core.test_uploads import peak_of_one_upload; "
        f"print(asyncio.run(peak_of_one_upload(Path(sys.argv[1]), {total})))"
    )
    fresh = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", script, str(staging.parent / "fresh")],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert fresh.returncode == 0, fresh.stderr
    peak = int(fresh.stdout.split()[-1])
    assert peak < total // 3, f"peak traced memory {peak} bytes while receiving {total}"


async def test_json_sensor_data_and_gbk_csv_are_accepted(client: httpx.AsyncClient) -> None:
    sensor = json.dumps({"sensor": "噪声", "db": [61.5, 72.0]}, ensure_ascii=False).encode()
    response = await post(client, file_part(b"\xef\xbb\xbf" + sensor, "application/json", "s.json"), CLOSE)
    assert response.status_code == 200, response.text
    csv = "时间,分贝\n09:30,72\n".encode("gbk")  # Excel in China writes GBK: CSV is not held to UTF-8
    response = await post(client, file_part(csv, "text/csv", "noise.csv"), CLOSE)
    assert response.status_code == 200, response.text


# --- refused uploads: nothing is left in the staging folder ---------------------------------------------


async def test_a_declared_length_over_the_limit_is_refused_before_reading(staging: Path) -> None:
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(4):
            pulled += 1
            yield b"x" * CHUNK

    transport = httpx.ASGITransport(app=make_app(staging, max_bytes=CHUNK))
    async with httpx.AsyncClient(transport=transport, base_url="http://zhifa.test") as http:
        length = CHUNK + MULTIPART_OVERHEAD + 1
        response = await http.post(
            "/upload", content=body(), headers={"content-type": MULTIPART, "content-length": str(length)}
        )
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]
    assert pulled == 0 and staged_files(staging) == []


async def test_a_streamed_file_over_the_limit_is_cut_off(staging: Path) -> None:
    pulled = 0

    async def body() -> AsyncIterator[bytes]:  # chunked: no Content-Length to refuse up front
        nonlocal pulled
        yield head("file", filename="big.mp4", content_type="video/mp4")
        for index in range(64):
            pulled += 1
            yield (MP4_HEAD if index == 0 else b"") + b"\0" * (CHUNK - (len(MP4_HEAD) if index == 0 else 0))
        yield b"\r\n" + CLOSE

    transport = httpx.ASGITransport(app=make_app(staging, max_bytes=4 * CHUNK))
    async with httpx.AsyncClient(transport=transport, base_url="http://zhifa.test") as http:
        response = await http.post("/upload", content=body(), headers={"content-type": MULTIPART})
    assert response.status_code == 413
    assert response.json()["detail"] == f"the file is larger than the limit of {4 * CHUNK} bytes"
    assert pulled == 5  # stopped at the first chunk over the limit: the rest is never read
    assert staged_files(staging) == []


@pytest.mark.parametrize(
    ("piece", "detail"),
    [
        (file_part(JPEG, "image/gif", "a.gif"), "image/gif is not accepted here"),
        (part("file", JPEG, filename="a.jpg"), "declares no Content-Type"),
        (file_part(PDF, "image/jpeg", "photo.jpg"), "declared image/jpeg but its content is PDF"),
        (file_part(JPEG, "application/pdf", "a.pdf"), "declared application/pdf but its content is JPEG"),
        (file_part(b"<html><script>alert(1)</script>", "image/png", "a.png"), "not of that type"),
        (file_part(PDF, "video/mp4", "a.mp4"), "its content is PDF"),
        (file_part(JPEG, "text/csv", "a.csv"), "its content is JPEG"),
        (file_part(b'{"db": 61.5', "application/json", "s.json"), "does not parse as JSON"),
        (file_part(b'{"db": "\xff"}', "application/json", "s.json"), "not valid UTF-8"),
        (file_part(b"[" * 100_000, "application/json", "s.json"), "does not parse as JSON"),
    ],
    ids=[
        *("not-allowed", "no-type", "pdf-as-jpeg", "jpeg-as-pdf", "html-as-png", "pdf-as-mp4", "jpeg-as-csv"),
        *("broken-json", "json-not-utf8", "json-too-deep"),
    ],
)
async def test_wrong_or_spoofed_media_types_are_415(
    client: httpx.AsyncClient, staging: Path, piece: bytes, detail: str
) -> None:
    response = await post(client, field("metadata", "{}"), piece, CLOSE)
    assert response.status_code == 415, response.text
    assert detail in response.json()["detail"]
    assert staged_files(staging) == []


@pytest.mark.parametrize(
    ("pieces", "content_type", "detail"),
    [
        ((field("metadata", "{}"), CLOSE), MULTIPART, "no file part"),
        ((file_part(JPEG), file_part(JPEG), CLOSE), MULTIPART, "more than one file part"),
        ((part("photo", JPEG, filename="a.jpg", content_type="image/jpeg"), CLOSE), MULTIPART, "unexpected file"),
        ((part("a", JPEG, content_type="image/png", extra="; filename*=UTF-8''a.png"), CLOSE), MULTIPART, "unexpected"),
        ((file_part(JPEG), CLOSE), "application/json", "must be multipart/form-data"),
        ((file_part(JPEG), CLOSE), "multipart/form-data", "has no (usable) boundary"),
        ((file_part(b""), CLOSE), MULTIPART, "the file is empty"),
        ((field("metadata", "x" * (MAX_FIELD + 1)), file_part(JPEG), CLOSE), MULTIPART, "larger than 1024 bytes"),
        ((field("note", "a"), field("note", "b"), file_part(JPEG), CLOSE), MULTIPART, "appears more than once"),
        ((part("note", b"\xff\xfe"), file_part(JPEG), CLOSE), MULTIPART, "not UTF-8 text"),
        ((file_part(JPEG),), MULTIPART, "ends before its closing boundary"),
        ((file_part(JPEG)[:-100],), MULTIPART, "ends before its closing boundary"),
        ((b"--" + BOUNDARY.encode() + b"\r\nno-colon-here\r\n\r\n" + JPEG, CLOSE), MULTIPART, "malformed"),
    ],
    ids=[
        *("no-file", "two-files", "other-file-name", "other-file-name-star", "not-multipart"),
        *("no-boundary", "empty-file", "big-field"),
        *("duplicate-field", "binary-field", "no-closing-boundary", "truncated-file", "bad-header"),
    ],
)
async def test_malformed_uploads_are_400(
    client: httpx.AsyncClient, staging: Path, pieces: tuple[bytes, ...], content_type: str, detail: str
) -> None:
    response = await post(client, *pieces, content_type=content_type)
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]
    assert staged_files(staging) == []


# --- receive_upload called directly ----------------------------------------------------------------------


def request_of(chunks: Iterable[bytes], *, disconnect: bool = False, content_type: str = MULTIPART) -> Request:
    """A Starlette request fed from ``chunks``; ``disconnect``: the client goes away instead of finishing."""
    messages: list[Message] = [{"type": "http.request", "body": c, "more_body": True} for c in chunks]
    messages.append({"type": "http.disconnect"} if disconnect else {"type": "http.request", "body": b""})
    feed: Iterator[Message] = iter(messages)

    async def receive() -> Message:
        return next(feed)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-type", content_type.encode())]}
    return Request(scope, receive)


async def receive(chunks: Iterable[bytes], staging: Path, *, disconnect: bool = False, **options: Any) -> StagedUpload:
    defaults: dict[str, Any] = {"max_bytes": MAX_BYTES, "allowed_media_types": ALLOWED, "staging_dir": staging}
    return await receive_upload(request_of(chunks, disconnect=disconnect), **(defaults | options))


async def test_a_client_that_disconnects_leaves_nothing_behind(staging: Path) -> None:
    body = file_part(JPEG * 40)
    with pytest.raises(MalformedUpload, match="disconnected") as caught:
        await receive([body[:20_000], body[20_000:40_000]], staging, disconnect=True)
    assert caught.value.status == 400
    assert staged_files(staging) == []


async def test_a_claimed_upload_survives_its_context_and_an_unclaimed_one_does_not(staging: Path) -> None:
    with await receive([file_part(JPEG), CLOSE], staging) as kept:
        assert kept.path.read_bytes() == JPEG
        assert kept.path.stat().st_size == kept.size == len(JPEG)
        moved = kept.claim()
    assert moved.exists() and staged_files(staging) == [moved]
    moved.unlink()
    with await receive([file_part(PDF, "application/pdf"), CLOSE], staging) as dropped:
        assert dropped.path.exists()
    assert staged_files(staging) == []
    staged = await receive([file_part(PDF, "application/pdf"), CLOSE], staging)
    staged.discard()
    assert staged_files(staging) == []


async def test_media_types_allowed_are_compared_normalised(staging: Path) -> None:
    allowed = ["IMAGE/JPEG; q=1"]
    with await receive([file_part(JPEG, "image/jpeg; name=x"), CLOSE], staging, allowed_media_types=allowed) as staged:
        assert staged.media_type == "image/jpeg"


@settings(max_examples=60, deadline=None)
@given(
    content=st.lists(
        st.sampled_from([b"\r\n", b"--", b"\r\n--", BOUNDARY.encode()[:9], b"\r\n--" + BOUNDARY.encode()[:-1], b"x"]),
        max_size=40,
    ).map(b"".join),
    cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=12),
)
def test_any_chunking_of_any_content_stages_the_exact_bytes(content: bytes, cuts: list[int]) -> None:
    body = field("metadata", "--" + BOUNDARY[:-1]) + part("file", content, filename="f", content_type="text/csv")
    body += CLOSE
    chunks, start = [], 0
    for cut in sorted(set(cuts)):
        chunks.append(body[start:cut])
        start = max(start, cut)
    chunks.append(body[start:])

    async def run(staging: Path) -> None:
        if not content:
            with pytest.raises(MalformedUpload, match="empty"):
                await receive(chunks, staging)
            return
        with await receive(chunks, staging) as staged:
            assert staged.path.read_bytes() == content
            assert staged.sha256 == hashlib.sha256(content).hexdigest() and staged.size == len(content)
            assert staged.fields == {"metadata": "--" + BOUNDARY[:-1]}

    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(Path(folder)))
        assert list(Path(folder).iterdir()) == []
