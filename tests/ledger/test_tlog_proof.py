"""c2sp.org/tlog-proof: the text format, its offline verification, and what breaks it.

Trees come from the RFC 6962 reference functions of test_merkle (the leaves are the records themselves);
checkpoints are signed with a key made here.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import Checkpoint, sign_checkpoint, sign_note, verifier_key
from ledger.receipts import verify_text
from ledger.tlog_proof import HEADER, TlogProof, TlogProofError, parse_tlog_proof, verify_tlog_proof
from tests.ledger.test_merkle import ref_mth, ref_path

ORIGIN = "城管.example.gov.cn/evidence"
RECORDS = [b'{"kind":"photo","n":%d}' % n for n in range(13)]


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def proof_text(key: Ed25519PrivateKey, index: int, size: int = 13, *, extra: bool = True) -> str:
    note = sign_checkpoint(Checkpoint(ORIGIN, size, ref_mth(RECORDS[:size])), key)
    path = ref_path(index, RECORDS[:size])
    return TlogProof(index, path, note, extra=RECORDS[index] if extra else None).text()


def test_the_text_has_the_c2sp_layout(key: Ed25519PrivateKey) -> None:
    text = proof_text(key, 5)
    lines = text.split("\n")
    assert lines[0] == HEADER and lines[1].startswith("extra ") and lines[2] == "index 5"
    assert len(lines[3:7]) == 4 and all(len(line) == 44 for line in lines[3:7])  # ⌈log₂ 13⌉ base64 hashes
    assert lines[7] == "" and lines[8] == ORIGIN and lines[9] == "13"  # then the checkpoint, verbatim
    assert parse_tlog_proof(text).text() == text


@pytest.mark.parametrize("index", range(13))
def test_every_entry_verifies_with_the_logs_verifier_key(key: Ed25519PrivateKey, index: int) -> None:
    proof, checkpoint = verify_tlog_proof(proof_text(key, index), verifier_key(ORIGIN, key.public_key()))
    assert proof.index == index and proof.extra == RECORDS[index]
    assert (checkpoint.origin, checkpoint.tree_size) == (ORIGIN, 13)


def test_without_extra_data_the_record_is_given_by_the_verifier(key: Ed25519PrivateKey) -> None:
    text = proof_text(key, 3, extra=False)
    vkey = verifier_key(ORIGIN, key.public_key())
    assert "\nextra " not in text
    verify_tlog_proof(text, vkey, record=RECORDS[3])
    with pytest.raises(TlogProofError, match="no record to check"):
        verify_tlog_proof(text, vkey)
    with pytest.raises(TlogProofError, match="not included"):
        verify_tlog_proof(text, vkey, record=RECORDS[4])


def test_a_witness_cosignature_does_not_get_in_the_way(key: Ed25519PrivateKey) -> None:
    witness = Ed25519PrivateKey.generate()
    text = proof_text(key, 7)
    checkpoint_text = text.split("\n\n", 1)[1].split("\n\n")[0] + "\n"
    cosigned = sign_note(checkpoint_text, "witness.example", witness).split("\n\n", 1)[1]
    verify_tlog_proof(text + cosigned, verifier_key(ORIGIN, key.public_key()))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def flip_line(text: str, number: int) -> str:
    """Change one character of line ``number`` (its first base64 character → another)."""
    lines = text.split("\n")
    line = lines[number]
    lines[number] = ("B" if line[0] == "A" else "A") + line[1:]
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("index 5", "index 6"), "not included"),
        (lambda t: flip_line(t, 3), "not included"),  # a proof hash
        (lambda t: t.replace(f"extra {b64(RECORDS[5])}", f"extra {b64(RECORDS[6])}"), "not included"),  # the record
        (lambda t: t.replace("\n13\n", "\n14\n"), "checkpoint"),  # the signed size
    ],
)
def test_any_change_fails(key: Ed25519PrivateKey, change: object, message: str) -> None:
    text = proof_text(key, 5)
    assert callable(change)
    changed = change(text)
    assert changed != text
    with pytest.raises(TlogProofError, match=message):
        verify_tlog_proof(changed, verifier_key(ORIGIN, key.public_key()))


def test_a_changed_record_or_another_key_fails(key: Ed25519PrivateKey) -> None:
    text = proof_text(key, 5)
    vkey = verifier_key(ORIGIN, key.public_key())
    other = TlogProof(5, parse_tlog_proof(text).audit_path, parse_tlog_proof(text).checkpoint, extra=RECORDS[5] + b" ")
    with pytest.raises(TlogProofError, match="not included"):
        verify_tlog_proof(other.text(), vkey)
    with pytest.raises(TlogProofError, match="checkpoint"):
        verify_tlog_proof(text, verifier_key(ORIGIN, Ed25519PrivateKey.generate().public_key()))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("c2sp.org/tlog-proof@v2\nindex 0\n\nx", "first line"),
        (f"{HEADER}\nindex 0\n", "no blank line"),
        (f"{HEADER}\nindex 01\n\nx\n1\nAA==\n", "leading zeros"),
        (f"{HEADER}\nindex -1\n\nx\n", "index N"),
        (f"{HEADER}\nextra !!\nindex 0\n\nx\n", "extra data is not base64"),
        (f"{HEADER}\n\nx\n", "'index' line is missing"),
        (f"{HEADER}\nindex 0\nAAAA\n\nx\n", "32 bytes"),
        (f"{HEADER}\nindex 0\nnot base64!\n\nx\n", "not base64"),
    ],
)
def test_malformed_proofs_are_named(text: str, message: str) -> None:
    with pytest.raises(TlogProofError, match=message):
        parse_tlog_proof(text)


def test_zhifa_verify_wants_a_zhifa_leaf_as_the_extra_data(key: Ed25519PrivateKey) -> None:
    result = verify_text(proof_text(key, 2), key.public_key())  # a valid proof, but of a record that is no leaf
    assert not result.ok
    assert [(check.name, check.ok) for check in result.checks] == [
        ("format", True),
        ("tlog_proof", True),
        ("leaf", False),
    ]
    other = verify_text(proof_text(key, 2), Ed25519PrivateKey.generate().public_key())
    assert [(check.name, check.ok) for check in other.checks] == [("format", True), ("tlog_proof", False)]
