"""The dependencies every router shares, as `Annotated` aliases (full-stack-fastapi-template style):
the settings, a database session, the process's one Temporal client, and the authenticated
principal with role guards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from api.auth import AuthError, Principal, principal_from_api_key, principal_from_token
from api.problems import ProblemError
from core import db
from core.case_gateway import CaseGateway
from core.models import Role
from core.settings import Settings
from core.temporal import connect

TOKEN_URL = "/api/v1/auth/token"

oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="integrators and perception workers")


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_db(settings: SettingsDep) -> Iterator[Session]:
    with Session(db.get_engine(settings.effective_database_url)) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]


async def release(session: Session) -> None:
    """Hand the request's database connection back to the pool before awaiting Temporal: a request
    that holds it across an Update exhausts the pool under load (bench/README.md, API load). The
    session stays usable; a later query takes a connection again."""
    await run_in_threadpool(session.close)


async def temporal_client(app: FastAPI) -> Client:
    """The app's Temporal client, connected on first use and kept: one per process, never per request."""
    client: Client | None = getattr(app.state, "temporal_client", None)
    if client is None:
        settings: Settings = app.state.settings
        try:
            client = await connect(settings)
        except RuntimeError as exc:  # the bridge's "Failed client connect": the server is not there
            where = f"{settings.temporal_address} (namespace {settings.temporal_namespace})"
            raise ProblemError(503, "Temporal unavailable", f"cannot reach Temporal at {where}; try again") from exc
        app.state.temporal_client = client
    return client


async def get_client(request: Request) -> Client:
    return await temporal_client(request.app)


ClientDep = Annotated[Client, Depends(get_client)]


async def get_gateway(client: ClientDep) -> CaseGateway:
    return CaseGateway(client)


GatewayDep = Annotated[CaseGateway, Depends(get_gateway)]


def unauthorized(detail: str) -> ProblemError:
    return ProblemError(
        401, "Not authenticated", detail, slug="not-authenticated", headers={"WWW-Authenticate": "Bearer"}
    )


def get_principal(
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    try:
        if api_key:
            return principal_from_api_key(session, api_key)
        if token:
            return principal_from_token(session, settings, token)
    except AuthError as exc:
        raise unauthorized(str(exc)) from exc
    raise unauthorized("sign in (POST /api/v1/auth/token) and send the bearer token, or send X-API-Key")


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def forbidden(detail: str) -> ProblemError:
    return ProblemError(403, "Forbidden", detail, slug="forbidden")


def require_role(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency: the principal, if it holds one of `roles`; 403 otherwise."""

    def check(principal: PrincipalDep) -> Principal:
        if not principal.has_role(*roles):
            wanted = ", ".join(r.value for r in roles)
            raise forbidden(f"{principal.username} holds none of the roles this needs: {wanted}")
        return principal

    return check


def ensure_sees(principal: Principal, path: str, what: str) -> None:
    """404 (not 403) for anything outside the principal's subtree: its existence is not disclosed."""
    if not principal.sees(path):
        raise ProblemError(404, "Not found", f"no {what} visible to {principal.username}", slug="not-found")
