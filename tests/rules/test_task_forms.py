"""The task catalogue's forms (rules/data/tasks.yaml): every form accepts a proper form and refuses a bad one with
a message naming the field, the completion schema agrees with validate(), and the shared formats behave."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from rules.errors import FormInvalid, OutcomeNotAllowed, RuleError, UnknownTaskKind
from rules.task_catalogue import TaskKind, load_task_catalogue
from rules.task_forms import FORMAT_CHECKER, is_date, is_date_time
from tests.rules.task_samples import INSPECTION, OFFICERS, REPORT, VALID
from tests.rules.task_samples_invalid import INVALID

CATALOGUE = load_task_catalogue()

ALL_OUTCOMES = [(k.kind, o) for k in CATALOGUE for o in k.allowed_outcomes]


def completion_validator(kind: TaskKind) -> Draft202012Validator:
    return Draft202012Validator(kind.completion_schema(), format_checker=FORMAT_CHECKER)


def accepted(kind: TaskKind, outcome: str, form: Any) -> bool:
    try:
        kind.validate(outcome, form)
    except RuleError:
        return False
    return True


# ----------------------------------------------------------------------------- sample forms


def test_every_outcome_has_samples() -> None:
    assert set(VALID) == set(ALL_OUTCOMES)
    assert set(INVALID) == set(ALL_OUTCOMES)


@pytest.mark.parametrize(("kind", "outcome"), sorted(VALID))
def test_a_proper_form_passes(kind: str, outcome: str) -> None:
    CATALOGUE.get(kind).validate(outcome, VALID[(kind, outcome)])


@pytest.mark.parametrize(("kind", "outcome"), sorted(INVALID))
def test_a_bad_form_fails_naming_the_field(kind: str, outcome: str) -> None:
    form, expected = INVALID[(kind, outcome)]
    with pytest.raises(FormInvalid) as info:
        CATALOGUE.get(kind).validate(outcome, form)
    assert expected in str(info.value)
    assert info.value.kind == kind and info.value.outcome == outcome
    assert all(p.startswith("form") for p in info.value.problems)


@pytest.mark.parametrize("kind", CATALOGUE.kinds)
def test_the_completion_schema_agrees_with_validate(kind: str) -> None:
    """Every sample form under every outcome of its kind: the stored schema and validate() agree."""
    task = CATALOGUE.get(kind)
    validator = completion_validator(task)
    forms = [VALID[(kind, o)] for o in task.allowed_outcomes] + [INVALID[(kind, o)][0] for o in task.allowed_outcomes]
    for form, outcome in itertools.product(forms, task.allowed_outcomes):
        assert validator.is_valid({"outcome": outcome, "form": form}) == accepted(task, outcome, form), (outcome, form)
    assert not validator.is_valid({"outcome": "bogus", "form": {}})
    assert not validator.is_valid({"outcome": task.allowed_outcomes[0]})
    assert not validator.is_valid({"outcome": task.allowed_outcomes[0], "form": {}, "extra": 1})


def test_the_completion_schema_is_a_copy() -> None:
    task = CATALOGUE.get("decide")
    task.completion_schema()["properties"].clear()
    task.form_schema("penalty")["required"].clear()
    assert task.completion_schema()["properties"]
    assert task.form_schema("penalty")["required"]


# ----------------------------------------------------------------------------- errors


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(UnknownTaskKind, match="unknown task kind 'verify'; known kinds: verify_lead"):
        CATALOGUE.get("verify")


def test_an_outcome_not_allowed_is_refused_listing_the_allowed_ones() -> None:
    with pytest.raises(OutcomeNotAllowed, match="outcome 'approve' is not allowed; allowed outcomes: agree, supple"):
        CATALOGUE.get("legal_review").validate("approve", {})
    with pytest.raises(OutcomeNotAllowed):
        CATALOGUE.get("legal_review").form_schema("approve")


def test_every_problem_is_listed_with_its_path_and_title() -> None:
    form = {**REPORT, "officers": [OFFICERS[0]], "party": {"type": "x", "name": "李四"}, "surprise": 1}
    with pytest.raises(FormInvalid) as info:
        CATALOGUE.get("investigate").validate("report", form)
    assert info.value.problems == [
        "form.officers: expected 2 distinct items, got 1 (调查人员)",
        'form.party.type: must be one of "person", "organisation"; got "x" (当事人类型)',
        "form.surprise: unknown field, not allowed here",
    ]
    assert "the form has 3 problems" in str(info.value)


def test_conditional_rules_explain_themselves() -> None:
    form = {**REPORT, "proposal": "no_penalty", "major": True}
    with pytest.raises(FormInvalid) as info:
        CATALOGUE.get("investigate").validate("report", form)
    text = str(info.value)
    assert "form.major_grounds: this field is required (法制审核情形) — 重大执法决定须注明法制审核情形" in text
    assert "form.proposed_penalty: must be left out here (拟处罚内容) — 只有处理意见为给予行政处罚时" in text


def test_a_penalty_amount_goes_with_its_kind() -> None:
    decide = CATALOGUE.get("decide")
    form = dict(VALID[("decide", "penalty")])
    with pytest.raises(FormInvalid, match=r"form\.penalty\.fine_yuan: must be left out here"):
        decide.validate("penalty", {**form, "penalty": {"kinds": ["警告"], "fine_yuan": "100"}})
    with pytest.raises(FormInvalid, match=r"form\.penalty\.confiscated_property_value_yuan: this field is required"):
        decide.validate("penalty", {**form, "penalty": {"kinds": ["没收非法财物"]}})
    with pytest.raises(FormInvalid, match=r"form\.penalty\.kinds\[0\]: must be one of"):
        decide.validate("penalty", {**form, "penalty": {"kinds": ["fine"]}})


def test_an_absent_party_needs_a_video_record() -> None:
    form = {**VALID[("verify_lead", "established")], "inspection": {**INSPECTION, "party_present": False}}
    with pytest.raises(FormInvalid) as info:
        CATALOGUE.get("verify_lead").validate("established", form)
    assert [p.split(":")[0] for p in info.value.problems] == [
        "form.inspection.absence_note",
        "form.inspection.media_ids",
    ]


def test_a_form_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(FormInvalid, match="form: expected an object, got list"):
        CATALOGUE.get("escalation").validate("acknowledged", [])  # type: ignore[arg-type]


def test_facts_are_an_open_map_of_snake_case_names_to_scalars() -> None:
    verify = CATALOGUE.get("verify_lead")
    base = VALID[("verify_lead", "established")]
    verify.validate("established", {**base, "facts": {"any_name": "文字", "n": 2, "flag": False}})
    with pytest.raises(FormInvalid, match=r'form\.facts: the name "BadName" is not allowed'):
        verify.validate("established", {**base, "facts": {"BadName": True}})
    with pytest.raises(FormInvalid, match=r"form\.facts\.nested: expected true or false or a number or text"):
        verify.validate("established", {**base, "facts": {"nested": {"a": 1}}})


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("200", True),
        ("0", True),
        ("1500.5", True),
        ("1500.50", True),
        ("999999999999.99", True),
        (200, False),
        ("-1", False),
        ("1.234", False),
        ("01", False),
        ("1e3", False),
        ("", False),
    ],
)
def test_money_is_a_decimal_string_of_yuan(value: Any, ok: bool) -> None:
    form = {**VALID[("confirm_payment", "paid")], "amount_yuan": value}
    assert accepted(CATALOGUE.get("confirm_payment"), "paid", form) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-11-03T09:30:00+08:00", True),
        ("2026-11-03T01:30:00Z", True),
        ("2026-11-03T01:30:00.123456789-05:00", True),
        ("2026-11-03t01:30:00z", True),
        ("2026-11-03T09:30:00", False),
        ("2026-11-03 09:30:00+08:00", False),
        ("2026-11-03", False),
        ("2026-13-03T09:30:00+08:00", False),
        ("2026-02-30T09:30:00+08:00", False),
        ("2026-11-03T25:30:00+08:00", False),
        ("tomorrow", False),
    ],
)
def test_date_times_need_an_offset(value: str, ok: bool) -> None:
    assert is_date_time(value) is ok
    assert FORMAT_CHECKER.conforms(value, "date-time") is ok


def test_plain_dates_and_non_strings() -> None:
    assert is_date("2026-11-03") and not is_date("2026-11-31") and not is_date("20261103")
    assert is_date_time(5) and is_date(None)  # format checks apply to strings only


def test_validation_is_pure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside a workflow no file may be read: the catalogue is compiled at load time."""
    import builtins

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("I/O during validation")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr("rules.data_files.load_yaml", refuse)
    for (kind, outcome), form in VALID.items():
        CATALOGUE.get(kind).validate(outcome, form)
        CATALOGUE.get(kind).completion_schema()
