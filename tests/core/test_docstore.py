"""The document store: content addressing, atomic idempotent writes, verified reads.

LocalDirStore is tested on the real file system. S3Store is tested against moto's S3 server
(``moto.server.ThreadedMotoServer``, in this process, over real HTTP through boto3) — moto only,
not a real S3 or MinIO: no such service is reachable from the test machines.
"""

from __future__ import annotations

import errno
import hashlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.docstore import (
    DocumentCorrupt,
    DocumentMissing,
    DocumentStore,
    LocalDirStore,
    S3Store,
    make_store,
    s3_client,
)
from core.numbering import display_verify_code, format_number, new_verify_code, normalize_verify_code
from core.settings import Settings

PDF = b"%PDF-1.7\n% test document\n%%EOF\n"
SHA = hashlib.sha256(PDF).hexdigest()


# --- LocalDirStore --------------------------------------------------------------------------------


@pytest.fixture
def local(tmp_path: Path) -> LocalDirStore:
    return LocalDirStore(tmp_path / "documents")


def test_local_put_is_content_addressed_under_ab_cd(local: LocalDirStore) -> None:
    assert local.put(PDF) == SHA
    path = local.root / SHA[:2] / SHA[2:4] / SHA
    assert local.path(SHA) == path
    assert path.read_bytes() == PDF
    assert path.stat().st_mode & 0o222 == 0  # read-only: never edited in place
    assert local.exists(SHA) and local.get(SHA) == PDF


def test_local_put_is_idempotent_and_leaves_no_temporary_files(local: LocalDirStore) -> None:
    local.put(PDF)
    before = local.path(SHA).stat().st_mtime_ns
    assert local.put(PDF) == SHA
    assert local.path(SHA).stat().st_mtime_ns == before  # the same bytes are not written again
    other = local.put(PDF + b"x")
    assert other != SHA
    files = sorted(p.name for p in local.root.rglob("*") if p.is_file())
    assert files == sorted([SHA, other])


def test_local_missing_document_is_a_clear_error(local: LocalDirStore) -> None:
    with pytest.raises(DocumentMissing, match=SHA):
        local.get(SHA)
    with pytest.raises(DocumentMissing):
        list(local.stream(SHA))
    assert not local.exists(SHA)


def test_local_corrupt_document_is_refused_and_a_put_repairs_it(local: LocalDirStore) -> None:
    local.put(PDF)
    path = local.path(SHA)
    path.chmod(0o644)
    path.write_bytes(PDF.replace(b"test", b"fake"))
    with pytest.raises(DocumentCorrupt, match="corrupt") as caught:
        local.get(SHA)
    assert caught.value.actual != SHA
    with pytest.raises(DocumentCorrupt):
        list(local.stream(SHA))
    assert local.put(PDF) == SHA  # the rightful bytes replace the damaged file atomically
    assert local.get(SHA) == PDF


def test_local_stream_gives_the_bytes_in_chunks(local: LocalDirStore) -> None:
    data = os.urandom(200_000)
    digest = local.put(data)
    chunks = list(local.stream(digest, chunk_size=65_536))
    assert len(chunks) == 4 and b"".join(chunks) == data


@pytest.mark.parametrize("bad", ["../../etc/passwd", SHA.upper(), SHA[:-1], "", SHA + "0"])
def test_local_refuses_anything_but_a_digest_as_an_address(local: LocalDirStore, bad: str) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        local.get(bad)
    with pytest.raises(ValueError):
        local.exists(bad)


def test_make_store_defaults_to_var_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZHIFA_DOCUMENT_DIR", raising=False)  # the live API fixture sets it for its worker
    store = make_store(Settings(var_dir=tmp_path))
    assert isinstance(store, LocalDirStore) and store.root == tmp_path / "documents"
    chosen = make_store(Settings(var_dir=tmp_path, document_dir=tmp_path / "elsewhere"))
    assert isinstance(chosen, LocalDirStore) and chosen.root == tmp_path / "elsewhere"


# --- numbers and codes (pure) -----------------------------------------------------------------------


def test_number_format() -> None:
    assert format_number("清河城管", "罚决", 2026, 12) == "清河城管罚决〔2026〕第12号"
    with pytest.raises(ValueError):
        format_number("清河城管", "罚决", 2026, 0)


def test_verify_codes_are_random_and_unambiguous() -> None:
    codes = {new_verify_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 10 and not set(c) & set("ILOU") for c in codes)


