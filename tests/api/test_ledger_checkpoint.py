"""A witness's view of the log, over HTTP with no credentials: the note verifier key, checkpoints signed by
the log (C2SP tlog-checkpoint), and a consistency proof between two checkpoints it saw."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from core.db import make_engine
from core.settings import Settings
from ledger import merkle
from ledger.checkpoint import Checkpoint, verify_checkpoint
from ledger.embedded import EmbeddedAnchorBackend
from ledger.leaves import Leaf
from ledger.service import anchor_once, get_ledger
from ledger.store import Entry
from tests.api.conftest import asgi_client, offline_world

T0 = dt.datetime(2026, 11, 26, 8, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def settings(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    var = Path(tmp_path_factory.mktemp("checkpoint-var"))
    with offline_world(pg_admin_url, var, ledger_log_id="zhifa.example.gov.cn/evidence") as (_, configured):
        yield configured


@pytest.fixture(scope="module")
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(settings) as client:
        yield client


def record_and_sign(settings: Settings, start: int, stop: int) -> None:
    engine = make_engine(settings.effective_database_url)
    ledger = get_ledger(settings)
    entries = [
        Entry(f"evidence/{n}", Leaf("photo", hashlib.sha256(b"%d" % n).hexdigest(), n, "C-1", T0, T0))
        for n in range(start, stop)
    ]
    with Session(engine) as session:
        ledger.record(session, entries)
        session.commit()
    anchor_once(engine, ledger, EmbeddedAnchorBackend())
    engine.dispose()


async def test_a_witness_follows_the_log_by_checkpoints(api: httpx.AsyncClient, settings: Settings) -> None:
    nothing = await api.get("/api/v1/ledger/checkpoint")
    assert nothing.status_code == 404 and nothing.headers["content-type"] == "application/problem+json"

    vkey = (await api.get("/api/v1/ledger/public-key")).json()["note_verifier_key"]
    assert vkey.startswith("zhifa.example.gov.cn/evidence+")
    record_and_sign(settings, 0, 10)
    response = await api.get("/api/v1/ledger/checkpoint")
    assert response.status_code == 200 and response.headers["content-type"] == "text/plain; charset=utf-8"
    first = verify_checkpoint(response.text, vkey)
    head = (await api.get("/api/v1/ledger/tree-head")).json()
    assert first == Checkpoint("zhifa.example.gov.cn/evidence", 10, bytes.fromhex(head["root_hash"]))

    record_and_sign(settings, 10, 37)
    second = verify_checkpoint((await api.get("/api/v1/ledger/checkpoint")).text, vkey)
    assert second.tree_size == 37
    params = {"first": first.tree_size, "second": second.tree_size}
    proof = [bytes.fromhex(h) for h in (await api.get("/api/v1/ledger/consistency", params=params)).json()["proof"]]
    assert merkle.verify_consistency(first.tree_size, second.tree_size, first.root_hash, second.root_hash, proof)
    assert not merkle.verify_consistency(first.tree_size, second.tree_size, second.root_hash, first.root_hash, proof)
