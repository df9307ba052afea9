"""`run_and_leave`: the body's exit status, its output flushed, and no interpreter finalisation."""

import subprocess
import sys
import textwrap

import pytest

from core.process_exit import exit_code_of


def _run(body: str) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(
        """
        import atexit, sys
        from core.process_exit import run_and_leave
        atexit.register(lambda: print("finalised", flush=True))
        def body():
        {body}
        run_and_leave(body)
        """
    ).format(body=textwrap.indent(textwrap.dedent(body), "    "))
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)


def test_a_clean_body_leaves_with_0_and_its_unflushed_output() -> None:
    done = _run('print("written without a newline", end="")')
    assert done.returncode == 0, done.stderr
    assert done.stdout == "written without a newline"  # flushed; the atexit hook never ran


def test_the_exit_status_the_body_asks_for_is_kept() -> None:
    done = _run("sys.exit(3)")
    assert done.returncode == 3
    assert "finalised" not in done.stdout


def test_a_message_exit_is_printed_and_means_1() -> None:
    done = _run('sys.exit("the rules file is malformed")')
    assert done.returncode == 1
    assert "the rules file is malformed" in done.stderr


def test_an_uncaught_exception_is_printed_and_means_1() -> None:
    done = _run('raise ValueError("boom")')
    assert done.returncode == 1
    assert "ValueError: boom" in done.stderr and "Traceback" in done.stderr


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (2, 2), ("why", 1)])
def test_exit_code_of(code: int | str | None, status: int) -> None:
    assert exit_code_of(SystemExit(code)) == status
