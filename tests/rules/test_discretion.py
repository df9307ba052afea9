"""The discretion benchmark function on every shipped violation and tier, and the fine check."""

import re
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.catalogue import TierLevel, load_catalogue
from rules.discretion import (
    BenchmarkResult,
    Deviation,
    MitigationGround,
    apply_benchmark,
    check_fine,
)
from rules.errors import (
    BenchmarkNotInForce,
    FineAboveStatutoryMaximum,
    FineOutsideBenchmark,
    InvalidDeviation,
    InvalidFactValue,
    MissingFacts,
    NegativeAmount,
    NoPenaltyRequired,
    PartyTypeNotCovered,
    ReductionNotJustified,
    RuleError,
    UnknownFact,
    UnknownPartyType,
    UnknownViolationCode,
)

# No Art. 33 path and no aggravating fact: each case adds what makes its tier apply.
NEUTRAL: dict[str, object] = {
    "minor_violation": False,
    "first_offence": False,
    "refused_correction": False,
    "obstructed_enforcement": False,
    "safety_risk": False,
    "repeat_within_12_months": False,
    "complaints": 0,
}
MINOR = {"first_offence": True, "corrected_on_the_spot": True, "corrected_promptly": False}
BJ = {"affects_traffic": False, "area_m2": 3}
FUMES = {"serious_disturbance": False, "cooking_heads": 4, "corrected_within_deadline": True}
AD = {"ad_area_m2": 20, "corrected_within_deadline": False}
COST = {"construction_cost_yuan": 1_000_000}


def _generic(code: str, party: str, serious: tuple[int, int], heavier: tuple[int, int], minor: tuple[int, int],
             ordinary: tuple[int, int], extra: dict[str, object] | None = None) -> list[Any]:  # fmt: skip
    """Cases for the four-tier pattern 严重 / 较重 / 轻微 / 一般 (REFERENCE §3.3 conditions)."""
    e = extra or {}
    return [
        (code, party, {**e, "safety_risk": True}, "serious", "严重", serious),
        (code, party, {**e, "complaints": 3}, "heavier", "较重", heavier),
        (code, party, {**e, **MINOR}, "minor", "轻微", minor),
        (code, party, e, "ordinary", "一般", ordinary),
    ]


