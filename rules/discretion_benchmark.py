"""Apply a discretion benchmark (行政处罚裁量基准) to a case's facts: the tier, the fine range, the measures
and the reasoning text the decision must state.

Pure: the catalogue is loaded and validated when this module is imported (a malformed catalogue
fails start-up); the functions below do no I/O, read no clock and may run inside workflow code.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from rules import errors
from rules.catalogue import (
    Bracket,
    Catalogue,
    ConditionalMeasure,
    FineUnit,
    NoPenaltyRule,
    PartyType,
    Tier,
    TierLevel,
    Violation,
    load_catalogue,
    parse_party_type,
)
from rules.conditions import as_decimal, decide, validate_facts
from rules.discretion_records import BenchmarkResult, NoPenaltyOption

CATALOGUE = load_catalogue()
FEN = Decimal("0.01")


def format_yuan(value: Decimal) -> str:
    """An amount of yuan as the reasoning text states it: whole yuan without decimals, else two."""
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
        base = f"建设工程造价{format_yuan(cost or Decimal(0))}元的"
        if lo_pct == hi_pct:
            return f"按{base}{format_yuan(lo_pct)}%处以罚款，即{format_yuan(lo)}元"
        return (
            f"在{base}{format_yuan(lo_pct)}%至{format_yuan(hi_pct)}%"
            f"即{format_yuan(lo)}元至{format_yuan(hi)}元范围内处以罚款"
        )
    return f"处以罚款{format_yuan(lo)}元" if lo == hi else f"在{format_yuan(lo)}元至{format_yuan(hi)}元范围内处以罚款"


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
