"""The document store: issued documents' bytes, addressed by their SHA-256.

Content addressing makes every write idempotent (the same bytes always land at the same address,
so a retried activity writes nothing new) and every read verifiable (the address is the checksum:
``get`` refuses bytes that do not hash to it). Nothing is ever overwritten with other content.

Two back ends, chosen by ``Settings.document_store``:

- ``LocalDirStore`` (the embedded default): ``var/documents/ab/cd/<sha256>``, written to a temporary
  file in the same folder, fsynced, renamed into place (atomic), the folder fsynced; read-only files.
- ``S3Store``: any S3-compatible service (AWS, MinIO, Ceph…) through boto3; key ``<prefix><sha256>``.

``put_file`` stores a staged file (an evidence upload, up to hundreds of MiB) whose SHA-256 the caller
computed while receiving it, without reading it into memory and without hashing it again: the caller
vouches that the address is the hash, and ``get``/``stream`` still verify it on every read.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import importlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from core.settings import Settings

CHUNK_SIZE = 64 * 1024
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class DocumentStoreError(Exception):
    """The store cannot give back what it was asked for."""


class DocumentMissing(DocumentStoreError):
    def __init__(self, sha256: str, where: str) -> None:
        super().__init__(f"document {sha256} is not in the store ({where})")
        self.sha256 = sha256


class DocumentCorrupt(DocumentStoreError):
    def __init__(self, sha256: str, actual: str, where: str) -> None:
        super().__init__(f"document {sha256} in the store ({where}) is corrupt: its bytes hash to {actual}")
        self.sha256 = sha256
        self.actual = actual


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_digest(sha256: str) -> str:
    """``sha256`` if it is 64 lowercase hex digits (an address, never a path); ValueError otherwise."""
    if not _DIGEST.match(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


def _verified(sha256: str, data: bytes, where: str) -> bytes:
    actual = sha256_hex(data)
    if actual != sha256:
        raise DocumentCorrupt(sha256, actual, where)
    return data


class DocumentStore(Protocol):
    """What the issuing code and the API need of a store."""

    def put(self, data: bytes) -> str:
        """Store ``data``; return its SHA-256 (hex). Idempotent; atomic (all of it or nothing)."""
        ...

    def put_file(self, path: Path, sha256: str) -> str:
        """Store the file at ``path``, whose SHA-256 is ``sha256``; return ``sha256``. Idempotent; atomic.

        The caller guarantees the digest (it hashed the bytes as they arrived); the store does not re-read
        the file to check it. On success the file at ``path`` is gone (moved into the store or deleted);
        on failure it is left for the caller to discard.
        """
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes at ``sha256``, verified; `DocumentMissing` / `DocumentCorrupt` otherwise."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def stream(self, sha256: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The bytes in chunks; raises `DocumentCorrupt` after the last chunk if they do not verify."""
        ...


# --- local directory -----------------------------------------------------------------------------


class LocalDirStore:
    """Files under ``root/ab/cd/<sha256>`` (``ab``, ``cd``: the digest's first two byte pairs)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalDirStore({str(self.root)!r})"

    def path(self, sha256: str) -> Path:
        check_digest(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha256 = sha256_hex(data)
        target = self.path(sha256)
        if target.is_file() and self._intact(target, sha256):
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o444)  # documents are never edited in place
            os.replace(temp, target)  # atomic: readers see nothing or all of it
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return sha256

    def put_file(self, path: Path, sha256: str) -> str:
        target = self.path(sha256)
        source = Path(path)
        if target.is_file() and self._intact(target, sha256):
            source.unlink()
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        _fsync_file(source)  # a no-op when the caller already made it durable
        os.chmod(source, 0o444)  # documents are never edited in place
        try:
            os.replace(source, target)  # atomic, and no byte is copied: the staging folder shares the file system
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            self._copy_in(source, target, sha256)
        _fsync_dir(target.parent)
        return sha256

    @staticmethod
    def _copy_in(source: Path, target: Path, sha256: str) -> None:
        """Another file system: a streamed copy into a temporary file beside ``target``, renamed into place.

        The copy reads every byte anyway, so it checks the digest on the way (at no extra I/O).
        """
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as handle, source.open("rb") as original:
                while chunk := original.read(CHUNK_SIZE):
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            if digest.hexdigest() != sha256:
                raise ValueError(f"{source} hashes to {digest.hexdigest()}, not to the address {sha256}")
            os.chmod(temp, 0o444)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        source.unlink()

    def get(self, sha256: str) -> bytes:
        target = self.path(sha256)
        try:
            data = target.read_bytes()
        except FileNotFoundError as exc:
            raise DocumentMissing(sha256, str(target)) from exc
        return _verified(sha256, data, str(target))

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def stream(self, sha256: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        target = self.path(sha256)
        try:
            handle = target.open("rb")
        except FileNotFoundError as exc:
            raise DocumentMissing(sha256, str(target)) from exc
        digest = hashlib.sha256()
        with handle:
            while chunk := handle.read(chunk_size):
                digest.update(chunk)
                yield chunk
        if digest.hexdigest() != sha256:
            raise DocumentCorrupt(sha256, digest.hexdigest(), str(target))

    @staticmethod
    def _intact(path: Path, sha256: str) -> bool:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_SIZE):
                digest.update(chunk)
        return digest.hexdigest() == sha256


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX: fsync the directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- S3-compatible -------------------------------------------------------------------------------


class S3Client(Protocol):
    """The part of boto3's S3 client this store uses (boto3 ships no type hints)."""

    def put_object(self, **kwargs: Any) -> dict[str, Any]: ...
    def get_object(self, **kwargs: Any) -> dict[str, Any]: ...
    def head_object(self, **kwargs: Any) -> dict[str, Any]: ...


