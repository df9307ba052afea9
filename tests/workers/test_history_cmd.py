"""`zhifa history export` and `zhifa history replay`, driven as an auditor would through the Typer app.

The commands run `asyncio.run` themselves, so each invocation runs in a thread of its own, away
from the test's event loop (which hosts the dev server's worker).
"""

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from typer.testing import CliRunner, Result

from core.settings import get_settings
from rules.calendar import SHANGHAI, CalendarOverride
from tests.workers.conftest import free_port
from workers.cli import app
from workers.history_cmd import default_file_name, load_history
from workflows.deadline_watch import DeadlineWatchWorkflow, WatchInput, WatchState
from workflows.sandbox import WORKFLOW_RUNNER
from workflows.statutory_clock import CALENDAR_UPDATED_SIGNAL, ClockSpec

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
SAVED = sorted(HISTORIES.glob("*.json"))
CLI_TIMEOUT = 120.0


async def zhifa(*args: str | Path) -> Result:
    """Run `zhifa ARGS…` in a thread (bounded); the result has exit code and output."""
    runner = CliRunner()
    argv = [str(a) for a in args]

    def invoke() -> Result:
        return runner.invoke(app, argv)

    return await asyncio.wait_for(asyncio.to_thread(invoke), timeout=CLI_TIMEOUT)


def output_of(result: Result) -> str:
    """What a failed assertion shows: the output, and an exception the command did not handle."""
    unhandled = result.exception is not None and not isinstance(result.exception, SystemExit)
    return result.output + (f"\n{result.exception!r}" if unhandled else "")


@pytest.fixture
def temporal_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, str], None]]:
    """Point the configured Temporal address and namespace somewhere for this test."""

    def point(address: str, namespace: str) -> None:
        monkeypatch.setenv("ZHIFA_TEMPORAL_ADDRESS", address)
        monkeypatch.setenv("ZHIFA_TEMPORAL_NAMESPACE", namespace)
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()


# --- replay --------------------------------------------------------------------------------------


async def test_the_saved_histories_replay_ok() -> None:
    assert SAVED, f"no saved histories in {HISTORIES}"
    result = await zhifa("history", "replay", *SAVED)
    assert result.exit_code == 0, output_of(result)
    for path in SAVED:
        assert f"OK      {path}" in result.output
    assert f"{len(SAVED)} of {len(SAVED)} replayed OK" in result.output
    assert "FAILED" not in result.output


def _truncated(text: str) -> str:
    return text[: len(text) // 2]


def _foreign_type(text: str) -> str:
    return text.replace('"DeadlineWatchWorkflow"', '"ParkingMeterWorkflow"')


def _not_a_history(_text: str) -> str:
    return json.dumps({"case_id": "case-1", "stage": "closed"})


def _reordered(text: str) -> str:
    data = json.loads(text)
    data["events"] = [data["events"][0], *data["events"][4:]]  # the first workflow task is gone
    return json.dumps(data)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_truncated, "not JSON"),
        (_not_a_history, 'not a workflow history: expected a JSON object with a non-empty "events" list'),
        (_foreign_type, "Workflow class ParkingMeterWorkflow is not registered on this worker"),
        (_reordered, "History is out of order"),
    ],
    ids=["truncated", "not-a-history", "foreign-workflow-type", "events-missing"],
)
async def test_a_spoiled_history_fails_and_says_why(spoil: Callable[[str], str], message: str, tmp_path: Path) -> None:
    good = HISTORIES / "deadline-watch-calendar-updated.json"
    bad = tmp_path / "spoiled.json"
    bad.write_text(spoil(good.read_text(encoding="utf-8")), encoding="utf-8")

    result = await zhifa("history", "replay", good, bad)

    assert result.exit_code == 1, output_of(result)
    assert f"OK      {good}" in result.output
    failed = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and str(bad) in failed[0] and message in failed[0], result.output
    assert "1 of 2 replayed OK" in result.output


async def test_a_missing_file_fails(tmp_path: Path) -> None:
    result = await zhifa("history", "replay", tmp_path / "nope.json")
    assert result.exit_code == 1, output_of(result)
    assert f"FAILED  {tmp_path / 'nope.json'}  cannot read: No such file or directory" in result.output


def test_the_default_export_file_name_is_safe() -> None:
    assert default_file_name("case-2026-0001") == "case-2026-0001.json"
    assert default_file_name("intake/12345:abc") == "intake_12345_abc.json"
    assert default_file_name("../etc") == "_etc.json"


# --- export against a real dev server ------------------------------------------------------------


@pytest.fixture
async def watch_client(dev_server_env: WorkflowEnvironment) -> AsyncIterator[tuple[Client, str]]:
    client = dev_server_env.client
    queue = f"history-{uuid.uuid4()}"
    async with Worker(client, task_queue=queue, workflows=[DeadlineWatchWorkflow], workflow_runner=WORKFLOW_RUNNER):
        yield client, queue


