"""`zhifa dev`: the embedded stack as real processes on free ports with a temporary var folder.

Start → banner and /readyz 200 → a workflow on its Temporal server → SIGINT → exit 0 and no child
left → start again → the workflow and its search attributes are still there. A SIGKILLed child
takes the stack down with a non-zero exit. A malformed temporal-dev.yaml or a busy port stops
`zhifa dev` before anything starts.
"""

import os
import re
import signal
import socket
import uuid
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from core.settings import Settings
from tests.workers.conftest import BIN, REPO_ROOT, Running, pid_alive, wait_until
from tests.workers.stack import STOP_TIMEOUT, Stack
from workers.devconfig import DevConfigError, load_dev_config, resolve_dev_server
from workers.devstack import StackError, state_lock

pytestmark = pytest.mark.temporal

CASE_ID = SearchAttributeKey.for_keyword("ZhifaCaseId")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _assert_all_gone(pids: dict[str, int]) -> None:
    survivors = {name: pid for name, pid in pids.items() if pid_alive(pid)}
    assert not survivors, f"children survived the supervisor: {survivors}"


async def test_start_stop_and_resume_the_same_state(tmp_path: Path, running: list[Running]) -> None:
    stack = Stack(tmp_path / "var")
    process, pids = stack.start_and_wait(running)
    assert f"http://127.0.0.1:{stack.api_port}/docs" in process.output
    ui_port = stack.env["ZHIFA_TEMPORAL_UI_PORT"]
    assert re.search(rf"Temporal UI +http://127\.0\.0\.1:{ui_port}\n", process.output)
    assert "demo-integrator-key" in process.output and "password demo" in process.output
    health = stack.healthz()
    assert health.status_code == 200, health.text
    assert health.json()["temporal"]["ok"] and health.json()["database"]["ok"]

    client = await Client.connect(stack.address, namespace="zhifa")
    listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace="zhifa"))
    assert listed.custom_attributes["ZhifaCaseId"] == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
    assert listed.custom_attributes["ZhifaOverdue"] == IndexedValueType.INDEXED_VALUE_TYPE_BOOL
    case_id = f"C-{uuid.uuid4().hex[:8]}"
    workflow_id = f"persisted-{case_id}"
    await client.start_workflow(
        "NobodyRunsThis",
        id=workflow_id,
        task_queue="nobody-polls-this",
        search_attributes=TypedSearchAttributes([SearchAttributePair(CASE_ID, case_id)]),
    )

    process.popen.send_signal(signal.SIGINT)
    assert process.wait_exit(STOP_TIMEOUT) == 0, process.output
    assert "did not stop within" not in process.output, process.output
    assert "while stopping" not in process.output, process.output  # every child exited cleanly, none aborted
    assert "Fatal Python error" not in process.output, process.output
    _assert_all_gone(pids)
    assert all(_port_free(port) for port in (stack.temporal_port, stack.api_port))
    assert (stack.var_dir / "temporal" / "dev.sqlite").exists()

    again, new_pids = stack.start_and_wait(running)
    client = await Client.connect(stack.address, namespace="zhifa")
    description = await client.get_workflow_handle(workflow_id).describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    found = [w.id async for w in client.list_workflows(f'ZhifaCaseId = "{case_id}"')]
    assert found == [workflow_id]

    again.popen.send_signal(signal.SIGTERM)
    assert again.wait_exit(STOP_TIMEOUT) == 0, again.output
    _assert_all_gone(new_pids)


def test_a_killed_child_stops_the_stack(tmp_path: Path, running: list[Running]) -> None:
    stack = Stack(tmp_path / "var")
    process, pids = stack.start_and_wait(running)
    os.kill(pids["worker"], signal.SIGKILL)
    code = process.wait_exit(STOP_TIMEOUT)
    assert code != 0
    assert f"worker (pid {pids['worker']}) exited unexpectedly" in process.output
    _assert_all_gone(pids)


def test_a_killed_supervisor_leaves_no_orphans(tmp_path: Path, running: list[Running]) -> None:
    stack = Stack(tmp_path / "var")
    process, pids = stack.start_and_wait(running)
    process.popen.kill()  # no chance to clean up: the kernel's parent-death signal must do it
    process.wait_exit(STOP_TIMEOUT)
    wait_until(lambda: not any(pid_alive(pid) for pid in pids.values()), STOP_TIMEOUT, "the children to exit")


