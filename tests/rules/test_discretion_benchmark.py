"""The discretion benchmark function on every shipped violation and tier. The fine check: test_discretion_fines.py."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.catalogue import TierLevel, load_catalogue
from rules.discretion_benchmark import apply_benchmark
from rules.discretion_records import BenchmarkResult
from rules.errors import (
    BenchmarkNotInForce,
    InvalidFactValue,
    MissingFacts,
    NegativeAmount,
    PartyTypeNotCovered,
    UnknownFact,
    UnknownPartyType,
    UnknownViolationCode,
)
from tests.rules.discretion_facts import AD, BJ, COST, FUMES, MINOR, NEUTRAL, _facts


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
