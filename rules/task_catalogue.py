"""The catalogue of human task kinds (rules/data/tasks.yaml): roles, outcomes and form JSON Schemas.

Loaded and validated once by `load_task_catalogue()`; a malformed entry is a `RuleDataError` naming
the kind and the field. After loading nothing here does I/O: `TaskKind.validate` runs inside the
case workflow's Update validator. The JSON Schema machinery lives in rules/task_forms.py.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rules.catalogue import ApprovalKind, PartyType
from rules.data_files import load_yaml
from rules.deadline_table import TimerTable, load_timer_table
from rules.discretion_records import MitigationGround
from rules.errors import FormInvalid, OutcomeNotAllowed, RuleDataError, UnknownTaskKind
from rules.procedure import ProcedureRules, load_procedure_rules
from rules.task_forms import assemble, build_validator, check_schema, completion_schema, explain, lint

SNAKE = r"^[a-z][a-z0-9_]*$"

# The values of workflows.case.model.Stage (rules/ does not import workflows/; a test keeps them equal).
STAGES = (
    "source",
    "verification",
    "filing",
    "investigation",
    "legal_review",
    "prior_notice",
    "decision",
    "service",
    "execution",
    "closing",
    "closed",
)

# The roles of core.models.Role that act on tasks (auditors, integrators and admins never do).
TASK_ROLES = ("officer", "squad_leader", "legal_reviewer", "agency_head")


class JurisdictionScope(StrEnum):
    """Where the task opens: the case's handling unit, one level up (督办), or the city (督察)."""

    CASE = "case"
    PARENT = "parent"
    CITY = "city"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_timer_codes(codes: tuple[str, ...], *, pausable: bool) -> tuple[str, ...]:
    table = load_timer_table()
    for code in codes:
        if code not in table.codes:
            raise ValueError(f"unknown timer code {code!r}; known codes: {', '.join(table.codes)}")
        if pausable and not table.get(code).pause_events:
            raise ValueError(f"timer {code} has no pause_events in deadlines.yaml, so it cannot be paused")
    if len(set(codes)) != len(codes):
        raise ValueError(f"timer codes repeat: {list(codes)}")
    return codes


