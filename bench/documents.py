"""Document rendering: p50 time per statutory document and the ratio to bare weasyprint.

For every document kind, the demo context (documents/samples.py) is rendered by `render_document` (field
check, jinja2, QR code, weasyprint, PDF/A-2u) and, interleaved with it, the same pre-rendered HTML is laid
out by bare weasyprint: `HTML(string=html).write_pdf(stylesheets=[the same parsed stylesheet],
pdf_variant=the same variant)`. The ratio is our overhead over weasyprint itself (target ≤ 1.1×).
Run: `python -m bench.documents [rounds]`.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from functools import partial

from weasyprint import HTML  # type: ignore[import-untyped]

from documents.numbering import document_number, preview_verify_code, verify_url
from documents.render import ARCHIVAL_VARIANT, render_document, render_html, stylesheet
from documents.sample_case import ABBREVIATION, AGENCY, VERIFY_BASE, at
from documents.samples import contexts
from rules.document_kinds import load_document_kinds

ROUNDS = 9


def _timed(call: Callable[[], object]) -> float:
    begin = time.perf_counter()
    call()
    return time.perf_counter() - begin


def _bare(html: str) -> bytes:
    pdf: bytes = HTML(string=html).write_pdf(stylesheets=[stylesheet()], pdf_variant=ARCHIVAL_VARIANT)
    return pdf


def main(rounds: int = ROUNDS) -> None:
    samples = contexts()
    issued_at = at(11, 26, 10)
    ours_all, bare_all, ratios = [], [], []
    print(f"document rendering, p50 of {rounds} interleaved rounds (ms); bare = weasyprint on the same HTML")
    print(f"{'kind':<30} {'pages':>5} {'ours':>8} {'bare':>8} {'ratio':>6}")
    for doc in load_document_kinds().documents:
        code = preview_verify_code()
        number = document_number(doc.kind, ABBREVIATION, 2026, 1) if doc.numbered else None
        url = verify_url(VERIFY_BASE, code)
        context = samples[doc.kind]
        html = render_html(
            doc.kind, context, number=number, verify_code=code, verify_url=url, issued_at=issued_at, agency=AGENCY
        )

        ours = partial(
            render_document,
            doc.kind,
            context,
            number=number,
            verify_code=code,
            verify_url=url,
            issued_at=issued_at,
            agency=AGENCY,
        )
        bare = partial(_bare, html)
        pages = ours().page_count  # warm-up: fonts, templates
        bare()
        ours_times, bare_times = [], []
        for _ in range(rounds):
            ours_times.append(_timed(ours))
            bare_times.append(_timed(bare))
        ours_p50, bare_p50 = statistics.median(ours_times) * 1e3, statistics.median(bare_times) * 1e3
        ours_all += ours_times
        bare_all += bare_times
        ratios.append(ours_p50 / bare_p50)
        print(f"{doc.kind:<30} {pages:>5} {ours_p50:>8.1f} {bare_p50:>8.1f} {ours_p50 / bare_p50:>5.2f}x")
    ours_p50, bare_p50 = statistics.median(ours_all) * 1e3, statistics.median(bare_all) * 1e3
    print(
        f"all documents: p50 ours {ours_p50:.1f} ms, bare {bare_p50:.1f} ms, ratio of p50s {ours_p50 / bare_p50:.2f}x; "
        f"per-kind ratios median {statistics.median(ratios):.2f}x, max {max(ratios):.2f}x (target ≤ 1.10x)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS)
