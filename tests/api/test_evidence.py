"""The evidence API on the real PostgreSQL: upload (streamed, hashed, into the store and the ledger),
list, read, download with custody, receipts that verify offline, and every refusal from both sides.

The cases are rows written directly (as in test_documents); Temporal is not running here, so the
case workflow is not told — which must not stop evidence intake (best effort, logged).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.main import create_app
from core.case_tables import CaseRecord
from core.db import get_engine, make_engine
from core.docstore import LocalDirStore
from core.evidence_tables import Evidence
from core.models import ApiKey
from core.seed import DEMO_INTEGRATOR_NAME
from core.settings import Settings, get_settings
from ledger import merkle
from ledger.embedded import EmbeddedAnchorBackend
from ledger.heads import SignedTreeHead
from ledger.receipts import verify_receipt
from ledger.service import anchor_once, get_ledger
from ledger.signing import load_public_key, verify_head
from ledger.tlog_proof import verify_tlog_proof
from tests.api.conftest import INTEGRATOR, offline_world, sign_in
from workers.cli import app as cli

QINGHE = "990100/990102/"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40
MAX_BYTES = 64 * 1024
OPENED = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class World:
    url: str
    settings: Settings
    officer_case: str  # 清河区, opened by an officer, projected
    integrator_case: str  # 清河区, opened by the demo integrator
    closed_case: str


def _record(case_id: str, closed: bool = False) -> CaseRecord:
    return CaseRecord(
        case_id=case_id,
        violation_code="street_vending_jiaxing",
        source="patrol",
        jurisdiction_path=QINGHE,
        stage="closed" if closed else "investigation",
        party_name="张三",
        opened_at=OPENED,
        closed_at=OPENED + dt.timedelta(days=9) if closed else None,
        last_seq=1,
        updated_at=OPENED,
    )


@pytest.fixture(scope="module")
def world(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from tests.api.test_documents import _intake

    var = Path(tmp_path_factory.mktemp("evidence-var"))
    with offline_world(pg_admin_url, var, evidence_max_bytes=MAX_BYTES) as (url, settings):
        cases = ("990102-20261120-E00001", "990102-20261120-E00002", "990102-20261120-E00003")
        engine = make_engine(url)
        with Session(engine) as session:
            key = session.exec(select(ApiKey).where(ApiKey.name == DEMO_INTEGRATOR_NAME)).one()
            session.add(_intake(cases[0], "officer-user-id", "officer1"))
            session.add(_intake(cases[1], f"key:{key.id}", f"key:{key.prefix}"))
            session.add(_record(cases[0]))
            session.add(_record(cases[2], closed=True))
            session.commit()
        engine.dispose()
        yield World(url, settings, *cases)


@pytest.fixture(scope="module")
async def ev_api(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(world.settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://zhifa.test") as client:
        yield client


def metadata(**overrides: Any) -> str:
    meta = {
        "kind": "photo",
        "captured_at": "2026-11-20T10:15:00+08:00",
        "captured_by": "officer1",
        "device_id": "DSJ-0042",
        "location": {"lng": 120.132, "lat": 30.278, "address": "望江路1号门前"},
        "description": "占道经营现场",
    }
    return json.dumps(meta | overrides, ensure_ascii=False)


async def upload(
    api: httpx.AsyncClient,
    case_id: str,
    headers: dict[str, str],
    data: bytes = JPEG,
    media_type: str = "image/jpeg",
    meta: str | None = None,
    name: str = "现场照片.jpg",
) -> httpx.Response:
    files = {"file": (name, data, media_type)}
    form = {"metadata": meta if meta is not None else metadata()}
    return await api.post(f"/api/v1/cases/{case_id}/evidence", files=files, data=form, headers=headers)


def counts(world: World) -> tuple[int, int, int]:
    engine = get_engine(world.url)
    with engine.connect() as conn:
        evidence, custody, leaves = (
            conn.execute(sa.text(f"select count(*) from {t}")).scalar_one()
            for t in ("evidence", "evidence_custody", "ledger_leaf")
        )
        return evidence, custody, leaves


def staged_files(world: World) -> list[Path]:
    staging = LocalDirStore(world.settings.effective_document_dir).root / ".staging"
    return list(staging.glob("*")) if staging.exists() else []


async def test_an_officer_uploads_a_photo_and_reads_it_back_with_its_custody(
    ev_api: httpx.AsyncClient, world: World
) -> None:
    officer = await sign_in(ev_api, "officer1")
    response = await upload(ev_api, world.officer_case, officer)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["sha256"] == hashlib.sha256(JPEG).hexdigest() and body["size"] == len(JPEG)
    assert (body["kind"], body["media_type"], body["filename"]) == ("photo", "image/jpeg", "现场照片.jpg")
    assert body["location"]["address"] == "望江路1号门前" and body["device_id"] == "DSJ-0042"
    assert body["uploaded_by"] == "officer1"
    assert dt.datetime.fromisoformat(body["captured_at"]) == dt.datetime(2026, 11, 20, 2, 15, tzinfo=dt.UTC)
    assert response.headers["location"] == f"/api/v1/evidence/{body['evidence_id']}"
    assert staged_files(world) == []

    listed = await ev_api.get(f"/api/v1/cases/{world.officer_case}/evidence", headers=officer)
    assert listed.status_code == 200 and body["evidence_id"] in [e["evidence_id"] for e in listed.json()]

    content = await ev_api.get(body["content_url"], headers=officer)
    assert content.status_code == 200 and content.content == JPEG
    assert content.headers["content-type"] == "image/jpeg" and content.headers["content-disposition"].startswith(
        "inline"
    )
    exported = await ev_api.get(body["content_url"], params={"download": "true"}, headers=officer)
    assert exported.headers["content-disposition"].startswith("attachment") and exported.content == JPEG

    detail = await ev_api.get(f"/api/v1/evidence/{body['evidence_id']}", headers=await sign_in(ev_api, "auditor1"))
    assert detail.status_code == 200
    assert [(e["action"], e["actor"]) for e in detail.json()["custody"]] == [
        ("uploaded", "officer1"),
        ("viewed", "officer1"),
        ("exported", "officer1"),
    ]


async def test_the_same_bytes_again_are_the_same_evidence(ev_api: httpx.AsyncClient, world: World) -> None:
    officer = await sign_in(ev_api, "officer1")
    data = JPEG + b"twice"
    first = await upload(ev_api, world.officer_case, officer, data=data)
    before = counts(world)
    again = await upload(ev_api, world.officer_case, officer, data=data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["evidence_id"] == first.json()["evidence_id"]
    assert counts(world) == before


async def test_the_receipt_verifies_offline_and_becomes_anchored(
    ev_api: httpx.AsyncClient, world: World, tmp_path: Path
) -> None:
    officer = await sign_in(ev_api, "officer1")
    data = JPEG + b"receipt"
    body = (await upload(ev_api, world.officer_case, officer, data=data)).json()
    key_doc = (await ev_api.get("/api/v1/ledger/public-key")).json()  # public: no credentials
    key = load_public_key(key_doc["public_key_pem"])
    receipt = (await ev_api.get(body["receipt_url"], headers=officer)).json()
    assert receipt["anchor"] is None and receipt["leaf"]["sha256"] == body["sha256"]
    assert receipt["leaf_index"] == body["leaf_index"]
    file = tmp_path / "photo.jpg"
    file.write_bytes(data)
    assert verify_receipt(receipt, key, file).ok

    ledger = get_ledger(world.settings)
    assert anchor_once(get_engine(world.url), ledger, EmbeddedAnchorBackend()) is not None
    anchored = (await ev_api.get(body["receipt_url"], headers=officer)).json()
    assert anchored["anchor"]["backend"] == "embedded"
    assert verify_receipt(anchored, key, file).ok
    # the same proof for tools that know C2SP and nothing of zhifa: the log's note key is all they need
    proof, checkpoint = verify_tlog_proof(anchored["tlog_proof"], key_doc["note_verifier_key"])
    assert proof.index == anchored["leaf_index"] and checkpoint.tree_size == anchored["tree_size"]
    assert json.loads(proof.extra or b"")["sha256"] == hashlib.sha256(data).hexdigest()

    # the offline verifier, as a court or a party runs it
    (tmp_path / "receipt.json").write_text(json.dumps(anchored), encoding="utf-8")
    (tmp_path / "key.json").write_text(json.dumps(key_doc), encoding="utf-8")
    args = ["verify", str(tmp_path / "receipt.json"), str(file), "--public-key", str(tmp_path / "key.json")]
    ok = CliRunner().invoke(cli, [*args, "--require-anchor"])
    assert ok.exit_code == 0, ok.output
    assert "VERIFIED" in ok.output
    (tmp_path / "photo.tlog-proof").write_text(anchored["tlog_proof"], encoding="utf-8")  # the C2SP form alone
    proof_args = ["verify", str(tmp_path / "photo.tlog-proof"), str(file), "--public-key", str(tmp_path / "key.json")]
    by_proof = CliRunner().invoke(cli, proof_args)
    assert by_proof.exit_code == 0 and "✓ tlog_proof" in by_proof.output and "✓ file" in by_proof.output
    file.write_bytes(data[:-1] + b"!")  # one byte changed
    bad = CliRunner().invoke(cli, args)
    assert bad.exit_code == 1 and "NOT VERIFIED" in bad.output and "✗ file" in bad.output
    bad_by_proof = CliRunner().invoke(cli, proof_args)
    assert bad_by_proof.exit_code == 1 and "✗ file" in bad_by_proof.output
    (tmp_path / "junk.json").write_text("neither", encoding="utf-8")
    junk = CliRunner().invoke(cli, ["verify", str(tmp_path / "junk.json"), "--public-key", str(tmp_path / "key.json")])
    assert junk.exit_code == 1 and "NOT VERIFIED" in junk.output

    status = (await ev_api.get("/api/v1/ledger/status")).json()
    assert status["anchored_tree_size"] is not None and status["tree_size"] >= status["anchored_tree_size"]


async def test_a_changed_stored_file_is_never_served_as_the_evidence(ev_api: httpx.AsyncClient, world: World) -> None:
    officer = await sign_in(ev_api, "officer1")
    data = JPEG + b"tampered later"
    body = (await upload(ev_api, world.officer_case, officer, data=data)).json()
    path = LocalDirStore(world.settings.effective_document_dir).path(body["sha256"])
    path.chmod(0o644)
    path.write_bytes(data[:-1] + b"?")
    with pytest.raises(Exception, match="corrupt"):  # the stream stops before the last chunk is vouched for
        await ev_api.get(body["content_url"], headers=officer)


@pytest.mark.parametrize(
    ("who", "case", "status"),
    [
        ("officer1", "officer_case", 201),
        ("leader1", "officer_case", 201),
        ("integrator", "integrator_case", 201),  # an integrator adds evidence to the cases it opened
        ("integrator", "officer_case", 404),  # … and sees no other
        ("officer3", "officer_case", 404),  # 明湖区 sees nothing of 清河区
        ("auditor1", "officer_case", 403),  # auditors read, never add
        ("reviewer1", "officer_case", 403),
        ("admin1", "officer_case", 403),
        ("nobody", "officer_case", 401),
    ],
)
async def test_who_may_add_evidence(ev_api: httpx.AsyncClient, world: World, who: str, case: str, status: int) -> None:
    headers = INTEGRATOR if who == "integrator" else {} if who == "nobody" else await sign_in(ev_api, who)
    before = counts(world)
    data = JPEG + f"{who}/{case}".encode()
    response = await upload(ev_api, getattr(world, case), headers, data=data)
    assert response.status_code == status, response.text
    if status != 201:
        assert response.headers["content-type"] == "application/problem+json"
        assert counts(world) == before


@pytest.mark.parametrize(
    ("who", "status"), [("officer1", 200), ("auditor1", 200), ("officer3", 404), ("integrator", 404), ("nobody", 401)]
)
async def test_who_may_read_evidence(ev_api: httpx.AsyncClient, world: World, who: str, status: int) -> None:
    officer = await sign_in(ev_api, "officer1")
    body = (await upload(ev_api, world.officer_case, officer, data=JPEG + b"read rules")).json()
    headers = INTEGRATOR if who == "integrator" else {} if who == "nobody" else await sign_in(ev_api, who)
    for url in (f"/api/v1/evidence/{body['evidence_id']}", body["content_url"], body["receipt_url"]):
        response = await ev_api.get(url, headers=headers)
        assert response.status_code == status, (url, response.text)
    listed = await ev_api.get(f"/api/v1/cases/{world.officer_case}/evidence", headers=headers)
    assert listed.status_code == status


@pytest.mark.parametrize(
    ("case", "kwargs", "status"),
    [
        ("officer_case", {"meta": json.dumps({"kind": "hologram"})}, 422),
        ("officer_case", {"meta": "{not json"}, 422),
        ("officer_case", {"meta": metadata(captured_at="2026-11-20T10:15:00")}, 422),  # no UTC offset
        ("officer_case", {"meta": metadata(location={"lng": 500, "lat": 30})}, 422),
        ("officer_case", {"media_type": "application/x-msdownload"}, 415),
        ("officer_case", {"data": b"%PDF-1.7 not a photo"}, 415),  # declared JPEG, bytes say PDF
        ("officer_case", {"data": JPEG * 10}, 413),  # over this module's 64 KiB limit
        ("officer_case", {"data": b""}, 400),
        ("closed_case", {}, 409),  # a closed case's file takes no new evidence
        ("missing", {}, 404),
    ],
)
async def test_bad_uploads_are_refused_and_change_nothing(
    ev_api: httpx.AsyncClient, world: World, case: str, kwargs: dict[str, Any], status: int
) -> None:
    officer = await sign_in(ev_api, "officer1")
    case_id = getattr(world, case, "990102-20261120-NOCASE")
    before = counts(world)
    response = await upload(ev_api, case_id, officer, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status
    assert counts(world) == before
    assert staged_files(world) == []


async def test_no_metadata_part_is_422(ev_api: httpx.AsyncClient, world: World) -> None:
    officer = await sign_in(ev_api, "officer1")
    files = {"file": ("a.jpg", JPEG + b"nometa", "image/jpeg")}
    before = counts(world)
    response = await ev_api.post(f"/api/v1/cases/{world.officer_case}/evidence", files=files, headers=officer)
    assert response.status_code == 422 and counts(world) == before


def test_evidence_rows_are_append_only(world: World) -> None:
    engine = get_engine(world.url)
    with Session(engine) as session:
        assert session.exec(select(Evidence)).first() is not None
    with engine.connect() as conn:
        for statement in ("update evidence set kind = 'other'", "delete from evidence_custody"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                conn.execute(sa.text(statement))
            conn.rollback()


async def test_the_file_audit_names_a_changed_evidence_file(
    ev_api: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = await sign_in(ev_api, "officer1")
    data = JPEG + b"audited"
    body = (await upload(ev_api, world.officer_case, officer, data=data)).json()
    monkeypatch.setenv("ZHIFA_DATABASE_URL", world.url)
    monkeypatch.setenv("ZHIFA_VAR_DIR", str(world.settings.var_dir))
    get_settings.cache_clear()
    try:
        path = LocalDirStore(world.settings.effective_document_dir).path(body["sha256"])
        path.chmod(0o644)
        path.write_bytes(data[:-1] + b"D")
        result = CliRunner().invoke(cli, ["ledger", "audit", "--files"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert f"evidence {body['evidence_id']}: document {body['sha256']} in the store" in result.output
    assert "corrupt" in result.output and "AUDIT FAILED" in result.output


async def test_a_monitor_watches_the_log_grow_without_credentials(ev_api: httpx.AsyncClient, world: World) -> None:
    officer = await sign_in(ev_api, "officer1")
    await upload(ev_api, world.officer_case, officer, data=JPEG + b"monitored 1")
    anchor_once(get_engine(world.url), get_ledger(world.settings), EmbeddedAnchorBackend())
    key = load_public_key((await ev_api.get("/api/v1/ledger/public-key")).json()["public_key_pem"])
    first = (await ev_api.get("/api/v1/ledger/tree-head")).json()
    assert verify_head(SignedTreeHead(**first), key)
    await upload(ev_api, world.officer_case, officer, data=JPEG + b"monitored 2")
    anchor_once(get_engine(world.url), get_ledger(world.settings), EmbeddedAnchorBackend())
    second = (await ev_api.get("/api/v1/ledger/tree-head")).json()
    assert second["tree_size"] > first["tree_size"] and verify_head(SignedTreeHead(**second), key)
    response = await ev_api.get(
        "/api/v1/ledger/consistency", params={"first": first["tree_size"], "second": second["tree_size"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["first_root"], body["second_root"]) == (first["root_hash"], second["root_hash"])
    proof = [bytes.fromhex(h) for h in body["proof"]]
    roots = bytes.fromhex(first["root_hash"]), bytes.fromhex(second["root_hash"])
    assert merkle.verify_consistency(first["tree_size"], second["tree_size"], *roots, proof)
    for params in ({"first": 5, "second": 4}, {"first": 1, "second": 10**9}, {"first": -1, "second": 2}):
        refused = await ev_api.get("/api/v1/ledger/consistency", params=params)
        assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("who", "found"), [("officer1", 1), ("auditor1", 1), ("officer3", 0), ("integrator", 0)])
async def test_entries_by_hash_follow_the_case_rules(
    ev_api: httpx.AsyncClient, world: World, who: str, found: int
) -> None:
    data = JPEG + b"searched for"
    body = (await upload(ev_api, world.officer_case, await sign_in(ev_api, "officer1"), data=data)).json()
    headers = INTEGRATOR if who == "integrator" else await sign_in(ev_api, who)
    response = await ev_api.get("/api/v1/ledger/entries", params={"sha256": body["sha256"]}, headers=headers)
    assert response.status_code == 200, response.text
    assert len(response.json()) == found
    if found:
        [entry] = response.json()
        assert (
            entry["entry"] == f"evidence/{body['evidence_id']}" and entry["receipt"]["leaf"]["sha256"] == body["sha256"]
        )


async def test_entries_need_a_principal_and_a_well_formed_hash(ev_api: httpx.AsyncClient) -> None:
    assert (await ev_api.get("/api/v1/ledger/entries", params={"sha256": "ab" * 32})).status_code == 401
    officer = await sign_in(ev_api, "officer1")
    for bad in ("AB" * 32, "ab", "zz" * 32):
        response = await ev_api.get("/api/v1/ledger/entries", params={"sha256": bad}, headers=officer)
        assert response.status_code == 422
