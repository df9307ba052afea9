"""Binding a case archive (案卷): median time for a 20-document case, and its parts.

The case: every document kind of rules/data/documents.yaml but the on-the-spot decision (a simple-procedure
case has no archive of this size), rendered once from the demo contexts (documents/samples.py) with
`render_document` (PDF/A-2u), issued a day apart. Each round binds them with `build_archive_pdf`'s three steps,
timed apart: plan (parse every PDF with pypdf, order by 住建 Art. 40, number the pages), render (the cover, TOC,
page stamps and 备考表: one weasyprint render) and merge (pypdf: copy the pages, lay a stamp on each, labels,
outline, metadata, write). For scale, each round also renders one document (the penalty decision, two pages)
the same way its issuance does. Run: `python -m bench.archive [rounds]`.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time

from documents.archive import ArchiveCover, ArchiveEntry, assemble, plan_archive, render_sheets
from documents.numbering import document_number, preview_verify_code, verify_url
from documents.render import render_document
from documents.sample_case import ABBREVIATION, AGENCY, VERIFY_BASE, at
from documents.samples import contexts
from rules.document_kinds import load_document_kinds

ROUNDS = 7
LEFT_OUT = "on_the_spot_decision"


def _render(kind: str, day: int) -> tuple[str | None, dt.datetime, bytes]:
    doc, issued_at = load_document_kinds().get(kind), at(11, 3, 10) + dt.timedelta(days=day)
    code = preview_verify_code()
    number = document_number(kind, ABBREVIATION, 2026, day + 1) if doc.numbered else None
    url = verify_url(VERIFY_BASE, code)
    rendered = render_document(
        kind, contexts()[kind], number=number, verify_code=code, verify_url=url, issued_at=issued_at, agency=AGENCY
    )
    return number, issued_at, rendered.pdf


def case_documents() -> list[ArchiveEntry]:
    """The 20 documents of the demo case, rendered, one a day from 2026-11-03."""
    entries = []
    kinds = [d for d in load_document_kinds().documents if d.kind != LEFT_OUT]
    for day, doc in enumerate(kinds):
        number, issued_at, pdf = _render(doc.kind, day)
        entries.append(ArchiveEntry(doc.archive_category, doc.title, number, issued_at, pdf))
    return entries


def main(rounds: int = ROUNDS) -> None:
    entries = case_documents()
    cover = ArchiveCover(
        agency=AGENCY,
        case_id="990102-20261103-BENCH0",
        title="张三擅自占用城市道路摆摊设点案",
        party="张三",
        opened_at=at(11, 3, 9),
        filed_at=at(11, 6, 9),
        closed_at=at(12, 1, 9),
    )
    assemble(plan := plan_archive(cover, entries), render_sheets(plan))  # warm-up: fonts, templates
    parts: dict[str, list[float]] = {"plan": [], "render": [], "merge": [], "total": [], "one document": []}
    size = pages = 0
    for _ in range(rounds):
        begin = time.perf_counter()
        plan = plan_archive(cover, entries)
        planned = time.perf_counter()
        sheets = render_sheets(plan)
        rendered = time.perf_counter()
        archive = assemble(plan, sheets)
        done = time.perf_counter()
        _render("penalty_decision", 0)  # the scale: one document, rendered in the same round
        document = time.perf_counter() - done
        for name, seconds in zip(
            parts, (planned - begin, rendered - planned, done - rendered, done - begin, document), strict=True
        ):
            parts[name].append(seconds)
        size, pages = len(archive.pdf), archive.page_count
    inputs = sum(len(e.pdf) for e in entries)
    print(
        f"case archive of {len(entries)} documents ({pages} pages, {size / 1e6:.1f} MB from {inputs / 1e6:.1f} MB "
        f"of documents), median of {rounds} rounds (ms)"
    )
    print("  ".join(f"{name} {statistics.median(times) * 1e3:.0f}" for name, times in parts.items()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS)
