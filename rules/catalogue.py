"""The violation catalogue and discretion benchmarks (rules/data/violations.yaml) as validated models.

Structure per 国办发〔2022〕27号 part three item (6) and REFERENCE §3.1. Loaded once at start-up by
`load_catalogue()`; a malformed entry is a `RuleDataError` naming the violation code and the field.
Nothing here does I/O after loading, so the models may be used inside deterministic workflow code.
The condition language (`Condition`, `FactDef`, their checks and evaluation) lives in rules/conditions.py;
its public names are re-exported here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.conditions import ORDER_OPS as ORDER_OPS
from rules.conditions import Condition as Condition
from rules.conditions import FactDef as FactDef
from rules.conditions import FactType as FactType
from rules.conditions import Op as Op
from rules.conditions import Scalar as Scalar
from rules.conditions import check_condition, check_tier_ranges
from rules.conditions import value_matches as value_matches
from rules.data_files import load_yaml, validate_data
from rules.errors import UnknownPartyType, UnknownViolationCode

SNAKE = r"^[a-z][a-z0-9_]*$"


class Confidence(StrEnum):
    """REFERENCE §0.1 confidence tags."""

    V = "V"
    V2 = "V2"
    M = "M"
    I = "I"  # noqa: E741 - the tag REFERENCE §0.1 uses for inference


class PartyType(StrEnum):
    PERSON = "person"  # 自然人 / 公民
    ORGANISATION = "organisation"  # 法人或者其他组织


_PARTY_ALIASES = {
    **dict.fromkeys(("person", "individual", "自然人", "公民", "个人"), PartyType.PERSON),
    **dict.fromkeys(
        ("organisation", "organization", "法人或者其他组织", "法人或其他组织", "单位"), PartyType.ORGANISATION
    ),
}


def parse_party_type(value: str | PartyType) -> PartyType:
    """`person` / `organisation` (or a Chinese or US-spelling alias) → PartyType."""
    found = _PARTY_ALIASES.get(str(value).strip().lower()) if isinstance(value, str) else None
    if found is None:
        raise UnknownPartyType(str(value), [p.value for p in PartyType])
    return found


class FineUnit(StrEnum):
    YUAN = "yuan"
    PERCENT_OF_COST = "percent_of_cost"


class TierLevel(StrEnum):
    """裁量阶次 (国办发〔2022〕27号 item 6)."""

    NO_PENALTY = "不予处罚"
    REDUCED = "减轻"
    LIGHTER = "从轻"
    MINOR = "轻微"
    ORDINARY = "一般"
    HEAVIER = "较重"
    SERIOUS = "严重"
    AGGRAVATED = "从重"


class ApprovalKind(StrEnum):
    """Who may approve applying a benchmark differently (国办发〔2022〕27号 item 12)."""

    PRINCIPAL_HEAD = "principal_head"  # 本行政机关主要负责人批准
    COLLECTIVE_DISCUSSION = "collective_discussion"  # 集体讨论通过
    ISSUING_BODY = "issuing_body"  # 上级机关制定的基准：报请该基准制定机关批准


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LegalClause(_Frozen):
    law: str = Field(min_length=1)
    article: str = Field(min_length=1)
    version: date | None = None
    confidence: Confidence
    note: str | None = None

    def cite(self) -> str:
        return f"《{self.law}》{self.article}"


class FineRange(_Frozen):
    min: Decimal = Field(ge=0)
    max: Decimal = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _fixed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "fixed" in data:
            rest = {k: v for k, v in data.items() if k != "fixed"}
            if rest:
                raise ValueError(f"give either fixed or min/max, not both (got {sorted(rest)})")
            return {"min": data["fixed"], "max": data["fixed"]}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> FineRange:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self

    def contains(self, other: FineRange) -> bool:
        return self.min <= other.min and other.max <= self.max

    def overlaps(self, other: FineRange) -> bool:
        """Interior overlap; ranges that only share an endpoint do not overlap."""
        return self.min < other.max and other.min < self.max


class Bracket(_Frozen):
    """One statutory range (法定幅度) with the clause that sets it."""

    unit: FineUnit
    cost_fact: str | None = None
    fine_optional: bool
    ranges: dict[PartyType, FineRange]
    applies_when: str = Field(min_length=1)
    clause: LegalClause

    @model_validator(mode="after")
    def _cost(self) -> Bracket:
        if (self.unit is FineUnit.PERCENT_OF_COST) != (self.cost_fact is not None):
            raise ValueError("cost_fact is required for unit percent_of_cost and allowed only there")
        return self


class ConditionalMeasure(_Frozen):
    measure: str = Field(min_length=1)
    when: Condition


class Tier(_Frozen):
    id: str = Field(pattern=SNAKE)
    level: TierLevel
    conditions_text: str = Field(min_length=1)
    when: Condition | None = None
    bracket: str = "base"
    fine: dict[PartyType, FineRange] | None = None
    measures: tuple[str, ...] = ()
    requires_collective_decision: bool = False
    note: str | None = None


class Benchmark(_Frozen):
    title: str = Field(min_length=1)
    issuer: str = Field(min_length=1)
    doc_no: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    confidence: Confidence
    illustrative: bool
    source: str = Field(min_length=1)
    note: str | None = None
    deviation_approvals: tuple[ApprovalKind, ...] = (
        ApprovalKind.PRINCIPAL_HEAD,
        ApprovalKind.COLLECTIVE_DISCUSSION,
    )
    tiers: tuple[Tier, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _coherent(self) -> Benchmark:
        if self.confidence in (Confidence.I, Confidence.M) and not self.illustrative:
            raise ValueError(f"illustrative: a benchmark tagged {self.confidence} must be illustrative: true")
        if self.effective_from and self.effective_to and self.effective_from > self.effective_to:
            raise ValueError("effective_from is after effective_to")
        ids = [t.id for t in self.tiers]
        if len(set(ids)) != len(ids):
            raise ValueError(f"tiers: duplicate tier ids {sorted({i for i in ids if ids.count(i) > 1})}")
        for i, tier in enumerate(self.tiers[:-1]):
            if tier.when is None:
                raise ValueError(f"tiers[{i}] ({tier.id}).when: only the last tier may omit its condition")
        return self


class LegalBasis(_Frozen):
    illegal_clause: LegalClause  # 违法依据
    penalty_clause: LegalClause  # 处罚依据


class Violation(_Frozen):
    code: str = Field(pattern=SNAKE)
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    category: str = Field(min_length=1)
    jurisdiction: str = Field(min_length=1)
    legal_basis: LegalBasis
    party_types: tuple[PartyType, ...] = Field(min_length=1)
    statutory: dict[str, Bracket]
    measures: tuple[str | ConditionalMeasure, ...] = ()
    benchmark: Benchmark
    note: str | None = None

    @model_validator(mode="after")
    def _ranges(self) -> Violation:
        parties = set(self.party_types)
        if len(parties) != len(self.party_types):
            raise ValueError("party_types: duplicate party type")
        if "base" not in self.statutory:
            raise ValueError("statutory: the 'base' bracket is required")
        for name, bracket in self.statutory.items():
            if set(bracket.ranges) != parties:
                raise ValueError(f"statutory.{name}.ranges: must give exactly the party types {sorted(parties)}")
        for i, tier in enumerate(self.benchmark.tiers):
            _check_tier(self, i, tier, parties)
        _check_overlaps(self)
        check_tier_ranges([(tier.id, tier.when) for tier in self.benchmark.tiers])
        return self

    def bracket(self, tier: Tier) -> Bracket:
        return self.statutory[tier.bracket]


def _check_tier(violation: Violation, i: int, tier: Tier, parties: set[PartyType]) -> None:
    where = f"benchmark.tiers[{i}] ({tier.id})"
    bracket = violation.statutory.get(tier.bracket)
    if bracket is None:
        raise ValueError(f"{where}.bracket: no statutory bracket {tier.bracket!r}")
    if tier.fine is None:
        return
    if tier.level is TierLevel.NO_PENALTY:
        raise ValueError(f"{where}.fine: a 不予处罚 tier has no fine")
    if set(tier.fine) != parties:
        raise ValueError(f"{where}.fine: must give exactly the party types {sorted(parties)}")
    for party, rng in tier.fine.items():
        legal = bracket.ranges[party]
        inside = rng.max <= legal.min if tier.level is TierLevel.REDUCED else legal.contains(rng)
        if not inside:
            what = "is not below the statutory minimum" if tier.level is TierLevel.REDUCED else "is outside"
            raise ValueError(
                f"{where}.fine.{party}: {rng.min}–{rng.max} {what} the statutory range "
                f"{legal.min}–{legal.max} ({tier.bracket})"
            )


def _check_overlaps(violation: Violation) -> None:
    tiers = [(i, t) for i, t in enumerate(violation.benchmark.tiers) if t.fine is not None]
    for a, (i, first) in enumerate(tiers):
        for j, second in tiers[a + 1 :]:
            if first.bracket != second.bracket or first.fine is None or second.fine is None:
                continue
            for party, rng in first.fine.items():
                other = second.fine[party]
                if rng.overlaps(other):
                    raise ValueError(
                        f"benchmark.tiers[{j}] ({second.id}).fine.{party}: {other.min}–{other.max} overlaps "
                        f"tiers[{i}] ({first.id}) {rng.min}–{rng.max}"
                    )


class NoPenaltyRule(_Frozen):
    """A general 不予处罚 path of 处罚法 Art. 33, tried before every violation's tiers."""

    id: str = Field(pattern=SNAKE)
    mandatory: bool
    conditions_text: str = Field(min_length=1)
    when: Condition
    basis: LegalClause
    note: str | None = None


