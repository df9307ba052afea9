"""Apply a discretion benchmark (行政处罚裁量基准) to a case's facts, and check a proposed fine.

Pure: the catalogue is loaded and validated when this module is imported (a malformed catalogue
fails start-up); the functions below do no I/O, read no clock and may run inside workflow code.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rules import errors
from rules.catalogue import (
    ApprovalKind,
    Bracket,
    Catalogue,
    ConditionalMeasure,
    Confidence,
    FineUnit,
    LegalClause,
    NoPenaltyRule,
    PartyType,
    Tier,
    TierLevel,
    Violation,
    load_catalogue,
    parse_party_type,
)
from rules.conditions import as_decimal, decide, validate_facts
from rules.conditions import evaluate as evaluate

CATALOGUE = load_catalogue()
FEN = Decimal("0.01")
_PENALTY_LAW = "中华人民共和国行政处罚法"


class MitigationGround(StrEnum):
    """Grounds for a lighter or reduced penalty; the value is the article of 处罚法 that gives it."""

    MINOR_14_TO_18 = "第三十条"  # 已满十四周岁不满十八周岁的未成年人
    LIMITED_CAPACITY = "第三十一条"  # 尚未完全丧失辨认或者控制能力的精神病人、智力残疾人
    ELIMINATED_HARM = "第三十二条第（一）项"  # 主动消除或者减轻违法行为危害后果
    COERCED_OR_INDUCED = "第三十二条第（二）项"  # 受他人胁迫或者诱骗
    CONFESSED_UNKNOWN = "第三十二条第（三）项"  # 主动供述行政机关尚未掌握的违法行为
    MERITORIOUS_SERVICE = "第三十二条第（四）项"  # 配合查处有立功表现
    OTHER_LAW = "第三十二条第（五）项"  # 法律、法规、规章规定的其他情形


APPROVAL_ZH = {
    ApprovalKind.PRINCIPAL_HEAD: "本机关主要负责人批准",
    ApprovalKind.COLLECTIVE_DISCUSSION: "本机关负责人集体讨论通过",
    ApprovalKind.ISSUING_BODY: "基准制定机关批准",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Deviation(_Frozen):
    """The record that lets a fine leave the tier's range (国办发〔2022〕27号 item 12)."""

    approval: ApprovalKind
    record_ref: str = Field(min_length=1, description="批准材料或集体讨论记录的编号，归入执法案卷")
    reason: str = Field(min_length=1, description="明显不当、显失公平或客观情况变化的具体理由")
    mitigation_ground: MitigationGround | None = None


class NoPenaltyOption(_Frozen):
    """A discretionary 不予处罚 path (首违不罚) that the agency may take instead of the tier."""

    rule_id: str
    conditions_text: str
    basis: LegalClause
    requires_education_record: bool = True
    requires_approval: bool = True  # REFERENCE §3.7 (I): record the reasons and approve


class BenchmarkResult(_Frozen):
    catalogue_version: str
    violation_code: str
    violation_name: str
    party_type: PartyType
    tier_id: str
    tier: TierLevel
    conditions_text: str
    penalise: bool
    fine_unit: FineUnit | None
    fine_min_yuan: Decimal | None
    fine_max_yuan: Decimal | None
    fine_min_percent: Decimal | None = None
    fine_max_percent: Decimal | None = None
    cost_base_yuan: Decimal | None = None
    statutory_bracket: str | None
    statutory_min_yuan: Decimal | None
    statutory_max_yuan: Decimal | None
    statutory_clause: LegalClause | None
    fine_optional: bool
    measures: tuple[str, ...]
    legal_basis: tuple[LegalClause, ...]
    benchmark_title: str | None
    benchmark_doc_no: str | None
    benchmark_confidence: Confidence
    illustrative: bool
    requires_collective_decision: bool
    requires_education_record: bool
    deviation_approvals: tuple[ApprovalKind, ...]
    no_penalty_option: NoPenaltyOption | None
    reasoning: str


class FineCheck(_Frozen):
    amount_yuan: Decimal
    outcome: Literal["within_tier", "deviation", "reduced", "no_penalty", "no_penalty_discretionary"]
    within_tier: bool
    within_statutory_range: bool
    deviation: Deviation | None
    requires_education_record: bool
    requires_collective_decision: bool
    benchmark: BenchmarkResult
    reasoning: str


# ----------------------------------------------------------------------------- the benchmark


def _yuan(value: Decimal) -> str:
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value:.2f}"


