"""Procedure thresholds (rules/data/procedure.yaml): simplified procedure, on-the-spot collection, hearing.

Loaded and validated once at import; the functions are pure and may run inside workflow code.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rules.catalogue import LegalClause, PartyType, parse_party_type
from rules.data_files import load_yaml
from rules.errors import NegativeAmount, RuleDataError, RuleError, UnknownJurisdiction, UnknownPenaltyKind

Money = Decimal | int | float | str


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PenaltyKinds(_Frozen):
    basis: tuple[LegalClause, ...] = Field(min_length=1)
    kinds: tuple[str, ...] = Field(min_length=1)


class SimplifiedProcedure(_Frozen):
    max_fine_yuan: dict[PartyType, Decimal]
    allowed_penalty_kinds: tuple[str, ...] = Field(min_length=1)
    basis: tuple[LegalClause, ...] = Field(min_length=1)
    note: str | None = None


class OnTheSpotCollection(_Frozen):
    max_fine_yuan: Decimal = Field(ge=0)
    basis: tuple[LegalClause, ...] = Field(min_length=1)
    remote_area_basis: tuple[LegalClause, ...] = Field(min_length=1)


class LargeAmount(_Frozen):
    local: str = Field(min_length=1)
    person_min_yuan: Decimal = Field(gt=0)
    organisation_min_yuan: Decimal = Field(gt=0)
    effective_from: date | None = None
    basis: tuple[LegalClause, ...] = Field(min_length=1)
    note: str | None = None

    def threshold(self, party: PartyType) -> Decimal:
        return self.person_min_yuan if party is PartyType.PERSON else self.organisation_min_yuan


class Hearing(_Frozen):
    basis: tuple[LegalClause, ...] = Field(min_length=1)
    heavy_penalty_kinds: tuple[str, ...] = Field(min_length=1)
    default_jurisdiction: str
    large_amount: dict[str, LargeAmount] = Field(min_length=1)


class ProcedureRules(_Frozen):
    version: str = Field(min_length=1)
    penalty_kinds: PenaltyKinds
    simplified_procedure: SimplifiedProcedure
    on_the_spot_collection: OnTheSpotCollection
    hearing: Hearing

    @model_validator(mode="after")
    def _coherent(self) -> ProcedureRules:
        known = set(self.penalty_kinds.kinds)
        for field, kinds in (
            ("simplified_procedure.allowed_penalty_kinds", self.simplified_procedure.allowed_penalty_kinds),
            ("hearing.heavy_penalty_kinds", self.hearing.heavy_penalty_kinds),
        ):
            unknown = sorted(set(kinds) - known)
            if unknown:
                raise ValueError(f"{field}: {unknown} are not listed under penalty_kinds.kinds")
        limits = self.simplified_procedure.max_fine_yuan
        if set(limits) != set(PartyType):
            raise ValueError("simplified_procedure.max_fine_yuan: give both person and organisation")
        if any(v < 0 for v in limits.values()):
            raise ValueError("simplified_procedure.max_fine_yuan: amounts must not be negative")
        if self.on_the_spot_collection.max_fine_yuan > min(limits.values()):
            raise ValueError("on_the_spot_collection.max_fine_yuan: above the simplified-procedure limit")
        if self.hearing.default_jurisdiction not in self.hearing.large_amount:
            raise ValueError("hearing.default_jurisdiction: has no large_amount entry")
        return self


def parse_procedure_rules(raw: Any, source: str = "procedure.yaml") -> ProcedureRules:
    """Validate raw YAML data; errors name the field."""
    try:
        return ProcedureRules.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {str(err['msg']).removeprefix('Value error, ')}"
            for err in exc.errors()
        ]
        raise RuleDataError(f"{source} is invalid: " + "; ".join(problems)) from exc


@lru_cache(maxsize=1)
def load_procedure_rules() -> ProcedureRules:
    """The shipped thresholds, loaded and validated once (call it at start-up)."""
    return parse_procedure_rules(load_yaml("procedure.yaml"))


RULES = load_procedure_rules()


def _money(value: Money, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise RuleError(f"{what} must be a number of yuan, got {value!r}")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise RuleError(f"{what} must be a number of yuan, got {value!r}") from exc
    if not amount.is_finite():
        raise RuleError(f"{what} must be finite, got {value!r}")
    if amount < 0:
        raise NegativeAmount(what, value)
    return amount


def _kinds(penalty_kinds: Iterable[str], rules: ProcedureRules) -> set[str]:
    kinds = {penalty_kinds} if isinstance(penalty_kinds, str) else set(penalty_kinds)
    unknown = sorted(kinds - set(rules.penalty_kinds.kinds))
    if unknown:
        raise UnknownPenaltyKind(unknown, list(rules.penalty_kinds.kinds))
    return kinds


def simplified_procedure_allowed(
    party_type: str,
    fine_yuan: Money,
    penalty_kinds: Iterable[str] | None = None,
    *,
    rules: ProcedureRules | None = None,
) -> bool:
    """Whether the penalty is within 简易程序 (处罚法 Art. 51; 住建 Art. 12).

    `fine_yuan` is 0 for a warning only. `penalty_kinds` defaults to a fine (or a warning when 0); any
    other kind (confiscation, suspension, …) rules the simplified procedure out. The officer must still
    confirm that the facts are certain and there is a legal basis.
    """
    r = rules or RULES
    party = parse_party_type(party_type)
    amount = _money(fine_yuan, "the fine amount")
    kinds = _kinds(penalty_kinds if penalty_kinds is not None else (["罚款"] if amount > 0 else ["警告"]), r)
    if amount > 0 and "罚款" not in kinds:
        raise RuleError("a fine amount above 0 was given but 罚款 is not among the penalty kinds")
    sp = r.simplified_procedure
    return kinds <= set(sp.allowed_penalty_kinds) and amount <= sp.max_fine_yuan[party]


def on_the_spot_collection_allowed(
    party_type: str,
    fine_yuan: Money,
    *,
    hard_to_collect_later: bool = False,
    remote_area_on_request: bool = False,
    rules: ProcedureRules | None = None,
) -> bool:
    """Whether officers may collect the fine on the spot (当场收缴).

    Art. 68: the decision was made under the simplified procedure, and the fine is ≤100 yuan or would be
    hard to collect afterwards. Art. 69: in a remote, water-borne or poorly connected area, at the
    party's request, for any Art. 51 or Art. 57 fine.
    """
    r = rules or RULES
    amount = _money(fine_yuan, "the fine amount")
    if amount == 0:
        return False
    if remote_area_on_request:
        return True
    if not simplified_procedure_allowed(party_type, amount, rules=r):
        return False
    return amount <= r.on_the_spot_collection.max_fine_yuan or hard_to_collect_later


def large_amount_threshold(
    party_type: str, jurisdiction: str | None = None, *, rules: ProcedureRules | None = None
) -> Decimal:
    """The local "较大数额" (the smallest amount that gives a hearing right) for the party type."""
    r = rules or RULES
    where = jurisdiction or r.hearing.default_jurisdiction
    entry = r.hearing.large_amount.get(where)
    if entry is None:
        raise UnknownJurisdiction(where, sorted(r.hearing.large_amount))
    return entry.threshold(parse_party_type(party_type))


def hearing_right(
    party_type: str,
    fine_yuan: Money,
    penalty_kinds: Iterable[str] = (),
    *,
    confiscated_income_yuan: Money = 0,
    confiscated_property_yuan: Money = 0,
    jurisdiction: str | None = None,
    rules: ProcedureRules | None = None,
) -> bool:
    """Whether the party must be told of the right to a hearing (处罚法 Art. 63; 住建 Art. 32).

    A fine, confiscated illegal income or confiscated property value at or above the local "较大数额"
    (compared separately, 上海 Art. 31), or any heavy penalty kind (吊销许可证件, 责令停产停业, …).
    `jurisdiction` defaults to procedure.yaml's default_jurisdiction (上海市).
    """
    r = rules or RULES
    kinds = _kinds(penalty_kinds, r)
    threshold = large_amount_threshold(party_type, jurisdiction, rules=r)
    amounts = (
        _money(fine_yuan, "the fine amount"),
        _money(confiscated_income_yuan, "the confiscated illegal income"),
        _money(confiscated_property_yuan, "the value of the confiscated property"),
    )
    if any(a >= threshold for a in amounts):
        return True
    return bool(kinds & set(r.hearing.heavy_penalty_kinds))
