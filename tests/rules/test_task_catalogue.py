"""The task catalogue (rules/data/tasks.yaml): every kind loads with the interface the workflow reads, every schema
is a valid JSON Schema, and a malformed catalogue is a start-up error. The forms themselves: test_task_forms.py."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from rules.data_files import load_yaml
from rules.deadline_table import load_timer_table
from rules.errors import RuleDataError
from rules.task_catalogue import STAGES, TASK_ROLES, load_task_catalogue, parse_task_catalogue

RAW: dict[str, Any] = load_yaml("tasks.yaml")
CATALOGUE = load_task_catalogue()


# ----------------------------------------------------------------------------- the shipped catalogue


def test_the_shipped_catalogue_loads_once_with_every_kind_of_the_process_model() -> None:
    assert load_task_catalogue() is CATALOGUE
    expected = {
        "verify_lead", "approve_filing", "investigate", "approve_suspension", "legal_review", "serve_prior_notice",
        "review_statement", "schedule_hearing", "record_hearing", "collective_discussion", "approve_extension",
        "decide", "serve_decision", "confirm_payment", "serve_reminder", "apply_court_enforcement",
        "approve_closing", "escalation", "supervision_alert",
    }  # fmt: skip
    assert expected <= set(CATALOGUE.kinds)
    assert len(CATALOGUE) == len(CATALOGUE.kinds) == len(RAW["kinds"])
    assert "verify_lead" in CATALOGUE and "no_such_kind" not in CATALOGUE


def test_stages_match_the_workflow_payload_types() -> None:
    from workflows.case.model import Stage

    assert tuple(s.value for s in Stage) == STAGES
    assert all(k.stage in STAGES for k in CATALOGUE)


def test_the_interface_the_workflow_reads() -> None:
    verify = CATALOGUE.get("verify_lead")
    assert verify.name.startswith("线索核查")
    assert verify.stage == "verification"
    assert verify.candidate_roles == ("officer",)
    assert verify.deadline_code == "T01"
    assert "第十五条" in verify.legal_basis
    assert verify.allowed_outcomes == ("established", "not_established", "transfer", "minor_no_penalty", "on_the_spot")
    assert CATALOGUE.get("legal_review").deadline_code == "T10"
    assert CATALOGUE.get("serve_decision").deadline_code == "T11"
    assert CATALOGUE.get("approve_closing").deadline_code == "T23"
    assert CATALOGUE.get("review_statement").candidate_roles == ("officer", "legal_reviewer")
    assert CATALOGUE.get("escalation").jurisdiction_scope == "parent"
    assert CATALOGUE.get("supervision_alert").jurisdiction_scope == "city"
    assert CATALOGUE.get("approve_extension").follows_case_stage


def test_roles_and_deadline_codes_are_known() -> None:
    codes = set(load_timer_table().codes)
    for kind in CATALOGUE:
        assert set(kind.candidate_roles) <= set(TASK_ROLES)
        assert kind.deadline_code is None or kind.deadline_code in codes


def test_case_clock_pauses_are_paired_with_resumes() -> None:
    paused = {(k.kind, o) for k in CATALOGUE for o in k.allowed_outcomes if k.outcome(o).pauses}
    resumed = {(k.kind, o) for k in CATALOGUE for o in k.allowed_outcomes if k.outcome(o).resumes}
    assert paused == {("investigate", "commission_appraisal"), ("approve_suspension", "approve")}
    assert {("record_appraisal", "result_notified"), ("record_appraisal", "withdrawn")} <= resumed
    assert {
        ("resume_investigation", "approve"),
        ("record_hearing", "held"),
        ("record_hearing", "party_absent"),
    } <= resumed
    assert CATALOGUE.get("investigate").outcome("commission_appraisal").pauses == ("T06",)


@pytest.mark.parametrize("kind", CATALOGUE.kinds)
def test_every_schema_is_valid_json_schema(kind: str) -> None:
    task = CATALOGUE.get(kind)
    Draft202012Validator.check_schema(task.completion_schema())
    for outcome in task.allowed_outcomes:
        schema = task.form_schema(outcome)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["additionalProperties"] is False


# ----------------------------------------------------------------------------- malformed catalogues


def mutated(name: str, **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    for entry in raw["kinds"]:
        if entry["kind"] == name:
            for key, value in changes.items():
                if value is None:
                    entry.pop(key, None)
                else:
                    entry[key] = value
    return raw


def with_form(kind: str, outcome: str, form: dict[str, Any]) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    for entry in raw["kinds"]:
        if entry["kind"] == kind:
            entry["outcomes"][outcome]["form"] = form
    return raw


def with_definition(name: str, value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    raw["definitions"][name] = value
    return raw


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": properties}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (mutated("decide", stage="deciding"), r"decide\.stage: unknown stage 'deciding'"),
        (mutated("legal_review", deadline_code="T99"), r"legal_review\.deadline_code: unknown timer code 'T99'"),
        (mutated("approve_filing", outcomes={}), r"approve_filing\.outcomes: a task kind needs at least one outcome"),
        (mutated("escalation", candidate_roles=["auditor"]), r"escalation\.candidate_roles: unknown role\(s\) auditor"),
        (mutated("escalation", candidate_roles=[]), r"escalation\.candidate_roles"),
        (mutated("escalation", legal_basis=None), r"escalation\.legal_basis: Field required"),
        (mutated("escalation", surprise=1), r"escalation\.surprise"),
        (mutated("escalation", kind="Escalation"), r"Escalation\.kind"),
        (
            with_form("decide", "not_established", {"type": "strin"}),
            r"decide\.outcomes\.not_established\.form: not a valid JSON Schema: type: 'strin'",
        ),
        (
            with_form("decide", "not_established", obj(n={"type": "integer", "minimum": "0", "title": "数"})),
            r"decide\.outcomes\.not_established\.form: not a valid JSON Schema: properties\.n\.minimum",
        ),
        (
            with_form("decide", "not_established", obj(n={"type": "string", "pattern": "([", "title": "数"})),
            r"decide\.outcomes\.not_established\.form: not a valid JSON Schema",
        ),
        (
            with_form("decide", "not_established", {"type": "array"}),
            r"decide\.outcomes\.not_established\.form: the form must be a JSON object schema",
        ),
        (
            with_form("decide", "not_established", {"type": "object", "properties": {}}),
            r"decide\.outcomes\.not_established\.form: \(root\): an object needs additionalProperties",
        ),
        (
            with_form("decide", "not_established", obj(reasoning={"type": "string"})),
            r"decide\.outcomes\.not_established\.form: properties\.reasoning: a field needs a Chinese title",
        ),
        (
            with_form("decide", "not_established", {**obj(a={"type": "string", "title": "甲"}), "required": ["b"]}),
            r"decide\.outcomes\.not_established\.form: \(root\): required field 'b' is not declared",
        ),
        (
            with_form(
                "decide",
                "not_established",
                {**obj(a={"type": "string", "title": "甲"}), "allOf": [{"then": {"required": ["c"]}, "if": {}}]},
            ),
            r"required field 'c' is not declared",
        ),
        (
            with_form("decide", "not_established", obj(a={"type": "string", "format": "datetime", "title": "甲"})),
            r"properties\.a\.format: unknown format 'datetime'",
        ),
        (
            with_form("decide", "not_established", obj(a={"$ref": "#/$defs/nowhere", "title": "甲"})),
            r"decide\.outcomes\.not_established\.form: \$ref '#/\$defs/nowhere': no definition named 'nowhere'",
        ),
        (
            with_form("decide", "not_established", obj(a={"$ref": "https://example.com/s.json", "title": "甲"})),
            r"only references to shared definitions",
        ),
        (
            with_form("decide", "not_established", obj(a=False)),
            r"properties\.a: write `not: \{required: \[a\]\}` instead of false",
        ),
        (
            with_definition("money", {"type": "string", "pattern": "(["}),
            r"definitions\.money\.pattern: '\(\[' is not a 'regex'",
        ),
        (with_definition("officer", {"type": "object", "properties": {}}), r"an object needs additionalProperties"),
        (with_definition("money", "text"), r"definitions\.money: Input should be a valid dictionary"),
        (
            with_definition("penalty_kind", {"enum": ["警告", "罚款"]}),
            r"definitions\.penalty_kind\.enum: must list exactly .*procedure\.yaml penalty_kinds",
        ),
        (
            with_definition("review_item_key", {"enum": ["procedure"]}),
            r"definitions\.review_item_key\.enum: must list exactly .*review_checklist",
        ),
        (
            with_definition("extension_approval", {"enum": ["agency_head"]}),
            r"definitions\.extension_approval\.enum: must list exactly",
        ),
    ],
)
def test_a_malformed_catalogue_is_a_clear_start_up_error(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleDataError, match=message):
        parse_task_catalogue(raw)


def test_clock_effects_name_pausable_timers() -> None:
    raw = copy.deepcopy(RAW)
    outcomes = next(k for k in raw["kinds"] if k["kind"] == "investigate")["outcomes"]
    outcomes["commission_appraisal"]["pauses"] = ["T07"]
    with pytest.raises(RuleDataError, match=r"investigate\.outcomes\.commission_appraisal\.pauses: timer T07 has no"):
        parse_task_catalogue(raw)
    outcomes["commission_appraisal"]["pauses"] = ["T77"]
    with pytest.raises(RuleDataError, match=r"commission_appraisal\.pauses: unknown timer code 'T77'"):
        parse_task_catalogue(raw)


def test_duplicate_kinds_and_empty_catalogues_are_refused() -> None:
    raw = copy.deepcopy(RAW)
    raw["kinds"].append(copy.deepcopy(raw["kinds"][0]))
    with pytest.raises(RuleDataError, match="duplicate task kinds: \\['verify_lead'\\]"):
        parse_task_catalogue(raw)
    with pytest.raises(RuleDataError, match="kinds"):
        parse_task_catalogue({**RAW, "kinds": []})
    with pytest.raises(RuleDataError, match="is invalid"):
        parse_task_catalogue(None)


def test_every_problem_of_a_catalogue_is_reported_at_once() -> None:
    raw = with_form("decide", "not_established", {"type": "object", "properties": {"a": {"type": "string"}}})
    with pytest.raises(RuleDataError) as info:
        parse_task_catalogue(raw)
    assert "additionalProperties" in str(info.value) and "Chinese title" in str(info.value)
