"""RFC 9457 problem details: every error the API returns is `application/problem+json`.

Members: ``type`` (a URI naming the kind of problem; ``about:blank`` for plain HTTP errors),
``title`` (short, the same for every occurrence of the type), ``status``, ``detail`` (this
occurrence, for a human) and ``instance`` (the request path). Extensions: ``errors`` (validation
failures, one per field) and ``code`` (the unknown timer or violation code).

Routers raise `HTTPException` for plain HTTP errors, let `rules.errors` exceptions propagate, or raise
`ProblemError` for a domain problem with its own type (e.g. a 409 when a task was completed first).
"""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError

from rules.errors import NaiveDatetimeError, RuleDataError, RuleError, UnknownTimerCode, UnknownViolationCode

log = logging.getLogger("zhifa.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:zhifa:problem:"


def problem_type(slug: str) -> str:
    """The ``type`` URI of a zhifa problem, e.g. ``urn:zhifa:problem:unknown-violation-code``."""
    return PROBLEM_TYPE_PREFIX + slug


class Problem(BaseModel):
    """The problem+json body (for the OpenAPI schema; responses are built by `problem_response`)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class FieldError(BaseModel):
    """One entry of a validation problem's ``errors`` list."""

    field: str
    loc: list[str | int]
    message: str
    type: str


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: documents its problem statuses in OpenAPI."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


class ProblemError(Exception):
    """Raise from a route to answer with a specific problem type."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        slug: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = problem_type(slug) if slug else "about:blank"
        self.headers = headers
        self.extensions = extensions


def problem_response(
    request: Request,
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or _phrase(status),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = request.url.path
    body.update(jsonable_encoder(extensions))
    return ProblemResponse(body, status_code=status, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# --- handlers ------------------------------------------------------------------------------------


async def _http_exception(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    extensions: dict[str, Any] = {}
    detail: str | None = None
    if isinstance(exc.detail, str):
        detail = None if exc.detail == _phrase(exc.status_code) else exc.detail
    elif exc.detail is not None:
        extensions["errors"] = exc.detail
    return problem_response(request, exc.status_code, detail=detail, headers=dict(exc.headers or {}), **extensions)


def _field_name(loc: tuple[str | int, ...] | list[str | int]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(
            field=_field_name(error.get("loc", ())),
            loc=list(error.get("loc", ())),
            message=str(error.get("msg", "")),
            type=str(error.get("type", "")),
        ).model_dump()
        for error in exc.errors()
    ]
    listed = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
    noun = "field" if len(errors) == 1 else "fields"
    return problem_response(
        request,
        422,
        title="Request validation failed",
        detail=f"{len(errors)} {noun} failed validation: {listed}",
        type_=problem_type("validation"),
        errors=errors,
    )


# Rule errors, most specific first: (class, status, slug, title).
_RULE_PROBLEMS: list[tuple[type[RuleError], int, str, str]] = [
    (UnknownTimerCode, 404, "unknown-timer-code", "Unknown timer code"),
    (UnknownViolationCode, 404, "unknown-violation-code", "Unknown violation code"),
    (NaiveDatetimeError, 422, "naive-datetime", "Date-time without a time zone"),
    (RuleDataError, 500, "rule-data-error", "The rules data is malformed"),
    (RuleError, 422, "rule-violation", "The request breaks a legal rule"),
]


async def _rule_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RuleError)
    status, slug, title = next((s, sl, t) for cls, s, sl, t in _RULE_PROBLEMS if isinstance(exc, cls))
    if status >= 500:
        log.error("rules data error on %s: %s", request.url.path, exc)
    extensions: dict[str, Any] = {}
    code = getattr(exc, "code", None)
    if isinstance(code, str):
        extensions["code"] = code
    return problem_response(request, status, title=title, detail=str(exc), type_=problem_type(slug), **extensions)


async def _problem_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request,
        exc.status,
        title=exc.title,
        detail=exc.detail,
        type_=exc.type,
        headers=exc.headers,
        **exc.extensions,
    )


async def _temporal_error(request: Request, exc: Exception) -> ProblemResponse:
    """Temporal did not answer (unavailable, timed out, overloaded): the request may be retried."""
    assert isinstance(exc, RPCError)
    log.warning("Temporal error on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        request,
        503,
        title="Temporal unavailable",
        detail=f"the workflow service did not answer ({exc.status.name}); read the case before retrying a change",
        type_=problem_type("temporal-unavailable"),
        headers={"Retry-After": "5"},
    )


async def _pool_exhausted(request: Request, exc: Exception) -> ProblemResponse:
    """Every database connection of this process is busy (a slow Temporal or database behind it):
    answer at once that the client may retry, rather than a 500."""
    log.warning("database pool exhausted on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        request,
        503,
        title="Busy",
        detail="every database connection is in use; retry in a moment",
        type_=problem_type("busy"),
        headers={"Retry-After": "2"},
    )


async def _unhandled(request: Request, exc: Exception) -> ProblemResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, detail="An unexpected error occurred; it has been logged for the operators.")


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error response of ``app`` a problem+json document."""
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(RuleError, _rule_error)
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(RPCError, _temporal_error)
    app.add_exception_handler(PoolTimeout, _pool_exhausted)
    app.add_exception_handler(Exception, _unhandled)
