"""Evidence uploads received as they stream, never held whole in memory.

``receive_upload`` feeds ``request.stream()`` to python-multipart's streaming parser (not ``request.form()``,
which spools the whole body before any limit could apply) and writes the one file part, ``file``, chunk by
chunk to a temporary file in ``staging_dir``, hashing and counting as it goes; limits apply while streaming,
and on any error the staged file is deleted. Stage under the document store's root, so that
``DocumentStore.put_file`` is an atomic rename::

    with await receive_upload(request, max_bytes=..., allowed_media_types=..., staging_dir=...) as staged:
        sha256 = store.put_file(staged.path, staged.sha256)
        staged.claim()

Media types: the file part's declared Content-Type must be allowed, and its first bytes must not
contradict it (a PDF declared ``image/jpeg``; a "JPEG" without the JPEG signature). JSON must be UTF-8
and, below ``JSON_PARSE_LIMIT``, parse. Other text (CSV may well be GBK) is only checked for binary
signatures.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import json
import os
import re
import tempfile
import unicodedata
import urllib.parse
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import anyio.to_thread
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.requests import ClientDisconnect, Request

from core.media_types import SNIFF_BYTES, contradiction, is_json, normalise_media_type

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FILE_PART = "file"
MULTIPART_OVERHEAD = 1024 * 1024  # boundaries, part headers and text fields on top of max_bytes
MAX_FIELDS = 32  # with max_field_bytes, bounds what the text fields may hold in memory
JSON_PARSE_LIMIT = 16 * 1024 * 1024  # JSON this small is parsed in full; larger JSON is only UTF-8-checked


class UploadError(Exception):
    """An upload refused; ``detail`` is a sentence for the client, ``status`` the HTTP status."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class MalformedUpload(UploadError):
    status = 400


class UploadTooLarge(UploadError):
    status = 413


class UnsupportedMediaType(UploadError):
    status = 415


@dataclass
class StagedUpload:
    """A received file in the staging folder. As a context manager it deletes the file on exit unless claimed."""

    path: Path
    sha256: str
    size: int
    media_type: str
    filename: str | None
    fields: dict[str, str]
    _claimed: bool = field(default=False, init=False, repr=False)

    def claim(self) -> Path:
        """The caller owns the file now (it moved it into the store): exiting the context keeps it."""
        self._claimed = True
        return self.path

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> StagedUpload:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._claimed:
            self.discard()


def check_signature(declared: str, head: bytes) -> None:
    """`UnsupportedMediaType` when the first bytes contradict the declared (normalised) type."""
    reason = contradiction(declared, head)
    if reason is not None:
        raise UnsupportedMediaType(reason)


# --- header parsing ---------------------------------------------------------------------------------------

_FILENAME_STAR = re.compile(r";\s*filename\*\s*=\s*\"?([^\";]*)", re.IGNORECASE)


