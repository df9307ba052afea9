"""Evidence uploads that are refused (core/uploads.py): too large (413), of a wrong or spoofed media type (415),
or malformed (400); nothing is left in the staging folder.

The harness is tests/core/uploads_support.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from core.uploads import MULTIPART_OVERHEAD
from tests.core.uploads_support import (
    BOUNDARY,
    CHUNK,
    CLOSE,
    JPEG,
    MAX_FIELD,
    MP4_HEAD,
    MULTIPART,
    PDF,
    field,
    file_part,
    head,
    make_app,
    part,
    post,
    staged_files,
)


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
    upload_client: httpx.AsyncClient, staging: Path, piece: bytes, detail: str
) -> None:
    response = await post(upload_client, field("metadata", "{}"), piece, CLOSE)
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
    upload_client: httpx.AsyncClient, staging: Path, pieces: tuple[bytes, ...], content_type: str, detail: str
) -> None:
    response = await post(upload_client, *pieces, content_type=content_type)
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]
    assert staged_files(staging) == []
