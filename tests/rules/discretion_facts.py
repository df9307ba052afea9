"""Shared facts for the discretion tests (test_discretion_benchmark.py, test_discretion_fines.py)."""

from collections.abc import Mapping

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


def _facts(extra: Mapping[str, object]) -> dict[str, object]:
    return {**NEUTRAL, **extra}
