"""`zhifa verify` (offline: a receipt, a file, a public key) and `zhifa ledger …` (the log's operator).

`zhifa verify RECEIPT.json [FILE] --public-key KEY` needs no server and no database: it is what a
court, a lawyer or a party runs on what they were given. Exit 0: every check passed (a receipt whose
anchor is still pending passes unless --require-anchor); exit 1: a check failed, with the reason.

`zhifa ledger audit` recomputes the whole tree from the database and checks every stored hash, tree
head and anchor (ledger/audit.py), with --chain also against the chain's own records
(ledger/chain_audit.py); `zhifa ledger anchor` runs one anchoring round now, without
Temporal (the same code the scheduled workflow runs); `zhifa ledger public-key` prints the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlmodel import Session

from core.db import make_engine
from core.docstore import make_store
from core.file_audit import audit_files, count_items
from core.settings import get_settings
from ledger.audit import audit
from ledger.backends import make_backend
from ledger.chain_audit import ChainReader, ChainView, read_chain
from ledger.heads import AnchorError
from ledger.receipts import verify_text
from ledger.service import get_ledger
from ledger.signing import load_public_key, public_pem
from ledger.tables import LedgerAnchor
from ledger.tlog_proof import HEADER as TLOG_PROOF_HEADER

console = Console(soft_wrap=True)  # hashes and ids stay whole on one line, copyable
errors = Console(stderr=True, soft_wrap=True)
ledger_app = typer.Typer(help="The evidence ledger: audit, anchor, public key.", no_args_is_help=True)


def read_public_key(path: Path) -> bytes:
    """A PEM file, a file with the base64 key, or the JSON of GET /api/v1/ledger/public-key."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"{"):
        pem = json.loads(data).get("public_key_pem")
        if not isinstance(pem, str):
            raise ValueError(f"{path}: JSON without public_key_pem")
        return pem.encode("ascii")
    return data


def verify(
    receipt: Annotated[
        Path,
        typer.Argument(
            help="the receipt (zhifa-receipt/1 JSON), or its tlog_proof saved as a .tlog-proof file",
            exists=True,
            dir_okay=False,
        ),
    ],
    public_key: Annotated[
        Path,
        typer.Option(
            "--public-key",
            "-k",
            exists=True,
            dir_okay=False,
            help="the log's Ed25519 public key: PEM, base64, or the JSON of /api/v1/ledger/public-key",
        ),
    ],
    file: Annotated[
        Path | None, typer.Argument(help="the evidence file or document it covers", exists=True, dir_okay=False)
    ] = None,
    require_anchor: Annotated[bool, typer.Option(help="fail a receipt whose anchoring is still pending")] = False,
) -> None:
    """Check a receipt offline: the file's hash, the inclusion proof and the tree head's signature.
    A c2sp.org/tlog-proof (the receipt's `tlog_proof`, e.g. saved as evidence.tlog-proof) is checked too."""
    try:
        key = load_public_key(read_public_key(public_key))
        text = receipt.read_text(encoding="utf-8")
        bare_proof = text.startswith(TLOG_PROOF_HEADER)
        result = verify_text(text, key, file)
    except (OSError, ValueError) as exc:
        errors.print(f"[red]✗[/red] {exc}")
        raise typer.Exit(1) from None
    for check in result.checks:
        mark = "[green]✓[/green]" if check.ok else "[red]✗[/red]"
        console.print(f"{mark} {check.name}: {check.message}", highlight=False)
    if bare_proof:
        console.print("… anchor: a tlog-proof carries none (the receipt's JSON names it)")
    elif not result.anchored:
        console.print("… anchor: pending (signed by the log, not yet on the chain)")
    if not result.ok:
        console.print("[red]NOT VERIFIED[/red]")
        raise typer.Exit(1)
    if require_anchor and not result.anchored:
        console.print("[red]NOT VERIFIED[/red]: the receipt is not anchored yet (--require-anchor)")
        raise typer.Exit(1)
    console.print("[green]VERIFIED[/green]" + ("" if file else " (no file given: the file itself was not checked)"))


@ledger_app.command("audit")
def audit_command(
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", "-k", exists=True, dir_okay=False, help="check heads with this key, not ours"),
    ] = None,
    files: Annotated[
        bool, typer.Option("--files", help="also re-hash every evidence file and document in the store")
    ] = False,
    chain: Annotated[
        bool, typer.Option("--chain", help="also read every anchor back from the configured chain and compare")
    ] = False,
) -> None:
    """Recompute the whole log from storage; check every leaf, stored subtree, tree head and anchor."""
    settings = get_settings()
    ledger = get_ledger(settings)
    key = load_public_key(read_public_key(public_key)) if public_key else ledger.signer.public_key
    engine = make_engine(settings.effective_database_url)
    try:
        with Session(engine) as session:
            size = ledger.store.size(session)
            view = _chain_view(ledger.store.anchors(session), ledger.log_id) if chain else None
            columns = (TextColumn("auditing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=errors, transient=True) as bar:
                task = bar.add_task("leaves", total=size)
                report = audit(session, ledger.store, key, progress=lambda n: bar.advance(task, n), chain=view)
            if files:
                with Progress(*columns, console=errors, transient=True) as bar:
                    task = bar.add_task("files", total=count_items(session))
                    store = make_store(settings)
                    checked, file_problems = audit_files(session, store, progress=lambda n: bar.advance(task, n))
    finally:
        engine.dispose()
    console.print(
        f"{report.leaves_checked} leaves, {report.nodes_checked} stored subtrees, {report.heads_checked} tree heads, "
        f"{report.anchors_checked} anchors ({report.consistency_checked} consistency proofs) checked"
        + (f"; {report.chain_checked} read back from the {view.backend} chain" if view is not None else "")
    )
    problems, count = list(report.problems), report.problem_count
    if files:
        console.print(f"{checked} stored files re-hashed")
        problems += file_problems
        count += len(file_problems)
    if count:
        for problem in problems:
            console.print(f"[red]✗[/red] {problem}", highlight=False)
        if count > len(problems):
            console.print(f"… and {count - len(problems)} more")
        console.print(f"[red]AUDIT FAILED[/red]: {count} problems")
        raise typer.Exit(1)
    console.print("[green]AUDIT PASSED[/green]")


def _chain_view(anchors: list[LedgerAnchor], log_id: str) -> ChainView:
    """The configured chain's records of the log's anchors; exit 2 when the backend keeps none outside the log."""
    try:
        backend = make_backend(get_settings())
    except ValueError as exc:
        errors.print(f"[red]--chain[/red]: {exc}")
        raise typer.Exit(2) from None
    if not isinstance(backend, ChainReader):
        errors.print(
            f"[red]--chain[/red]: the {backend.name} anchor backend keeps its anchors only in this database: "
            "there is no chain to compare with"
        )
        raise typer.Exit(2)
    try:
        with errors.status(f"reading {len(anchors)} anchors back from the {backend.name} chain"):
            return read_chain(backend, log_id, anchors)
    except AnchorError as exc:  # the Gateway's errors among them
        errors.print(f"[red]--chain[/red]: the {backend.name} chain cannot be read: {exc}")
        raise typer.Exit(2) from None
    finally:
        close = getattr(backend, "close", None)
        if close is not None:
            close()


@ledger_app.command("anchor")
def anchor_command() -> None:
    """Run one anchoring round now (sign the current head, anchor it on the configured backend)."""
    from activities.ledger import anchor_round
    from ledger.heads import AnchorConflict

    try:
        summary = anchor_round()
    except (AnchorError, AnchorConflict, ValueError) as exc:
        errors.print(f"[red]anchoring failed[/red]: {exc}")
        raise typer.Exit(1) from None
    if summary is None:
        console.print("nothing new to anchor")
        return
    console.print(
        f"anchored tree size {summary.tree_size} (root {summary.root_hash[:16]}…) on {summary.backend}: "
        f"tx {summary.tx_id}, block {summary.block}; {summary.new_leaves} new leaves"
    )


@ledger_app.command("public-key")
def public_key_command() -> None:
    """Print the log's public key (PEM): give it to whoever checks receipts."""
    console.print(public_pem(get_ledger(get_settings()).signer.public_key), end="", highlight=False)