def test_verify_codes_are_normalised_as_typed() -> None:
    assert normalize_verify_code("7kq3m-zx2ab") == "7KQ3MZX2AB"
    assert normalize_verify_code(" 7KQ3M ZX2AB ") == "7KQ3MZX2AB"
    assert normalize_verify_code("oiL00-11111") == "01100" + "11111"
    assert normalize_verify_code("7KQ3MZX2AU") is None  # U is not in the alphabet
    assert normalize_verify_code("7KQ3M") is None
    assert normalize_verify_code("../etc") is None
    assert display_verify_code("7KQ3MZX2AB") == "7KQ3M-ZX2AB"


# --- S3Store against moto's server --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server_module = pytest.importorskip("moto.server", reason="moto[server] (dev extra) tests the S3 store")
    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_settings(moto_endpoint: str, tmp_path: Path) -> Settings:
    bucket = f"zhifa-{os.urandom(4).hex()}"
    settings = Settings(
        var_dir=tmp_path,
        document_store="s3",
        document_s3_bucket=bucket,
        document_s3_endpoint_url=moto_endpoint,
        document_s3_access_key_id="testing",
        document_s3_secret_access_key="testing",
    )
    s3_client(settings).create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
    return settings


@pytest.fixture
def s3(s3_settings: Settings) -> S3Store:
    store = make_store(s3_settings)
    assert isinstance(store, S3Store)
    return store


def test_s3_round_trip_is_content_addressed(s3: S3Store) -> None:
    assert not s3.exists(SHA)
    assert s3.put(PDF) == SHA
    assert s3.put(PDF) == SHA  # idempotent
    assert s3.key(SHA) == f"documents/{SHA}"
    assert s3.exists(SHA) and s3.get(SHA) == PDF
    assert b"".join(s3.stream(SHA, chunk_size=8)) == PDF
    head = s3.client.head_object(Bucket=s3.bucket, Key=s3.key(SHA))
    assert head["Metadata"] == {"sha256": SHA}


def test_s3_missing_and_corrupt_objects_are_clear_errors(s3: S3Store) -> None:
    with pytest.raises(DocumentMissing, match=f"s3://{s3.bucket}/documents/{SHA}"):
        s3.get(SHA)
    with pytest.raises(DocumentMissing):
        list(s3.stream(SHA))
    s3.client.put_object(Bucket=s3.bucket, Key=s3.key(SHA), Body=b"tampered")
    with pytest.raises(DocumentCorrupt):
        s3.get(SHA)
    with pytest.raises(DocumentCorrupt):
        list(s3.stream(SHA))
    assert s3.put(PDF) == SHA  # the rightful bytes replace the tampered object
    assert s3.get(SHA) == PDF


def test_s3_store_satisfies_the_protocol(s3: S3Store) -> None:
    store: DocumentStore = s3
    assert store.put(b"%PDF-1.7 other") == hashlib.sha256(b"%PDF-1.7 other").hexdigest()