def _check_in_force(violation: Violation, on: date | None) -> None:
    bm = violation.benchmark
    if on is None:
        return
    if (bm.effective_from and on < bm.effective_from) or (bm.effective_to and on > bm.effective_to):
        window = f"{bm.effective_from or '…'} to {bm.effective_to or '…'}"
        raise errors.BenchmarkNotInForce(violation.code, on.isoformat(), window)


def _resolve(
    violation_code: str, party_type: str, facts: Mapping[str, object], on: date | None, catalogue: Catalogue | None
) -> tuple[Catalogue, Violation, PartyType, dict[str, object]]:
    cat = catalogue if catalogue is not None else CATALOGUE
    violation = cat.get(violation_code)
    party = parse_party_type(party_type)
    if party not in violation.party_types:
        raise errors.PartyTypeNotCovered(violation.code, party.value, [p.value for p in violation.party_types])
    _check_in_force(violation, on)
    return cat, violation, party, validate_facts(facts, cat.facts)


def _measures(violation: Violation, tier: Tier, facts: Mapping[str, object]) -> tuple[str, ...]:
    out: list[str] = []
    for item in (*violation.measures, *tier.measures):
        if isinstance(item, ConditionalMeasure):
            if not decide(violation.code, f"measure {item.measure}", item.when, facts):
                continue
            item = item.measure
        if item not in out:
            out.append(item)
    return tuple(out)


def _to_yuan(violation: Violation, bracket: Bracket, value: Decimal, facts: Mapping[str, object]) -> Decimal:
    if bracket.unit is FineUnit.YUAN:
        return value.quantize(FEN)
    cost_fact = str(bracket.cost_fact)
    if cost_fact not in facts:
        raise errors.MissingFacts(violation.code, "the fine base (罚款基数)", [cost_fact])
    return (as_decimal(facts[cost_fact]) * value / 100).quantize(FEN, rounding=ROUND_HALF_UP)


def _fine_text(
    bracket: Bracket, lo: Decimal, hi: Decimal, lo_pct: Decimal | None, hi_pct: Decimal | None, cost: Decimal | None
) -> str:
    if hi == 0:
        return "不予罚款"
    if bracket.unit is FineUnit.PERCENT_OF_COST and lo_pct is not None and hi_pct is not None:
        base = f"建设工程造价{_yuan(cost or Decimal(0))}元的"
        if lo_pct == hi_pct:
            return f"按{base}{_yuan(lo_pct)}%处以罚款，即{_yuan(lo)}元"
        return f"在{base}{_yuan(lo_pct)}%至{_yuan(hi_pct)}%即{_yuan(lo)}元至{_yuan(hi)}元范围内处以罚款"
    return f"处以罚款{_yuan(lo)}元" if lo == hi else f"在{_yuan(lo)}元至{_yuan(hi)}元范围内处以罚款"


