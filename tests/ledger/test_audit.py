"""`zhifa ledger audit`: the whole log recomputed from PostgreSQL; what it finds when someone with the
database owner's rights bypasses the append-only triggers and rewrites history."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from core.db import make_engine, migrate
from core.settings import get_settings
from ledger.audit import audit
from ledger.embedded import EmbeddedAnchorBackend
from ledger.leaves import Leaf
from ledger.service import anchor_once, get_ledger
from ledger.signing import LogSigner, public_pem
from ledger.store import Entry
from workers.cli import app as cli

T0 = dt.datetime(2026, 11, 26, 8, tzinfo=dt.UTC)


@pytest.fixture
def logged(pg_schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """300 leaves with anchors at 100, 256 and 300, in a fresh schema; the CLI configured for it."""
    migrate(pg_schema_url)
    monkeypatch.setenv("ZHIFA_DATABASE_URL", pg_schema_url)
    monkeypatch.setenv("ZHIFA_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    engine = make_engine(pg_schema_url)
    ledger = get_ledger(get_settings())
    for start, stop in ((0, 100), (100, 256), (256, 300)):
        with Session(engine) as session:
            entries = [
                Entry(f"evidence/{n}", Leaf("photo", hashlib.sha256(b"%d" % n).hexdigest(), n, "C-1", T0, T0))
                for n in range(start, stop)
            ]
            ledger.record(session, entries)
            session.commit()
        anchor_once(engine, ledger, EmbeddedAnchorBackend())
    try:
        yield engine
    finally:
        engine.dispose()
        get_settings.cache_clear()


def rewrite(engine: Engine, statement: str, **params: object) -> None:
    """What only a database owner can do: switch the append-only triggers off, change rows, switch them on."""
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE ledger_leaf DISABLE TRIGGER USER"))
        conn.execute(sa.text(statement), params)
        conn.execute(sa.text("ALTER TABLE ledger_leaf ENABLE TRIGGER USER"))


def run_audit(engine: Engine) -> list[str]:
    ledger = get_ledger(get_settings())
    with Session(engine) as session:
        report = audit(session, ledger.store, ledger.signer.public_key, chunk=64)
    assert report.leaves_checked > 0
    return report.problems


def test_an_intact_log_passes_and_the_cli_says_so(logged: Engine) -> None:
    assert run_audit(logged) == []
    result = CliRunner().invoke(cli, ["ledger", "audit", "--files"])
    assert result.exit_code == 0, result.output
    assert "0 stored files re-hashed" in result.output
    assert "300 leaves" in result.output and "3 anchors (2 consistency proofs)" in result.output
    assert "AUDIT PASSED" in result.output


def test_a_rewritten_leaf_is_found(logged: Engine) -> None:
    rewrite(
        logged,
        "UPDATE ledger_leaf SET leaf = replace(leaf, :old, :new) WHERE leaf_index = 42",
        old='"size":42',
        new='"size":43',
    )
    problems = run_audit(logged)  # the tree is rebuilt from the JSON: the heads above it break too
    assert problems[0] == "leaf 42: stored leaf hash does not match its JSON"
    assert "tree head 100: its root is not the root of the first 100 leaves" in problems
    result = CliRunner().invoke(cli, ["ledger", "audit"])
    assert result.exit_code == 1 and "AUDIT FAILED" in result.output


def test_a_rewritten_leaf_with_its_hash_rewritten_too_breaks_the_signed_heads(logged: Engine) -> None:
    fake = Leaf("photo", "00" * 32, 42, "C-1", T0, T0)
    rewrite(
        logged,
        "UPDATE ledger_leaf SET leaf = :leaf, leaf_hash = :hash WHERE leaf_index = 42",
        leaf=fake.canonical().decode(),
        hash=fake.hash(),
    )
    problems = run_audit(logged)
    assert any("stored subtree (level 4, index 2)" in p for p in problems)
    assert {p for p in problems if p.startswith("tree head")} == {
        f"tree head {size}: its root is not the root of the first {size} leaves" for size in (100, 256, 300)
    }


def test_a_removed_leaf_is_found(logged: Engine) -> None:
    rewrite(logged, "DELETE FROM ledger_leaf WHERE leaf_index = 7")
    assert run_audit(logged) == ["leaf 7 is missing (next stored leaf is 8)"]


def test_heads_checked_with_another_key_fail(logged: Engine, tmp_path: Path) -> None:
    other = tmp_path / "other.pem"
    other.write_text(public_pem(LogSigner.generate().public_key))
    result = CliRunner().invoke(cli, ["ledger", "audit", "--public-key", str(other)])
    assert result.exit_code == 1 and "signature does not verify" in result.output
