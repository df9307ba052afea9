"""The log as c2sp.org/tlog-tiles over HTTP: a monitor with no credentials fetches the checkpoint and the hash
tiles and rebuilds the signed root; entry bundles, which name cases, only for city-level auditors."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from ledger import merkle
from ledger.checkpoint import verify_checkpoint
from tests.api.conftest import asgi_client, offline_world, sign_in
from tests.api.test_ledger_checkpoint import record_and_sign

PREFIX = "/api/v1/ledger/tlog"


@pytest.fixture(scope="module")
def settings(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    var = Path(tmp_path_factory.mktemp("tiles-var"))
    with offline_world(pg_admin_url, var, ledger_log_id="zhifa.example.gov.cn/api/v1/ledger/tlog") as (_, configured):
        record_and_sign(configured, 0, 300)
        yield configured


@pytest.fixture(scope="module")
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(settings) as client:
        yield client


def hashes(data: bytes) -> list[bytes]:
    return [data[i : i + 32] for i in range(0, len(data), 32)]


async def test_a_monitor_rebuilds_the_signed_root_from_the_public_tiles(api: httpx.AsyncClient) -> None:
    vkey = (await api.get("/api/v1/ledger/public-key")).json()["note_verifier_key"]
    response = await api.get(f"{PREFIX}/checkpoint")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"
    checkpoint = verify_checkpoint(response.text, vkey)
    assert checkpoint.tree_size == 300  # 300 entries: a full level-0 tile, a partial one of 44, level 1 of 1

    full, partial = await api.get(f"{PREFIX}/tile/0/000"), await api.get(f"{PREFIX}/tile/0/001.p/44")
    for tile in (full, partial):
        assert tile.status_code == 200 and tile.headers["content-type"] == "application/octet-stream"
        assert tile.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert len(full.content) == 256 * 32 and len(partial.content) == 44 * 32
    leaves = hashes(full.content) + hashes(partial.content)
    assert merkle.root_of(leaves) == checkpoint.root_hash
    level1 = await api.get(f"{PREFIX}/tile/1/000.p/1")
    assert hashes(level1.content) == [merkle.root_of(hashes(full.content))]


@pytest.mark.parametrize("path", ["tile/0/001", "tile/0/001.p/45", "tile/1/000", "tile/0/1", "tile/x/000"])
async def test_a_tile_the_log_does_not_have_is_a_404_problem(api: httpx.AsyncClient, path: str) -> None:
    response = await api.get(f"{PREFIX}/{path}")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("who", "status"), [("auditor1", 200), ("admin1", 200), ("cityhead1", 403), ("officer1", 403)])
async def test_entry_bundles_are_for_city_level_auditors(api: httpx.AsyncClient, who: str, status: int) -> None:
    response = await api.get(f"{PREFIX}/tile/entries/001.p/44", headers=await sign_in(api, who))
    assert response.status_code == status, response.text
    if status != 200:
        return
    entries, offset = [], 0
    while offset < len(response.content):
        (length,) = struct.unpack_from(">H", response.content, offset)
        entries.append(response.content[offset + 2 : offset + 2 + length])
        offset += 2 + length
    tile = (await api.get(f"{PREFIX}/tile/0/001.p/44")).content
    assert [merkle.leaf_hash(entry) for entry in entries] == hashes(tile)
    assert response.headers["cache-control"].startswith("private")
    assert response.headers["content-encoding"] == "gzip"  # httpx asked for it and undid it
    plain = await api.get(
        f"{PREFIX}/tile/entries/001.p/44", headers={**await sign_in(api, who), "Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers and plain.content == response.content


async def test_entry_bundles_need_credentials(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{PREFIX}/tile/entries/000")
    assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"