def _tier_result(
    cat: Catalogue,
    violation: Violation,
    party: PartyType,
    tier: Tier,
    facts: Mapping[str, object],
    option: NoPenaltyOption | None,
    general: NoPenaltyRule | None = None,
) -> BenchmarkResult:
    """The result for `tier`; with `general`, the result of a mandatory Art. 33 rule instead."""
    bracket, bm, basis = violation.bracket(tier), violation.benchmark, violation.legal_basis
    penalise = tier.level is not TierLevel.NO_PENALTY
    rng = tier.fine.get(party) if tier.fine is not None else None
    lo = hi = lo_pct = hi_pct = cost = smin = smax = None
    if penalise:
        legal = bracket.ranges[party]
        smin, smax = (_to_yuan(violation, bracket, x, facts) for x in (legal.min, legal.max))
        if bracket.unit is FineUnit.PERCENT_OF_COST:
            cost = as_decimal(facts[str(bracket.cost_fact)])
            if rng is not None:
                lo_pct, hi_pct = rng.min, rng.max
        if rng is not None:
            lo, hi = (_to_yuan(violation, bracket, x, facts) for x in (rng.min, rng.max))
    measures = ("教育",) if general is not None else _measures(violation, tier, facts)
    clauses = [basis.illegal_clause, basis.penalty_clause]
    if bracket.clause not in clauses:
        clauses.append(bracket.clause)
    if general is not None:
        clauses.append(general.basis)
    bm_ref = f"《{bm.title}》" + (f"（{bm.doc_no}）" if bm.doc_no else "")
    if not penalise:
        decision = "不予行政处罚"
    elif lo is None or hi is None:
        decision = "不予罚款"
    else:
        decision = "应" + _fine_text(bracket, lo, hi, lo_pct, hi_pct, cost)
    text = (
        f"当事人的行为违反了{basis.illegal_clause.cite()}的规定。依据{basis.penalty_clause.cite()}"
        f"（{bracket.applies_when}），参照{bm_ref}，当事人存在“{tier.conditions_text}”的情形，"
        f"裁量阶次为“{tier.level}”，{decision}" + (f"，并{'、'.join(measures)}" if measures else "") + "。"
    )
    if general is not None:
        text = (
            f"当事人的行为违反了{basis.illegal_clause.cite()}的规定。鉴于当事人{general.conditions_text}，"
            f"依据{general.basis.cite()}，不予行政处罚。"
        )
    if not penalise:
        text += f"依据{cat.education_clause.cite()}，应当对当事人进行教育。"
    if option is not None:
        text += (
            f"另，当事人{option.conditions_text}，依据{option.basis.cite()}，可以不予行政处罚（首违不罚，"
            f"属于裁量事项，应当记录理由并经审批）；决定不予处罚的，依据{cat.education_clause.cite()}应当对当事人进行教育。"
        )
    if bm.illustrative and general is None:
        text += "（注：本裁量基准为示例数据，并非正式发布的裁量基准，作出决定前应替换为本机关公布的裁量基准。）"
    return BenchmarkResult(
        catalogue_version=cat.version,
        violation_code=violation.code,
        violation_name=violation.name,
        party_type=party,
        tier_id=tier.id,
        tier=tier.level,
        conditions_text=tier.conditions_text,
        penalise=penalise,
        fine_unit=bracket.unit if penalise else None,
        fine_min_yuan=lo,
        fine_max_yuan=hi,
        fine_min_percent=lo_pct,
        fine_max_percent=hi_pct,
        cost_base_yuan=cost,
        statutory_bracket=tier.bracket if penalise else None,
        statutory_min_yuan=smin,
        statutory_max_yuan=smax,
        statutory_clause=bracket.clause if penalise else None,
        fine_optional=bracket.fine_optional,
        measures=measures,
        legal_basis=tuple(clauses),
        benchmark_title=bm.title if general is None else None,
        benchmark_doc_no=bm.doc_no if general is None else None,
        benchmark_confidence=bm.confidence if general is None else general.basis.confidence,
        illustrative=bm.illustrative and general is None,
        requires_collective_decision=tier.requires_collective_decision,
        requires_education_record=not penalise or option is not None,
        deviation_approvals=bm.deviation_approvals,
        no_penalty_option=option,
        reasoning=text,
    )


def apply_benchmark(
    violation_code: str,
    party_type: str,
    facts: Mapping[str, object],
    *,
    on: date | None = None,
    catalogue: Catalogue | None = None,
) -> BenchmarkResult:
    """The tier, fine range, measures and the reasoning the decision must state (国办发〔2022〕27号 item 12).

    `on` (optional) is the decision date: the benchmark must be in force then. 处罚法 Art. 33's
    no-penalty rules are tried first; then the violation's tiers in order, the first that holds.
    """
    cat, violation, party, checked = _resolve(violation_code, party_type, facts, on, catalogue)
    rules = sorted(cat.no_penalty_rules, key=lambda r: not r.mandatory)
    option: NoPenaltyOption | None = None
    for rule in rules:
        if not decide(violation.code, f"no-penalty rule {rule.id}", rule.when, checked):
            continue
        if rule.mandatory:
            general = Tier(id=rule.id, level=TierLevel.NO_PENALTY, conditions_text=rule.conditions_text)
            return _tier_result(cat, violation, party, general, checked, None, rule)
        option = option or NoPenaltyOption(rule_id=rule.id, conditions_text=rule.conditions_text, basis=rule.basis)
    for tier in violation.benchmark.tiers:
        if tier.when is None or decide(violation.code, f"tier {tier.id} ({tier.level})", tier.when, checked):
            return _tier_result(cat, violation, party, tier, checked, option)
    raise errors.NoTierApplies(violation.code)


# ----------------------------------------------------------------------------- checking a fine


def _amount(value: object) -> Decimal:
    amount: Decimal | None = None
    if not isinstance(value, bool) and isinstance(value, (int, float, Decimal, str)):
        with contextlib.suppress(InvalidOperation):
            amount = as_decimal(value)
    if amount is None or not amount.is_finite() or amount != amount.quantize(FEN):
        raise errors.RuleError(f"a fine amount must be a finite number of yuan, at most 2 decimals: {value!r}")
    if amount < 0:
        raise errors.NegativeAmount("the fine amount", value)
    return amount.quantize(FEN)