def test_malformed_config_is_a_clear_start_up_error(tmp_path: Path, running: list[Running]) -> None:
    config = tmp_path / "temporal-dev.yaml"
    config.write_text("namespace: zhifa\nport: 99999\nsearch_attributes:\n  ZhifaCaseId: Keywrd\n")
    stack = Stack(tmp_path / "var", ZHIFA_TEMPORAL_DEV_CONFIG=str(config))
    stack.env.pop("ZHIFA_TEMPORAL_ADDRESS")  # let the file's bad port through
    process = stack.start(running)
    assert process.wait_exit(STOP_TIMEOUT) == 2
    assert f"{config} is invalid" in process.output
    assert "port: Input should be less than or equal to 65535 (got 99999)" in process.output
    assert "search_attributes.ZhifaCaseId:" in process.output
    assert not (tmp_path / "var" / "temporal").exists(), "nothing may start on a bad configuration"


def test_busy_port_is_a_clear_start_up_error(tmp_path: Path, running: list[Running]) -> None:
    stack = Stack(tmp_path / "var")
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", stack.api_port))
        blocker.listen()
        process = stack.start(running)
        assert process.wait_exit(STOP_TIMEOUT) == 2
    assert f"already in use: API port {stack.api_port}" in process.output


# --- configuration, in process ---------------------------------------------------------------------


def test_repository_config_is_valid_and_complete() -> None:
    config = load_dev_config(REPO_ROOT / "temporal-dev.yaml")
    assert (config.namespace, config.ip, config.port, config.ui_port) == ("zhifa", "127.0.0.1", 7233, 8233)
    assert config.sqlite_pragmas == {"journal_mode": "wal", "synchronous": "normal"}
    assert config.search_attributes == {
        "ZhifaCaseId": "Keyword",
        "ZhifaStage": "Keyword",
        "ZhifaDistrict": "Keyword",
        "ZhifaViolationCode": "Keyword",
        "ZhifaOverdue": "Bool",
        "ZhifaSource": "Keyword",
    }


def test_environment_overrides_and_argv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIFA_TEMPORAL_ADDRESS", "127.0.0.1:17000")
    monkeypatch.setenv("ZHIFA_TEMPORAL_UI_PORT", "18000")
    monkeypatch.setenv("ZHIFA_VAR_DIR", str(tmp_path))
    server = resolve_dev_server(Settings(), REPO_ROOT / "temporal-dev.yaml")
    argv = server.argv()
    assert argv[:3] == [str(BIN / "temporal"), "server", "start-dev"]
    joined = " ".join(argv)
    assert "--port 17000" in joined and "--ui-port 18000" in joined and "--ip 127.0.0.1" in joined
    assert f"--db-filename {tmp_path / 'temporal' / 'dev.sqlite'}" in joined
    assert "--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal" in joined
    assert "--search-attribute ZhifaOverdue=Bool" in joined
    assert "--namespace zhifa" in joined and "--ui-disable-news-fetch" in joined
    assert server.ui_url == "http://127.0.0.1:18000"


def test_without_overrides_the_file_wins(tmp_path: Path) -> None:
    config = tmp_path / "dev.yaml"
    config.write_text("namespace: other\nport: 7999\nui_port: null\ndb_filename: /abs/t.sqlite\n")
    server = resolve_dev_server(Settings(var_dir=tmp_path), config)
    assert server.address == "127.0.0.1:7999" and server.namespace == "other"
    assert "--headless" in server.argv() and server.ui_url is None
    assert server.db_path == Path("/abs/t.sqlite")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port: [1, 2\n", "is not valid YAML"),
        ("- a list\n", "must be a mapping"),
        ("namespace: zhifa\nprot: 7233\n", "prot: Extra inputs are not permitted"),
        ("ip: not-an-ip\n", "ip: Value error"),
        ("log_level: chatty\n", "log_level: Input should be"),
    ],
)
def test_malformed_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    with pytest.raises(DevConfigError, match=re.escape(message)):
        load_dev_config(config)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DevConfigError, match="cannot read"):
        load_dev_config(tmp_path / "absent.yaml")


def test_one_dev_stack_per_var_folder(tmp_path: Path) -> None:
    server = resolve_dev_server(Settings(var_dir=tmp_path), REPO_ROOT / "temporal-dev.yaml")
    # flock locks belong to open file descriptions: a second open conflicts even in-process.
    with state_lock(server), pytest.raises(StackError, match=f"pid {os.getpid()}"), state_lock(server):
        pass
    with state_lock(server):
        pass
