"""The workflow sandbox every worker uses.

rules/ is pure and deterministic, and so are the calendar libraries it reads (chinesecalendar,
holidays and its dateutil import); they are passed through so the sandbox neither re-imports
them per run nor trips over module-level code such as dateutil's `time.localtime()` call.
"""

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

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
)

WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
)