CASES: list[Any] = [
    # §3.2 违法建设, 建法〔2012〕99号 on a cost of 1,000,000 yuan
    ("illegal_construction", "organisation", {**COST, "remediable": True, "corrected_within_deadline": True},
     "remediable_corrected", "一般", (50_000, 50_000)),
    ("illegal_construction", "person", {**COST, "remediable": True, "corrected_within_deadline": False},
     "remediable_not_corrected", "严重", (100_000, 100_000)),
    ("illegal_construction", "organisation", {**COST, "remediable": False, "demolition_impossible": True},
     "non_remediable_cannot_demolish", "较重", (0, 100_000)),
    ("illegal_construction", "organisation",
     {**COST, "remediable": False, "demolition_impossible": False, "demolished_within_deadline": True},
     "non_remediable_demolished", "从轻", (0, 0)),
    ("illegal_construction", "organisation",
     {**COST, "remediable": False, "demolition_impossible": False, "demolished_within_deadline": False},
     "non_remediable_not_demolished", "严重", (100_000, 100_000)),
    ("temporary_construction_unapproved", "person", {"construction_cost_yuan": 200_000, "refused_correction": True},
     "serious", "严重", (100_000, 200_000)),
    ("temporary_construction_unapproved", "person",
     {"construction_cost_yuan": 200_000, "demolished_within_deadline": True}, "minor", "轻微", (0, 40_000)),
    ("temporary_construction_unapproved", "organisation",
     {"construction_cost_yuan": 200_000, "demolished_within_deadline": False}, "ordinary", "一般", (40_000, 100_000)),
    # §3.3 北京 Art. 35 and 嘉兴
    *[
        case
        for code in ("street_vending_bj", "piling_materials_bj")
        for case in [
            (code, "person", {**BJ, "obstructed_enforcement": True}, "serious", "严重", (3500, 5000)),
            (code, "organisation", {**BJ, "area_m2": 12}, "heavier", "较重", (2000, 3500)),
            (code, "person", {**BJ, **MINOR}, "minor", "轻微", (500, 1000)),
            (code, "person", BJ, "ordinary", "一般", (1000, 2000)),
        ]
    ],
    ("outside_shop_trading_bj", "person", {**BJ, "refused_correction": True}, "serious", "严重", (2000, 3000)),
    ("outside_shop_trading_bj", "person", {**BJ, "affects_traffic": True}, "heavier", "较重", (1200, 2000)),
    ("outside_shop_trading_bj", "organisation", {**BJ, **MINOR}, "minor", "轻微", (300, 600)),
    ("outside_shop_trading_bj", "person", BJ, "ordinary", "一般", (600, 1200)),
    ("street_vending_jiaxing", "person", {"area_m2": 4}, "area_up_to_5", "轻微", (200, 500)),
    ("street_vending_jiaxing", "organisation", {"area_m2": 7}, "area_5_to_10", "一般", (1500, 2000)),
    ("street_vending_jiaxing", "organisation", {"area_m2": 30}, "area_over_10", "较重", (2000, 3000)),
    # §3.4 大气法 Art. 118 paras 1 and 3
    ("restaurant_fumes", "organisation", {**FUMES, "serious_disturbance": True}, "serious", "严重", (40_000, 50_000)),
    ("restaurant_fumes", "organisation", {**FUMES, "cooking_heads": 6}, "heavier", "较重", (25_000, 40_000)),
    ("restaurant_fumes", "person", {**FUMES, "first_offence": True, "corrected_promptly": False, "cooking_heads": 2},
     "minor", "轻微", (5000, 10_000)),
    ("restaurant_fumes", "person", {**FUMES, "complaints": 1}, "ordinary", "一般", (10_000, 25_000)),
    ("open_air_barbecue", "person", {"repeat_within_12_months": True}, "serious", "严重", (10_000, 20_000)),
    ("open_air_barbecue", "organisation", {"provided_site": True}, "heavier", "较重", (5000, 10_000)),
    ("open_air_barbecue", "person", {"provided_site": False, **MINOR}, "minor", "轻微", (500, 2000)),
    ("open_air_barbecue", "person", {"provided_site": False}, "ordinary", "一般", (2000, 5000)),
    # §3.5 北京 Art. 38
    ("outdoor_ad_bj", "organisation", {**AD, "safety_risk": True}, "serious", "严重", (60_000, 100_000)),
    ("outdoor_ad_bj", "organisation", {**AD, "ad_area_m2": 60}, "heavier", "较重", (30_000, 60_000)),
    ("outdoor_ad_bj", "person", {**AD, "ad_area_m2": 8, "corrected_within_deadline": True, **MINOR},
     "minor", "轻微", (10_000, 20_000)),
    ("outdoor_ad_bj", "person", AD, "ordinary", "一般", (20_000, 30_000)),
    # §3.6
    *_generic("construction_dust", "organisation", (75_000, 100_000), (50_000, 75_000), (10_000, 25_000),
              (25_000, 50_000)),
    *_generic("vehicle_spillage", "person", (15_000, 20_000), (10_000, 15_000), (2000, 5000), (5000, 10_000)),
    *_generic("open_burning_straw", "person", (1600, 2000), (1200, 1600), (500, 800), (800, 1200)),
    *_generic("burning_toxic_materials", "person", (1600, 2000), (1200, 1600), (500, 800), (800, 1200)),
    *_generic("burning_toxic_materials", "organisation", (75_000, 100_000), (50_000, 75_000), (10_000, 25_000),
              (25_000, 50_000)),
    *_generic("household_waste_dumping", "person", (400, 500), (300, 400), (100, 200), (200, 300)),
    *_generic("household_waste_dumping", "organisation", (350_000, 500_000), (200_000, 350_000),
              (50_000, 100_000), (100_000, 200_000)),
    *_generic("construction_waste_dumping", "organisation", (700_000, 1_000_000), (400_000, 700_000),
              (100_000, 200_000), (200_000, 400_000)),
    *_generic("construction_noise", "organisation", (75_000, 100_000), (50_000, 75_000), (10_000, 25_000),
              (25_000, 50_000)),
    *_generic("road_occupation_excavation", "person", (10_000, 20_000), (5000, 10_000), (0, 2000), (2000, 5000)),
    ("commercial_loudspeaker", "person", {"refused_correction": True}, "refused", "严重", (50_000, 200_000)),
    ("commercial_loudspeaker", "organisation", {"complaints": 3}, "heavier", "较重", (30_000, 50_000)),
    ("commercial_loudspeaker", "person", MINOR, "minor", "轻微", (5000, 15_000)),
    ("commercial_loudspeaker", "person", {}, "ordinary", "一般", (15_000, 30_000)),
    ("public_place_noise", "person", {}, "education_first", "不予处罚", None),
    ("public_place_noise", "person", {"refused_correction": True, "repeat_within_12_months": True},
     "heavier", "较重", (500, 1000)),
    ("public_place_noise", "organisation", {"refused_correction": True}, "ordinary", "一般", (2000, 8000)),
]  # fmt: skip


