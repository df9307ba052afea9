"""Evidence uploads that are accepted as they stream (core/uploads.py): staged, hashed and named.

The harness is tests/core/uploads_support.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.core.uploads_support import CHUNK, CLOSE, JPEG, PDF, field, file_part, part, post, staged_files, stream_video


async def test_a_photo_with_metadata_is_staged_hashed_and_named(
    upload_client: httpx.AsyncClient, staging: Path
) -> None:
    metadata = json.dumps({"taken_at": "2026-03-01T09:30:00+08:00", "lat": 39.9, "lon": 116.4}, ensure_ascii=False)
    response = await post(
        upload_client,
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
    upload_client: httpx.AsyncClient, extra: str, filename: str | None, expected: str | None
) -> None:
    piece = part("file", PDF, filename=filename, content_type="application/pdf", extra=extra)
    response = await post(upload_client, piece, CLOSE)
    assert response.status_code == 200, response.text
    assert response.json()["filename"] == expected


async def test_a_3_mib_video_streams_through_in_chunks(upload_client: httpx.AsyncClient, staging: Path) -> None:
    total = 3 * 1024 * 1024
    response, largest, expected = await stream_video(upload_client, total)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["sha256"] == result["on_disk"] == expected
    assert result["size"] == total and result["media_type"] == "video/mp4"
    assert result["fields"] == {"metadata": '{"device": "bodycam-07"}'}
    assert largest == CHUNK
    assert staged_files(staging) == []
    script = (
        "import asyncio, sys; from pathlib import Path; from tests.core.uploads_support import peak_of_one_upload; "
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


async def test_json_sensor_data_and_gbk_csv_are_accepted(upload_client: httpx.AsyncClient) -> None:
    sensor = json.dumps({"sensor": "噪声", "db": [61.5, 72.0]}, ensure_ascii=False).encode()
    response = await post(upload_client, file_part(b"\xef\xbb\xbf" + sensor, "application/json", "s.json"), CLOSE)
    assert response.status_code == 200, response.text
    csv = "时间,分贝\n09:30,72\n".encode("gbk")  # Excel in China writes GBK: CSV is not held to UTF-8
    response = await post(upload_client, file_part(csv, "text/csv", "noise.csv"), CLOSE)
    assert response.status_code == 200, response.text
