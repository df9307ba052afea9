"""The violation catalogue: shipped data is complete and cited; malformed data fails at load time."""

import copy
from decimal import Decimal
from typing import Any

import pytest

from rules.catalogue import (
    Catalogue,
    Confidence,
    FineUnit,
    PartyType,
    TierLevel,
    load_catalogue,
    parse_catalogue,
    parse_party_type,
)
from rules.data_files import load_yaml
from rules.errors import RuleDataError, UnknownPartyType, UnknownViolationCode

# REFERENCE §3.2–§3.6: the entries the issue requires, with their statutory ranges (yuan, or % of cost).
REQUIRED = {
    "illegal_construction": {"person": (0, 10), "organisation": (0, 10)},
    "temporary_construction_unapproved": {"person": (0, 100), "organisation": (0, 100)},
    "street_vending_bj": {"person": (500, 5000), "organisation": (500, 5000)},
    "piling_materials_bj": {"person": (500, 5000), "organisation": (500, 5000)},
    "outside_shop_trading_bj": {"person": (300, 3000), "organisation": (300, 3000)},
    "street_vending_jiaxing": {"person": (200, 1000), "organisation": (500, 3000)},
    "restaurant_fumes": {"person": (5000, 50000), "organisation": (5000, 50000)},
    "open_air_barbecue": {"person": (500, 20000), "organisation": (500, 20000)},
    "outdoor_ad_bj": {"person": (10000, 100000), "organisation": (10000, 100000)},
    "construction_dust": {"organisation": (10000, 100000)},
    "vehicle_spillage": {"person": (2000, 20000), "organisation": (2000, 20000)},
    "open_burning_straw": {"person": (500, 2000), "organisation": (500, 2000)},
    "burning_toxic_materials": {"person": (500, 2000), "organisation": (10000, 100000)},
    "household_waste_dumping": {"person": (100, 500), "organisation": (50000, 500000)},
    "construction_waste_dumping": {"organisation": (100000, 1000000)},
    "commercial_loudspeaker": {"person": (5000, 50000), "organisation": (5000, 50000)},
    "public_place_noise": {"person": (200, 1000), "organisation": (2000, 20000)},
    "construction_noise": {"organisation": (10000, 100000)},
    "road_occupation_excavation": {"person": (0, 20000), "organisation": (0, 20000)},
}


def test_shipped_catalogue_has_every_required_entry_with_its_statutory_range() -> None:
    catalogue = load_catalogue()
    assert catalogue.version
    assert set(REQUIRED) <= set(catalogue.codes)
    for code, ranges in REQUIRED.items():
        base = catalogue.get(code).statutory["base"]
        got = {p.value: (int(r.min), int(r.max)) for p, r in base.ranges.items()}
        assert got == ranges, code


def test_statutory_details_from_the_law() -> None:
    catalogue = load_catalogue()
    construction = catalogue.get("illegal_construction")
    assert construction.statutory["base"].unit is FineUnit.PERCENT_OF_COST
    assert construction.statutory["base"].cost_fact == "construction_cost_yuan"
    remediable = construction.statutory["remediable"].ranges[PartyType.PERSON]
    assert (remediable.min, remediable.max) == (Decimal(5), Decimal(10))  # 城乡规划法 Art. 64
    assert construction.legal_basis.penalty_clause.article == "第六十四条"
    refused = catalogue.get("commercial_loudspeaker").statutory["refused"].ranges[PartyType.PERSON]
    assert (refused.min, refused.max) == (Decimal(50000), Decimal(200000))  # 噪声法 Art. 81, 拒不改正
    assert catalogue.get("street_vending_bj").legal_basis.penalty_clause.article == "第三十五条第五款"
    assert catalogue.get("restaurant_fumes").legal_basis.penalty_clause.article == "第一百一十八条第一款"
    assert catalogue.get("open_air_barbecue").legal_basis.penalty_clause.article == "第一百一十八条第三款"
    assert catalogue.get("construction_dust").party_types == (PartyType.ORGANISATION,)


def test_confidence_and_illustrative_flags() -> None:
    catalogue = load_catalogue()
    for violation in catalogue.violations:
        bm = violation.benchmark
        assert violation.legal_basis.illegal_clause.confidence
        assert violation.legal_basis.penalty_clause.confidence
        if bm.confidence in (Confidence.I, Confidence.M):
            assert bm.illustrative, violation.code
    assert catalogue.get("restaurant_fumes").benchmark.illustrative  # REFERENCE §3.4 (I)
    jiaxing = catalogue.get("street_vending_jiaxing").benchmark
    assert (jiaxing.illustrative, jiaxing.confidence) == (False, Confidence.V2)
    national = catalogue.get("illegal_construction").benchmark
    assert (national.illustrative, national.confidence, national.doc_no) == (False, Confidence.V, "建法〔2012〕99号")


def test_get_unknown_code() -> None:
    with pytest.raises(UnknownViolationCode, match="no_such_thing"):
        load_catalogue().get("no_such_thing")


