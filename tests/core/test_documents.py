"""Issuing documents: gap-free numbers under concurrency, idempotency by issue key, rollback of a
failed issuance — on the real PostgreSQL and on SQLite (the embedded default)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.testing import ActivityEnvironment

from activities.ledger import sweep_documents
from core.db import make_engine
from core.docstore import LocalDirStore
from core.document_tables import CaseDocument, DocumentSequence
from core.documents import case_documents, find_by_verify_code, issue_key, verify_url
from core.numbering import CROCKFORD, UnknownAgency, display_verify_code
from ledger.leaves import Leaf
from ledger.service import Ledger
from ledger.signing import LogSigner
from ledger.store import LedgerStore
from ledger.tables import LedgerLeaf
from tests.core.conftest import SeededDb
from tests.core.documents_support import ISSUED_AT, FakeRenderer, issue

T = TypeVar("T")


@pytest.fixture
def engine(seeded: SeededDb) -> Iterator[Engine]:
    """The seeded database with a pool wide enough for 50 issuers at once."""
    eng = make_engine(seeded.url, pool_size=60, max_overflow=0)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def store(tmp_path: Path) -> LocalDirStore:
    return LocalDirStore(tmp_path / "documents")


@pytest.fixture
def type_code() -> str:
    """A type code of this test alone, so every test starts its own sequences in the shared database."""
    return "T" + uuid.uuid4().hex[:8]


def key() -> str:
    return f"wf-{uuid.uuid4().hex}/serve_decision"


def last_n(engine: Engine, agency: str, type_code: str, year: int) -> int | None:
    with Session(engine) as session:
        row = session.get(DocumentSequence, (agency, type_code, year))
        return row.last_n if row is not None else None


def documents_with_key(engine: Engine, issue_key: str) -> list[CaseDocument]:
    with Session(engine) as session:
        return list(session.exec(select(CaseDocument).where(CaseDocument.issue_key == issue_key)).all())


def all_at_once(n: int, job: Callable[[], T]) -> list[T]:
    """Run ``job`` in ``n`` threads released together by a barrier."""
    barrier = threading.Barrier(n)

    def run() -> T:
        barrier.wait()
        return job()

    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(run) for _ in range(n)]
        return [f.result() for f in futures]


# --- numbering --------------------------------------------------------------------------------


def test_fifty_concurrent_issuances_get_fifty_consecutive_numbers(
    engine: Engine, store: LocalDirStore, type_code: str
) -> None:
    render = FakeRenderer(pause=0.002)
    rows = all_at_once(50, lambda: issue(engine, store, key(), render=render, type_code=type_code))
    seqs = sorted(r.seq for r in rows if r.seq is not None)
    assert seqs == list(range(1, 51))
    assert len({r.number for r in rows}) == 50
    assert {r.number for r in rows} == {f"清河城管{type_code}〔2026〕第{n}号" for n in range(1, 51)}
    assert len({r.verify_code for r in rows}) == 50
    assert last_n(engine, "990102", type_code, 2026) == 50
    assert len(render.calls) == 50  # every issuance rendered once, with its own number
    with Session(engine) as session:
        stored = session.exec(select(CaseDocument).where(CaseDocument.type_code == type_code)).all()
    assert sorted(r.seq or 0 for r in stored) == list(range(1, 51))


def test_a_failing_render_consumes_no_number(engine: Engine, store: LocalDirStore, type_code: str) -> None:
    first = issue(engine, store, key(), type_code=type_code)
    broken = key()
    with pytest.raises(RuntimeError, match="blew up"):
        issue(engine, store, broken, render=FakeRenderer(fail=True), type_code=type_code)
    assert documents_with_key(engine, broken) == []
    assert last_n(engine, "990102", type_code, 2026) == 1
    second = issue(engine, store, key(), type_code=type_code)
    assert (first.seq, second.seq) == (1, 2)


def test_a_failing_store_consumes_no_number(engine: Engine, store: LocalDirStore, type_code: str) -> None:
    class FullDisk(LocalDirStore):
        def put(self, data: bytes) -> str:
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        issue(engine, FullDisk(store.root), key(), type_code=type_code)
    assert last_n(engine, "990102", type_code, 2026) is None
    assert issue(engine, store, key(), type_code=type_code).seq == 1


def test_sequences_are_independent_per_agency_type_and_year(
    engine: Engine, store: LocalDirStore, type_code: str
) -> None:
    other_type = type_code + "X"
    next_year = ISSUED_AT.replace(year=2027)
    issued = [
        issue(engine, store, key(), type_code=type_code),
        issue(engine, store, key(), type_code=type_code, now=next_year),
        issue(engine, store, key(), type_code=other_type),
        issue(engine, store, key(), type_code=type_code, agency_code="990103"),
        issue(engine, store, key(), type_code=type_code),
    ]
    assert [d.seq for d in issued] == [1, 1, 1, 1, 2]
    assert [d.number for d in issued] == [
        f"清河城管{type_code}〔2026〕第1号",
        f"清河城管{type_code}〔2027〕第1号",
        f"清河城管{other_type}〔2026〕第1号",
        f"明湖城管{type_code}〔2026〕第1号",
        f"清河城管{type_code}〔2026〕第2号",
    ]
    assert issued[3].agency_name == "明湖区"


def test_the_year_is_the_beijing_year_of_issuance(engine: Engine, store: LocalDirStore, type_code: str) -> None:
    new_years_eve_utc = dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)  # 2027-01-01 01:00 in Beijing
    doc = issue(engine, store, key(), type_code=type_code, now=new_years_eve_utc)
    assert (doc.year, doc.number) == (2027, f"清河城管{type_code}〔2027〕第1号")


def test_the_abbreviation_can_be_overridden_by_settings(engine: Engine, store: LocalDirStore, type_code: str) -> None:
    doc = issue(engine, store, key(), type_code=type_code, abbreviations={"990102": "清河区综合执法"})
    assert doc.number == f"清河区综合执法{type_code}〔2026〕第1号"


def test_an_unknown_agency_is_refused_and_numbers_nothing(engine: Engine, store: LocalDirStore, type_code: str) -> None:
    with pytest.raises(UnknownAgency):
        issue(engine, store, key(), type_code=type_code, agency_code="000000")
    assert last_n(engine, "000000", type_code, 2026) is None


def test_an_unnumbered_form_has_no_number_and_takes_none(engine: Engine, store: LocalDirStore) -> None:
    render = FakeRenderer()
    doc = issue(engine, store, key(), type_code=None, kind="on_site_record", title="现场检查笔录", render=render)
    assert (doc.number, doc.seq, doc.type_code, doc.year) == (None, None, None, 2026)
    assert render.calls[0][0] is None


# --- what is stored -------------------------------------------------------------------------------


def test_the_row_describes_the_stored_bytes(engine: Engine, store: LocalDirStore, type_code: str) -> None:
    render = FakeRenderer()
    doc = issue(engine, store, key(), render=render, type_code=type_code, case_id="990102-20261127-BBBBBB")
    pdf = store.get(doc.sha256)
    assert pdf.startswith(b"%PDF-1.7") and doc.number is not None
    printed = display_verify_code(doc.verify_code)  # ABCDE-FGHJK, as on paper
    assert doc.number.encode() in pdf and printed.encode() in pdf  # the render got both
    assert (doc.size, doc.media_type, doc.template_version, doc.pages) == (
        len(pdf),
        "application/pdf",
        "test-template-1",
        1,
    )
    assert len(doc.verify_code) == 10 and set(doc.verify_code) <= set(CROCKFORD)
    assert doc.created_at == ISSUED_AT
    assert render.calls == [(doc.number, printed, ISSUED_AT)]
    with Session(engine) as session:
        assert [d.doc_id for d in case_documents(session, "990102-20261127-BBBBBB")] == [doc.doc_id]
        found = find_by_verify_code(session, doc.verify_code)
        assert found is not None and found.doc_id == doc.doc_id
    assert verify_url("https://zhifa.example/", doc.verify_code).endswith(f"/api/v1/documents/verify/{doc.verify_code}")


# --- idempotency --------------------------------------------------------------------------------


def test_the_same_issue_key_twice_returns_the_same_document_without_rendering_again(
    engine: Engine, store: LocalDirStore, type_code: str
) -> None:
    render = FakeRenderer()
    k = key()
    first = issue(engine, store, k, render=render, type_code=type_code)
    again = issue(engine, store, k, render=render, type_code=type_code, now=ISSUED_AT + dt.timedelta(minutes=5))
    assert (again.doc_id, again.number, again.sha256, again.verify_code) == (
        first.doc_id,
        first.number,
        first.sha256,
        first.verify_code,
    )
    assert len(render.calls) == 1
    assert last_n(engine, "990102", type_code, 2026) == 1
    assert len(documents_with_key(engine, k)) == 1


def test_the_same_issue_key_concurrently_makes_one_document(
    engine: Engine, store: LocalDirStore, type_code: str
) -> None:
    render = FakeRenderer(pause=0.005)
    k = key()
    rows = all_at_once(20, lambda: issue(engine, store, k, render=render, type_code=type_code))
    assert len({(r.doc_id, r.number, r.sha256) for r in rows}) == 1
    assert rows[0].number == f"清河城管{type_code}〔2026〕第1号"
    assert len(documents_with_key(engine, k)) == 1
    assert len(render.calls) == 1  # the losers queued on the sequence row and found the winner's row
    assert last_n(engine, "990102", type_code, 2026) == 1  # no number lost to the losers
    assert issue(engine, store, key(), type_code=type_code).seq == 2


def test_the_same_issue_key_concurrently_makes_one_unnumbered_document(engine: Engine, store: LocalDirStore) -> None:
    k = key()
    rows = all_at_once(20, lambda: issue(engine, store, k, type_code=None, render=FakeRenderer(pause=0.005)))
    assert len({(r.doc_id, r.sha256, r.verify_code) for r in rows}) == 1
    assert len(documents_with_key(engine, k)) == 1


def test_a_retried_activity_returns_the_same_number_and_hash(
    engine: Engine, store: LocalDirStore, type_code: str
) -> None:
    """The activity committed its document, then its worker died before Temporal heard back; the retry
    (same workflow id and step, attempt 2) must not issue a second document."""
    render = FakeRenderer()

    @activity.defn(name="issue_penalty_decision")
    def issue_penalty_decision(case_id: str) -> dict[str, Any]:
        info = activity.info()
        assert info.workflow_id is not None
        doc = issue(
            engine,
            store,
            issue_key(info.workflow_id, "decide/penalty_decision"),
            render=render,
            type_code=type_code,
            case_id=case_id,
            now=dt.datetime.now(dt.UTC),
        )
        if info.attempt == 1:
            raise RuntimeError("worker lost after the commit")
        return {"doc_id": doc.doc_id, "number": doc.number, "sha256": doc.sha256}

    env = ActivityEnvironment()
    workflow_id = "990102-20261127-CCCCCC"
    env.info = dataclasses.replace(ActivityEnvironment.default_info(), workflow_id=workflow_id, attempt=1)
    with pytest.raises(RuntimeError, match="worker lost"):
        env.run(issue_penalty_decision, workflow_id)
    env.info = dataclasses.replace(env.info, attempt=2)
    result = env.run(issue_penalty_decision, workflow_id)
    (stored,) = documents_with_key(engine, f"{workflow_id}/decide/penalty_decision")
    assert result == {"doc_id": stored.doc_id, "number": stored.number, "sha256": stored.sha256}
    assert stored.seq == 1 and len(render.calls) == 1
    assert last_n(engine, "990102", type_code, stored.year) == 1


def test_the_number_is_unique_in_the_table_too(engine: Engine, store: LocalDirStore, type_code: str) -> None:
    doc = issue(engine, store, key(), type_code=type_code)
    with pytest.raises(sa.exc.IntegrityError), Session(engine) as session:
        clone = doc.model_copy(update={"doc_id": str(uuid.uuid4()), "issue_key": key(), "verify_code": "0000000000"})
        session.add(CaseDocument.model_validate(clone.model_dump()))
        session.commit()
    with Session(engine) as session:
        count = session.exec(select(sa.func.count()).where(col(CaseDocument.type_code) == type_code)).one()
    assert count == 1


# --- the ledger (区块链存证) --------------------------------------------------------------------------------


def test_an_issued_document_becomes_a_leaf_in_its_issuing_transaction(
    engine: Engine, store: LocalDirStore, type_code: str
) -> None:
    ledger = Ledger(LedgerStore(), LogSigner.generate(), "test-log")
    issue_key_ = key()
    case_id = "990102-20261127-LEDGER"
    doc = issue(engine, store, issue_key_, type_code=type_code, case_id=case_id, ledger=ledger)
    again = issue(engine, store, issue_key_, type_code=type_code, case_id=case_id, ledger=ledger)  # a retry
    assert again.doc_id == doc.doc_id
    with Session(engine) as session:
        leaf = ledger.store.leaf_by_key(session, f"document/{doc.doc_id}")
        assert leaf is not None and leaf.case_id == case_id  # indexed by its case …
        recorded = Leaf.parse(leaf.leaf)
        assert (recorded.kind, recorded.sha256, recorded.size) == ("issued_document", doc.sha256, doc.size)
        assert recorded.case_id is None  # … but the public receipt names none
        keys = session.exec(select(LedgerLeaf.entry_key).where(LedgerLeaf.entry_key == f"document/{doc.doc_id}"))
        assert len(keys.all()) == 1


def test_a_failed_issuance_leaves_no_leaf(engine: Engine, store: LocalDirStore, type_code: str) -> None:
    ledger = Ledger(LedgerStore(), LogSigner.generate(), "test-log")
    with Session(engine) as session:
        before = ledger.store.size(session)
    with pytest.raises(RuntimeError, match="blew up"):
        issue(engine, store, key(), type_code=type_code, render=FakeRenderer(fail=True), ledger=ledger)
    with Session(engine) as session:
        assert ledger.store.size(session) == before


def test_documents_issued_without_the_ledger_are_swept_into_it(
    engine: Engine, store: LocalDirStore, type_code: str
) -> None:
    ledger = Ledger(LedgerStore(), LogSigner.generate(), "test-log")
    old = issue(engine, store, key(), type_code=type_code)  # as before the ledger held documents
    assert sweep_documents(engine, ledger) >= 1
    assert sweep_documents(engine, ledger) == 0
    with Session(engine) as session:
        leaf = ledger.store.leaf_by_key(session, f"document/{old.doc_id}")
        assert leaf is not None and Leaf.parse(leaf.leaf).sha256 == old.sha256