def _facts(extra: Mapping[str, object]) -> dict[str, object]:
    return {**NEUTRAL, **extra}


@pytest.mark.parametrize(("code", "party", "extra", "tier_id", "level", "fine"), CASES)
def test_every_tier_of_every_violation(
    code: str, party: str, extra: dict[str, object], tier_id: str, level: str, fine: tuple[int, int] | None
) -> None:
    result = apply_benchmark(code, party, _facts(extra))
    violation = load_catalogue().get(code)
    assert (result.tier_id, result.tier) == (tier_id, TierLevel(level))
    if fine is None:
        assert (result.penalise, result.fine_min_yuan, result.fine_max_yuan) == (False, None, None)
        assert "不予行政处罚" in result.reasoning
        assert result.requires_education_record
    else:
        assert (result.fine_min_yuan, result.fine_max_yuan) == (Decimal(fine[0]), Decimal(fine[1]))
        assert result.penalise
    assert violation.legal_basis.penalty_clause.cite() in result.reasoning
    assert violation.legal_basis.illegal_clause.cite() in result.reasoning
    assert f"裁量阶次为“{level}”" in result.reasoning
    assert result.illustrative is violation.benchmark.illustrative
    assert ("示例数据" in result.reasoning) is violation.benchmark.illustrative
    assert result.no_penalty_option is None


def test_the_cases_cover_every_shipped_tier() -> None:
    shipped = {(v.code, t.id) for v in load_catalogue().violations for t in v.benchmark.tiers}
    assert {(c[0], c[3]) for c in CASES} == shipped


# ------------------------------------------------------------------- 嘉兴 area tiers at their boundaries


@pytest.mark.parametrize(
    ("area", "party", "tier_id", "fine"),
    [
        (0, "person", "area_up_to_5", (200, 500)),
        (5, "person", "area_up_to_5", (200, 500)),
        (5.01, "person", "area_5_to_10", (500, 600)),
        (10, "person", "area_5_to_10", (500, 600)),
        (10.01, "person", "area_over_10", (600, 1000)),
        (5, "organisation", "area_up_to_5", (500, 1500)),
        (Decimal("5.000001"), "organisation", "area_5_to_10", (1500, 2000)),
        (10, "organisation", "area_5_to_10", (1500, 2000)),
        (11, "organisation", "area_over_10", (2000, 3000)),
    ],
)
def test_jiaxing_area_boundaries(area: object, party: str, tier_id: str, fine: tuple[int, int]) -> None:
    result = apply_benchmark("street_vending_jiaxing", party, _facts({"area_m2": area}))
    assert result.tier_id == tier_id
    assert (result.fine_min_yuan, result.fine_max_yuan) == (Decimal(fine[0]), Decimal(fine[1]))
    assert "《嘉兴市城市管理行政处罚自由裁量适用标准》" in result.reasoning


# ------------------------------------------------------------------- 违法建设 percent of cost


def test_percent_of_cost_rounds_half_up_to_the_fen_and_keeps_the_percent() -> None:
    facts = _facts({"remediable": True, "corrected_within_deadline": True, "construction_cost_yuan": 123_456.78})
    result = apply_benchmark("illegal_construction", "person", facts)
    assert result.fine_min_yuan == result.fine_max_yuan == Decimal("6172.84")  # 6,172.839
    assert (result.fine_min_percent, result.fine_max_percent) == (Decimal(5), Decimal(5))
    assert (result.statutory_min_yuan, result.statutory_max_yuan) == (Decimal("6172.84"), Decimal("12345.68"))
    assert result.cost_base_yuan == Decimal("123456.78")
    assert "建设工程造价123456.78元的5%" in result.reasoning
    assert "建法〔2012〕99号" in result.reasoning
    assert result.deviation_approvals == ("issuing_body",)


