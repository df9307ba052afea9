"""The sensor alarm rules file: it loads, every number is cited, malformed data fails at load time."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rules.alarm_rules import AlarmRuleSet, load_alarm_rules, parse_alarm_rules
from rules.alarm_terms import Op, SensorKind, Severity
from rules.catalogue import Confidence, load_catalogue
from rules.data_files import load_yaml
from rules.errors import RuleDataError

RAW: dict[str, Any] = load_yaml("alarm_rules.yaml")


def test_the_shipped_rules_load_and_cover_every_sensor_kind() -> None:
    rules = load_alarm_rules()
    assert isinstance(rules, AlarmRuleSet)
    assert {r.kind for r in rules.rules} == set(SensorKind)
    assert rules.zone.key == "Asia/Shanghai"
    violations = {r.code: r.violation for r in rules.rules}
    assert violations == {
        "fume_concentration": "restaurant_fumes",
        "purifier_off_while_cooking": "restaurant_fumes",
        "water_turbidity": None,
        "water_free_chlorine_low": None,
        "water_ph_out_of_range": None,
        "dust_pm10": "construction_dust",
        "noise_zone_limit": None,
        "construction_noise_limit": "construction_noise",
    }
    known = set(load_catalogue().codes)
    assert {v for v in violations.values() if v} <= known


def test_the_legal_numbers_and_their_tags() -> None:
    rules = load_alarm_rules()
    fume = rules.get("fume_concentration").create
    assert fume.threshold is not None and (fume.metric, fume.op) == ("fume_mg_m3", Op.GT)
    assert (fume.threshold.value, fume.threshold.unit, fume.threshold.confidence) == (2.0, "mg/m³", Confidence.M)
    assert "GB 18483-2001" in fume.threshold.source
    water = {r.code: r.create for r in rules.for_kind("water")}
    turbidity, chlorine, ph = water["water_turbidity"], water["water_free_chlorine_low"], water["water_ph_out_of_range"]
    assert turbidity.threshold is not None and turbidity.threshold.value == 1
    assert chlorine.threshold is not None and (chlorine.op, chlorine.threshold.value) == (Op.LT, 0.05)
    assert ph.low is not None and ph.high is not None and (ph.op, ph.low.value, ph.high.value) == (Op.OUTSIDE, 6.5, 8.5)
    for number in (turbidity.threshold, chlorine.threshold, ph.low, ph.high):
        assert "GB 5749-2022" in number.source and number.confidence is Confidence.M
    zone_table = rules.settings["social_noise_limit_db"].table
    assert zone_table is not None and "GB 3096-2008" in zone_table.source and zone_table.confidence is Confidence.M
    assert zone_table.rows == {
        "0": {"day": 50, "night": 40},
        "1": {"day": 55, "night": 45},
        "2": {"day": 60, "night": 50},
        "3": {"day": 65, "night": 55},
        "4a": {"day": 70, "night": 55},
        "4b": {"day": 70, "night": 60},
    }
    # Night hours checked against shared/legal/texts/噪声污染防治法(2021-12-24).md Art. 88(2): tagged V.
    parts = rules.day_parts["noise_day_night"]
    assert parts.confidence is Confidence.V and "第八十八条" in parts.source
    assert (parts.parts["night"].start, parts.parts["night"].end) == ("22:00", "06:00")
    # The PM10 default is a placeholder, and says so.
    pm10 = rules.settings["pm10_limit_ug_m3"].default
    assert pm10 is not None and pm10.confidence is Confidence.I and "PLACEHOLDER" in pm10.source


def _numbers(node: Any, cited: bool = False, path: str = "") -> Iterator[tuple[str, bool]]:
    """Every number in the data with whether a dict on its path carries source and confidence."""
    if isinstance(node, dict):
        here = cited or ("source" in node and "confidence" in node)
        for key, value in node.items():
            yield from _numbers(value, here, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _numbers(value, cited, f"{path}[{i}]")
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield path, cited


def test_every_number_in_the_rules_settings_and_schedules_has_a_source_and_a_confidence() -> None:
    found = list(_numbers({k: v for k, v in RAW.items() if k != "fragments"}))
    assert len(found) > 40
    assert [path for path, cited in found if not cited] == []
    # Schedule and day-part times are strings, so they are checked by their owner's tags.
    for name, schedule in load_alarm_rules().schedules.items():
        assert schedule.source and schedule.confidence in Confidence, name


def test_every_rule_is_complete() -> None:
    for rule in load_alarm_rules().rules:
        assert rule.name and rule.name_en, rule.code
        assert rule.create.for_seconds or rule.create.consecutive, rule.code
        assert rule.clear.for_seconds or rule.clear.consecutive, rule.code
        assert rule.clear_if_silent_seconds is not None, rule.code
        assert [level.severity.rank for level in rule.levels] == sorted({lv.severity.rank for lv in rule.levels})
        assert set(rule.metrics) >= {rule.create.metric, rule.clear.metric}


def test_a_raw_number_in_place_of_a_cited_one_is_refused_naming_the_rule() -> None:
    raw = copy.deepcopy(RAW)
    raw["rules"][0]["create"]["for_seconds"] = 600
    with pytest.raises(RuleDataError, match=r"fume_concentration\.create\.for_seconds"):
        parse_alarm_rules(raw)


def _rule(raw: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in raw["rules"] if r["code"] == code)
    return found


def _set(code: str, *path: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        node: Any = _rule(raw, code)
        for key in path[:-1]:
            node = node[key]
        if value is _DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return change


_DELETE = object()


def _duplicate(raw: dict[str, Any]) -> None:
    raw["rules"].append(copy.deepcopy(raw["rules"][0]))


def _uncovered_night(raw: dict[str, Any]) -> None:
    raw["day_parts"]["noise_day_night"]["parts"]["night"]["end"] = "05:00"


def _missing_column(raw: dict[str, Any]) -> None:
    del raw["settings"]["social_noise_limit_db"]["table"]["rows"]["2"]["night"]


def _bad_timezone(raw: dict[str, Any]) -> None:
    raw["timezone"] = "Asia/Beijing"


CITED = {"value": 3, "source": "test", "confidence": "I"}

MALFORMED = [
    (_set("fume_concentration", "create", "threshold", "confidence", value=_DELETE), r"fume_concentration\.create"),
    (_set("fume_concentration", "create", "threshold", "confidence", value="X"), r"fume_concentration\.create"),
    (_set("fume_concentration", "violation", value="fumes"), r"fume_concentration\.violation: unknown violation"),
    (_set("dust_pm10", "create", "setting", value="pm25_limit"), r"dust_pm10: unknown setting 'pm25_limit'"),
    (_set("purifier_off_while_cooking", "schedule", value="lunch"), r"purifier_off_while_cooking\.schedule"),
    (_set("water_turbidity", "create", "for_seconds", value=CITED), r"water_turbidity\.create: give at most one of"),
    (_set("water_turbidity", "create", "consecutive", value={**CITED, "value": 2.5}), r"water_turbidity.*whole number"),
    (_set("water_ph_out_of_range", "create", "threshold", value=CITED), r"water_ph_out_of_range.*low and high only"),
    (_set("fume_concentration", "clear", "factor", value={**CITED, "value": 1.2}), r"fume_concentration.*hysteresis"),
    (_set("noise_zone_limit", "clear", "offset", value={**CITED, "value": 2}), r"noise_zone_limit.*hysteresis"),
    (
        _set("water_ph_out_of_range", "clear", "low", value={**CITED, "value": 6.0}),
        r"water_ph_out_of_range.*hysteresis",
    ),
    (_set("fume_concentration", "levels", 1, "factor", value={**CITED, "value": 0.5}), r"fume_concentration.*stricter"),
    (_set("fume_concentration", "levels", 0, "factor", value=CITED), r"fume_concentration.*first level"),
    (_set("fume_concentration", "levels", 2, "severity", value="MINOR"), r"fume_concentration.*more severe"),
    (
        _set(
            "water_free_chlorine_low",
            "levels",
            value=[{"severity": "MAJOR"}, {"severity": "CRITICAL", "factor": CITED}],
        ),
        r"water_free_chlorine_low.*stricter",
    ),
    (
        _set("water_ph_out_of_range", "levels", value=[{"severity": "MINOR"}, {"severity": "MAJOR", "factor": CITED}]),
        r"water_ph_out_of_range.*one level only",
    ),
    (_set("dust_pm10", "create", "factor", value=CITED), r"dust_pm10.*exactly one of threshold"),
    (_set("dust_pm10", "kind", value="smoke"), r"dust_pm10\.kind"),
    (_set("dust_pm10", "code", value="Dust PM10"), r"code"),
    (_duplicate, r"duplicate rule codes: \['fume_concentration'\]"),
    (_uncovered_night, r"day_parts\.noise_day_night.*exactly once"),
    (_missing_column, r"settings\.social_noise_limit_db\.table\.rows\.2"),
    (_bad_timezone, r"unknown time zone"),
]


@pytest.mark.parametrize(("change", "message"), MALFORMED)
def test_malformed_data_is_a_rule_data_error_naming_the_rule_and_field(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    raw = copy.deepcopy(RAW)
    change(raw)
    with pytest.raises(RuleDataError, match=message):
        parse_alarm_rules(raw)


def test_severities_are_ordered_mildest_first() -> None:
    assert [s.rank for s in (Severity.WARNING, Severity.MINOR, Severity.MAJOR, Severity.CRITICAL)] == [0, 1, 2, 3]
