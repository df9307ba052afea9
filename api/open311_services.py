"""Open311 GeoReport v2 services: the violation catalogue seen by public-report integrators.

Each violation of rules/data/violations.yaml is one service (service_code = the violation code,
group = its category). Every service has a few optional attributes a member of the public can
actually observe, and nothing a reporter cannot know (no fines, no legal facts to establish):

- ``party_type`` — 个人 or 单位, limited to the party types the violation applies to;
- ``party_name`` — the person's name or the shop sign, when the reporter knows it (with
  ``party_type`` it becomes the case's party; the officer verifies it on site);
- ``party_present`` — whether the party is still on the scene (helps dispatch an officer now);
- ``area_m2`` / ``ad_area_m2`` / ``affects_traffic`` — only for services whose discretion
  benchmark decides on that fact (e.g. 占道经营 area for street_vending_jiaxing). They are the
  reporter's estimate, recorded as such in the case description, never as an established fact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from rules.catalogue import Catalogue, FactType, PartyType, Violation, load_catalogue

Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]

PARTY_TYPE_NAMES = {PartyType.PERSON: "个人", PartyType.ORGANISATION: "单位（商户、企业等）"}
YES_NO = {"true": "是", "false": "否"}
# Facts of the catalogue's vocabulary a passer-by can estimate, in the order they are asked.
OBSERVABLE_FACTS = ("area_m2", "ad_area_m2", "affects_traffic")
MAX_NUMBER = 1_000_000.0
STRING_LIMIT = 100


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class AttributeValue(BaseModel):
    key: str
    name: str


class Attribute(BaseModel):
    variable: bool
    code: str
    datatype: Datatype
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValue] | None = None


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[Attribute]


class BadAttribute(ValueError):
    """An attribute value that does not fit its definition (the message says why)."""


@dataclass(frozen=True)
class AttributeSpec:
    code: str
    datatype: Datatype
    description: str
    label: str  # how the value is recorded in the case description (Chinese, no full-width colon)
    datatype_description: str
    values: dict[str, str] = field(default_factory=dict)  # key -> name, for singlevaluelist

    def parse(self, raw: str) -> str:
        """The value as recorded: a list key's name, a number, or the stripped text."""
        value = raw.strip()
        if self.datatype == "singlevaluelist":
            if value not in self.values:
                raise BadAttribute(f"must be one of {', '.join(self.values)}, not {value!r}")
            return value
        if self.datatype == "number":
            try:
                number = float(value)
            except ValueError:
                raise BadAttribute(f"must be a number, not {value!r}") from None
            if not math.isfinite(number) or not 0 <= number <= MAX_NUMBER:
                raise BadAttribute(f"must be a number from 0 to {MAX_NUMBER:g}")
            return f"{number:g}"
        if not value or len(value) > STRING_LIMIT or "\n" in value or "\r" in value:
            raise BadAttribute(f"must be one line of 1 to {STRING_LIMIT} characters")
        return value

    def shown(self, value: str) -> str:
        """The parsed value as an officer reads it."""
        return self.values.get(value, value)

    def public(self, order: int) -> Attribute:
        values = [AttributeValue(key=k, name=n) for k, n in self.values.items()] if self.values else None
        return Attribute(
            variable=True,
            code=self.code,
            datatype=self.datatype,
            required=False,
            datatype_description=self.datatype_description,
            order=order,
            description=self.description,
            values=values,
        )


def _party_type(violation: Violation) -> AttributeSpec:
    return AttributeSpec(
        code="party_type",
        datatype="singlevaluelist",
        description="违法行为人是个人还是单位",
        label="当事人类型（举报人所述）",
        datatype_description="选择一项",
        values={p.value: PARTY_TYPE_NAMES[p] for p in violation.party_types},
    )


PARTY_NAME = AttributeSpec(
    code="party_name",
    datatype="string",
    description="当事人姓名或店招名称（知道时填写，由执法队员现场核实）",
    label="当事人名称（举报人所述）",
    datatype_description=f"不超过{STRING_LIMIT}个字",
)
PARTY_PRESENT = AttributeSpec(
    code="party_present",
    datatype="singlevaluelist",
    description="当事人现在是否仍在现场",
    label="当事人是否在现场（举报时）",
    datatype_description="选择一项",
    values=YES_NO,
)


def _observable(catalogue: Catalogue, fact_code: str) -> AttributeSpec:
    fact = catalogue.facts[fact_code]
    if fact.type is FactType.BOOL:
        return AttributeSpec(
            code=fact_code,
            datatype="singlevaluelist",
            description=f"是否{fact.name}",
            label=f"{fact.name}（举报人所述）",
            datatype_description="选择一项",
            values=YES_NO,
        )
    return AttributeSpec(
        code=fact_code,
        datatype="number",
        description=f"{fact.name}（{fact.unit}，目测估计即可）",
        label=f"{fact.name}（举报人估计，{fact.unit}）",
        datatype_description=f"0 至 {MAX_NUMBER:g} 的数字",
    )


def _benchmark_facts(violation: Violation) -> set[str]:
    return {
        str(leaf.fact) for tier in violation.benchmark.tiers if tier.when is not None for leaf in tier.when.leaves()
    }


def attribute_specs(violation: Violation, catalogue: Catalogue | None = None) -> list[AttributeSpec]:
    """The attributes of a service, in the order they are asked."""
    catalogue = catalogue or load_catalogue()
    decided_by = _benchmark_facts(violation)
    observed = [_observable(catalogue, f) for f in OBSERVABLE_FACTS if f in decided_by and f in catalogue.facts]
    return [_party_type(violation), PARTY_NAME, PARTY_PRESENT, *observed]


def find_violation(code: str) -> Violation | None:
    return next((v for v in load_catalogue().violations if v.code == code), None)


def service_of(violation: Violation) -> Service:
    return Service(
        service_code=violation.code,
        service_name=violation.name,
        description=f"{violation.name}。违法依据：{violation.legal_basis.illegal_clause.cite()}",
        metadata=True,
        type="realtime",
        keywords=",".join(dict.fromkeys((violation.category, violation.jurisdiction))),
        group=violation.category,
    )


def services() -> list[Service]:
    return [service_of(v) for v in load_catalogue().violations]


def definition_of(violation: Violation) -> ServiceDefinition:
    specs = attribute_specs(violation)
    return ServiceDefinition(
        service_code=violation.code, attributes=[spec.public(i) for i, spec in enumerate(specs, start=1)]
    )