@given(cost=st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False, allow_infinity=False))
def test_percent_of_cost_property(cost: Decimal) -> None:
    facts = _facts({"remediable": True, "corrected_within_deadline": False, "construction_cost_yuan": cost})
    result = apply_benchmark("illegal_construction", "organisation", facts)
    ten = (cost / 10).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert result.fine_min_yuan == result.fine_max_yuan == result.statutory_max_yuan == ten
    assert result.statutory_min_yuan == (cost / 20).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_percent_of_cost_needs_the_cost() -> None:
    with pytest.raises(MissingFacts, match="construction_cost_yuan") as caught:
        apply_benchmark("illegal_construction", "person", _facts({"remediable": False, "demolition_impossible": True}))
    assert caught.value.facts == ["construction_cost_yuan"]


# ------------------------------------------------------------------- 处罚法 Art. 33 (REFERENCE §3.7)


def test_minor_promptly_corrected_no_harm_is_no_penalty_whatever_the_tier_facts() -> None:
    facts = {"minor_violation": True, "corrected_promptly": True, "harmful_result": False}
    result = apply_benchmark("restaurant_fumes", "organisation", facts)
    assert (result.tier, result.penalise, result.fine_max_yuan) == (TierLevel.NO_PENALTY, False, None)
    assert result.requires_education_record and result.no_penalty_option is None
    assert "《中华人民共和国行政处罚法》第三十三条第一款" in result.reasoning
    assert "第三十三条第三款" in result.reasoning and "不予行政处罚" in result.reasoning
    assert not result.illustrative  # the statute decides, not the illustrative table


def test_no_fault_proven_is_no_penalty() -> None:
    facts = {**NEUTRAL, "no_fault_proven": True}
    result = apply_benchmark("vehicle_spillage", "person", facts)
    assert (result.tier_id, result.tier) == ("art33_no_fault", TierLevel.NO_PENALTY)
    assert "第三十三条第二款" in result.reasoning


def test_first_violation_is_a_discretionary_option_beside_the_tier() -> None:
    facts = _facts({**BJ, **MINOR, "corrected_promptly": True, "harmful_result": True, "harm_minor": True})
    result = apply_benchmark("street_vending_bj", "person", facts)
    assert result.tier_id == "minor" and result.penalise
    option = result.no_penalty_option
    assert option is not None and option.rule_id == "art33_first_offence"
    assert option.requires_education_record and option.requires_approval
    assert result.requires_education_record
    assert "可以不予行政处罚" in result.reasoning and "第三十三条第三款" in result.reasoning


def test_mandatory_no_penalty_wins_over_the_discretionary_one() -> None:
    facts = {"minor_violation": True, "corrected_promptly": True, "harmful_result": False, "first_offence": True}
    result = apply_benchmark("street_vending_bj", "person", facts)
    assert result.tier_id == "art33_minor_corrected"


# ------------------------------------------------------------------- missing facts are never guessed


def test_missing_facts_are_named() -> None:
    with pytest.raises(MissingFacts) as caught:
        apply_benchmark("street_vending_jiaxing", "person", {})
    assert "minor_violation" in caught.value.facts
    with pytest.raises(MissingFacts) as caught:
        apply_benchmark("street_vending_jiaxing", "person", {"minor_violation": False, "first_offence": False})
    assert caught.value.facts == ["area_m2"]


def test_an_undecided_tier_stops_evaluation_even_if_a_later_tier_holds() -> None:
    facts = {"minor_violation": False, "first_offence": False, "refused_correction": False,
             "obstructed_enforcement": False, "repeat_within_12_months": True}  # fmt: skip
    with pytest.raises(MissingFacts, match="safety_risk") as caught:
        apply_benchmark("street_vending_bj", "person", facts)
    assert caught.value.facts == ["safety_risk"]


def test_a_decided_tier_does_not_need_irrelevant_facts() -> None:
    facts = {"minor_violation": False, "first_offence": False, "refused_correction": True}
    assert apply_benchmark("street_vending_bj", "person", facts).tier_id == "serious"


def test_conditional_measures() -> None:
    refused = apply_benchmark("restaurant_fumes", "person", _facts({**FUMES, "refused_correction": True}))
    assert "责令停业整治" in refused.measures and refused.tier_id == "serious"
    assert "责令停业整治" in refused.reasoning
    plain = apply_benchmark("restaurant_fumes", "person", _facts(FUMES))
    assert plain.measures == ("责令改正",)


# ------------------------------------------------------------------- bad input


