"""`zhifa ledger audit --chain`: the log's anchors read back from the chain (the in-process Fabric Gateway
running the real chaincode) and compared with the tree rebuilt from PostgreSQL. It finds what the tree audit
alone cannot: a log rebuilt by someone holding the database and the signing key, and removed anchors."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from core.db import make_engine, migrate
from core.settings import Settings, get_settings
from ledger.audit import AuditReport, audit
from ledger.chain_audit import read_chain
from ledger.fabric import FabricAnchorBackend, fabric_backend
from ledger.heads import AnchorRecord, SignedTreeHead
from ledger.leaves import Leaf
from ledger.service import Ledger, anchor_once, get_ledger
from ledger.store import Entry
from tests.ledger.fabric_network import FabricNetwork
from workers.cli import app as cli

T0 = dt.datetime(2026, 11, 26, 8, tzinfo=dt.UTC)
ROUNDS = ((0, 100), (100, 256), (256, 300))  # anchored at 100, 256 and 300 leaves


def entries(start: int, stop: int, forged: int | None = None) -> list[Entry]:
    """Leaves start..stop-1; `forged` is recorded with another file's hash."""
    return [
        Entry(f"evidence/{n}", Leaf("photo", hashlib.sha256(b"%d" % (n + (n == forged))).hexdigest(), n, "C-1", T0, T0))
        for n in range(start, stop)
    ]


def fill(engine: Engine, ledger: Ledger, backend: object, forged: int | None = None) -> None:
    for start, stop in ROUNDS:
        with Session(engine) as session:
            ledger.record(session, entries(start, stop, forged))
            session.commit()
        anchor_once(engine, ledger, backend)  # type: ignore[arg-type]  # FabricAnchorBackend or CopiedAnchors


