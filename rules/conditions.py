"""The condition language of rules/data/violations.yaml: declared facts, conditions, and their evaluation.

A `Condition` is one node of the language documented at the top of violations.yaml: a comparison
`{fact, op, value}` or a combination `{all: [...]}`, `{any: [...]}`, `{not: ...}`. At load time
`check_condition` checks each comparison against the declared facts (`FactDef`), and `check_tier_ranges`
checks that conditions splitting one number fact into ranges neither overlap, nor are empty, nor leave a
gap. At decision time `validate_facts` checks a case's facts and `evaluate` decides a condition
three-valued: a fact the case does not give leaves the condition undecided, never false.
Pure: no I/O, no clock, so usable inside deterministic workflow code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from rules import errors


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    IN = "in"


ORDER_OPS = frozenset({Op.LT, Op.LTE, Op.GT, Op.GTE})


class FactType(StrEnum):
    BOOL = "bool"
    NUMBER = "number"
    INTEGER = "integer"
    STRING = "string"


Scalar = bool | int | float | str


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FactDef(_Frozen):
    type: FactType
    name: str = Field(min_length=1)
    unit: str | None = None
    default: Scalar | None = None
    note: str | None = None


class Condition(_Frozen):
    """One node of the condition language documented at the top of violations.yaml."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, serialize_by_alias=True)

    fact: str | None = None
    op: Op | None = None
    value: Scalar | tuple[Scalar, ...] | None = None
    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        forms = [self.fact is not None, self.all is not None, self.any is not None, self.not_ is not None]
        if sum(forms) != 1:
            raise ValueError("a condition is exactly one of {fact, op, value}, {all: [...]}, {any: [...]}, {not: ...}")
        if self.fact is not None:
            if self.op is None or self.value is None:
                raise ValueError(f"condition on fact {self.fact!r} needs both op and value")
            if (self.op is Op.IN) != isinstance(self.value, tuple):
                raise ValueError("op 'in' takes a list value; every other op takes a single value")
        elif self.op is not None or self.value is not None:
            raise ValueError("op and value belong to a {fact: ...} condition only")
        for name, parts in (("all", self.all), ("any", self.any)):
            if parts is not None and not parts:
                raise ValueError(f"'{name}' needs at least one condition")
        return self

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None}

    def leaves(self) -> list[Condition]:
        """Every {fact, op, value} node below this one."""
        if self.fact is not None:
            return [self]
        children = self.all or self.any or ((self.not_,) if self.not_ is not None else ())
        return [leaf for child in children for leaf in child.leaves()]


def value_matches(kind: FactType, value: object) -> bool:
    """Whether a fact value has the declared type (a bool is never a number here)."""
    if kind is FactType.BOOL:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind is FactType.INTEGER:
        return isinstance(value, int)
    if kind is FactType.NUMBER:
        return isinstance(value, (int, float, Decimal))
    return isinstance(value, str)


# ----------------------------------------------------------------------------- load-time checks


def check_condition(where: str, cond: Condition, facts: Mapping[str, FactDef]) -> None:
    """Every comparison in `cond` names a declared fact, with an op and value that fit its type."""
    for leaf in cond.leaves():
        fact = facts.get(str(leaf.fact))
        if fact is None:
            raise ValueError(f"{where}: unknown fact {leaf.fact!r} (declare it under facts)")
        if leaf.op in ORDER_OPS and fact.type not in (FactType.NUMBER, FactType.INTEGER):
            raise ValueError(f"{where}: op {leaf.op} needs a number fact, {leaf.fact!r} is {fact.type}")
        values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
        for value in values:
            if not value_matches(fact.type, value):
                raise ValueError(f"{where}: value {value!r} does not fit {fact.type} fact {leaf.fact!r}")


Bound = tuple[float, bool]
Interval = tuple[Bound, Bound]  # (low, low is open), (high, high is closed): max/min pick the tighter bound


def _pure_interval(cond: Condition) -> tuple[str, Interval] | None:
    """A condition that is only a numeric interval on one fact (e.g. 5 < area_m2 ≤ 10), else None."""
    leaves = [cond] if cond.fact is not None else list(cond.all or ())
    if len({leaf.fact for leaf in leaves} - {None}) != 1 or any(leaf.fact is None for leaf in leaves):
        return None
    low, high = (float("-inf"), True), (float("inf"), False)
    for leaf in leaves:
        if isinstance(leaf.value, (bool, str, tuple)) or leaf.value is None or leaf.op in (Op.NE, Op.IN):
            return None
        v = float(leaf.value)
        if leaf.op in (Op.GT, Op.GTE, Op.EQ):
            low = max(low, (v, leaf.op is Op.GT))
        if leaf.op in (Op.LT, Op.LTE, Op.EQ):
            high = min(high, (v, leaf.op is not Op.LT))
    return str(leaves[0].fact), (low, high)