_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


class S3Store:
    """Objects ``<prefix><sha256>`` in one bucket of an S3-compatible service."""

    def __init__(self, client: S3Client, bucket: str, prefix: str = "documents/") -> None:
        if not bucket:
            raise ValueError("S3Store needs a bucket (ZHIFA_DOCUMENT_S3_BUCKET)")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def key(self, sha256: str) -> str:
        return self.prefix + check_digest(sha256)

    def _where(self, sha256: str) -> str:
        return f"s3://{self.bucket}/{self.key(sha256)}"

    def put(self, data: bytes) -> str:
        sha256 = sha256_hex(data)
        md5 = hashlib.md5(data, usedforsecurity=False)
        if self._etag(sha256) == md5.hexdigest():  # a single-part object's ETag is its MD5: already intact
            return sha256
        self.client.put_object(  # a single PUT is atomic; Content-MD5 makes the server check the bytes
            Bucket=self.bucket,
            Key=self.key(sha256),
            Body=data,
            ContentMD5=base64.b64encode(md5.digest()).decode("ascii"),
            ContentType="application/octet-stream",
            Metadata={"sha256": sha256},
        )
        return sha256

    def put_file(self, path: Path, sha256: str) -> str:
        source = Path(path)
        check_digest(sha256)
        md5 = hashlib.md5(usedforsecurity=False)
        with source.open("rb") as handle:  # one streamed pass for Content-MD5; the digest is the caller's
            while chunk := handle.read(CHUNK_SIZE):
                md5.update(chunk)
        if self._etag(sha256) != md5.hexdigest():  # as in put: an intact object is not sent again
            with source.open("rb") as body:
                self.client.put_object(  # from the open file: boto3 streams it; a single PUT is atomic
                    Bucket=self.bucket,
                    Key=self.key(sha256),
                    Body=body,
                    ContentLength=source.stat().st_size,
                    ContentMD5=base64.b64encode(md5.digest()).decode("ascii"),
                    ContentType="application/octet-stream",
                    Metadata={"sha256": sha256},
                )
        source.unlink()
        return sha256

    def _body(self, sha256: str) -> Any:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
        except Exception as exc:
            if _error_code(exc) in _NOT_FOUND:
                raise DocumentMissing(sha256, self._where(sha256)) from exc
            raise

    def get(self, sha256: str) -> bytes:
        body = self._body(sha256)
        try:
            data: bytes = body.read()
        finally:
            body.close()
        return _verified(sha256, data, self._where(sha256))

    def exists(self, sha256: str) -> bool:
        return self._etag(sha256) is not None

    def _etag(self, sha256: str) -> str | None:
        """The object's ETag without quotes; None when there is no object."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except Exception as exc:
            if _error_code(exc) in _NOT_FOUND:
                return None
            raise
        return str(head.get("ETag", "")).strip('"')

    def stream(self, sha256: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        body = self._body(sha256)
        digest = hashlib.sha256()
        try:
            for chunk in body.iter_chunks(chunk_size):
                digest.update(chunk)
                yield chunk
        finally:
            body.close()
        if digest.hexdigest() != sha256:
            raise DocumentCorrupt(sha256, digest.hexdigest(), self._where(sha256))


def s3_client(settings: Settings) -> S3Client:
    """A boto3 S3 client configured from the settings (boto3 is imported only when S3 is used)."""
    boto3 = importlib.import_module("boto3")
    botocore_config = importlib.import_module("botocore.config")
    options: dict[str, Any] = {
        "region_name": settings.document_s3_region,
        "config": botocore_config.Config(
            s3={"addressing_style": settings.document_s3_addressing_style},
            # S3-compatible servers do not all know the newer default CRC checksums; send them only when required
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 5, "mode": "standard"},
        ),
    }
    if settings.document_s3_endpoint_url:
        options["endpoint_url"] = settings.document_s3_endpoint_url
    if settings.document_s3_access_key_id:
        options["aws_access_key_id"] = settings.document_s3_access_key_id
        options["aws_secret_access_key"] = settings.document_s3_secret_access_key.get_secret_value()
    client: S3Client = boto3.client("s3", **options)
    return client


def make_store(settings: Settings) -> DocumentStore:
    """The store the settings name (``document_store``: ``local`` or ``s3``)."""
    if settings.document_store == "s3":
        return S3Store(s3_client(settings), settings.document_s3_bucket, settings.document_s3_prefix)
    return LocalDirStore(settings.effective_document_dir)
