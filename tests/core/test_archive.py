"""Building a case's archive from the database and the document store (core/archive.py), on SQLite and on the
real PostgreSQL: documents issued by `issue_document` with the real renderer, the case as its projection row."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from core.archive import CaseNotClosed, CaseNotFound, build_archive
from core.docstore import DocumentCorrupt, LocalDirStore
from core.document_tables import CaseDocument
from core.settings import get_settings
from documents.formatting import cn_date
from rules.catalogue import load_catalogue
from rules.document_kinds import load_document_kinds
from tests.core.conftest import SeededDb
from tests.core.documents_support import VIOLATION, intake_row, issue, record_row
from tests.documents.archive_support import page_texts, printed_toc, real_render, squash, stamped_pages
from workers.cli import app

OPENED = dt.datetime(2026, 11, 3, 7, 10, tzinfo=dt.UTC)
# (kind, hours after OPENED): issued in this order; 住建 Art. 40 files them 1, 2, 2, 3, 8.
ISSUED = (
    ("case_source_register", 1),
    ("inquiry_record", 50),
    ("penalty_decision", 300),
    ("service_receipt", 306),
    ("closing_approval", 900),
)
ARCHIVED = ("case_source_register", "penalty_decision", "service_receipt", "inquiry_record", "closing_approval")


@pytest.fixture
def store(tmp_path: Path) -> LocalDirStore:
    return LocalDirStore(tmp_path / "documents")


def add_case(engine: Engine, *, stage: str, closed: bool, projected: bool = True) -> str:
    case_id = f"990102-20261103-{uuid.uuid4().hex[:6].upper()}"
    with Session(engine) as session:
        session.add(
            intake_row(
                case_id,
                principal_id="officer-user-id",
                principal_name="officer1",
                party="李四",
                description="流动摊贩占道经营",
                received_at=OPENED,
            )
        )
        if projected:
            session.add(
                record_row(
                    case_id,
                    stage=stage,
                    opened_at=OPENED,
                    updated_at=OPENED,
                    filed_at=OPENED + dt.timedelta(days=3),
                    closed_at=OPENED + dt.timedelta(days=40) if closed else None,
                )
            )
        session.commit()
    return case_id


def issue_all(engine: Engine, store: LocalDirStore, case_id: str) -> list[CaseDocument]:
    issued = []
    for kind, hours in ISSUED:
        doc = load_document_kinds().get(kind)
        issued.append(
            issue(
                engine,
                store,
                f"{case_id}/{kind}",
                render=real_render(kind),
                case_id=case_id,
                kind=kind,
                type_code=doc.type_code,
                title=doc.title,
                now=OPENED + dt.timedelta(hours=hours),
            )
        )
    return issued


def build(engine: Engine, store: LocalDirStore, case_id: str, *, draft: bool = False) -> bytes:
    with Session(engine) as session:
        return build_archive(session, store, case_id, draft=draft)


def test_a_closed_case_is_bound_in_article_40_order(seeded: SeededDb, store: LocalDirStore) -> None:
    case_id = add_case(seeded.engine, stage="closed", closed=True)
    issued = {row.kind: row for row in issue_all(seeded.engine, store, case_id)}
    pdf = build(seeded.engine, store, case_id)
    texts = page_texts(pdf)
    rows, stamps = printed_toc(texts), stamped_pages(texts)
    assert [r.title for r in rows] == [issued[kind].title for kind in ARCHIVED]
    assert [r.number for r in rows] == [issued[kind].number for kind in ARCHIVED]
    assert issued["penalty_decision"].number is not None  # a numbered document shows its 文号
    assert [r.on for r in rows] == [cn_date(issued[kind].created_at) for kind in ARCHIVED]
    for row, kind in zip(rows, ARCHIVED, strict=True):
        assert issued[kind].verify_code[:5] in texts[stamps[row.page]], f"{row.title} is not on page {row.page}"
    assert len(stamps) == sum(issued[kind].pages or 0 for kind in ARCHIVED)
    cover = squash(texts[0])
    title = f"张三{load_catalogue().get(VIOLATION).name}案"
    for text in (title, case_id, "清河区", f"结案日期{cn_date(OPENED + dt.timedelta(days=40))}", f"共{len(ISSUED)}件"):
        assert text in cover, text
    assert "草稿" not in cover
    assert build(seeded.engine, store, case_id) == pdf  # same state, same bytes


def test_an_open_case_is_refused_unless_a_draft_is_asked_for(seeded: SeededDb, store: LocalDirStore) -> None:
    case_id = add_case(seeded.engine, stage="decision", closed=False)
    issue_all(seeded.engine, store, case_id)
    with pytest.raises(CaseNotClosed) as refused:
        build(seeded.engine, store, case_id)
    assert refused.value.stage == "decision" and refused.value.case_id == case_id
    texts = page_texts(build(seeded.engine, store, case_id, draft=True))
    assert "草稿·未结案" in squash(texts[0]) and "结案日期未结案" in squash(texts[0])
    assert len(printed_toc(texts)) == len(ISSUED)
    assert "本卷为草稿" in squash(texts[-1])


def test_a_draft_of_a_closed_case_is_the_archive_itself(seeded: SeededDb, store: LocalDirStore) -> None:
    case_id = add_case(seeded.engine, stage="closed", closed=True)
    issue(
        seeded.engine,
        store,
        f"{case_id}/register",
        render=real_render("case_source_register"),
        case_id=case_id,
        kind="case_source_register",
        type_code=None,
        title="案件来源登记表",
        now=OPENED,
    )
    assert build(seeded.engine, store, case_id, draft=True) == build(seeded.engine, store, case_id)


def test_a_case_not_yet_projected_is_drafted_from_its_intake(seeded: SeededDb, store: LocalDirStore) -> None:
    case_id = add_case(seeded.engine, stage="source", closed=False, projected=False)
    with pytest.raises(CaseNotClosed) as refused:
        build(seeded.engine, store, case_id)
    assert refused.value.stage is None
    cover = squash(page_texts(build(seeded.engine, store, case_id, draft=True))[0])
    assert f"李四{load_catalogue().get(VIOLATION).name}案" in cover and "共0件0页" in cover


def test_an_unknown_case_is_not_found(seeded: SeededDb, store: LocalDirStore) -> None:
    with pytest.raises(CaseNotFound):
        build(seeded.engine, store, "no-such-case", draft=True)


def test_a_damaged_document_file_stops_the_binding(seeded: SeededDb, store: LocalDirStore) -> None:
    case_id = add_case(seeded.engine, stage="closed", closed=True)
    row = issue(
        seeded.engine,
        store,
        f"{case_id}/register",
        render=real_render("case_source_register"),
        case_id=case_id,
        kind="case_source_register",
        type_code=None,
        title="案件来源登记表",
        now=OPENED,
    )
    path = store.path(row.sha256)
    path.chmod(0o644)
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOF\n% altered"))
    with pytest.raises(DocumentCorrupt):
        build(seeded.engine, store, case_id)


# --- zhifa archive CASE_ID [-o FILE] [--draft] -------------------------------------------------------------------


@pytest.fixture
def configured(seeded: SeededDb, store: LocalDirStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI's settings point at the seeded database and the test's document store."""
    monkeypatch.setenv("ZHIFA_DATABASE_URL", seeded.url)
    monkeypatch.setenv("ZHIFA_DOCUMENT_DIR", str(store.root))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_cli_writes_the_archive_the_api_serves(
    seeded: SeededDb, store: LocalDirStore, configured: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = add_case(seeded.engine, stage="closed", closed=True)
    issue(
        seeded.engine,
        store,
        f"{case_id}/register",
        render=real_render("case_source_register"),
        case_id=case_id,
        kind="case_source_register",
        type_code=None,
        title="案件来源登记表",
        now=OPENED,
    )
    target = tmp_path / "out" / "卷.pdf"
    target.parent.mkdir()
    result = CliRunner().invoke(app, ["archive", case_id, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == build(seeded.engine, store, case_id)
    assert f"archive of {case_id}: 1 documents" in result.output
    monkeypatch.chdir(tmp_path)
    default = CliRunner().invoke(app, ["archive", case_id])
    assert default.exit_code == 0, default.output
    assert (tmp_path / f"archive-{case_id}.pdf").read_bytes() == target.read_bytes()


def test_the_cli_refuses_an_open_case_without_draft(
    seeded: SeededDb, store: LocalDirStore, configured: None, tmp_path: Path
) -> None:
    case_id = add_case(seeded.engine, stage="investigation", closed=False)
    target = tmp_path / "draft.pdf"
    refused = CliRunner().invoke(app, ["archive", case_id, "-o", str(target)])
    assert refused.exit_code == 2 and "not closed" in refused.output and "--draft" in refused.output
    assert not target.exists()
    drafted = CliRunner().invoke(app, ["archive", case_id, "-o", str(target), "--draft"])
    assert drafted.exit_code == 0, drafted.output
    assert "草稿·未结案" in squash(page_texts(target.read_bytes())[0])
    unknown = CliRunner().invoke(app, ["archive", "no-such-case", "--draft", "-o", str(tmp_path / "x.pdf")])
    assert unknown.exit_code == 1 and "no case no-such-case" in unknown.output