class OutcomeSpec(_Frozen):
    name: str = Field(min_length=1, description="Chinese name shown to the user")
    description: str = Field(min_length=1)
    pauses: tuple[str, ...] = Field(default=(), description="T-codes this outcome pauses")
    resumes: tuple[str, ...] = Field(default=(), description="T-codes this outcome resumes")
    form: dict[str, Any] = Field(description="JSON Schema (draft 2020-12) of the form, without $schema/$defs")

    @field_validator("pauses", "resumes")
    @classmethod
    def _known_pausable(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        return _check_timer_codes(codes, pausable=True)


class TaskKindSpec(_Frozen):
    kind: str = Field(pattern=SNAKE)
    name: str = Field(min_length=1)
    stage: str
    follows_case_stage: bool = False
    jurisdiction_scope: JurisdictionScope = JurisdictionScope.CASE
    candidate_roles: tuple[str, ...] = Field(min_length=1)
    deadline_code: str | None
    legal_basis: str = Field(min_length=1)
    description: str = Field(min_length=1)
    outcomes: dict[str, OutcomeSpec]

    @field_validator("stage")
    @classmethod
    def _known_stage(cls, stage: str) -> str:
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; use one of: {', '.join(STAGES)}")
        return stage

    @field_validator("candidate_roles")
    @classmethod
    def _known_roles(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [r for r in roles if r not in TASK_ROLES]
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; use: {', '.join(TASK_ROLES)}")
        if len(set(roles)) != len(roles):
            raise ValueError(f"roles repeat: {list(roles)}")
        return roles

    @field_validator("deadline_code")
    @classmethod
    def _known_code(cls, code: str | None) -> str | None:
        return None if code is None else _check_timer_codes((code,), pausable=False)[0]

    @field_validator("outcomes")
    @classmethod
    def _some_outcomes(cls, outcomes: dict[str, OutcomeSpec]) -> dict[str, OutcomeSpec]:
        if not outcomes:
            raise ValueError("a task kind needs at least one outcome")
        bad = [name for name in outcomes if not re.fullmatch(SNAKE, name)]
        if bad:
            raise ValueError(f"outcome names must be snake_case: {bad}")
        return outcomes


class CatalogueSpec(_Frozen):
    version: str = Field(min_length=1)
    fragments: dict[str, Any] = Field(default_factory=dict, description="YAML anchors only; not read")
    definitions: dict[str, dict[str, Any]]
    kinds: tuple[TaskKindSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> CatalogueSpec:
        names = [k.kind for k in self.kinds]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate task kinds: {duplicates}")
        return self


class TaskKind:
    """One kind of human task, with its compiled form validators. Immutable; pure after loading."""

    def __init__(self, spec: TaskKindSpec, forms: Mapping[str, dict[str, Any]]) -> None:
        self._spec = spec
        self._forms = dict(forms)
        self._validators: dict[str, Draft202012Validator] = {o: build_validator(s) for o, s in self._forms.items()}
        titles = {outcome: spec.outcomes[outcome].name for outcome in self._forms}
        self._completion = completion_schema(spec.name, spec.legal_basis, self._forms, titles)

    @property
    def kind(self) -> str:
        return self._spec.kind

    @property
    def name(self) -> str:
        return self._spec.name

    @property
    def stage(self) -> str:
        return self._spec.stage

    @property
    def follows_case_stage(self) -> bool:
        return self._spec.follows_case_stage

    @property
    def jurisdiction_scope(self) -> JurisdictionScope:
        return self._spec.jurisdiction_scope

    @property
    def candidate_roles(self) -> tuple[str, ...]:
        return self._spec.candidate_roles

    @property
    def deadline_code(self) -> str | None:
        return self._spec.deadline_code

    @property
    def legal_basis(self) -> str:
        return self._spec.legal_basis

    @property
    def description(self) -> str:
        return self._spec.description

    @property
    def allowed_outcomes(self) -> tuple[str, ...]:
        return tuple(self._spec.outcomes)

    def outcome(self, outcome: str) -> OutcomeSpec:
        """The outcome's name, description, clock effects (pauses/resumes) and form; `OutcomeNotAllowed`."""
        spec = self._spec.outcomes.get(outcome)
        if spec is None:
            raise OutcomeNotAllowed(self.kind, outcome, list(self.allowed_outcomes))
        return spec

    def form_schema(self, outcome: str) -> dict[str, Any]:
        """The full JSON Schema of one outcome's form (a copy)."""
        self.outcome(outcome)
        return copy.deepcopy(self._forms[outcome])

    def completion_schema(self) -> dict[str, Any]:
        """One JSON Schema for the completion body {"outcome": …, "form": {…}} (a copy): what the task row stores."""
        return copy.deepcopy(self._completion)

    def validate(self, outcome: str, form: Mapping[str, Any]) -> None:
        """Raise `OutcomeNotAllowed` or `FormInvalid` (listing every problem with its path); pure."""
        self.outcome(outcome)
        if not isinstance(form, Mapping):
            raise FormInvalid(self.kind, outcome, [f"form: expected an object, got {type(form).__name__}"])
        errors = self._validators[outcome].iter_errors(dict(form))
        problems = explain(errors, self._forms[outcome])
        if problems:
            raise FormInvalid(self.kind, outcome, problems)

    def __repr__(self) -> str:
        return f"TaskKind({self.kind!r}, outcomes={list(self.allowed_outcomes)})"


class TaskCatalogue:
    """All task kinds by name."""

    def __init__(self, version: str, kinds: tuple[TaskKind, ...]) -> None:
        self.version = version
        self._kinds = {k.kind: k for k in kinds}

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kind names, in catalogue order."""
        return tuple(self._kinds)

    def get(self, kind: str) -> TaskKind:
        found = self._kinds.get(kind)
        if found is None:
            raise UnknownTaskKind(kind, list(self._kinds))
        return found

    def __iter__(self) -> Iterator[TaskKind]:
        return iter(self._kinds.values())

    def __contains__(self, kind: object) -> bool:
        return kind in self._kinds

    def __len__(self) -> int:
        return len(self._kinds)


# ----------------------------------------------------------------------------- loading


def _enum_at(definitions: Mapping[str, Any], *path: str) -> list[Any] | None:
    node: Any = definitions
    for part in path:
        node = node.get(part) if isinstance(node, Mapping) else None
    return list(node) if isinstance(node, list) else None


def _cross_checks(definitions: Mapping[str, Any], procedure: ProcedureRules, timers: TimerTable) -> list[str]:
    """Enumerations that other rules files own must agree with them, or the forms would drift."""
    owners: list[tuple[tuple[str, ...], set[str], str]] = [
        (("penalty_kind", "enum"), set(procedure.penalty_kinds.kinds), "procedure.yaml penalty_kinds"),
        (
            ("simple_penalty_kind", "enum"),
            set(procedure.simplified_procedure.allowed_penalty_kinds),
            "procedure.yaml simplified_procedure.allowed_penalty_kinds",
        ),
        (("party", "properties", "type", "enum"), {p.value for p in PartyType}, "rules.catalogue.PartyType"),
        (("deviation", "properties", "approval", "enum"), {a.value for a in ApprovalKind}, "ApprovalKind"),
        (
            ("deviation", "properties", "mitigation_ground", "enum"),
            {m.value for m in MitigationGround},
            "rules.discretion_records.MitigationGround",
        ),
        (
            ("extension_approval", "enum"),
            {e.approver for t in timers.timers for e in t.extensions},
            "the extension approvers in deadlines.yaml",
        ),
    ]
    checklist = definitions.get("review_checklist", {}).get("properties", {})
    owners.append((("review_item_key", "enum"), set(checklist), "the items of definitions.review_checklist"))
    problems = []
    for path, expected, owner in owners:
        found = _enum_at(definitions, *path)
        if found is None or set(found) != expected or len(found) != len(set(found)):
            problems.append(f"definitions.{'.'.join(path)}: must list exactly {sorted(expected)} ({owner})")
    return problems


def _pydantic_problems(exc: ValidationError, raw: Any) -> list[str]:
    """Each error as "<kind>.<field>: message", naming the kind instead of its list index."""
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        if len(err["loc"]) >= 2 and err["loc"][0] == "kinds" and isinstance(err["loc"][1], int):
            entries = raw.get("kinds") if isinstance(raw, dict) else None
            index = err["loc"][1]
            entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
            name = entry.get("kind") if isinstance(entry, dict) else None
            loc = [str(name or f"kinds[{index}]"), *loc[2:]]
        message = str(err["msg"]).removeprefix("Value error, ")
        problems.append(f"{'.'.join(loc)}: {message}" if loc else message)
    return problems


def parse_task_catalogue(raw: Any, source: str = "tasks.yaml") -> TaskCatalogue:
    """Validate raw catalogue data and compile every form schema; errors name the kind and the field."""
    try:
        spec = CatalogueSpec.model_validate(raw)
    except ValidationError as exc:
        raise RuleDataError(f"{source} is invalid: " + "; ".join(_pydantic_problems(exc, raw))) from exc
    problems = _cross_checks(spec.definitions, load_procedure_rules(), load_timer_table())
    # The meta-schema check is slow, so the shared definitions are checked once, not inside every form.
    problems += [
        f"definitions.{p.removeprefix('not a valid JSON Schema: $defs.')}"
        for p in check_schema({"$defs": spec.definitions})
    ]
    built: list[tuple[TaskKindSpec, dict[str, dict[str, Any]]]] = []
    for kind in spec.kinds:
        forms = {}
        for outcome, outcome_spec in kind.outcomes.items():
            schema, found = assemble(outcome_spec.form, spec.definitions)
            found = found or check_schema(outcome_spec.form) or lint(schema)
            problems += [f"{kind.kind}.outcomes.{outcome}.form: {p}" for p in found]
            forms[outcome] = schema
        built.append((kind, forms))
    if problems:
        raise RuleDataError(f"{source} is invalid: " + "; ".join(problems))
    return TaskCatalogue(spec.version, tuple(TaskKind(kind, forms) for kind, forms in built))


@lru_cache(maxsize=1)
def load_task_catalogue() -> TaskCatalogue:
    """The shipped catalogue, loaded and validated once (call it at start-up, outside workflow code)."""
    return parse_task_catalogue(load_yaml("tasks.yaml"))
