"""Sensor alarms: a pure evaluator of the rules in rules/data/alarm_rules.yaml over device readings.

The MQTT worker parses messages into `Reading`s, loads each device's `RuleState`s from SQL, calls
`evaluate` (and `tick` on a timer), stores the returned states and acts on the `AlarmTransition`s.
"""

from .evaluator import check_profile, enabled_rules, evaluate, tick
from .model import (
    AlarmTransition,
    ClearCause,
    DeviceProfile,
    Evaluation,
    IgnoreReason,
    ProfileError,
    Reading,
    TransitionKind,
)
from .state import RuleState, Run

__all__ = [
    "AlarmTransition",
    "ClearCause",
    "DeviceProfile",
    "Evaluation",
    "IgnoreReason",
    "ProfileError",
    "Reading",
    "RuleState",
    "Run",
    "TransitionKind",
    "check_profile",
    "enabled_rules",
    "evaluate",
    "tick",
]