async def _finished_watch(client: Client, queue: str) -> str:
    """A DeadlineWatchWorkflow told a published schedule, then that the act was done."""
    workflow_id = f"watch-{uuid.uuid4()}"
    start = dt.datetime(2026, 12, 28, 10, tzinfo=SHANGHAI)
    handle = await client.start_workflow(
        DeadlineWatchWorkflow.run,
        WatchInput(subject="statement period", clock=ClockSpec(code="T07", start=start)),
        id=workflow_id,
        task_queue=queue,
    )
    schedule = CalendarOverride(year=2027, source="test", holidays=(dt.date(2027, 1, 1), dt.date(2027, 1, 4)))
    await handle.signal(CALENDAR_UPDATED_SIGNAL, [schedule])
    await handle.signal(DeadlineWatchWorkflow.met)
    result: WatchState = await asyncio.wait_for(handle.result(), timeout=30)
    assert result.outcome == "met"
    return workflow_id


def _target(env: WorkflowEnvironment) -> str:
    return env.client.service_client.config.target_host


async def test_export_writes_a_history_that_replays(
    dev_server_env: WorkflowEnvironment,
    watch_client: tuple[Client, str],
    temporal_settings: Callable[[str, str], None],
    tmp_path: Path,
) -> None:
    temporal_settings(_target(dev_server_env), dev_server_env.client.namespace)
    workflow_id = await _finished_watch(*watch_client)
    out = tmp_path / "audit" / "watch.json"
    out.parent.mkdir()

    exported = await zhifa("history", "export", workflow_id, "--out", out)

    assert exported.exit_code == 0, output_of(exported)
    assert f"exported {workflow_id} (DeadlineWatchWorkflow" in exported.output
    history = load_history(out)
    started = history.events[0].workflow_execution_started_event_attributes
    assert started.workflow_type.name == "DeadlineWatchWorkflow"
    signals = [e for e in history.events if e.HasField("workflow_execution_signaled_event_attributes")]
    assert [s.workflow_execution_signaled_event_attributes.signal_name for s in signals] == ["calendar_updated", "met"]
    assert history.events[-1].HasField("workflow_execution_completed_event_attributes")

    replayed = await zhifa("history", "replay", out)
    assert replayed.exit_code == 0, output_of(replayed)
    assert f"OK      {out}  DeadlineWatchWorkflow" in replayed.output

    again = await zhifa("history", "export", workflow_id, "--out", out)  # never replaces a file silently
    assert again.exit_code == 1
    assert "exists" in again.output
    forced = await zhifa("history", "export", workflow_id, "--out", out, "--force")
    assert forced.exit_code == 0, output_of(forced)


async def test_export_defaults_to_a_file_named_after_the_workflow(
    dev_server_env: WorkflowEnvironment,
    watch_client: tuple[Client, str],
    temporal_settings: Callable[[str, str], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    temporal_settings(_target(dev_server_env), dev_server_env.client.namespace)
    workflow_id = await _finished_watch(*watch_client)
    monkeypatch.chdir(tmp_path)

    exported = await zhifa("history", "export", workflow_id)

    assert exported.exit_code == 0, output_of(exported)
    assert (tmp_path / f"{workflow_id}.json").is_file()
    assert load_history(tmp_path / f"{workflow_id}.json").workflow_id == workflow_id


async def test_export_to_stdout(
    dev_server_env: WorkflowEnvironment,
    watch_client: tuple[Client, str],
    temporal_settings: Callable[[str, str], None],
) -> None:
    temporal_settings(_target(dev_server_env), dev_server_env.client.namespace)
    workflow_id = await _finished_watch(*watch_client)

    exported = await zhifa("history", "export", workflow_id, "--out", "-")

    assert exported.exit_code == 0, output_of(exported)
    data: dict[str, Any] = json.loads(exported.stdout)
    assert data["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"


async def test_export_of_an_unknown_workflow_fails(
    dev_server_env: WorkflowEnvironment, temporal_settings: Callable[[str, str], None], tmp_path: Path
) -> None:
    temporal_settings(_target(dev_server_env), dev_server_env.client.namespace)
    result = await zhifa("history", "export", "no-such-case", "--out", tmp_path / "x.json")
    assert result.exit_code == 1
    assert f"no workflow 'no-such-case' in namespace zhifa-test at {_target(dev_server_env)}" in result.output
    assert not (tmp_path / "x.json").exists()


async def test_export_without_temporal_fails(temporal_settings: Callable[[str, str], None], tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    temporal_settings(address, "zhifa")
    result = await zhifa("history", "export", "case-1", "--out", tmp_path / "x.json")
    assert result.exit_code == 1
    assert f"cannot reach Temporal (namespace zhifa at {address})" in result.output
