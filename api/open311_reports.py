"""Open311 `POST /requests.json`: from a form-encoded public report to the case intake row.

The report becomes exactly what `POST /api/v1/cases` would receive (`CaseCreate`, source
``public``) and goes through the same checks (`handling_unit`). What Open311 adds:

Location. Only ``lat``/``long`` (WGS84) place a report: there is no geocoder offline, so an
``address_string`` or ``address_id`` alone is refused (422, saying so). The point is located by
point-in-polygon over the jurisdiction boundaries, streets before districts (deepest node first);
the case opens in that node's district. A point in no district or street is refused.

Idempotency. GeoReport v2 has no idempotency header, so the key is derived from the report itself:
``open311:`` + SHA-256 of the canonical JSON of every field the integrator sent (normalised:
trimmed text, numbers as numbers, attributes sorted) except ``api_key``, plus the key's id. A public
app that retries the same report (same service, point, description, media_url, device_id,
account_id, contact, attributes) gets the same case (200); a report that differs in any field is a
new report. The digest is also the intake's ``body_sha256``, so a repeat never conflicts.

What has no column of its own — media_url, address_id, the reporter's contact and the attribute
answers — is appended to the case description as a labelled block after `MARKER`, one ``label：value``
line each, so the officers who verify the lead read it; `split_description` gives the reporter's own
text and the labelled values back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from shapely.geometry import Point, shape
from sqlmodel import Session, select

from api.open311_services import AttributeSpec, BadAttribute, attribute_specs
from api.problems import ProblemError
from core.intake import body_digest
from core.models import Jurisdiction, JurisdictionLevel
from rules.catalogue import Violation

IDEMPOTENCY_PREFIX = "open311:"
MARKER = "\n\n【Open311 上报信息】\n"
CHANNEL = "上报渠道"
MEDIA = "照片或视频（media_url）"
ADDRESS_ID = "地址编号（address_id）"
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\]$")
DESCRIPTION_LIMIT = 1800  # leaves room for the block within CaseCreate's 4000 characters


_ONE_LINE = r"^[^\r\n]*$"
Line12 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=12, pattern=_ONE_LINE)]
Line50 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50, pattern=_ONE_LINE)]
Line64 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=_ONE_LINE)]
Line100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100, pattern=_ONE_LINE)]
Line300 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300, pattern=_ONE_LINE)]


class ReportForm(BaseModel):
    """The GeoReport v2 fields of a report (``api_key`` and ``attribute[…]`` are taken apart first)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    jurisdiction_id: Line12 | None = None
    service_code: Line64
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False, description="WGS84")
    long: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False, description="WGS84")
    address_string: Line300 | None = None
    address_id: Line100 | None = None
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    device_id: Line100 | None = None
    account_id: Line100 | None = None
    first_name: Line50 | None = None
    last_name: Line50 | None = None
    phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\-() ]+$")
    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)
    media_url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://\S+$")


@dataclass(frozen=True)
class RawReport:
    api_key: str | None
    fields: dict[str, str]
    attributes: dict[str, str]  # attribute code -> raw value


def invalid(field: str | Sequence[str], message: str, where: str = "body") -> ProblemError:
    """422 for one field (or several together), shaped like the API's validation problems."""
    names = [field] if isinstance(field, str) else list(field)
    return ProblemError(
        422,
        "Request validation failed",
        f"{' and '.join(names)}: {message}",
        slug="validation",
        errors=[{"field": name, "loc": [where, name], "message": message, "type": "value_error"} for name in names],
    )


def split_form(items: Sequence[tuple[str, Any]]) -> RawReport:
    """The form's fields, each given at most once; empty values count as not given."""
    seen: set[str] = set()
    api_key: str | None = None
    fields: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for key, value in items:
        if not isinstance(value, str):
            raise invalid(key, "files are not accepted here: upload the photo elsewhere and send its media_url")
        if key in seen:
            raise invalid(key, "given more than once")
        seen.add(key)
        if not value.strip():
            continue
        found = ATTRIBUTE_KEY.match(key)
        if key == "api_key":
            api_key = value.strip()
        elif found:
            attributes[found.group(1)] = value
        else:
            fields[key] = value
    return RawReport(api_key=api_key, fields=fields, attributes=attributes)