def _text(raw: bytes) -> str:
    """Browsers send UTF-8 in part headers (现场照片.jpg); anything else is taken as Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _options(header: str) -> tuple[str, dict[str, str]]:
    """``form-data; name="a"`` → ``("form-data", {"name": "a"})``, quote-aware (python-multipart's parser)."""
    value, options = parse_options_header(header)
    return value.decode("latin-1"), {key.decode("latin-1"): _text(raw) for key, raw in options.items()}


def _filename(disposition: str, name: str | None) -> str | None:
    """The client's name for the file: ``filename*`` (RFC 5987) wins over ``filename``; the base name only."""
    if star := _FILENAME_STAR.search(disposition):  # python-multipart drops it (RFC 7578 forbids it; clients send it)
        charset, _, rest = star.group(1).partition("'")
        _language, quoted, encoded = rest.partition("'")
        if quoted and charset.lower() in ("utf-8", "iso-8859-1"):
            with contextlib.suppress(UnicodeDecodeError):  # a broken filename* leaves the plain filename
                name = urllib.parse.unquote(encoded, encoding=charset, errors="strict")
    if name is None:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # never a path: it may end up in a download's name
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()[:255]  # no controls, no U+202E
    return name if name not in ("", ".", "..") else None


# --- receiving --------------------------------------------------------------------------------------------


class _Sink:
    """The staged file: written, hashed and (for JSON) UTF-8-checked in a worker thread, chunk by chunk."""

    def __init__(self, staging_dir: Path, utf8: bool) -> None:
        staging_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=staging_dir, prefix=".upload-", suffix=".part")
        self.path = Path(name)
        self.handle = os.fdopen(fd, "wb")
        self.digest = hashlib.sha256()
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")() if utf8 else None

    def write(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.digest.update(chunk)
            if self.decoder is not None:
                self._decode(chunk)
            self.handle.write(chunk)

    def _decode(self, chunk: bytes, final: bool = False) -> None:
        assert self.decoder is not None
        try:
            self.decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            raise UnsupportedMediaType("the file is declared JSON but is not valid UTF-8") from exc

    def finish(self, size: int) -> None:
        """Check JSON to the end, then make the bytes durable: the store renames this very file into place."""
        if self.decoder is not None:
            self._decode(b"", final=True)
        self.handle.flush()
        if self.decoder is not None and size <= JSON_PARSE_LIMIT:
            try:
                json.loads(self.path.read_bytes().decode("utf-8-sig"))
            except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[…" nested too deep
                raise UnsupportedMediaType("the file is declared JSON but does not parse as JSON") from exc
        os.fsync(self.handle.fileno())
        self.handle.close()

    def remove(self) -> None:
        self.handle.close()
        self.path.unlink(missing_ok=True)


class _Receiver:
    """The parser's callbacks: sorts parts into text fields and the one file part, enforcing the limits."""

    def __init__(self, max_bytes: int, max_field_bytes: int, allowed: frozenset[str]) -> None:
        self.max_bytes = max_bytes
        self.max_field_bytes = max_field_bytes
        self.allowed = allowed
        self.fields: dict[str, str] = {}
        self.media_type = ""
        self.filename: str | None = None
        self.size = 0
        self.pending: list[bytes] = []  # file bytes parsed but not yet written (at most one request chunk)
        self.seen_file = False
        self.ended = False
        self._headers: dict[str, str] = {}  # Latin-1, as parse_options_header expects
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._in_file = False
        self._field_name = ""
        self._field_value = bytearray()
        self._head = bytearray()
        self._sniffed = False

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._header_name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._headers = {}
        self._in_file = False
        self._field_value = bytearray()

    def _header_end(self) -> None:
        name = self._header_name.decode("latin-1").strip().lower()
        self._headers[name] = self._header_value.decode("latin-1").strip()
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        disposition, params = _options(self._headers.get("content-disposition", ""))
        name = params.get("name")
        if disposition != "form-data" or name is None:
            raise MalformedUpload("every part needs a Content-Disposition: form-data header with a name")
        if name == FILE_PART or "filename" in params or _FILENAME_STAR.search(self._headers["content-disposition"]):
            if name != FILE_PART:
                raise MalformedUpload(f"unexpected file part {name!r}: send the evidence in the part named 'file'")
            if self.seen_file:
                raise MalformedUpload("more than one file part: send exactly one, named 'file'")
            self.seen_file = self._in_file = True
            self.media_type = normalise_media_type(self._headers.get("content-type", ""))
            if not self.media_type:
                raise UnsupportedMediaType("the file part declares no Content-Type")
            if self.media_type not in self.allowed:
                accepted = ", ".join(sorted(self.allowed))
                raise UnsupportedMediaType(f"{self.media_type} is not accepted here (accepted: {accepted})")
            self.filename = _filename(self._headers["content-disposition"], params.get("filename"))
            return
        if name in self.fields:
            raise MalformedUpload(f"the field {name!r} appears more than once")
        if len(self.fields) >= MAX_FIELDS:
            raise MalformedUpload(f"too many fields (at most {MAX_FIELDS})")
        self._field_name = name

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if not self._in_file:
            self._field_value.extend(chunk)
            if len(self._field_value) > self.max_field_bytes:
                raise MalformedUpload(f"the field {self._field_name!r} is larger than {self.max_field_bytes} bytes")
            return
        self.size += len(chunk)
        if self.size > self.max_bytes:  # stop here: nothing past the limit is written or read
            raise UploadTooLarge(f"the file is larger than the limit of {self.max_bytes} bytes")
        if not self._sniffed:
            self._head.extend(chunk[: SNIFF_BYTES - len(self._head)])
            if len(self._head) >= SNIFF_BYTES:
                self._sniff()
        self.pending.append(chunk)

    def _sniff(self) -> None:
        self._sniffed = True
        check_signature(self.media_type, bytes(self._head))

    def _part_end(self) -> None:
        if self._in_file:
            if not self._sniffed and self.size:
                self._sniff()
            self._in_file = False
            return
        try:
            self.fields[self._field_name] = self._field_value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedUpload(f"the field {self._field_name!r} is not UTF-8 text") from exc
        self._field_name = ""

    def _end(self) -> None:
        self.ended = True


def _preflight(request: Request, limit: int) -> bytes:
    """The multipart boundary, after the checks that need no byte of the body (Content-Length first)."""
    length = request.headers.get("content-length", "0")
    if not length.isdigit():
        raise MalformedUpload("the Content-Length header is not a number")
    if int(length) > limit:
        raise UploadTooLarge(f"the request body ({length} bytes) is larger than the limit of {limit} bytes")
    media_type, params = _options(request.headers.get("content-type", ""))
    if media_type != "multipart/form-data":
        raise MalformedUpload("the request body must be multipart/form-data")
    boundary = params.get("boundary", "")
    if not boundary or not boundary.isascii() or len(boundary) > 200:  # RFC 2046: at most 70 characters
        raise MalformedUpload("the multipart/form-data Content-Type has no (usable) boundary")
    return boundary.encode("ascii")


async def receive_upload(
    request: Request,
    *,
    max_bytes: int,
    allowed_media_types: Collection[str],
    staging_dir: Path,
    max_field_bytes: int = 64 * 1024,
) -> StagedUpload:
    """Receive a multipart upload with one file part named ``file`` into ``staging_dir``; see the module doc.

    Raises an `UploadError` subclass (nothing is left in ``staging_dir`` then): `UploadTooLarge` (413),
    `UnsupportedMediaType` (415), `MalformedUpload` (400).
    """
    limit = max_bytes + MULTIPART_OVERHEAD
    boundary = _preflight(request, limit)
    allowed = frozenset(normalise_media_type(t) for t in allowed_media_types)
    receiver = _Receiver(max_bytes, max_field_bytes, allowed)
    parser = MultipartParser(boundary, receiver.callbacks())
    sink: _Sink | None = None
    received = 0
    try:
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > limit:  # bodies without Content-Length: fields and headers count too
                    raise UploadTooLarge(f"the request body is larger than the limit of {limit} bytes")
                parser.write(chunk)
                if receiver.pending:
                    chunks, receiver.pending = receiver.pending, []
                    if sink is None:
                        sink = await anyio.to_thread.run_sync(_Sink, staging_dir, is_json(receiver.media_type))
                    await anyio.to_thread.run_sync(sink.write, chunks)
        except ClientDisconnect as exc:
            raise MalformedUpload("the client disconnected before the upload was complete") from exc
        except FormParserError as exc:
            raise MalformedUpload(f"the multipart body is malformed: {exc}") from exc
        if not receiver.ended:
            raise MalformedUpload("the multipart body ends before its closing boundary (truncated upload?)")
        if not receiver.seen_file:
            raise MalformedUpload("no file part: send the evidence in the part named 'file'")
        if sink is None:
            raise MalformedUpload("the file is empty")
        await anyio.to_thread.run_sync(sink.finish, receiver.size)
    except BaseException:
        if sink is not None:
            sink.remove()
        raise
    return StagedUpload(
        path=sink.path,
        sha256=sink.digest.hexdigest(),
        size=receiver.size,
        media_type=receiver.media_type,
        filename=receiver.filename,
        fields=receiver.fields,
    )
