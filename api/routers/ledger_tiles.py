"""The log as a tiled transparency log (c2sp.org/tlog-tiles) under the prefix ``/api/v1/ledger/tlog``.

``<prefix>/checkpoint`` and the hash tiles ``<prefix>/tile/<L>/<N>[.p/<W>]`` are public: hashes disclose
nothing, and with them any monitor or witness built for Go's sumdb, Sigstore or Tessera logs checks this
log's growth and proofs without zhifa code. The entry bundles ``<prefix>/tile/entries/<N>[.p/<W>]`` carry the
leaves, which name cases, so they are for those who may see every case: an auditor or administrator of the
whole city. Tiles never change once they exist, so they are served as immutable.
"""

from __future__ import annotations

import gzip
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import PrincipalDep, SessionDep, forbidden
from api.problems import ProblemError, problem_responses
from api.routers.ledger import LedgerDep, checkpoint
from core.models import Role
from ledger.service import Ledger
from ledger.tiles import TileNotFound, parse_tile_path, read_entries, read_tile

router = APIRouter(prefix="/api/v1/ledger/tlog", tags=["ledger"])

OCTETS = "application/octet-stream"
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
WHOLE_LOG_ROLES = (Role.AUDITOR, Role.ADMIN)


def whole_log_reader(principal: PrincipalDep) -> Principal:
    """An auditor or administrator whose jurisdiction is the city (the root of the tree): every leaf's case."""
    if not principal.has_role(*WHOLE_LOG_ROLES) or principal.jurisdiction_path.count("/") != 1:
        raise forbidden(f"{principal.username} may not read every entry of the log: a city-level auditor may")
    return principal


WholeLogDep = Annotated[Principal, Depends(whole_log_reader)]


@router.get(
    "/checkpoint",
    summary="The tiled log's checkpoint (public; the same signed note as /api/v1/ledger/checkpoint)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}, **problem_responses(404)},
)
async def tlog_checkpoint(session: SessionDep, ledger: LedgerDep) -> PlainTextResponse:
    note = await checkpoint(session, ledger)
    note.headers["Cache-Control"] = "no-cache"  # mutable: a client must see the next one
    return note


def _tile(session: Session, ledger: Ledger, path: str, entries: bool) -> bytes:
    try:
        ref = parse_tile_path(path)
        if (ref.level is None) != entries:
            raise TileNotFound(f"not a {'entry bundle' if entries else 'hash tile'} path: {path!r}")
        size = ledger.store.size(session)
        return (read_entries if entries else read_tile)(session, ledger.store, ref, size)
    except TileNotFound as exc:
        raise ProblemError(404, "No such tile", str(exc), slug="not-found") from exc


@router.get(
    "/tile/entries/{path:path}",
    summary="An entry bundle: the leaves of a level-0 tile (city-level auditors and administrators)",
    response_class=Response,
    responses={200: {"content": {OCTETS: {}}}, **problem_responses(401, 403, 404)},
)
async def entry_bundle(
    session: SessionDep, ledger: LedgerDep, _reader: WholeLogDep, path: str, request: Request
) -> Response:
    data = await run_in_threadpool(_tile, session, ledger, f"entries/{path}", True)
    headers = {"Cache-Control": "private, max-age=31536000, immutable", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):  # JSON leaves compress ~4x (the spec: SHOULD)
        data = gzip.compress(data, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(data, media_type=OCTETS, headers=headers)


@router.get(
    "/tile/{path:path}",
    summary="A tile of Merkle tree hashes, c2sp.org/tlog-tiles (public)",
    response_class=Response,
    responses={200: {"content": {OCTETS: {}}}, **problem_responses(404)},
)
async def hash_tile(session: SessionDep, ledger: LedgerDep, path: str) -> Response:
    data = await run_in_threadpool(_tile, session, ledger, path, False)
    return Response(data, media_type=OCTETS, headers=IMMUTABLE)
