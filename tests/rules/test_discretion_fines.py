"""The fine check of the discretion benchmark: inside the tier, a recorded deviation, the statutory range, a
reduction and no penalty."""

import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.discretion import check_fine
from rules.discretion_benchmark import apply_benchmark
from rules.discretion_records import Deviation, MitigationGround
from rules.errors import (
    FineAboveStatutoryMaximum,
    FineOutsideBenchmark,
    InvalidDeviation,
    NegativeAmount,
    NoPenaltyRequired,
    ReductionNotJustified,
    RuleError,
)
from tests.rules.discretion_facts import BJ, COST, MINOR, _facts

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
