"""``receive_upload`` called directly (core/uploads.py), on a Starlette request fed chunk by chunk: a client
that disconnects, claiming or discarding the staged file, and any chunking of any content.

The multipart helpers are tests/core/uploads_support.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.requests import Request
from starlette.types import Message

from core.uploads import MalformedUpload, StagedUpload, receive_upload
from tests.core.uploads_support import (
    ALLOWED,
    BOUNDARY,
    CLOSE,
    JPEG,
    MAX_BYTES,
    MULTIPART,
    PDF,
    field,
    file_part,
    part,
    staged_files,
)


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
