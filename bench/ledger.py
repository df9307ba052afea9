"""The evidence ledger (ledger/) in the real PostgreSQL: append throughput with batched commits, proof
generation and verification rates, proof sizes against log2(n), and `zhifa ledger audit`'s time.

1. Append BENCH_LEDGER_LEAVES leaves (default 1,000,000) through `LedgerStore.append`, BENCH_LEDGER_BATCH
   leaves per commit (canonical JSON, SHA-256 leaf hash, the right edge, the stored subtrees, the
   inserts). Beside it, the same rows inserted bare (no hashing, no tree) into a copy of the table: the
   floor this machine's PostgreSQL sets, as a ratio.
2. Proofs: inclusion proofs of random leaves read from storage (one connection, sequential), and the
   same proofs verified (pure hashing, no storage); consistency proofs likewise.
3. Proof size: audit path length for tree sizes 2^k (+1), against ceil(log2 n).
4. Audit: ledger.audit over the whole log (every leaf re-hashed, the tree rebuilt, stored subtrees,
   heads and anchors checked), after one signed and anchored head per 100k leaves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import random
import statistics
import time
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bench.stack import load_average, seeded_schema
from core.db import make_engine
from ledger import merkle
from ledger.audit import audit
from ledger.embedded import EmbeddedAnchorBackend
from ledger.leaves import Leaf
from ledger.service import Ledger, anchor_once
from ledger.signing import LogSigner
from ledger.store import LEAF_COLUMNS, Entry, LedgerStore

LEAVES = int(os.environ.get("BENCH_LEDGER_LEAVES", "1000000"))
BATCH = int(os.environ.get("BENCH_LEDGER_BATCH", "10000"))
PROOFS = int(os.environ.get("BENCH_LEDGER_PROOFS", "2000"))
VERIFICATIONS = int(os.environ.get("BENCH_LEDGER_VERIFICATIONS", "50000"))
ANCHOR_EVERY = 100_000
T0 = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def entries(start: int, count: int) -> list[Entry]:
    out = []
    for n in range(start, start + count):
        digest = hashlib.sha256(n.to_bytes(8, "big")).hexdigest()
        at = T0 + dt.timedelta(milliseconds=n)
        out.append(Entry(f"evidence/{n}", Leaf("photo", digest, 100_000 + n % 5000, f"C-{n // 7}", at, at)))
    return out


def bare_floor(engine: sa.engine.Engine, total: int) -> float:
    """Leaves/s of the same rows, made beforehand, COPYed BATCH per commit into a copy of the table
    (its indexes too) with no hashing and no tree: what this machine's PostgreSQL allows at most."""
    with engine.begin() as conn:
        conn.execute(sa.text("create table bare_leaf (like ledger_leaf including all)"))
    rows = [
        (n, f"evidence/{n}", entries(n, 1)[0].leaf.canonical().decode(), b"\0" * 32, "photo", "0" * 64, "C", T0)
        for n in range(total)
    ]
    started = time.perf_counter()
    for start in range(0, total, BATCH):
        with engine.begin() as conn:
            raw: Any = conn.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(f"COPY bare_leaf ({', '.join(LEAF_COLUMNS)}) FROM STDIN") as copy:
                for row in rows[start : start + BATCH]:
                    copy.write_row(row)
    return total / (time.perf_counter() - started)


def append_all(engine: sa.engine.Engine, ledger: Ledger) -> float:
    """Leaves/s through LedgerStore.append, BATCH per commit. The entries (what a caller hands over) are
    made before each batch's clock starts; anchoring rounds (one per ANCHOR_EVERY leaves) are not timed."""
    spent = 0.0
    anchored = 0
    for start in range(0, LEAVES, BATCH):
        batch = entries(start, min(BATCH, LEAVES - start))
        started = time.perf_counter()
        with Session(engine) as session:
            ledger.record(session, batch)
            session.commit()
        spent += time.perf_counter() - started
        if start + BATCH - anchored >= ANCHOR_EVERY:
            anchor_once(engine, ledger, EmbeddedAnchorBackend())  # heads for the audit to check
            anchored = start + BATCH
    return LEAVES / spent