def test_bad_input() -> None:
    with pytest.raises(UnknownViolationCode):
        apply_benchmark("nope", "person", NEUTRAL)
    with pytest.raises(PartyTypeNotCovered, match="construction_dust"):
        apply_benchmark("construction_dust", "person", NEUTRAL)
    with pytest.raises(UnknownPartyType):
        apply_benchmark("vehicle_spillage", "robot", NEUTRAL)
    with pytest.raises(UnknownFact, match="frist_offence"):
        apply_benchmark("vehicle_spillage", "person", {**NEUTRAL, "frist_offence": True})
    with pytest.raises(InvalidFactValue, match="area_m2"):
        apply_benchmark("street_vending_jiaxing", "person", _facts({"area_m2": "5"}))
    with pytest.raises(InvalidFactValue, match="first_offence"):
        apply_benchmark("street_vending_jiaxing", "person", _facts({"first_offence": 1, "area_m2": 5}))
    with pytest.raises(InvalidFactValue, match="area_m2"):
        apply_benchmark("street_vending_jiaxing", "person", _facts({"area_m2": True}))
    with pytest.raises(InvalidFactValue, match="area_m2"):
        apply_benchmark("street_vending_jiaxing", "person", _facts({"area_m2": float("nan")}))
    with pytest.raises(NegativeAmount, match="area_m2"):
        apply_benchmark("street_vending_jiaxing", "person", _facts({"area_m2": -1}))
    with pytest.raises(NegativeAmount, match="construction_cost_yuan"):
        apply_benchmark("illegal_construction", "person", _facts({"construction_cost_yuan": -5}))


def test_benchmark_in_force_dates() -> None:
    facts = _facts({**COST, "remediable": True, "corrected_within_deadline": True})
    with pytest.raises(BenchmarkNotInForce, match="2012-08-31"):
        apply_benchmark("illegal_construction", "person", facts, on=date(2012, 8, 31))
    assert apply_benchmark("illegal_construction", "person", facts, on=date(2012, 9, 1)).tier_id


def test_result_is_frozen_and_serialisable() -> None:
    result = apply_benchmark("street_vending_jiaxing", "person", _facts({"area_m2": 3}))
    assert BenchmarkResult.model_validate(result.model_dump(mode="json")) == result
    with pytest.raises(ValueError, match="frozen"):
        result.tier_id = "x"  # type: ignore[misc]


# ------------------------------------------------------------------- check_fine

JX = _facts({"area_m2": 5})  # person tier 200–500, statutory 200–1,000
HEAD = Deviation(approval="principal_head", record_ref="JX-2026-017", reason="违法情节与阶次明显不相称")


def test_inside_the_tier_passes() -> None:
    for amount in (200, "500", Decimal("350.50")):
        check = check_fine("street_vending_jiaxing", "person", JX, amount)
        assert (check.outcome, check.within_tier, check.deviation) == ("within_tier", True, None)


def test_outside_the_tier_needs_a_recorded_deviation() -> None:
    with pytest.raises(FineOutsideBenchmark, match=re.escape("200.00–500.00")) as caught:
        check_fine("street_vending_jiaxing", "person", JX, 800)
    assert "27号 item 12" in str(caught.value)
    check = check_fine("street_vending_jiaxing", "person", JX, 800, HEAD)
    assert (check.outcome, check.within_tier, check.within_statutory_range) == ("deviation", False, True)
    assert check.deviation == HEAD
    assert "JX-2026-017" in check.reasoning and "本机关主要负责人批准" in check.reasoning
    assert "国办发〔2022〕27号第（十二）项" in check.reasoning


def test_deviation_approval_must_fit_the_benchmark() -> None:
    body = Deviation(approval="issuing_body", record_ref="R-1", reason="显失公平")
    with pytest.raises(InvalidDeviation, match="principal_head or collective_discussion"):
        check_fine("street_vending_jiaxing", "person", JX, 800, body)
    facts = _facts({**COST, "remediable": True, "corrected_within_deadline": True})  # 建法〔2012〕99号: 5 %
    with pytest.raises(InvalidDeviation, match="issuing_body"):
        check_fine("illegal_construction", "person", facts, 60_000, HEAD)
    assert check_fine("illegal_construction", "person", facts, 60_000, body).outcome == "deviation"
    with pytest.raises(ValueError, match="record_ref"):
        Deviation(approval="principal_head", record_ref="", reason="x")


