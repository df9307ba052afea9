"""The timer table is validated at start-up: a malformed entry names the timer and the field."""

import copy
from typing import Any

import pytest

from rules.data_files import load_yaml
from rules.deadline_table import parse_timer_table
from rules.errors import RuleDataError

RAW: dict[str, Any] = load_yaml("deadlines.yaml")


def mutated(code: str, **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    for timer in raw["timers"]:
        if timer["code"] == code:
            for key, value in changes.items():
                if value is None:
                    timer.pop(key, None)
                else:
                    timer[key] = value
    return raw


def test_the_shipped_table_is_valid() -> None:
    table = parse_timer_table(RAW)
    assert len(table.timers) == 26
    assert table.get("T06").extensions[1].approver == "collective_discussion"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (mutated("T07", unit="days"), "T07.unit"),
        (mutated("T07", length=0), "T07.length"),
        (mutated("T10", legal_basis=None), "T10.legal_basis"),
        (mutated("T07", pause_events=["hearing"]), "T07: .*only calendar-day timers"),
        (mutated("T16", length=30), "T16: .*ceil"),
        (mutated("T15", rate_percent_per_day=3), "T15: .*accrual timers only"),
        (
            mutated("T09", extensions=[{"length": 2, "approver": "x", "legal_basis": "y"}]),
            "only limit timers",
        ),
        (
            mutated("T12", variants={"Shanghai": {"length": 60, "unit": "CD", "note": "n", "legal_basis": "b"}}),
            "snake_case",
        ),
        (mutated("T03", confidence="sure"), "T03.confidence"),
        (mutated("T03", surprise=1), "T03.surprise"),
    ],
)
def test_a_malformed_entry_is_a_clear_start_up_error(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleDataError, match=message):
        parse_timer_table(raw)


def test_a_missing_or_duplicate_code_is_refused() -> None:
    raw = copy.deepcopy(RAW)
    raw["timers"] = [t for t in raw["timers"] if t["code"] != "T13"]
    with pytest.raises(RuleDataError, match=r"missing from the table: \['T13'\]"):
        parse_timer_table(raw)
    raw = copy.deepcopy(RAW)
    raw["timers"].append(copy.deepcopy(raw["timers"][0]))
    with pytest.raises(RuleDataError, match=r"duplicate timer codes: \['T01'\]"):
        parse_timer_table(raw)
