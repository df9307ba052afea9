"""Leave a finished process without CPython's finalisation.

The Temporal client's Rust threads can outlive the event loop and abort finalisation ("Fatal Python
error: PyGILState_Release: thread state … must be current", temporalio/sdk-python#300), turning a
clean stop into SIGABRT (exit -6) at random. Every process that held a Temporal client (the `zhifa`
commands, the worker, the API) has finished its work and its graceful shutdown when it calls this:
flush what it wrote and leave with its own exit status.
"""

import logging
import os
import sys
from collections.abc import Callable
from typing import NoReturn


def exit_code_of(done: SystemExit) -> int:
    """The status a SystemExit asks for; a message (``sys.exit("why")``) is printed and means 1."""
    code = done.code
    if isinstance(code, str):
        print(code, file=sys.stderr, flush=True)
        return 1
    return code or 0


def run_and_leave(body: Callable[[], object]) -> NoReturn:
    """Run ``body`` (a CLI's main), then leave with its exit status and no finalisation."""
    try:
        body()
        code = 0
    except SystemExit as done:
        code = exit_code_of(done)
    except BaseException:  # what Python would print for an uncaught exception, then its status 1
        sys.excepthook(*sys.exc_info())
        code = 1
    leave(code)


def leave(code: int) -> NoReturn:
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
