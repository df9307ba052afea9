"""Every saved history in tests/histories/ replays against the current workflow code.

A saved history stands for cases already running in production: when one stops replaying, the
change to the workflow code would break those cases on the next worker deploy. Put the change
behind `workflow.patched`; never re-record the history (tests/histories/README.md).

The last tests prove the guard guards: the same kind of change made without `workflow.patched`
fails a replay with a nondeterminism error, and made behind it replays.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from rules.startup import load_rules
from tests.histories.record import SCENARIOS
from workers.history_cmd import describe_failure, load_history
from workflows.case.model import CaseInput, CaseSummary
from workflows.case.workflow import EnforcementCaseWorkflow
from workflows.deadline_watch import DeadlineWatchWorkflow, WatchInput, WatchState
from workflows.registry import WORKFLOWS
from workflows.sandbox import WORKFLOW_RUNNER

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
SAVED = sorted(HISTORIES.glob("*.json"))
NOTIFY = dt.timedelta(minutes=1)


@pytest.fixture(scope="module", autouse=True)
def rules_loaded() -> None:
    load_rules()  # as the worker does at start-up: workflow code reads no files


def replayer(*workflows: type) -> Replayer:
    return Replayer(
        workflows=list(workflows) or WORKFLOWS,
        data_converter=pydantic_data_converter,
        workflow_runner=WORKFLOW_RUNNER,
    )


def saved(name: str) -> WorkflowHistory:
    return load_history(HISTORIES / f"{name}.json")


def test_every_scenario_has_its_saved_history() -> None:
    assert SAVED, f"no saved histories in {HISTORIES}: the replay guard guards nothing"
    missing = sorted(f"{name}.json" for name in SCENARIOS if not (HISTORIES / f"{name}.json").exists())
    assert not missing, f"saved histories missing from {HISTORIES}: {', '.join(missing)}"


@pytest.mark.parametrize("path", SAVED, ids=[p.name for p in SAVED])
async def test_saved_history_replays_against_the_current_code(path: Path) -> None:
    history = load_history(path)
    result = await replayer().replay_workflow(history, raise_on_replay_failure=False)
    if result.replay_failure is not None:
        pytest.fail(
            f"tests/histories/{path.name} no longer replays against the current workflow code: "
            f"{describe_failure(result.replay_failure)}\n"
            "Cases like it are running: put the change behind workflow.patched(...) "
            "and never re-record the history (tests/histories/README.md).",
            pytrace=False,
        )


# --- the guard guards ------------------------------------------------------------------------------
# Copies of the registered workflows under the same names, each with one change a developer might
# make: tell someone when the workflow starts, by an activity, before doing what it did before.
# Not sandboxed: the sandbox would re-import this test module (pytest, file globbing) to run them;
# the nondeterminism check is the core's and the same with either runner.


@workflow.defn(name="DeadlineWatchWorkflow", sandboxed=False)
class WatchNotifyingUnpatched(DeadlineWatchWorkflow):
    @workflow.run
    async def run(self, request: WatchInput) -> WatchState:
        await workflow.execute_activity("notify_party", request.subject, start_to_close_timeout=NOTIFY)
        return await super().run(request)


@workflow.defn(name="DeadlineWatchWorkflow", sandboxed=False)
class WatchNotifyingPatched(DeadlineWatchWorkflow):
    @workflow.run
    async def run(self, request: WatchInput) -> WatchState:
        if workflow.patched("notify-party-on-start"):
            await workflow.execute_activity("notify_party", request.subject, start_to_close_timeout=NOTIFY)
        return await super().run(request)


@workflow.defn(name="EnforcementCaseWorkflow", sandboxed=False)
class CaseNotifyingUnpatched(EnforcementCaseWorkflow):
    @workflow.run
    async def run(self, case: CaseInput) -> CaseSummary:
        await workflow.execute_activity("notify_party", case.case_id, start_to_close_timeout=NOTIFY)
        return await super().run(case)


@workflow.defn(name="EnforcementCaseWorkflow", sandboxed=False)
class CaseNotifyingPatched(EnforcementCaseWorkflow):
    @workflow.run
    async def run(self, case: CaseInput) -> CaseSummary:
        if workflow.patched("notify-party-on-start"):
            await workflow.execute_activity("notify_party", case.case_id, start_to_close_timeout=NOTIFY)
        return await super().run(case)


@pytest.mark.parametrize(
    ("name", "changed"),
    [("deadline-watch-calendar-updated", WatchNotifyingUnpatched), ("case-paid", CaseNotifyingUnpatched)],
)
async def test_a_change_without_workflow_patched_fails_the_replay(name: str, changed: type) -> None:
    with pytest.raises(NondeterminismError):
        await replayer(changed).replay_workflow(saved(name))


@pytest.mark.parametrize(
    ("name", "changed"),
    [("deadline-watch-calendar-updated", WatchNotifyingPatched), ("case-paid", CaseNotifyingPatched)],
)
async def test_the_same_change_behind_workflow_patched_replays(name: str, changed: type) -> None:
    await replayer(changed).replay_workflow(saved(name))


async def test_a_history_of_an_unregistered_workflow_type_fails_the_replay() -> None:
    result = await replayer(DeadlineWatchWorkflow).replay_workflow(saved("case-paid"), raise_on_replay_failure=False)
    assert result.replay_failure is not None
    assert "EnforcementCaseWorkflow is not registered" in str(result.replay_failure)