class Catalogue(_Frozen):
    version: str = Field(min_length=1)
    facts: dict[str, FactDef]
    education_clause: LegalClause
    no_penalty_rules: tuple[NoPenaltyRule, ...] = ()
    violations: list[Violation] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Catalogue:
        codes = [v.code for v in self.violations]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate violation codes: {duplicates}")
        for name, fact in self.facts.items():
            if fact.default is not None and not value_matches(fact.type, fact.default):
                raise ValueError(f"facts.{name}.default: {fact.default!r} is not a {fact.type}")
        for rule in self.no_penalty_rules:
            check_condition(f"no_penalty_rules ({rule.id}).when", rule.when, self.facts)
        for v in self.violations:
            for name, bracket in v.statutory.items():
                cost = bracket.cost_fact
                if cost is not None and self.facts.get(cost, _NO_FACT).type is not FactType.NUMBER:
                    raise ValueError(f"{v.code}: statutory.{name}.cost_fact: {cost!r} is not a declared number fact")
            for k, measure in enumerate(v.measures):
                if isinstance(measure, ConditionalMeasure):
                    check_condition(f"{v.code}: measures[{k}].when", measure.when, self.facts)
            for i, tier in enumerate(v.benchmark.tiers):
                if tier.when is not None:
                    check_condition(f"{v.code}: benchmark.tiers[{i}] ({tier.id}).when", tier.when, self.facts)
        return self

    def get(self, code: str) -> Violation:
        for violation in self.violations:
            if violation.code == code:
                return violation
        raise UnknownViolationCode(code)

    @property
    def codes(self) -> list[str]:
        return [v.code for v in self.violations]


_NO_FACT = FactDef(type=FactType.STRING, name="-")


def parse_catalogue(raw: Any, source: str = "violations.yaml") -> Catalogue:
    """Validate raw YAML data; every error names the violation code and the offending field."""
    return validate_data(Catalogue, raw, "violations", source)


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The shipped catalogue, loaded and validated once (call it at start-up)."""
    return parse_catalogue(load_yaml("violations.yaml"))