def check_fine(
    violation_code: str,
    party_type: str,
    facts: Mapping[str, object],
    amount_yuan: Decimal | int | float | str,
    deviation: Deviation | None = None,
    *,
    on: date | None = None,
    catalogue: Catalogue | None = None,
) -> FineCheck:
    """Whether `amount_yuan` may be imposed; raises a `FineNotAllowed` subclass when it may not.

    Inside the tier's range: allowed. Outside it but inside the statutory range: only with a
    `Deviation` (国办发〔2022〕27号 item 12). Below the statutory minimum: 减轻处罚, only with a deviation
    naming its ground (处罚法 Arts. 30–32). Above the statutory maximum: never.
    """
    amount = _amount(amount_yuan)
    res = apply_benchmark(violation_code, party_type, facts, on=on, catalogue=catalogue)
    where = f"{res.violation_code} / tier {res.tier_id} ({res.tier})"

    def done(outcome: str, within_tier: bool, within_law: bool, note: str = "") -> FineCheck:
        return FineCheck.model_validate(
            {
                "amount_yuan": amount,
                "outcome": outcome,
                "within_tier": within_tier,
                "within_statutory_range": within_law,
                "deviation": deviation if outcome in ("deviation", "reduced") else None,
                "requires_education_record": outcome.startswith("no_penalty"),
                "requires_collective_decision": res.requires_collective_decision,
                "benchmark": res,
                "reasoning": res.reasoning + note,
            }
        )

    if not res.penalise:
        if amount > 0:
            raise errors.NoPenaltyRequired(
                f"{where}: the law requires no penalty here, so no fine ({amount} yuan) is allowed"
            )
        return done("no_penalty", True, True)
    if amount == 0 and res.no_penalty_option is not None:
        note = "经审批决定不予行政处罚（首违不罚），应当记录理由并制作教育记录。"
        return done("no_penalty_discretionary", False, True, note)
    assert res.statutory_min_yuan is not None and res.statutory_max_yuan is not None
    smin, smax = res.statutory_min_yuan, res.statutory_max_yuan
    lo, hi = res.fine_min_yuan or Decimal(0), res.fine_max_yuan or Decimal(0)
    if amount > smax:
        raise errors.FineAboveStatutoryMaximum(
            f"{where}: {amount} yuan is above the statutory maximum {smax} yuan "
            f"({res.statutory_clause.cite() if res.statutory_clause else ''}); no deviation can allow it"
        )
    if lo <= amount <= hi:
        return done("within_tier", True, True)
    within_law = amount >= smin or (amount == 0 and res.fine_optional)
    if not within_law and amount == 0:
        raise errors.ReductionNotJustified(
            f"{where}: the law requires a fine; no fine at all is not a reduction but 不予处罚, which needs "
            "an Art. 33 ground"
        )
    allowed = " or ".join(a.value for a in res.deviation_approvals)
    if deviation is None:
        error = errors.FineOutsideBenchmark if within_law else errors.ReductionNotJustified
        raise error(
            f"{where}: {amount} yuan is outside the tier's range {lo}–{hi} yuan"
            + ("" if within_law else f" and below the statutory minimum {smin} yuan (减轻处罚)")
            + f"; record a deviation approved by {allowed}, with the record reference and reason"
            " (国办发〔2022〕27号 item 12)" + ("" if within_law else " and the ground under 处罚法 Arts. 30–32")
        )
    if deviation.approval not in res.deviation_approvals:
        raise errors.InvalidDeviation(f"{where}: deviations from this benchmark must be approved by {allowed}")
    if not within_law and deviation.mitigation_ground is None:
        raise errors.ReductionNotJustified(
            f"{where}: {amount} yuan is below the statutory minimum {smin} yuan; a reduction (减轻处罚) must "
            "record its ground under 处罚法 Arts. 30–32"
        )
    note = (
        f"罚款{_yuan(amount)}元超出裁量基准“{res.tier}”阶次{_yuan(lo)}元至{_yuan(hi)}元的范围，因{deviation.reason}，"
        f"经{APPROVAL_ZH[deviation.approval]}（记录：{deviation.record_ref}）调整适用裁量基准"
        "（国办发〔2022〕27号第（十二）项）。"
    )
    if not within_law and deviation.mitigation_ground is not None:
        article = deviation.mitigation_ground.value
        note += f"该数额低于法定最低罚款{_yuan(smin)}元，依据《{_PENALTY_LAW}》{article}减轻处罚。"
        return done("reduced", False, False, note)
    return done("deviation", False, True, note)
