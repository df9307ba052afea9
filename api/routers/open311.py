"""Open311 GeoReport v2 (JSON) for public-report integrators: public apps, the 12345 hotline.

- ``GET /open311/v2/services.json`` and ``GET /open311/v2/services/{code}.json``: the violation
  catalogue as services with their attributes (api/open311_services.py). Public, like the law.
- ``POST /open311/v2/requests.json``: form-encoded report, ``api_key`` in the form; opens a case
  (source ``public``) exactly as ``POST /api/v1/cases`` does — the same intake row, the same checks
  (`handling_unit`), the same workflow start with ``USE_EXISTING`` — in the district under the
  report's ``lat``/``long``. Idempotent by a key derived from the report (api/open311_reports.py):
  201 for a new report, 200 with the same ``service_request_id`` for a retried one.
- ``GET /open311/v2/requests.json`` and ``GET /open311/v2/requests/{id}.json``: the key's own
  requests only (api/open311_views.py); ``api_key`` is a query parameter, as the spec has it.

Every error is problem+json: 401 for a missing or unknown key, 403 for a key that may not open
cases (or this service, or in this place), 404 for an unknown service or another key's request,
415 for a body that is not a form, 422 naming the field otherwise.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import AwareDatetime, ValidationError
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.auth import AuthError, Principal, principal_from_api_key
from api.deps import ClientDep, SessionDep, SettingsDep, forbidden, unauthorized
from api.open311_reports import (
    IDEMPOTENCY_PREFIX,
    ReportForm,
    compose_description,
    description_block,
    handling_place,
    invalid,
    parse_attributes,
    report_digest,
    reporter_of,
    require_point,
    split_form,
    validation_problem,
)
from api.open311_services import Service, ServiceDefinition, attribute_specs, definition_of, find_violation, services
from api.open311_views import (
    MAX_REQUESTS,
    RequestCreated,
    RequestFilter,
    ServiceRequest,
    Status,
    agency_name,
    own_requests,
    service_notice,
)
from api.problems import ProblemError, problem_responses
from api.routers.intake import STARTERS, CaseCreate, Location, PartyIn, case_input, handling_unit, new_case_id
from core.intake import IdempotencyConflict, claim, to_cgcs2000
from core.intake_tables import CaseIntake
from core.models import Jurisdiction
from rules.calendar_files import load_overrides
from rules.catalogue import Violation
from workflows.case.workflow import EnforcementCaseWorkflow

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
ApiKeyQuery = Annotated[str | None, Query(description="your API key (GeoReport v2 api_key)")]


def _report_schema() -> dict[str, Any]:
    """The form as OpenAPI shows it: `ReportForm` plus ``api_key`` and the ``attribute[CODE]`` fields."""
    schema = ReportForm.model_json_schema()
    schema.pop("additionalProperties", None)
    schema["properties"] = {"api_key": {"type": "string", "title": "Api Key"}, **schema["properties"]}
    schema["required"] = ["api_key", *schema.get("required", [])]
    schema["patternProperties"] = {r"^attribute\[[^\[\]]+\]$": {"type": "string"}}
    return schema


_REPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "GeoReport v2 fields, plus `api_key` and `attribute[CODE]=value` per the service definition",
        "content": {"application/x-www-form-urlencoded": {"schema": _report_schema()}},
    }
}


def key_principal(session: Session, api_key: str | None) -> Principal:
    if not api_key:
        raise unauthorized("send your API key as the api_key parameter (GeoReport v2)")
    try:
        return principal_from_api_key(session, api_key)
    except AuthError as exc:
        raise unauthorized(str(exc)) from exc


@router.get("/services.json", summary="The services: one per violation of the catalogue")
def list_services() -> list[Service]:
    return services()


@router.get(
    "/services/{service_code}.json",
    summary="A service definition: the attributes a report may answer",
    response_model_exclude_none=True,
    responses=problem_responses(404),
)
def service_definition(service_code: str) -> ServiceDefinition:
    violation = find_violation(service_code)
    if violation is None:
        raise ProblemError(
            404,
            "Unknown service",
            f"no service {service_code!r} (GET /open311/v2/services.json lists them)",
            slug="unknown-service-code",
            code=service_code,
        )
    return definition_of(violation)


def _party(violation: Violation, answers: dict[str, str]) -> PartyIn | None:
    """The party the reporter named, if any; the officer verifies it on site."""
    name = answers.get("party_name")
    if name is None:
        return None
    kind = answers.get("party_type")
    if kind is None:
        if len(violation.party_types) != 1:
            raise invalid("attribute[party_type]", "required with attribute[party_name]: is the party 个人 or 单位?")
        kind = violation.party_types[0].value
    return PartyIn.model_validate({"type": kind, "name": name})


def _intake_row(session: Session, principal: Principal, report: ReportForm, raw: dict[str, str]) -> CaseIntake:
    """The intake row of the report, after every check `POST /api/v1/cases` makes."""
    violation = find_violation(report.service_code)
    if violation is None:
        raise invalid("service_code", f"no service {report.service_code!r} (GET /open311/v2/services.json)")
    answers = parse_attributes(violation, raw)
    lon, lat = require_point(report)
    place, place_name = handling_place(session, report, lon, lat)
    lines = description_block(report, attribute_specs(violation), answers, principal.display_name)
    try:
        body = CaseCreate(
            violation_code=violation.code,
            source="public",
            location=Location(lon=lon, lat=lat),
            address=report.address_string or f"{place_name}（经度 {lon}，纬度 {lat}）",
            district=place.code,
            description=compose_description(report.description or f"公众上报：{violation.name}", lines),
            party=_party(violation, answers),
        )
    except ValidationError as exc:  # the form's limits keep within CaseCreate's; say so if they do not
        raise RequestValidationError(validation_problem(exc)) from exc
    district = handling_unit(session, principal, body)
    digest = report_digest(principal.id, report, answers)
    received = dt.datetime.now(dt.UTC)
    cgcs_lon, cgcs_lat = to_cgcs2000(lon, lat)
    return CaseIntake(
        case_id=new_case_id(district.code, received),
        principal_id=principal.id,
        principal_name=principal.username,
        idempotency_key=IDEMPOTENCY_PREFIX + digest,
        body_sha256=digest,
        violation_code=body.violation_code,
        source=body.source,
        district_code=district.code,
        jurisdiction_path=district.path,
        lon=lon,
        lat=lat,
        cgcs2000_lon=cgcs_lon,
        cgcs2000_lat=cgcs_lat,
        address=body.address,
        description=body.description,
        party=body.party.model_dump(mode="json") if body.party else None,
        reporter=reporter_of(report),
        external_ref=None,
        received_at=received,
    )


def _agency(session: Session, intake: CaseIntake) -> str:
    places = {p.code: p for p in session.exec(select(Jurisdiction)).all()}
    return agency_name(places, intake.jurisdiction_path)


@router.post(
    "/requests.json",
    status_code=201,
    summary="Report a problem (form-encoded); opens a case, idempotent by the report's content",
    responses={
        200: {"model": list[RequestCreated], "description": "a retry of an earlier report: the same request"},
        **problem_responses(401, 403, 409, 415, 422),
    },
    openapi_extra=_REPORT_BODY,
)
async def create_request(
    request: Request, response: Response, session: SessionDep, settings: SettingsDep, client: ClientDep
) -> list[RequestCreated]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        raise ProblemError(
            415,
            "Unsupported media type",
            f"send the report form-encoded (application/x-www-form-urlencoded), not {content_type or 'no body'}",
            slug="unsupported-media-type",
        )
    raw = split_form(list((await request.form()).multi_items()))
    principal = await run_in_threadpool(key_principal, session, raw.api_key or request.query_params.get("api_key"))
    if not principal.has_role(*STARTERS):
        raise forbidden(f"the API key {principal.display_name} may not open cases")
    try:
        report = ReportForm.model_validate(raw.fields)
    except ValidationError as exc:
        raise RequestValidationError(validation_problem(exc)) from exc
    row = await run_in_threadpool(_intake_row, session, principal, report, raw.attributes)
    try:
        claimed = await run_in_threadpool(claim, session, row)
    except IdempotencyConflict as exc:  # only if two different reports hashed alike
        raise ProblemError(409, "Report conflict", str(exc), slug="idempotency-conflict") from exc
    intake = claimed.intake
    calendar = await run_in_threadpool(load_overrides, settings.effective_calendar_dir)
    # A retry starts the same stored input under the same id: Temporal keeps one. Once the case has
    # closed its id is not reused (REJECT_DUPLICATE): a late retry changes nothing.
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            EnforcementCaseWorkflow.run,
            case_input(intake, list(calendar), settings),
            id=intake.case_id,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    agency = await run_in_threadpool(_agency, session, intake)
    response.status_code = 201 if claimed.created else 200
    return [RequestCreated(service_request_id=intake.case_id, service_notice=service_notice(agency, intake.case_id))]


def _comma_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [item.strip() for item in value.split(",") if item.strip()]
    return list(dict.fromkeys(items)) or None


def _statuses(value: str | None) -> list[Status] | None:
    wanted = _comma_list(value)
    if wanted is None:
        return None
    chosen: list[Status] = []
    for item in wanted:
        if item == "open":
            chosen.append("open")
        elif item == "closed":
            chosen.append("closed")
        else:
            raise invalid("status", f"must be open, closed or both (comma separated), not {item!r}", where="query")
    return chosen


@router.get(
    "/requests.json",
    summary="The caller's own requests (last 90 days or the dates given; at most 1,000)",
    responses=problem_responses(401, 422),
)
async def list_requests(
    session: SessionDep,
    api_key: ApiKeyQuery = None,
    service_request_id: Annotated[str | None, Query(description="comma list; overrides every other filter")] = None,
    service_code: Annotated[str | None, Query(description="comma list")] = None,
    start_date: AwareDatetime | None = None,
    end_date: AwareDatetime | None = None,
    status: Annotated[str | None, Query(description="open, closed, or open,closed")] = None,
) -> list[ServiceRequest]:
    principal = await run_in_threadpool(key_principal, session, api_key)
    ids = _comma_list(service_request_id)
    if ids is not None and len(ids) > MAX_REQUESTS:
        raise invalid("service_request_id", f"at most {MAX_REQUESTS} ids", where="query")
    if start_date is not None and end_date is not None and start_date >= end_date:
        raise invalid(("start_date", "end_date"), "start_date must be before end_date", where="query")
    where = RequestFilter(
        ids=ids, service_codes=_comma_list(service_code), start=start_date, end=end_date, statuses=_statuses(status)
    )
    return await run_in_threadpool(own_requests, session, principal, where)


@router.get(
    "/requests/{service_request_id}.json",
    summary="One of the caller's requests (a one-element list, as GeoReport v2 has it)",
    responses=problem_responses(401, 404),
)
async def get_request(
    service_request_id: str, session: SessionDep, api_key: ApiKeyQuery = None
) -> list[ServiceRequest]:
    principal = await run_in_threadpool(key_principal, session, api_key)
    found = await run_in_threadpool(own_requests, session, principal, RequestFilter(ids=[service_request_id]))
    if not found:
        raise ProblemError(
            404, "Not found", f"no request {service_request_id} of {principal.display_name}", slug="not-found"
        )
    return found


@router.api_route("/{resource:path}.xml", methods=["GET", "POST"], include_in_schema=False)
def xml_format(resource: str) -> None:
    raise ProblemError(
        406,
        "Not acceptable",
        f"this server speaks GeoReport v2 in JSON only: ask for {resource}.json",
        slug="json-only",
    )
