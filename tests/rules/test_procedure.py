"""Procedure thresholds: 简易程序 (处罚法 Art. 51), 当场收缴 (Arts. 68–69), hearing (Art. 63, 上海 Art. 4)."""

import re
from decimal import Decimal
from typing import Any

import pytest

from rules.data_files import load_yaml
from rules.errors import (
    NegativeAmount,
    RuleDataError,
    RuleError,
    UnknownJurisdiction,
    UnknownPartyType,
    UnknownPenaltyKind,
)
from rules.procedure import (
    hearing_right,
    large_amount_threshold,
    load_procedure_rules,
    on_the_spot_collection_allowed,
    parse_procedure_rules,
    simplified_procedure_allowed,
)


def test_shipped_numbers_are_the_legal_ones_with_citations() -> None:
    rules = load_procedure_rules()
    assert rules.simplified_procedure.max_fine_yuan == {"person": 200, "organisation": 3000}
    assert [c.article for c in rules.simplified_procedure.basis] == ["第五十一条", "第十二条"]
    assert rules.on_the_spot_collection.max_fine_yuan == 100
    assert rules.on_the_spot_collection.basis[0].article == "第六十八条"
    shanghai = rules.hearing.large_amount["上海市"]
    assert (shanghai.person_min_yuan, shanghai.organisation_min_yuan) == (Decimal(5000), Decimal(50000))
    assert shanghai.local == "上海市"
    assert shanghai.basis[0].law == "上海市行政处罚听证程序规定" and shanghai.basis[0].article == "第四条"
    assert all(c.confidence for c in (*rules.hearing.basis, *rules.penalty_kinds.basis))


@pytest.mark.parametrize(
    ("party", "fine", "allowed"),
    [
        ("person", 200, True),
        ("person", "200.00", True),
        ("person", Decimal("200.01"), False),
        ("自然人", 50, True),
        ("organisation", 3000, True),
        ("organisation", 3000.01, False),
        ("单位", 201, True),
    ],
)
def test_simplified_procedure_thresholds(party: str, fine: Any, allowed: bool) -> None:
    assert simplified_procedure_allowed(party, fine) is allowed


def test_simplified_procedure_penalty_kinds() -> None:
    assert simplified_procedure_allowed("person", 0, ["警告"])
    assert simplified_procedure_allowed("person", 0)  # a warning only
    assert simplified_procedure_allowed("organisation", 1000, ["警告", "罚款"])
    assert not simplified_procedure_allowed("person", 100, ["罚款", "没收违法所得"])
    assert not simplified_procedure_allowed("organisation", 0, ["责令停产停业"])
    with pytest.raises(UnknownPenaltyKind, match="拘留三天"):
        simplified_procedure_allowed("person", 0, ["拘留三天"])
    with pytest.raises(RuleError, match="罚款 is not among"):
        simplified_procedure_allowed("person", 100, ["警告"])


def test_bad_input() -> None:
    with pytest.raises(NegativeAmount):
        simplified_procedure_allowed("person", -1)
    with pytest.raises(UnknownPartyType):
        simplified_procedure_allowed("martian", 10)
    for bad in (True, "ten", float("nan")):
        with pytest.raises(RuleError):
            simplified_procedure_allowed("person", bad)
    with pytest.raises(NegativeAmount):
        hearing_right("person", 0, confiscated_income_yuan=-5)


def test_on_the_spot_collection() -> None:
    assert on_the_spot_collection_allowed("person", 100)
    assert not on_the_spot_collection_allowed("person", "100.01")
    assert on_the_spot_collection_allowed("person", 150, hard_to_collect_later=True)
    assert not on_the_spot_collection_allowed("person", 250, hard_to_collect_later=True)  # not 简易程序
    assert on_the_spot_collection_allowed("organisation", 2500, hard_to_collect_later=True)
    assert on_the_spot_collection_allowed("organisation", 20_000, remote_area_on_request=True)  # Art. 69
    assert not on_the_spot_collection_allowed("person", 0)


@pytest.mark.parametrize(
    ("party", "fine", "kinds", "expected"),
    [
        ("person", 5000, ["罚款"], True),
        ("person", "4999.99", ["罚款"], False),
        ("organisation", 50_000, ["罚款"], True),
        ("organisation", 49_999, ["罚款"], False),
        ("organisation", 6000, ["罚款"], False),
        ("person", 0, ["吊销许可证件"], True),
        ("organisation", 1000, ["罚款", "责令停产停业"], True),
        ("organisation", 0, ["责令停业整顿"], True),  # 住建 Art. 32
        ("person", 0, ["警告"], False),
    ],
)
def test_hearing_right(party: str, fine: Any, kinds: list[str], expected: bool) -> None:
    assert hearing_right(party, fine, kinds) is expected


def test_hearing_right_for_confiscation_is_computed_separately() -> None:
    assert hearing_right("person", 3000, ["罚款", "没收违法所得"], confiscated_income_yuan=5000)
    assert hearing_right("person", 0, ["没收非法财物"], confiscated_property_yuan=5000)
    # 3,000 + 3,000 is not summed (上海 Art. 31)
    assert not hearing_right("person", 3000, ["罚款", "没收违法所得"], confiscated_income_yuan=3000)


def test_jurisdictions() -> None:
    assert large_amount_threshold("person") == 5000
    assert large_amount_threshold("organisation", "上海市") == 50000
    with pytest.raises(UnknownJurisdiction, match="北京市"):
        hearing_right("person", 10_000, ["罚款"], jurisdiction="北京市")


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml("procedure.yaml")
    return data


def test_malformed_procedure_data() -> None:
    raw = _raw()
    raw["hearing"]["heavy_penalty_kinds"].append("罚站")
    with pytest.raises(RuleDataError, match=r"hearing.heavy_penalty_kinds: \['罚站'\]"):
        parse_procedure_rules(raw)
    raw = _raw()
    del raw["simplified_procedure"]["max_fine_yuan"]["organisation"]
    with pytest.raises(RuleDataError, match=re.escape("simplified_procedure.max_fine_yuan")):
        parse_procedure_rules(raw)
    raw = _raw()
    raw["on_the_spot_collection"]["max_fine_yuan"] = 500
    with pytest.raises(RuleDataError, match=re.escape("on_the_spot_collection.max_fine_yuan")):
        parse_procedure_rules(raw)
    raw = _raw()
    raw["hearing"]["default_jurisdiction"] = "北京市"
    with pytest.raises(RuleDataError, match=re.escape("hearing.default_jurisdiction")):
        parse_procedure_rules(raw)
    raw = _raw()
    raw["hearing"]["large_amount"]["上海市"]["person_min_yuan"] = 0
    with pytest.raises(RuleDataError, match=re.escape("hearing.large_amount.上海市.person_min_yuan")):
        parse_procedure_rules(raw)
