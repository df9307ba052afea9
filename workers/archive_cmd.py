"""`zhifa archive CASE_ID [-o FILE] [--draft]`: bind a case's archive (案卷) into one PDF file.

Reads the configured database and document store (``ZHIFA_*`` settings, as the API does) and writes what
``GET /api/v1/cases/{case_id}/archive.pdf`` serves. Exit 1: no such case, or a document cannot be read back
intact; exit 2: the case is not closed (give --draft to bind it anyway, marked 草稿).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from core.archive import ArchiveRefused, CaseNotClosed, CaseNotFound, archive_inputs, bind
from core.db import make_engine
from core.docstore import DocumentStoreError, make_store
from core.settings import get_settings
from documents.errors import DocumentError

console = Console(stderr=True)  # stdout may carry the PDF (-o -)


def default_file(case_id: str) -> Path:
    return Path(f"archive-{case_id}.pdf")


def archive(
    case_id: Annotated[str, typer.Argument(help="the case id, e.g. 990102-20261103-A1B2C3")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="file to write; '-' for stdout [archive-CASE_ID.pdf]")
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="bind a case that is not closed yet, marked 草稿")] = False,
) -> None:
    """Bind the case's documents into its archive (案卷, 住建 Art. 40): cover, 卷内目录, documents, 备考表."""
    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    try:
        with Session(engine) as session:
            inputs = archive_inputs(session, make_store(settings), case_id, draft=draft)
        result = bind(inputs)
    except CaseNotClosed as exc:
        console.print(f"[red]refused:[/red] {exc} (--draft)")
        raise typer.Exit(2) from exc
    except (CaseNotFound, ArchiveRefused, DocumentStoreError, DocumentError, SQLAlchemyError) as exc:
        console.print(f"[red]cannot bind the archive of {case_id}:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    target = output or default_file(case_id)
    if str(target) == "-":
        sys.stdout.buffer.write(result.pdf)
        sys.stdout.buffer.flush()
    else:
        target.write_bytes(result.pdf)
    kind = "draft archive" if inputs.cover.draft else "archive"
    console.print(
        f"{kind} of {case_id}: {len(result.rows)} documents, {result.document_pages} numbered pages "
        f"({result.page_count} in all) → {target}"
    )