def validation_problem(exc: ValidationError, prefix: Sequence[str | int] = ("body",)) -> list[dict[str, Any]]:
    """Pydantic errors as `RequestValidationError` expects them (located in the request body)."""
    return [
        {"loc": (*prefix, *e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_context=False)
    ]


def parse_attributes(violation: Violation, raw: dict[str, str]) -> dict[str, str]:
    """The attribute answers, checked against the service definition (unknown codes refused)."""
    specs = {spec.code: spec for spec in attribute_specs(violation)}
    answers: dict[str, str] = {}
    for code, value in sorted(raw.items()):
        spec = specs.get(code)
        if spec is None:
            known = ", ".join(specs)
            raise invalid(f"attribute[{code}]", f"{violation.code} has no attribute {code!r} (it has: {known})")
        try:
            answers[code] = spec.parse(value)
        except BadAttribute as exc:
            raise invalid(f"attribute[{code}]", str(exc)) from exc
    return answers


def require_point(form: ReportForm) -> tuple[float, float]:
    """(lon, lat) of the report; an address alone cannot be placed without a geocoder."""
    if form.lat is not None and form.long is not None:
        return form.long, form.lat
    missing = [name for name in ("lat", "long") if getattr(form, name) is None]
    if form.address_string or form.address_id:
        raise invalid(
            missing,
            "required: this server has no geocoder, so address_string or address_id alone cannot place a "
            "report; send lat and long (WGS84) as well",
        )
    raise invalid(missing, "required: the location of the report as WGS84 lat and long")


def locate(places: Sequence[Jurisdiction], lon: float, lat: float) -> Jurisdiction | None:
    """The deepest district or street whose boundary covers the point (streets first)."""
    point = Point(lon, lat)
    candidates = [p for p in places if p.level is not JurisdictionLevel.CITY]
    deepest_first = sorted(candidates, key=lambda p: (-p.path.count("/"), p.path))
    return next((p for p in deepest_first if shape(p.boundary).covers(point)), None)


def place_names(places: dict[str, Jurisdiction], path: str) -> str:
    """e.g. 示范市清河区望江街道 for ``990100/990102/990102002/``."""
    return "".join(places[code].name for code in path.rstrip("/").split("/") if code in places)


def handling_place(session: Session, form: ReportForm, lon: float, lat: float) -> tuple[Jurisdiction, str]:
    """The district or street under the point, and its full name; 422 when there is none."""
    places = {p.code: p for p in session.exec(select(Jurisdiction)).all()}
    place = locate(list(places.values()), lon, lat)
    if place is None:
        roots = "、".join(p.name for p in places.values() if p.parent_code is None)
        raise invalid(("lat", "long"), f"({form.lat}, {form.long}) lies outside every district and street of {roots}")
    if form.jurisdiction_id is not None:
        scope = places.get(form.jurisdiction_id)
        if scope is None:
            raise invalid("jurisdiction_id", f"no jurisdiction {form.jurisdiction_id!r}")
        if not place.path.startswith(scope.path):
            raise invalid(("lat", "long"), f"({form.lat}, {form.long}) lies in {place.name}, outside {scope.name}")
    return place, place_names(places, place.path)


def description_block(
    form: ReportForm, specs: Sequence[AttributeSpec], answers: dict[str, str], channel: str
) -> list[tuple[str, str]]:
    """The labelled lines appended to the description, in a fixed order. Nothing about the reporter:
    the description travels into the case's workflow history, which the party may come to see."""
    lines = [
        (CHANNEL, f"Open311（{channel}）"),
        (MEDIA, form.media_url),
        (ADDRESS_ID, form.address_id),
        *((spec.label, spec.shown(answers[spec.code]) if spec.code in answers else None) for spec in specs),
    ]
    return [(label, value) for label, value in lines if value]


def reporter_of(form: ReportForm) -> dict[str, str] | None:
    """举报人信息: kept only in the access-controlled intake row, never in the workflow's input or
    history, since a reporter's identity must not reach the party (信访条例 / 举报保密)."""
    fields = {
        "first_name": form.first_name,
        "last_name": form.last_name,
        "phone": form.phone,
        "email": form.email,
        "device_id": form.device_id,
        "account_id": form.account_id,
    }
    kept = {k: v for k, v in fields.items() if v}
    return kept or None


def compose_description(text: str, lines: Sequence[tuple[str, str]]) -> str:
    return text + MARKER + "\n".join(f"{label}：{value}" for label, value in lines)


def split_description(stored: str) -> tuple[str, dict[str, str]]:
    """The reporter's own text and the labelled values of the block (the last block wins)."""
    text, marker, block = stored.rpartition(MARKER)
    if not marker:
        return stored, {}
    values: dict[str, str] = {}
    for line in block.split("\n"):
        label, colon, value = line.partition("：")
        if colon:
            values[label] = value
    return text, values


def report_digest(principal_id: str, form: ReportForm, answers: dict[str, str]) -> str:
    """SHA-256 of the canonical report: what makes a retried report the same report."""
    return body_digest({"api_key_id": principal_id, **form.model_dump(mode="json"), "attributes": answers})
