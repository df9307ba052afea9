"""`python -m bench.worker_main`: `zhifa worker`'s process body (ZHIFA_* settings, its thread pool,
slots and sandbox) hosting the product's workflows and activities plus the bare floor workflow."""

from activities.registry import ACTIVITIES
from bench.bare_workflow import BareUpdatesWorkflow
from core.process_exit import run_and_leave
from core.settings import get_settings
from workers.worker import run_worker_process
from workflows.registry import WORKFLOWS

if __name__ == "__main__":
    run_and_leave(
        lambda: run_worker_process(get_settings(), workflows=[*WORKFLOWS, BareUpdatesWorkflow], activities=ACTIVITIES)
    )
