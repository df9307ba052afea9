"""The document activity on the real PostgreSQL, with the real renderer and a LocalDirStore in a temporary
folder: one issue key is one document however often (and however concurrently) it is asked for; a
document the law would print with a blank fails without retries, naming the field, and spends no number."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.documents import DocumentIssuer, document_store
from core.db import dispose_engines, get_engine, migrate
from core.document_tables import CaseDocument, DocumentSequence
from core.seed import seed_jurisdictions
from core.settings import get_settings
from rules.document_kinds import load_document_kinds
from rules.startup import load_rules
from tests.activities.document_requests import request
from workflows.case.document_model import MISSING_FIELD, NOT_ISSUABLE, DocumentProblem, IssuedDocument
from workflows.case.model import Party

pytestmark = pytest.mark.postgres


@pytest.fixture
def issuing_db(pg_schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    migrate(pg_schema_url)
    seed_jurisdictions(get_engine(pg_schema_url))
    monkeypatch.setenv("ZHIFA_DATABASE_URL", pg_schema_url)
    monkeypatch.setenv("ZHIFA_DOCUMENT_DIR", str(tmp_path / "documents"))
    monkeypatch.setenv("ZHIFA_VAR_DIR", str(tmp_path / "var"))  # the ledger key of this test alone
    get_settings.cache_clear()
    load_rules()
    try:
        yield pg_schema_url
    finally:
        dispose_engines()
        get_settings.cache_clear()


async def run(issuer: DocumentIssuer, kind: str, **changes: Any) -> IssuedDocument:
    result: IssuedDocument = await ActivityEnvironment().run(issuer.issue_case_document, request(kind, **changes))
    return result


def rows(case_id: str) -> list[CaseDocument]:
    with Session(get_engine()) as session:
        return list(session.exec(select(CaseDocument).where(CaseDocument.case_id == case_id)).all())


async def test_a_retried_activity_returns_the_same_document(issuing_db: str) -> None:
    issuer = DocumentIssuer()
    first = await run(issuer, "penalty_decision", step="decision/penalty_decision")
    again = await run(issuer, "penalty_decision", step="decision/penalty_decision")
    assert again == first  # same row: same number, same hash, same code
    type_code = load_document_kinds().get("penalty_decision").type_code
    assert (
        first.number == f"清河城管{type_code}〔2026〕第1号"
    )  # 清河区's abbreviation (core/seed.py), the first of 2026
    [row] = rows("case-docs-1")
    assert (row.doc_id, row.sha256, row.issue_key) == (
        first.doc_id,
        first.sha256,
        "case-docs-1/decision/penalty_decision",
    )
    pdf = document_store(get_settings()).get(row.sha256)  # verified against the hash
    assert pdf.startswith(b"%PDF") and row.size == len(pdf)


async def test_concurrent_attempts_with_one_key_leave_one_document(issuing_db: str) -> None:
    issuer = DocumentIssuer()
    results = await asyncio.gather(*(run(issuer, "prior_notice", step="notice/prior_notice") for _ in range(4)))
    assert len({r.model_dump_json() for r in results}) == 1
    assert len(rows("case-docs-1")) == 1
    with Session(get_engine()) as session:
        [sequence] = session.exec(select(DocumentSequence)).all()
    assert sequence.last_n == 1  # the losers gave their numbers back: no gap


async def test_the_next_document_of_a_type_takes_the_next_number(issuing_db: str) -> None:
    issuer = DocumentIssuer()
    one = await run(issuer, "payment_notice", workflow_id="case-a", step="decision/payment_notice")
    two = await run(issuer, "payment_notice", workflow_id="case-b", step="decision/payment_notice")
    type_code = load_document_kinds().get("payment_notice").type_code
    assert [one.number, two.number] == [f"清河城管{type_code}〔2026〕第{n}号" for n in (1, 2)]


async def test_a_missing_required_field_fails_without_retry_and_spends_no_number(issuing_db: str) -> None:
    no_address = Party(type="person", name="张三")
    base = request("penalty_decision")
    proposal = {**base.proposal, "party": {"type": "person", "name": "张三"}}
    steps = dict(base.steps)
    steps.pop("verify_lead")
    changes = {"case": base.case.model_copy(update={"party": no_address}), "proposal": proposal, "steps": steps}
    with pytest.raises(ApplicationError) as refused:
        await run(DocumentIssuer(), "penalty_decision", **changes)
    error = refused.value
    assert (error.type, error.non_retryable) == (MISSING_FIELD, True)
    problem = DocumentProblem.model_validate(error.details[0])
    assert (problem.kind, problem.key, problem.label) == ("penalty_decision", "party.address", "当事人地址")
    assert problem.legal_basis is not None and "第五十九条" in problem.legal_basis
    with get_engine().connect() as conn:
        assert conn.execute(sa.text("select count(*) from document_sequence")).scalar_one() == 0
        assert conn.execute(sa.text("select count(*) from case_document")).scalar_one() == 0
    supplied = await run(
        DocumentIssuer(), "penalty_decision", supplement={"party.address": "示范市清河区江滨路18号"}, **changes
    )
    assert supplied.number is not None


async def test_an_unknown_agency_is_not_issuable(issuing_db: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        await run(DocumentIssuer(), "case_source_register", agency_code="999999")
    assert (refused.value.type, refused.value.non_retryable) == (NOT_ISSUABLE, True)
    assert "999999" in refused.value.message
