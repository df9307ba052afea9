"""GET /api/v1/cases/{case_id}/archive.pdf on the real PostgreSQL: the case's documents bound into one PDF,
for whoever may see the case (the same rules as its documents), 409 while it is open unless ?draft=true.

The cases are rows written directly (intake and projection rows) in a schema of this module's own; the documents
are issued by `core.documents.issue_document` with the real renderer (the archive binds real PDFs).
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
from core.db import get_engine, make_engine
from core.docstore import LocalDirStore, make_store
from core.document_tables import CaseDocument
from core.models import ApiKey
from core.seed import DEMO_INTEGRATOR_NAME
from core.settings import Settings
from rules.catalogue import load_catalogue
from rules.document_kinds import load_document_kinds
from tests.api.conftest import INTEGRATOR, offline_world, sign_in
from tests.core.documents_support import ISSUED_AT, VIOLATION, intake_row, issue, record_row
from tests.documents.archive_support import page_texts, printed_toc, real_render, squash

OPENED = ISSUED_AT - dt.timedelta(days=30)


@dataclass(frozen=True)
class World:
    settings: Settings
    closed_case: str  # opened by officer1 in 清河区, closed
    open_case: str  # opened by officer1 in 清河区, in the decision stage
    integrator_case: str  # opened by the demo integrator in 清河区, closed
    broken_case: str  # closed; the file of its one document gets damaged
    closed_documents: tuple[CaseDocument, ...]


def _add_case(session: Session, case_id: str, principal_id: str, principal_name: str, stage: str) -> None:
    description = "流动摊贩占道经营约3.5平方米"
    session.add(
        intake_row(
            case_id,
            principal_id=principal_id,
            principal_name=principal_name,
            party="张三",
            description=description,
            received_at=OPENED,
        )
    )
    closed_at = ISSUED_AT + dt.timedelta(days=2) if stage == "closed" else None
    session.add(record_row(case_id, stage=stage, opened_at=OPENED, updated_at=ISSUED_AT, closed_at=closed_at))


def _issue(url: str, store: LocalDirStore, case_id: str, kind: str, hours: int) -> CaseDocument:
    doc = load_document_kinds().get(kind)
    return issue(
        get_engine(url),
        store,
        f"{case_id}/{kind}",
        render=real_render(kind),
        case_id=case_id,
        kind=kind,
        type_code=doc.type_code,
        title=doc.title,
        now=ISSUED_AT + dt.timedelta(hours=hours),
    )


@pytest.fixture(scope="module")
def world(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with offline_world(pg_admin_url, Path(tmp_path_factory.mktemp("archive-var"))) as (url, settings):
        ids = [f"990102-20261028-A{n:05d}" for n in range(4)]
        engine = make_engine(url)
        with Session(engine) as session:
            key = session.exec(select(ApiKey).where(ApiKey.name == DEMO_INTEGRATOR_NAME)).one()
            _add_case(session, ids[0], "officer-user-id", "officer1", "closed")
            _add_case(session, ids[1], "officer-user-id", "officer1", "decision")
            _add_case(session, ids[2], f"key:{key.id}", f"key:{key.prefix}", "closed")
            _add_case(session, ids[3], "officer-user-id", "officer1", "closed")
            session.commit()
        engine.dispose()
        store = make_store(settings)
        assert isinstance(store, LocalDirStore)
        closed = (
            _issue(url, store, ids[0], "penalty_decision", 2),  # issued first, filed after the register (Art. 40)
            _issue(url, store, ids[0], "case_source_register", 5),
        )
        _issue(url, store, ids[1], "case_source_register", 1)
        _issue(url, store, ids[2], "case_source_register", 1)
        _issue(url, store, ids[3], "filing_approval", 1)
        try:
            yield World(settings, ids[0], ids[1], ids[2], ids[3], closed)
        finally:
            get_engine(url).dispose()


@pytest.fixture(scope="module")
async def archive_api(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(world.settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://zhifa.test", timeout=120) as client:
        yield client


async def _as(api: httpx.AsyncClient, who: str) -> dict[str, str]:
    if who == "nobody":
        return {}
    if who == "integrator":
        return INTEGRATOR
    return await sign_in(api, who)


def url_of(case_id: str) -> str:
    return f"/api/v1/cases/{case_id}/archive.pdf"


async def test_an_officer_gets_the_archive_of_a_closed_case(archive_api: httpx.AsyncClient, world: World) -> None:
    response = await archive_api.get(url_of(world.closed_case), headers=await sign_in(archive_api, "officer1"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["etag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'
    title = f"张三{load_catalogue().get(VIOLATION).name}案"
    assert f"filename*=UTF-8''{quote(f'{title}（案卷）.pdf', safe='')}" in response.headers["content-disposition"]
    texts = page_texts(response.content)
    register, decision = sorted(world.closed_documents, key=lambda d: d.kind != "case_source_register")
    assert [(r.title, r.number) for r in printed_toc(texts)] == [
        (register.title, None),
        (decision.title, decision.number),
    ]
    assert title in squash(texts[0]) and world.closed_case in squash(texts[0]) and "草稿" not in squash(texts[0])


@pytest.mark.parametrize(
    ("who", "case", "status"),
    [
        ("officer3", "closed_case", 404),  # 明湖区 sees nothing of 清河区
        ("integrator", "closed_case", 404),  # an integrator sees only what it opened
        ("integrator", "integrator_case", 200),
        ("auditor1", "closed_case", 200),  # the city sees the whole tree
        ("head1", "integrator_case", 200),
        ("officer3", "open_case", 404),  # not 409: whether it exists is not disclosed
        ("nobody", "closed_case", 401),
    ],
)
async def test_the_archive_follows_the_case_rules(
    archive_api: httpx.AsyncClient, world: World, who: str, case: str, status: int
) -> None:
    response = await archive_api.get(url_of(getattr(world, case)), headers=await _as(archive_api, who))
    assert response.status_code == status, response.text
    if status == 200:
        assert response.content.startswith(b"%PDF-1.7")
    else:
        assert response.headers["content-type"] == "application/problem+json"


async def test_an_open_case_is_409_unless_a_draft_is_asked_for(archive_api: httpx.AsyncClient, world: World) -> None:
    officer1 = await sign_in(archive_api, "officer1")
    refused = await archive_api.get(url_of(world.open_case), headers=officer1)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["type"] == "urn:zhifa:problem:case-not-closed" and body["stage"] == "decision"
    assert "draft=true" in body["detail"]
    draft = await archive_api.get(url_of(world.open_case), params={"draft": "true"}, headers=officer1)
    assert draft.status_code == 200, draft.text
    texts = page_texts(draft.content)
    assert "草稿·未结案" in squash(texts[0]) and [r.title for r in printed_toc(texts)] == ["案件来源登记表"]
    assert quote("（案卷·草稿）.pdf", safe="") in draft.headers["content-disposition"]


async def test_an_unknown_case_is_404(archive_api: httpx.AsyncClient) -> None:
    response = await archive_api.get(url_of("no-such-case"), headers=await sign_in(archive_api, "auditor1"))
    assert response.status_code == 404
    assert response.json()["type"] == "urn:zhifa:problem:not-found"


async def test_a_damaged_document_file_is_a_500_not_a_broken_archive(
    archive_api: httpx.AsyncClient, world: World
) -> None:
    engine = make_engine(world.settings.effective_database_url)
    with Session(engine) as session:
        row = session.exec(select(CaseDocument).where(CaseDocument.case_id == world.broken_case)).one()
    engine.dispose()
    store = make_store(world.settings)
    assert isinstance(store, LocalDirStore)
    path = store.path(row.sha256)
    path.chmod(0o644)
    path.write_bytes(b"%PDF-1.7 forged")
    response = await archive_api.get(url_of(world.broken_case), headers=await sign_in(archive_api, "officer1"))
    assert response.status_code == 500
    assert response.json()["type"] == "urn:zhifa:problem:archive-unavailable"
    assert b"forged" not in response.content
