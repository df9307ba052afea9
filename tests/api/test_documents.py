"""The documents API on the real PostgreSQL: a case's list, metadata, the PDF and the public
verification, with the case's jurisdiction rules seen from both sides.

The cases are rows written directly (an intake row, plus a projection row for one of them) in a
schema of this module's own, and the documents are issued by `core.documents.issue_document` with a
stand-in renderer (the real one is not under test here).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlmodel import Session, select

from api.main import create_app
from core.case_tables import CaseRecord
from core.db import get_engine, make_engine
from core.docstore import LocalDirStore, make_store
from core.document_tables import CaseDocument
from core.intake_tables import CaseIntake
from core.models import ApiKey
from core.seed import DEMO_INTEGRATOR_NAME
from core.settings import Settings
from tests.api.conftest import INTEGRATOR, offline_world, sign_in
from tests.core.documents_support import ISSUED_AT, FakeRenderer, issue

QINGHE = "990100/990102/"
PARTY = {"type": "person", "name": "张三", "id_number": "110101199001011234", "phone": "13800000000"}
VERIFY_FIELDS = {"valid", "kind", "title", "number", "agency", "issued_on", "sha256", "size", "media_type", "receipt"}


@dataclass(frozen=True)
class World:
    url: str
    settings: Settings
    officer_case: str  # opened by an officer in 清河区, projected
    integrator_case: str  # opened by the demo integrator in 清河区, not yet projected
    decision: CaseDocument  # numbered, on officer_case
    record: CaseDocument  # unnumbered, on officer_case
    hotline_notice: CaseDocument  # on integrator_case
    broken: CaseDocument  # on integrator_case; its file gets damaged


def _intake(case_id: str, principal_id: str, principal_name: str) -> CaseIntake:
    return CaseIntake(
        case_id=case_id,
        principal_id=principal_id,
        principal_name=principal_name,
        idempotency_key=case_id,
        body_sha256="0" * 64,
        violation_code="street_vending_jiaxing",
        source="patrol",
        district_code="990102",
        jurisdiction_path=QINGHE,
        lon=120.132,
        lat=30.278,
        cgcs2000_lon=120.132,
        cgcs2000_lat=30.278,
        address="示范市清河区望江路1号门前",
        description="流动摊贩占道经营约3.5平方米",
        party=PARTY,
        received_at=ISSUED_AT - dt.timedelta(days=20),
    )


def _cases(url: str) -> tuple[str, str]:
    officer_case, integrator_case = "990102-20261107-D0C001", "990102-20261107-D0C002"
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            key = session.exec(select(ApiKey).where(ApiKey.name == DEMO_INTEGRATOR_NAME)).one()
            session.add(_intake(officer_case, "officer-user-id", "officer1"))
            session.add(_intake(integrator_case, f"key:{key.id}", f"key:{key.prefix}"))
            session.add(
                CaseRecord(
                    case_id=officer_case,
                    violation_code="street_vending_jiaxing",
                    source="patrol",
                    jurisdiction_path=QINGHE,
                    stage="decision",
                    party_name=PARTY["name"],
                    opened_at=ISSUED_AT - dt.timedelta(days=20),
                    last_seq=1,
                    updated_at=ISSUED_AT,
                )
            )
            session.commit()
    finally:
        engine.dispose()
    return officer_case, integrator_case


@pytest.fixture(scope="module")
def world(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    var = Path(tmp_path_factory.mktemp("documents-var"))
    with offline_world(pg_admin_url, var, document_verify_base_url="https://zhifa.example.gov.cn") as (url, settings):
        officer_case, integrator_case = _cases(url)
        engine = get_engine(url)
        store = make_store(settings)
        issued = [
            issue(engine, store, f"{officer_case}/decide/penalty_decision", case_id=officer_case),
            issue(
                engine,
                store,
                f"{officer_case}/investigate/record",
                case_id=officer_case,
                type_code=None,
                kind="on_site_record",
                title="现场检查笔录",
                now=ISSUED_AT + dt.timedelta(hours=1),
            ),
            issue(engine, store, f"{integrator_case}/notice", case_id=integrator_case, type_code="告"),
            issue(engine, store, f"{integrator_case}/broken", case_id=integrator_case, render=FakeRenderer()),
        ]
        try:
            yield World(url, settings, officer_case, integrator_case, *issued)
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
async def docs_api(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(world.settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://zhifa.test") as client:
        yield client


# --- GET /api/v1/cases/{case_id}/documents ----------------------------------------------------------


async def test_an_officer_lists_the_documents_of_a_case_in_issue_order(
    docs_api: httpx.AsyncClient, world: World
) -> None:
    response = await docs_api.get(
        f"/api/v1/cases/{world.officer_case}/documents", headers=await sign_in(docs_api, "officer1")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 2 and body["case_id"] == world.officer_case
    decision, record = body["items"]
    assert decision["doc_id"] == world.decision.doc_id and record["doc_id"] == world.record.doc_id
    assert decision["number"] == "清河城管罚决〔2026〕第1号"
    assert record["number"] is None and record["title"] == "现场检查笔录"


@pytest.mark.parametrize(
    ("who", "case", "status"),
    [
        ("officer3", "officer_case", 404),  # 明湖区 sees nothing of 清河区
        ("integrator", "officer_case", 404),  # an integrator sees only what it opened
        ("integrator", "integrator_case", 200),
        ("officer1", "integrator_case", 200),
        ("auditor1", "officer_case", 200),  # the city sees the whole tree
        ("nobody", "officer_case", 401),
    ],
)
async def test_the_list_follows_the_case_rules(
    docs_api: httpx.AsyncClient, world: World, who: str, case: str, status: int
) -> None:
    response = await docs_api.get(f"/api/v1/cases/{getattr(world, case)}/documents", headers=await _as(docs_api, who))
    assert response.status_code == status, response.text
    if status != 200:
        assert response.headers["content-type"] == "application/problem+json"


# --- GET /api/v1/documents/{doc_id} --------------------------------------------------------------------


async def test_the_metadata_carries_number_hash_and_verification(docs_api: httpx.AsyncClient, world: World) -> None:
    doc = world.decision
    response = await docs_api.get(f"/api/v1/documents/{doc.doc_id}", headers=await sign_in(docs_api, "officer1"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sha256"] == doc.sha256 and body["size"] == doc.size
    assert (body["number"], body["agency_name"], body["type_code"], body["year"], body["seq"]) == (
        "清河城管罚决〔2026〕第1号",
        "清河区",
        "罚决",
        2026,
        1,
    )
    assert body["verify_code"] == f"{doc.verify_code[:5]}-{doc.verify_code[5:]}"
    assert body["verify_url"] == f"https://zhifa.example.gov.cn/api/v1/documents/verify/{doc.verify_code}"
    assert body["pdf_url"] == f"/api/v1/documents/{doc.doc_id}/pdf"
    assert body["template_version"] == "test-template-1" and body["case_id"] == world.officer_case


@pytest.mark.parametrize(
    ("who", "doc", "status"),
    [
        ("officer3", "decision", 404),
        ("integrator", "decision", 404),
        ("integrator", "hotline_notice", 200),
        ("auditor1", "hotline_notice", 200),
        ("nobody", "decision", 401),
    ],
)
async def test_the_metadata_follows_the_case_rules(
    docs_api: httpx.AsyncClient, world: World, who: str, doc: str, status: int
) -> None:
    doc_id = getattr(world, doc).doc_id
    response = await docs_api.get(f"/api/v1/documents/{doc_id}", headers=await _as(docs_api, who))
    assert response.status_code == status, response.text
    if status == 404:
        assert world.officer_case not in response.text  # which case it belongs to is not disclosed


async def test_an_unknown_document_is_404(docs_api: httpx.AsyncClient) -> None:
    response = await docs_api.get("/api/v1/documents/no-such-document", headers=await sign_in(docs_api, "auditor1"))
    assert response.status_code == 404
    assert response.json()["type"] == "urn:zhifa:problem:not-found"


# --- GET /api/v1/documents/{doc_id}/pdf -------------------------------------------------------------------


async def test_the_pdf_is_served_as_issued(docs_api: httpx.AsyncClient, world: World) -> None:
    doc = world.decision
    officer1 = await sign_in(docs_api, "officer1")
    response = await docs_api.get(f"/api/v1/documents/{doc.doc_id}/pdf", headers=officer1)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-1.7")
    assert hashlib.sha256(response.content).hexdigest() == doc.sha256
    assert response.headers["etag"] == f'"{doc.sha256}"'
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("inline; ")
    assert f"filename*=UTF-8''{quote('行政处罚决定书（清河城管罚决〔2026〕第1号）.pdf', safe='')}" in disposition
    again = await docs_api.get(
        f"/api/v1/documents/{doc.doc_id}/pdf", headers={**officer1, "If-None-Match": f'"{doc.sha256}"'}
    )
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize(
    ("who", "doc", "status"),
    [
        ("officer3", "decision", 404),
        ("integrator", "decision", 404),
        ("integrator", "hotline_notice", 200),
        ("nobody", "decision", 401),
    ],
)
async def test_the_pdf_follows_the_case_rules(
    docs_api: httpx.AsyncClient, world: World, who: str, doc: str, status: int
) -> None:
    response = await docs_api.get(
        f"/api/v1/documents/{getattr(world, doc).doc_id}/pdf", headers=await _as(docs_api, who)
    )
    assert response.status_code == status, response.text
    if status == 200:
        assert response.content.startswith(b"%PDF")
    else:
        assert response.headers["content-type"] == "application/problem+json"


async def test_a_damaged_file_is_never_served(docs_api: httpx.AsyncClient, world: World) -> None:
    store = make_store(world.settings)
    assert isinstance(store, LocalDirStore)
    path = store.path(world.broken.sha256)
    path.chmod(0o644)
    path.write_bytes(b"%PDF-1.7 forged")
    response = await docs_api.get(
        f"/api/v1/documents/{world.broken.doc_id}/pdf", headers=await sign_in(docs_api, "officer1")
    )
    assert response.status_code == 500
    assert response.json()["type"] == "urn:zhifa:problem:document-unavailable"
    assert b"forged" not in response.content


# --- GET /api/v1/documents/verify/{code} (public) -----------------------------------------------------------


async def test_anyone_can_verify_a_document_by_its_code(docs_api: httpx.AsyncClient, world: World) -> None:
    doc = world.decision
    response = await docs_api.get(f"/api/v1/documents/verify/{doc.verify_code}")  # no credentials
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == VERIFY_FIELDS
    assert body == {
        "valid": True,
        "kind": "penalty_decision",
        "title": "行政处罚决定书",
        "number": "清河城管罚决〔2026〕第1号",
        "agency": "清河区",
        "issued_on": "2026-11-27",
        "sha256": doc.sha256,
        "size": doc.size,
        "media_type": "application/pdf",
        "receipt": None,  # issued without a ledger (tests/core/documents_support.issue): not recorded yet
    }
    for secret in (PARTY["name"], PARTY["id_number"], PARTY["phone"], world.officer_case, doc.doc_id):
        assert secret not in response.text


async def test_a_code_is_accepted_as_people_type_it(docs_api: httpx.AsyncClient, world: World) -> None:
    code = world.record.verify_code
    typed = f"{code[:5]}-{code[5:]}".lower()
    response = await docs_api.get(f"/api/v1/documents/verify/{typed}")
    assert response.status_code == 200, response.text
    assert response.json()["number"] is None and response.json()["title"] == "现场检查笔录"


@pytest.mark.parametrize("code", ["0000000000", "ZZZZZ-ZZZZZ", "short", "UUUUUUUUUU", "pdf"])
async def test_an_unknown_or_malformed_code_is_404(docs_api: httpx.AsyncClient, world: World, code: str) -> None:
    if code.replace("-", "") in {d.verify_code for d in (world.decision, world.record, world.hotline_notice)}:
        pytest.skip("a random code happened to be this one")
    response = await docs_api.get(f"/api/v1/documents/verify/{code}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def _as(api: httpx.AsyncClient, who: str) -> dict[str, str]:
    if who == "nobody":
        return {}
    if who == "integrator":
        return INTEGRATOR
    return await sign_in(api, who)
