"""The sandbox re-imports exactly the modules that define workflows; the rest of workflows/ is
passed through (deterministic helpers, executed once per worker, not once per new workflow)."""

from workflows.registry import WORKFLOWS
from workflows.sandbox import PASSTHROUGH_MODULES, WORKFLOW_DEFINITIONS, workflow_helper_modules


def test_every_workflow_class_lives_in_a_definition_module() -> None:
    """A new module with a workflow class must be named in WORKFLOW_DEFINITIONS, or it would be
    passed through and lose the sandbox's isolation."""
    assert {w.__module__ for w in WORKFLOWS} == WORKFLOW_DEFINITIONS


def test_helpers_pass_through_and_definitions_do_not() -> None:
    helpers = set(workflow_helper_modules())
    assert {"workflows.case.outside", "workflows.case.documents", "workflows.case.stages.notice"} <= helpers
    assert not helpers & WORKFLOW_DEFINITIONS
    assert (
        "workflows" not in PASSTHROUGH_MODULES and "workflows.case" not in PASSTHROUGH_MODULES
    )  # packages pass subtrees
    assert helpers <= set(PASSTHROUGH_MODULES)