@pytest.fixture
def chain(fabric: FabricNetwork) -> Iterator[FabricAnchorBackend]:
    backend = fabric_backend(fabric.settings)
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def settings(
    pg_schema_url: str, tmp_path: Path, fabric: FabricNetwork, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """The operator's configuration (database, key, Fabric backend) in the environment, as the CLI reads it."""
    configured = fabric.settings.model_copy(update={"database_url": pg_schema_url, "var_dir": tmp_path / "var"})
    for name in Settings.model_fields:
        value = getattr(configured, name)
        if name.startswith("ledger_") or name in ("database_url", "var_dir"):
            monkeypatch.setenv(f"ZHIFA_{name.upper()}", "" if value is None else str(value))
    get_settings.cache_clear()
    yield configured
    get_settings.cache_clear()


@pytest.fixture
def anchored(settings: Settings, chain: FabricAnchorBackend) -> Iterator[Engine]:
    """300 leaves in PostgreSQL, anchored on the chain at 100, 256 and 300."""
    migrate(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    fill(engine, get_ledger(settings), chain)
    try:
        yield engine
    finally:
        engine.dispose()


def chain_audit(engine: Engine, ledger: Ledger, chain: FabricAnchorBackend) -> AuditReport:
    with Session(engine) as session:
        view = read_chain(chain, ledger.log_id, ledger.store.anchors(session))
        return audit(session, ledger.store, ledger.signer.public_key, chunk=64, chain=view)


def as_owner(engine: Engine, table: str, statement: str) -> None:
    """What only a database owner can do: the append-only triggers off, a change, the triggers on."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        conn.execute(sa.text(statement))
        conn.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


def test_an_honest_log_agrees_with_the_chain(anchored: Engine, settings: Settings, chain: FabricAnchorBackend) -> None:
    report = chain_audit(anchored, get_ledger(settings), chain)
    assert report.problems == [] and report.chain_checked == 3
    result = CliRunner().invoke(cli, ["ledger", "audit", "--chain"])
    assert result.exit_code == 0, result.output
    assert "3 read back from the fabric chain" in result.output and "AUDIT PASSED" in result.output


class CopiedAnchors:
    """A forger's backend: it anchors nothing, it answers the honest log's anchor records (same transactions)."""

    name = "fabric"

    def __init__(self, honest: dict[int, AnchorRecord]) -> None:
        self.honest = honest

    def anchor(self, head: SignedTreeHead) -> AnchorRecord:
        return self.honest[head.tree_size]


def test_a_log_rebuilt_with_the_signing_key_passes_alone_but_not_against_the_chain(
    anchored: Engine, settings: Settings, chain: FabricAnchorBackend, tmp_path: Path
) -> None:
    """Leaf 42 replaced, every subtree and head recomputed and re-signed with the log's own key, the anchor
    rows copied: the database agrees with itself; only the chain shows the change."""
    honest = get_ledger(settings)
    with Session(anchored) as session:
        records = {
            a.tree_size: AnchorRecord(a.backend, a.tx_id, a.block, a.anchored_at) for a in honest.store.anchors(session)
        }
    forged_url = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    migrate(forged_url)
    forged_engine = make_engine(forged_url)
    forged = Ledger(honest.store, honest.signer, honest.log_id)  # the same key
    fill(forged_engine, forged, CopiedAnchors(records), forged=42)
    try:
        with Session(forged_engine) as session:
            alone = audit(session, forged.store, forged.signer.public_key, chunk=64)
        assert alone.problems == [] and alone.anchors_checked == 3  # the tree audit cannot see it

        problems = chain_audit(forged_engine, forged, chain).problems
    finally:
        forged_engine.dispose()
    for size in (100, 256, 300):
        tx = records[size].tx_id
        assert any(
            p.startswith(f"anchor of tree size {size} (tx {tx}): the chain's root") and "changed after anchoring" in p
            for p in problems
        ), problems
        assert f"anchor of tree size {size} (tx {tx}): the chain holds another signature than the log's tree head " \
            "of this size" in problems  # fmt: skip


def test_a_removed_anchor_row_is_found(anchored: Engine, settings: Settings, chain: FabricAnchorBackend) -> None:
    as_owner(anchored, "ledger_anchor", "DELETE FROM ledger_anchor WHERE tree_size = 300")
    problems = chain_audit(anchored, get_ledger(settings), chain).problems
    assert len(problems) == 1
    assert problems[0].startswith("the fabric chain's latest anchor is tree size 300 (tx ")
    assert problems[0].endswith("later than any anchor the log records (256): anchor rows or leaves were removed")


def test_a_truncated_log_is_found(anchored: Engine, settings: Settings, chain: FabricAnchorBackend) -> None:
    """The last round's leaves, head and anchor all deleted: consistent with itself, shorter than the chain."""
    as_owner(anchored, "ledger_anchor", "DELETE FROM ledger_anchor WHERE tree_size = 300")
    as_owner(anchored, "ledger_tree_head", "DELETE FROM ledger_tree_head WHERE tree_size = 300")
    as_owner(anchored, "ledger_node", "DELETE FROM ledger_node WHERE (node_index + 1) * power(2, level) > 256")
    as_owner(anchored, "ledger_leaf", "DELETE FROM ledger_leaf WHERE leaf_index >= 256")
    ledger = get_ledger(settings)
    with Session(anchored) as session:
        assert audit(session, ledger.store, ledger.signer.public_key, chunk=64).problems == []
    problems = chain_audit(anchored, ledger, chain).problems
    assert any(p.startswith("the fabric chain's latest anchor is tree size 300") for p in problems), problems
    assert "chain anchor of tree size 300: the chain anchored 300 leaves; the log holds 256" in problems


def test_an_anchor_row_naming_another_transaction_is_found(
    anchored: Engine, settings: Settings, chain: FabricAnchorBackend
) -> None:
    as_owner(anchored, "ledger_anchor", "UPDATE ledger_anchor SET tx_id = 'f' || tx_id WHERE tree_size = 100")
    problems = chain_audit(anchored, get_ledger(settings), chain).problems
    assert len(problems) == 1 and problems[0].startswith("anchor of tree size 100 (tx f")
    assert "the chain's anchor at this size is transaction" in problems[0]


def test_without_a_chain_to_read_the_cli_says_so(anchored: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIFA_LEDGER_ANCHOR_BACKEND", "embedded")
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["ledger", "audit", "--chain"])
    assert result.exit_code == 2
    assert "the embedded anchor backend keeps its anchors only in this database" in result.output


def test_a_chain_that_cannot_be_reached_is_an_error_not_a_pass(anchored: Engine, fabric: FabricNetwork) -> None:
    fabric.gateway.stop()
    result = CliRunner().invoke(cli, ["ledger", "audit", "--chain"])
    assert result.exit_code == 2 and "the fabric chain cannot be read" in result.output


def test_the_chain_keeps_whole_signed_heads_that_verify_on_their_own(
    anchored: Engine, settings: Settings, chain: FabricAnchorBackend
) -> None:
    """A head deleted from the log: the chain's record of it (size, root, timestamp, signature) still verifies
    with the log's key, so the chain proves what the log signed; with another key none of the records does."""
    ledger = get_ledger(settings)
    with Session(anchored) as session:
        signed = {head.tree_size: head for head in ledger.store.heads(session)}
    for size in (100, 256, 300):
        record = chain.chain_record(ledger.log_id, size)
        assert record is not None and record.head_timestamp == signed[size].timestamp
    as_owner(anchored, "ledger_anchor", "DELETE FROM ledger_anchor WHERE tree_size = 300")
    as_owner(anchored, "ledger_tree_head", "DELETE FROM ledger_tree_head WHERE tree_size = 300")
    problems = chain_audit(anchored, ledger, chain).problems
    assert "chain anchor of tree size 300: the log keeps no signed tree head of this size" in problems
    assert not any("not signed by the log's key" in p for p in problems), problems

    with Session(anchored) as session:
        view = read_chain(chain, ledger.log_id, ledger.store.anchors(session))
        other_key = Ed25519PrivateKey.generate().public_key()
        problems = audit(session, ledger.store, other_key, chunk=64, chain=view).problems
    unsigned = [p for p in problems if p.endswith("the head the chain holds is not signed by the log's key")]
    assert len(unsigned) == 3, problems