def test_s3_store_needs_a_bucket(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bucket"):
        make_store(Settings(var_dir=tmp_path, document_store="s3", document_s3_endpoint_url="http://127.0.0.1:1"))


# --- put_file: staged uploads, moved in without being read into memory -----------------------------------------

VIDEO = b"\x00\x00\x00\x18ftypisom" + os.urandom(300_000)
VIDEO_SHA = hashlib.sha256(VIDEO).hexdigest()


def _staged(folder: Path, data: bytes = VIDEO) -> Path:
    """A staged upload as core/uploads.py leaves it: a temporary file in a staging folder."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f".upload-{os.urandom(4).hex()}.part"
    path.write_bytes(data)
    return path


def test_local_put_file_moves_the_staged_file_into_place(local: LocalDirStore) -> None:
    staged = _staged(local.root / ".staging")
    inode = staged.stat().st_ino
    assert local.put_file(staged, VIDEO_SHA) == VIDEO_SHA
    assert not staged.exists()
    path = local.path(VIDEO_SHA)
    assert path.stat().st_ino == inode  # renamed, not copied
    assert path.stat().st_mode & 0o222 == 0  # read-only: never edited in place
    assert local.exists(VIDEO_SHA) and local.get(VIDEO_SHA) == VIDEO
    assert b"".join(local.stream(VIDEO_SHA)) == VIDEO


def test_local_put_file_twice_keeps_the_stored_file_and_drops_the_staged_one(local: LocalDirStore) -> None:
    store: DocumentStore = local
    assert store.put_file(_staged(local.root / ".staging"), VIDEO_SHA) == VIDEO_SHA
    before = local.path(VIDEO_SHA).stat()
    again = _staged(local.root / ".staging")
    assert store.put_file(again, VIDEO_SHA) == VIDEO_SHA
    assert not again.exists()
    after = local.path(VIDEO_SHA).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    files = [p for p in local.root.rglob("*") if p.is_file()]
    assert files == [local.path(VIDEO_SHA)]


def test_local_put_file_replaces_a_corrupt_document(local: LocalDirStore) -> None:
    local.put_file(_staged(local.root / ".staging"), VIDEO_SHA)
    path = local.path(VIDEO_SHA)
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    assert local.put_file(_staged(local.root / ".staging"), VIDEO_SHA) == VIDEO_SHA
    assert local.get(VIDEO_SHA) == VIDEO


def _cross_device(monkeypatch: pytest.MonkeyPatch, staged: Path) -> None:
    """os.replace of ``staged`` fails as it does when the staging folder is on another file system."""
    real_replace = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(src) == staged:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def test_local_put_file_copies_across_file_systems(
    local: LocalDirStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged = _staged(tmp_path / "elsewhere")
    _cross_device(monkeypatch, staged)
    assert local.put_file(staged, VIDEO_SHA) == VIDEO_SHA
    assert not staged.exists()
    assert local.path(VIDEO_SHA).stat().st_mode & 0o222 == 0
    assert local.get(VIDEO_SHA) == VIDEO
    assert [p.name for p in local.root.rglob("*") if p.is_file()] == [VIDEO_SHA]  # no temporary file left


def test_local_put_file_copy_refuses_bytes_that_are_not_the_address(
    local: LocalDirStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged = _staged(tmp_path / "elsewhere", VIDEO + b"x")
    _cross_device(monkeypatch, staged)
    with pytest.raises(ValueError, match="not to the address"):
        local.put_file(staged, VIDEO_SHA)
    assert staged.exists()  # left for the caller to discard
    assert not local.exists(VIDEO_SHA)
    assert [p for p in local.root.rglob("*") if p.is_file()] == []


def test_local_put_file_refuses_anything_but_a_digest(local: LocalDirStore, tmp_path: Path) -> None:
    staged = _staged(tmp_path / "staging")
    with pytest.raises(ValueError, match="SHA-256"):
        local.put_file(staged, "../../etc/passwd")
    assert staged.exists()


class _CountingClient:
    """The moto client, counting uploads."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.puts = 0

    def put_object(self, **kwargs: Any) -> dict[str, Any]:
        self.puts += 1
        assert hasattr(kwargs["Body"], "read")  # an open file, streamed, not bytes in memory
        result: dict[str, Any] = self.client.put_object(**kwargs)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def test_s3_put_file_round_trips_and_skips_an_intact_object(s3: S3Store, tmp_path: Path) -> None:
    counting = _CountingClient(s3.client)
    s3.client = counting
    store: DocumentStore = s3
    staged = _staged(tmp_path / "staging")
    assert store.put_file(staged, VIDEO_SHA) == VIDEO_SHA
    assert not staged.exists() and counting.puts == 1
    assert s3.exists(VIDEO_SHA) and s3.get(VIDEO_SHA) == VIDEO
    assert b"".join(s3.stream(VIDEO_SHA)) == VIDEO
    head = counting.client.head_object(Bucket=s3.bucket, Key=s3.key(VIDEO_SHA))
    assert head["Metadata"] == {"sha256": VIDEO_SHA} and head["ContentLength"] == len(VIDEO)
    again = _staged(tmp_path / "staging")
    assert store.put_file(again, VIDEO_SHA) == VIDEO_SHA
    assert not again.exists() and counting.puts == 1  # intact already: not sent again


def test_s3_put_file_replaces_a_tampered_object(s3: S3Store, tmp_path: Path) -> None:
    s3.client.put_object(Bucket=s3.bucket, Key=s3.key(VIDEO_SHA), Body=b"tampered")
    assert s3.put_file(_staged(tmp_path / "staging"), VIDEO_SHA) == VIDEO_SHA
    assert s3.get(VIDEO_SHA) == VIDEO
