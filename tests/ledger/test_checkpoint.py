"""Checkpoints as C2SP signed notes, checked against the reference vector of Go's golang.org/x/mod/sumdb/note
(the implementation witnesses and the checksum database run): the same key must give the same verifier key and
byte for byte the same signed note, or no outside tool would accept ours."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    verifier_key,
    verify_checkpoint,
)

# golang.org/x/mod/sumdb/note, the package documentation's example (note.go) and note_test.go.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (
    GO_TEXT
    + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
WITNESS_SIGNATURE = "— witness.example " + base64.b64encode(bytes(range(68))).decode() + "\n"  # another key's line


def go_key() -> Ed25519PrivateKey:
    encoded = GO_SIGNER.split("+", 4)[4]  # the base64 may hold a "+" itself
    data = base64.b64decode(encoded)
    assert data[0] == 0x01
    return Ed25519PrivateKey.from_private_bytes(data[1:])


def test_the_go_reference_vector() -> None:
    key = go_key()
    assert verifier_key("PeterNeumann", key.public_key()) == GO_VERIFIER
    assert sign_note(GO_TEXT, "PeterNeumann", key) == GO_NOTE
    name, public = parse_verifier_key(GO_VERIFIER)
    assert open_note(GO_NOTE, name, public) == GO_TEXT


def test_a_cosigned_note_still_opens_with_our_key() -> None:
    """A witness adds its own signature line; ours is still found among them."""
    _, public = parse_verifier_key(GO_VERIFIER)
    assert open_note(GO_NOTE + WITNESS_SIGNATURE, "PeterNeumann", public) == GO_TEXT


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (GO_NOTE.replace("answer", "Answer"), "does not verify"),
        (GO_NOTE.replace("PeterNeumann", "PeterNeuman"), "no signature of PeterNeumann"),
        (GO_NOTE.replace("x08go", "y08go"), "no signature of PeterNeumann"),  # the key hash no longer matches
        (GO_TEXT, "not a signed note"),
        (GO_NOTE.replace("— ", "- "), "malformed signature line"),
    ],
)
def test_a_changed_note_does_not_open(note: str, message: str) -> None:
    _, public = parse_verifier_key(GO_VERIFIER)
    with pytest.raises(CheckpointError, match=message):
        open_note(note, "PeterNeumann", public)


def test_a_checkpoint_round_trips_and_is_three_lines() -> None:
    key = Ed25519PrivateKey.generate()
    root = hashlib.sha256(b"root").digest()
    note = sign_checkpoint(Checkpoint("zhifa.example/evidence", 1234, root), key)
    lines = note.split("\n")
    assert lines[:4] == ["zhifa.example/evidence", "1234", base64.b64encode(root).decode(), ""]
    assert lines[4].startswith("— zhifa.example/evidence ")
    vkey = verifier_key("zhifa.example/evidence", key.public_key())
    assert verify_checkpoint(note, vkey) == Checkpoint("zhifa.example/evidence", 1234, root)
    other = verifier_key("zhifa.example/evidence", Ed25519PrivateKey.generate().public_key())
    with pytest.raises(CheckpointError, match="no signature"):
        verify_checkpoint(note, other)


@pytest.mark.parametrize(
    "text",
    ["origin\n12\n", "origin\n012\n" + base64.b64encode(bytes(32)).decode() + "\n", "origin\n1\nnot base64!\n",
     "origin\n1\n" + base64.b64encode(bytes(31)).decode() + "\n", "\n1\n" + base64.b64encode(bytes(32)).decode() + "\n",
     "origin\n-1\n" + base64.b64encode(bytes(32)).decode() + "\n"],
)  # fmt: skip
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(text)


@pytest.mark.parametrize("vkey", ["PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "x+00", "a b"])
def test_bad_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(CheckpointError):
        parse_verifier_key(vkey)
