"""The workflow sandbox every worker uses.

rules/ is pure and deterministic, and so are the calendar libraries it reads (chinesecalendar,
holidays and its dateutil import); they are passed through so the sandbox neither re-imports
them per run nor trips over module-level code such as dateutil's `time.localtime()` call.

So is every module of workflows/ but the two that define workflow classes (which the sandbox
re-imports for each new workflow, as it must). They are imported under
``workflow.unsafe.imports_passed_through()`` anyway, but a ``from workflows.case import outside``
there still executed ``outside`` afresh inside the sandbox for every new case (seen in a py-spy
profile of the worker under bench/api_load.py); naming them here makes it hold for every import form.
"""

import pkgutil

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import workflows

# Modules that define workflow classes (workflows.registry): re-imported per workflow, never passed through.
WORKFLOW_DEFINITIONS = frozenset(
    {"workflows.case.workflow", "workflows.deadline_watch", "workflows.ledger_anchor", "workflows.alarm_triage"}
)
_NOT_WORKFLOW_CODE = frozenset({"workflows.registry", "workflows.sandbox"})  # imports the definitions / the worker's


def workflow_helper_modules() -> tuple[str, ...]:
    """Every module under workflows/ that the workflow definitions import (not packages, whose
    names would pass their whole subtree through, definitions included)."""
    found = pkgutil.walk_packages(workflows.__path__, prefix="workflows.")
    return tuple(
        sorted(m.name for m in found if not m.ispkg and m.name not in WORKFLOW_DEFINITIONS | _NOT_WORKFLOW_CODE)
    )


PASSTHROUGH_MODULES = (
    "rules",
    "chinese_calendar",
    "holidays",
    "dateutil",
    "yaml",
    "pydantic",
    "pydantic_core",
    "jsonschema",
    "referencing",
    "rpds",
    *workflow_helper_modules(),
)

WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
)