def test_above_the_statutory_maximum_is_never_allowed() -> None:
    for deviation in (None, HEAD):
        with pytest.raises(FineAboveStatutoryMaximum, match=re.escape("1000.00")):
            check_fine("street_vending_jiaxing", "person", JX, "1000.01", deviation)
    facts = _facts({**COST, "remediable": True, "corrected_within_deadline": True})
    with pytest.raises(FineAboveStatutoryMaximum):
        check_fine("illegal_construction", "person", facts, "100000.01")
    refused = _facts({"refused_correction": True})
    with pytest.raises(FineAboveStatutoryMaximum):
        check_fine("commercial_loudspeaker", "person", refused, 200_001, HEAD)


def test_below_the_statutory_minimum_is_a_reduction_that_needs_its_ground() -> None:
    with pytest.raises(ReductionNotJustified, match="减轻处罚"):
        check_fine("street_vending_jiaxing", "person", JX, 150)
    with pytest.raises(ReductionNotJustified, match=re.escape("Arts. 30–32")):
        check_fine("street_vending_jiaxing", "person", JX, 150, HEAD)
    grounded = HEAD.model_copy(update={"mitigation_ground": MitigationGround.ELIMINATED_HARM})
    check = check_fine("street_vending_jiaxing", "person", JX, 150, grounded)
    assert (check.outcome, check.within_statutory_range) == ("reduced", False)
    assert "《中华人民共和国行政处罚法》第三十二条第（一）项减轻处罚" in check.reasoning
    refused = _facts({"refused_correction": True})  # 噪声法 Art. 81: refusal bracket starts at 50,000
    with pytest.raises(ReductionNotJustified, match=re.escape("50000.00")):
        check_fine("commercial_loudspeaker", "person", refused, 40_000, HEAD)


def test_no_fine_at_all() -> None:
    with pytest.raises(ReductionNotJustified, match="不予处罚"):
        check_fine("street_vending_jiaxing", "person", JX, 0, HEAD)  # 处 … 罚款: a fine is required
    ordinary_bj = _facts(BJ)  # 北京 Art. 35: 可处 — no fine is lawful but outside the 1,000–2,000 tier
    with pytest.raises(FineOutsideBenchmark):
        check_fine("street_vending_bj", "person", ordinary_bj, 0)
    check = check_fine("street_vending_bj", "person", ordinary_bj, 0, HEAD)
    assert (check.outcome, check.within_statutory_range) == ("deviation", True)
    demolished = _facts(
        {**COST, "remediable": False, "demolition_impossible": False, "demolished_within_deadline": True}
    )
    assert check_fine("illegal_construction", "person", demolished, 0).outcome == "within_tier"


def test_no_penalty_paths() -> None:
    art33 = {"minor_violation": True, "corrected_promptly": True, "harmful_result": False}
    check = check_fine("vehicle_spillage", "person", art33, 0)
    assert (check.outcome, check.requires_education_record) == ("no_penalty", True)
    with pytest.raises(NoPenaltyRequired):
        check_fine("vehicle_spillage", "person", art33, 100, HEAD)
    first = _facts({**MINOR, "corrected_promptly": True, "harmful_result": False})
    check = check_fine("vehicle_spillage", "person", first, 0)
    assert (check.outcome, check.requires_education_record) == ("no_penalty_discretionary", True)
    assert "教育记录" in check.reasoning
    assert check_fine("vehicle_spillage", "person", first, 3000).outcome == "within_tier"


@pytest.mark.parametrize("amount", [-1, "-0.01", True, "abc", "100.001", float("inf"), None])
def test_bad_amounts(amount: Any) -> None:
    with pytest.raises(RuleError):
        check_fine("street_vending_jiaxing", "person", JX, amount)
    if amount in (-1, "-0.01"):
        with pytest.raises(NegativeAmount):
            check_fine("street_vending_jiaxing", "person", JX, amount)


@given(
    area=st.decimals(min_value=0, max_value=100, places=2),
    amount=st.decimals(min_value=0, max_value=5000, places=2),
)
def test_check_fine_property(area: Decimal, amount: Decimal) -> None:
    facts = _facts({"area_m2": area})
    result = apply_benchmark("street_vending_jiaxing", "organisation", facts)
    assert result.fine_min_yuan is not None and result.fine_max_yuan is not None
    if amount > 3000:
        with pytest.raises(FineAboveStatutoryMaximum):
            check_fine("street_vending_jiaxing", "organisation", facts, amount, HEAD)
    elif result.fine_min_yuan <= amount <= result.fine_max_yuan:
        assert check_fine("street_vending_jiaxing", "organisation", facts, amount).within_tier
    else:
        with pytest.raises((FineOutsideBenchmark, ReductionNotJustified)):
            check_fine("street_vending_jiaxing", "organisation", facts, amount)