def test_load_is_cached_and_dumps_round_trip() -> None:
    catalogue = load_catalogue()
    assert load_catalogue() is catalogue
    dumped = catalogue.get("street_vending_jiaxing").model_dump(mode="json")
    assert dumped["benchmark"]["tiers"][1]["when"] == {
        "all": [{"fact": "area_m2", "op": "gt", "value": 5}, {"fact": "area_m2", "op": "lte", "value": 10}]
    }
    assert Catalogue.model_validate(catalogue.model_dump(mode="json")) == catalogue


def test_party_type_aliases() -> None:
    assert parse_party_type("自然人") is PartyType.PERSON
    assert parse_party_type("Organization") is PartyType.ORGANISATION
    with pytest.raises(UnknownPartyType, match="alien"):
        parse_party_type("alien")


# ------------------------------------------------------------------- load-time validation


def _raw() -> dict[str, Any]:
    """A small valid catalogue that each test breaks in one place."""
    clause = {"law": "测试条例", "article": "第一条", "confidence": "V"}
    return {
        "version": "test-1",
        "facts": {
            "area_m2": {"type": "number", "name": "面积"},
            "refused_correction": {"type": "bool", "name": "拒不改正"},
        },
        "education_clause": clause,
        "violations": [
            {
                "code": "sample_violation",
                "name": "示例违法行为",
                "name_en": "sample",
                "category": "测试",
                "jurisdiction": "全国",
                "legal_basis": {"illegal_clause": clause, "penalty_clause": clause},
                "party_types": ["person"],
                "statutory": {
                    "base": {
                        "unit": "yuan",
                        "fine_optional": False,
                        "ranges": {"person": {"min": 100, "max": 1000}},
                        "applies_when": "处一百元以上一千元以下罚款",
                        "clause": clause,
                    }
                },
                "benchmark": {
                    "title": "测试基准",
                    "issuer": "测试",
                    "confidence": "V2",
                    "illustrative": False,
                    "source": "test",
                    "tiers": [
                        {
                            "id": "small",
                            "level": "轻微",
                            "conditions_text": "小",
                            "when": {"fact": "area_m2", "op": "lte", "value": 5},
                            "fine": {"person": {"min": 100, "max": 500}},
                        },
                        {
                            "id": "large",
                            "level": "一般",
                            "conditions_text": "大",
                            "when": {"fact": "area_m2", "op": "gt", "value": 5},
                            "fine": {"person": {"min": 500, "max": 1000}},
                        },
                    ],
                },
            }
        ],
    }


def _tier(raw: dict[str, Any], index: int) -> dict[str, Any]:
    tier: dict[str, Any] = raw["violations"][0]["benchmark"]["tiers"][index]
    return tier


def _fails(raw: dict[str, Any], *fragments: str) -> str:
    with pytest.raises(RuleDataError) as caught:
        parse_catalogue(raw)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def test_the_sample_is_valid() -> None:
    catalogue = parse_catalogue(_raw())
    assert catalogue.get("sample_violation").benchmark.tiers[1].level is TierLevel.ORDINARY


def test_overlapping_tier_ranges() -> None:
    raw = _raw()
    _tier(raw, 1)["fine"]["person"]["min"] = 400
    _fails(raw, "sample_violation", "benchmark.tiers[1] (large).fine.person", "overlaps", "tiers[0] (small)")


def test_min_greater_than_max() -> None:
    raw = _raw()
    _tier(raw, 0)["fine"]["person"] = {"min": 600, "max": 500}
    _fails(raw, "sample_violation", "benchmark.tiers.0.fine.person", "min 600 is greater than max 500")


def test_statutory_min_greater_than_max() -> None:
    raw = _raw()
    raw["violations"][0]["statutory"]["base"]["ranges"]["person"] = {"min": 2000, "max": 1000}
    _fails(raw, "sample_violation", "statutory.base.ranges.person", "greater than max")


def test_tier_outside_statutory_range() -> None:
    raw = _raw()
    _tier(raw, 1)["fine"]["person"]["max"] = 1500
    _fails(raw, "sample_violation", "tiers[1] (large).fine.person", "outside the statutory range 100–1000")


def test_unknown_operator() -> None:
    raw = _raw()
    _tier(raw, 0)["when"]["op"] = "about"
    _fails(raw, "sample_violation", "benchmark.tiers.0.when.op")


def test_unknown_fact() -> None:
    raw = _raw()
    _tier(raw, 0)["when"]["fact"] = "aera_m2"
    _fails(raw, "sample_violation", "tiers[0] (small).when", "unknown fact 'aera_m2'")


def test_order_operator_on_a_bool_fact_and_wrong_value_type() -> None:
    raw = _raw()
    _tier(raw, 0)["when"] = {"fact": "refused_correction", "op": "gt", "value": 1}
    _fails(raw, "sample_violation", "needs a number fact")
    raw = _raw()
    _tier(raw, 0)["when"] = {"fact": "refused_correction", "op": "eq", "value": "yes"}
    _fails(raw, "sample_violation", "does not fit bool fact")


