"""README's curl walkthrough, run as written (scripts/walkthrough.sh, curl + jq) against the stack
`make run` serves: an ordinary case, a 首违不罚 case and a 简易程序 case, each to its end."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.workers.conftest import REPO_ROOT, Running
from tests.workers.stack import Stack

pytestmark = pytest.mark.temporal


def test_the_readme_walkthrough_closes_three_cases(tmp_path: Path) -> None:
    for tool in ("curl", "jq"):
        assert shutil.which(tool), f"{tool} is needed (.ci/run installs it)"
    stack, running = Stack(tmp_path / "var"), list[Running]()
    try:
        stack.start_and_wait(running)
        _walk(stack)
    finally:
        for process in running:
            process.stop()


def _walk(stack: Stack) -> None:
    script = REPO_ROOT / "scripts" / "walkthrough.sh"
    done = subprocess.run(
        ["bash", str(script), f"http://127.0.0.1:{stack.api_port}"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" closed: paid") == 2, done.stdout
    assert " closed: no_penalty_first_violation" in done.stdout
    assert "evidence: photo " in done.stdout and " of a signed tree of " in done.stdout
    assert "all three cases closed" in done.stdout