def _intersect(a: Interval, b: Interval) -> Interval:
    return max(a[0], b[0]), min(a[1], b[1])


def _empty(iv: Interval) -> bool:
    (low, low_open), (high, high_closed) = iv
    return low > high or (low == high and (low_open or not high_closed))


def check_tier_ranges(tiers: Sequence[tuple[str, Condition | None]]) -> None:
    """Tier conditions (id, when) that are numeric ranges are not empty and do not overlap.

    When every tier is a range on one and the same fact, together they must also cover all its values.
    """
    seen: list[tuple[int, str, str, Interval]] = []
    for i, (tier_id, when) in enumerate(tiers):
        found = _pure_interval(when) if when is not None else None
        if found is None:
            continue
        fact, iv = found
        if _empty(iv):
            raise ValueError(f"benchmark.tiers[{i}] ({tier_id}).when: the range of {fact} is empty")
        for j, other_id, other_fact, other in seen:
            if other_fact == fact and not _empty(_intersect(iv, other)):
                raise ValueError(
                    f"benchmark.tiers[{i}] ({tier_id}).when: the range of {fact} overlaps tiers[{j}] ({other_id})"
                )
        seen.append((i, tier_id, fact, iv))
    facts = {fact for _, _, fact, _ in seen}
    if len(seen) == len(tiers) and len(facts) == 1:
        _check_coverage(facts.pop(), [iv for *_, iv in seen])


def _check_coverage(fact: str, intervals: list[Interval]) -> None:
    """Tiers that split one (non-negative) fact into ranges must leave no value without a tier."""
    reach: Bound = (0.0, False)  # covered so far: [0, reach) or [0, reach]
    for (low, low_open), high in sorted(intervals):
        if low > reach[0] or (low == reach[0] and low_open and not reach[1]):
            raise ValueError(f"benchmark.tiers: no tier covers {fact} = {reach[0]:g} (a gap between the ranges)")
        reach = max(reach, high)
    if reach[0] != float("inf"):
        raise ValueError(f"benchmark.tiers: no tier covers {fact} above {reach[0]:g}")


# ----------------------------------------------------------------------------- evaluation


def as_decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def validate_facts(facts: Mapping[str, object], defs: Mapping[str, FactDef]) -> dict[str, object]:
    """A case's facts, checked against their declarations, with the declared defaults filled in."""
    unknown = sorted(name for name in facts if name not in defs)
    if unknown:
        raise errors.UnknownFact(unknown)
    checked: dict[str, object] = {n: d.default for n, d in defs.items() if d.default is not None}
    for name, value in facts.items():
        kind = defs[name].type
        if not value_matches(kind, value):
            raise errors.InvalidFactValue(name, value, kind.value)
        if kind in (FactType.NUMBER, FactType.INTEGER):
            if isinstance(value, float) and not math.isfinite(value):
                raise errors.InvalidFactValue(name, value, "finite number")
            if as_decimal(value) < 0:
                raise errors.NegativeAmount(f"fact {name!r}", value)
        checked[name] = value
    return checked


def _compare(op: Op, actual: object, expected: object) -> bool:
    if isinstance(actual, (bool, str)):
        if op is Op.IN:
            return actual in expected  # type: ignore[operator]
        return (actual == expected) if op is Op.EQ else (actual != expected)
    a = as_decimal(actual)
    if op is Op.IN:
        return any(a == as_decimal(v) for v in expected)  # type: ignore[attr-defined]
    b = as_decimal(expected)
    return {Op.EQ: a == b, Op.NE: a != b, Op.LT: a < b, Op.LTE: a <= b, Op.GT: a > b, Op.GTE: a >= b}[op]


def evaluate(cond: Condition, facts: Mapping[str, object]) -> tuple[bool | None, frozenset[str]]:
    """Three-valued (Kleene) evaluation: (True/False, ∅) or (None, the missing facts that decide it)."""
    if cond.fact is not None:
        if cond.fact not in facts:
            return None, frozenset({cond.fact})
        assert cond.op is not None
        return _compare(cond.op, facts[cond.fact], cond.value), frozenset()
    if cond.not_ is not None:
        value, missing = evaluate(cond.not_, facts)
        return (None if value is None else not value), missing
    parts = [evaluate(c, facts) for c in (cond.all or cond.any or ())]
    decisive = cond.all is None  # any: True decides; all: False decides
    if any(value is decisive for value, _ in parts):
        return decisive, frozenset()
    missing = frozenset().union(*(m for value, m in parts if value is None))
    return (None, missing) if missing else (not decisive, frozenset())


def decide(code: str, where: str, cond: Condition, facts: Mapping[str, object]) -> bool:
    """`evaluate`, where undecided is an error naming violation `code`, what was asked and the missing facts."""
    value, missing = evaluate(cond, facts)
    if value is None:
        raise errors.MissingFacts(code, where, sorted(missing))
    return value