def test_overlapping_and_empty_condition_ranges() -> None:
    raw = _raw()
    _tier(raw, 1)["when"] = {"fact": "area_m2", "op": "gte", "value": 5}  # 5 is in both tiers
    _fails(raw, "sample_violation", "tiers[1] (large).when", "overlaps tiers[0] (small)")
    raw = _raw()
    _tier(raw, 1)["when"] = {
        "all": [{"fact": "area_m2", "op": "gt", "value": 10}, {"fact": "area_m2", "op": "lte", "value": 5}]
    }
    _fails(raw, "sample_violation", "tiers[1] (large).when", "is empty")


def test_empty_all_and_malformed_condition() -> None:
    raw = _raw()
    _tier(raw, 0)["when"] = {"all": []}
    _fails(raw, "sample_violation", "at least one condition")
    raw = _raw()
    _tier(raw, 0)["when"] = {"fact": "area_m2", "op": "lte"}
    _fails(raw, "sample_violation", "needs both op and value")


def test_only_the_last_tier_may_omit_its_condition() -> None:
    raw = _raw()
    del _tier(raw, 0)["when"]
    _fails(raw, "sample_violation", "tiers[0] (small).when", "only the last tier")


def test_illustrative_flag_required_for_inferred_benchmarks() -> None:
    raw = _raw()
    raw["violations"][0]["benchmark"]["confidence"] = "I"
    _fails(raw, "sample_violation", "illustrative")


def test_party_types_must_match_ranges() -> None:
    raw = _raw()
    raw["violations"][0]["party_types"] = ["person", "organisation"]
    _fails(raw, "sample_violation", "statutory.base.ranges")


def test_percent_of_cost_needs_a_declared_number_cost_fact() -> None:
    raw = _raw()
    raw["violations"][0]["statutory"]["base"]["unit"] = "percent_of_cost"
    _fails(raw, "sample_violation", "cost_fact is required")
    raw["violations"][0]["statutory"]["base"]["cost_fact"] = "refused_correction"
    _fails(raw, "sample_violation", "statutory.base.cost_fact", "not a declared number fact")


def test_missing_base_bracket_and_unknown_tier_bracket() -> None:
    raw = _raw()
    _tier(raw, 0)["bracket"] = "refused"
    _fails(raw, "sample_violation", "tiers[0] (small).bracket", "no statutory bracket 'refused'")
    raw = _raw()
    statutory = raw["violations"][0]["statutory"]
    statutory["other"] = statutory.pop("base")
    _fails(raw, "sample_violation", "'base' bracket is required")


def test_no_penalty_tier_cannot_carry_a_fine() -> None:
    raw = _raw()
    _tier(raw, 0)["level"] = "不予处罚"
    _fails(raw, "sample_violation", "tiers[0] (small).fine", "不予处罚")


def test_reduced_tier_must_lie_below_the_statutory_minimum() -> None:
    raw = _raw()
    _tier(raw, 0)["level"] = "减轻"
    _fails(raw, "sample_violation", "tiers[0] (small).fine.person", "not below the statutory minimum")
    _tier(raw, 0)["fine"]["person"] = {"min": 50, "max": 100}
    assert parse_catalogue(raw).get("sample_violation").benchmark.tiers[0].level is TierLevel.REDUCED


def test_duplicate_codes() -> None:
    raw = _raw()
    raw["violations"].append(copy.deepcopy(raw["violations"][0]))
    _fails(raw, "duplicate violation codes", "sample_violation")


def test_shipped_data_with_one_number_broken_names_the_real_entry() -> None:
    raw = load_yaml("violations.yaml")
    jiaxing = next(v for v in raw["violations"] if v["code"] == "street_vending_jiaxing")
    jiaxing["benchmark"]["tiers"][2]["fine"]["organisation"]["max"] = 3500  # statutory max is 3,000
    _fails(raw, "street_vending_jiaxing", "tiers[2] (area_over_10).fine.organisation", "outside")


def test_condition_ranges_must_leave_no_gap() -> None:
    raw = _raw()
    _tier(raw, 0)["when"]["op"] = "lt"  # area_m2 = 5 falls between "< 5" and "> 5"
    _fails(raw, "sample_violation", "benchmark.tiers", "no tier covers area_m2 = 5")
    raw = _raw()
    _tier(raw, 1)["when"] = {
        "all": [{"fact": "area_m2", "op": "gt", "value": 5}, {"fact": "area_m2", "op": "lte", "value": 10}]
    }
    _fails(raw, "sample_violation", "no tier covers area_m2 above 10")


def test_fact_default_must_fit_its_type() -> None:
    raw = _raw()
    raw["facts"]["refused_correction"]["default"] = "no"
    _fails(raw, "facts.refused_correction.default", "is not a bool")