def single_appends(engine: sa.engine.Engine, ledger: Ledger, count: int = 500) -> None:
    """One leaf per transaction, as an evidence upload appends: the latency an upload pays for the ledger."""
    timings = []
    for n in range(LEAVES, LEAVES + count):
        [one] = entries(n, 1)
        started = time.perf_counter()
        with Session(engine) as session:
            ledger.record(session, [one])
            session.commit()
        timings.append(time.perf_counter() - started)
    timings.sort()
    print(
        f"single-leaf appends (one per commit): p50 {statistics.median(timings) * 1e3:.2f} ms, "
        f"p99 {timings[int(len(timings) * 0.99)] * 1e3:.2f} ms"
    )


def proofs(engine: sa.engine.Engine, store: LedgerStore, size: int) -> None:
    rng = random.Random(7)
    with Session(engine) as session:
        root = store.root(session, size)
        hashes = {i: store.leaf(session, i) for i in rng.sample(range(size), 200)}
        picks = [rng.choice(list(hashes)) for _ in range(PROOFS)]
        timings = []
        made = []
        for index in picks:
            t = time.perf_counter()
            made.append((index, store.inclusion_proof(session, index, size)))
            timings.append(time.perf_counter() - t)
        print(
            f"inclusion proofs from PostgreSQL: {len(picks) / sum(timings):,.0f}/s "
            f"(p50 {statistics.median(timings) * 1e3:.2f} ms, {len(made[0][1])} hashes each)"
        )
        leaf_hashes = {i: row.leaf_hash for i, row in hashes.items() if row is not None}
        work = [made[i % len(made)] for i in range(VERIFICATIONS)]
        t = time.perf_counter()
        ok = sum(merkle.verify_inclusion(i, size, leaf_hashes[i], path, root) for i, path in work)
        rate = VERIFICATIONS / (time.perf_counter() - t)
        assert ok == VERIFICATIONS
        print(f"inclusion verifications: {rate:,.0f}/s (target ≥ 10,000/s: {'met' if rate >= 10_000 else 'NOT met'})")
        pairs = [(rng.randrange(1, size), size) for _ in range(200)]
        t = time.perf_counter()
        cons = [(m, n, store.consistency_proof(session, m, n), store.root(session, m)) for m, n in pairs]
        made_rate = len(pairs) / (time.perf_counter() - t)
        t = time.perf_counter()
        rounds = max(1, VERIFICATIONS // (10 * len(cons)))
        for _ in range(rounds):
            assert all(merkle.verify_consistency(m, n, r1, root, p) for m, n, p, r1 in cons)
        verify_rate = rounds * len(cons) / (time.perf_counter() - t)
        print(
            f"consistency proofs (+ the old root) from PostgreSQL: {made_rate:,.0f}/s; verified: {verify_rate:,.0f}/s"
        )


def proof_sizes() -> None:
    print("proof size (inclusion, last leaf / first leaf) against ceil(log2 n):")
    for k in (10, 16, 20, 24, 30, 40):
        for n in (2**k, 2**k + 1):
            last, first = len(merkle.inclusion_plan(n - 1, n)), len(merkle.inclusion_plan(0, n))
            print(f"  n = 2^{k}{'+1' if n % 2 else '  '}: {last:2d} / {first:2d} hashes ({32 * first} bytes), "
                  f"log2 = {math.ceil(math.log2(n))}")  # fmt: skip


def main() -> None:
    print(f"load average {load_average()}; {LEAVES:,} leaves, {BATCH:,} per commit")
    with seeded_schema() as url:
        engine = make_engine(url)
        ledger = Ledger(LedgerStore(), LogSigner.generate(), "bench")
        rate = append_all(engine, ledger)
        floor = bare_floor(engine, LEAVES)
        verdict = "met" if rate >= 50_000 else "NOT met"
        print(f"append: {rate:,.0f} leaves/s (target ≥ 50,000: {verdict}); bare COPY floor {floor:,.0f}/s, "
              f"ratio {rate / floor:.2f}")  # fmt: skip
        single_appends(engine, ledger)
        proofs(engine, ledger.store, LEAVES)
        with Session(engine) as session:
            t = time.perf_counter()
            report = audit(session, ledger.store, ledger.signer.public_key)
            took = time.perf_counter() - t
        assert report.ok, report.problems
        print(
            f"audit of {report.leaves_checked:,} leaves: {took:.1f} s ({report.leaves_checked / took:,.0f} leaves/s; "
            f"{report.nodes_checked:,} stored subtrees, {report.heads_checked} heads, "
            f"{report.consistency_checked} consistency proofs)"
        )
        engine.dispose()
    proof_sizes()
    print(f"load average {load_average()}")


if __name__ == "__main__":
    main()
