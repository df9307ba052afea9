"""Record the saved workflow histories that tests/workflows/test_replay.py replays.

    python -m tests.histories.record            # record every scenario whose file is missing
    python -m tests.histories.record NAME...    # only these scenarios

Each scenario drives the workflow code of this checkout on a fresh time-skipping Temporal server
(the projection and document activities write to a throw-away SQLite database with the demo
jurisdictions, and a throw-away document store) and writes `<name>.json`
(`WorkflowHistory.to_json()`). Record from a committed state: the script refuses when workflows/
or rules/ have uncommitted changes (a shared checkout: record from `git archive HEAD`, see
README.md). An existing file is never overwritten unless `--overwrite` is given: a saved history
stands for cases already running in production, so a replay that fails after a change means the
change needs `workflow.patched`, not a new recording.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.registry import ACTIVITIES
from core.db import dispose_engines, get_engine, migrate
from core.seed import seed_jurisdictions
from core.settings import get_settings
from rules.calendar import LIBRARY_YEARS, SHANGHAI, CalendarOverride
from rules.startup import load_rules
from tests.histories.scenarios_measures import case_deferral_paid, case_seizure_released
from tests.workflows.case import forms
from tests.workflows.case.driver import CITYHEAD1, HEAD1, OFFICER1, OFFICER2, CaseDriver, case_input
from workflows.case.events import PartyEvent, Payment
from workflows.case.model import CaseInput, CaseSummary, Stage
from workflows.case.workflow import EnforcementCaseWorkflow
from workflows.deadline_watch import DeadlineWatchWorkflow, WatchInput, WatchState
from workflows.registry import WORKFLOWS
from workflows.sandbox import WORKFLOW_RUNNER
from workflows.statutory_clock import CALENDAR_UPDATED_SIGNAL, ClockSpec

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent
TASK_QUEUE = "histories"

# The first year the pinned calendar library has no official schedule for: deadlines that run
# into it are provisional until a `calendar_updated` signal brings the published schedule.
PROVISIONAL_YEAR = LIBRARY_YEARS.stop
PUBLISHED = CalendarOverride(
    year=PROVISIONAL_YEAR,
    source="recorded test schedule",
    holidays=(dt.date(PROVISIONAL_YEAR, 1, 1), dt.date(PROVISIONAL_YEAR, 1, 4)),
)


class Recording:
    """One scenario's server, client and worker."""

    def __init__(self, env: WorkflowEnvironment, client: Client, workflow_id: str) -> None:
        self.env = env
        self.client = client
        self.workflow_id = workflow_id

    async def now(self) -> dt.datetime:
        return await self.env.get_current_time()

    async def skip_to(self, instant: dt.datetime) -> None:
        now = await self.now()
        if instant < now:
            raise RuntimeError(f"the scenario needs the clock at {instant}, but the server is already at {now}")
        await self.env.sleep(instant - now)

    async def start_case(self, case: CaseInput) -> CaseDriver:
        case = case.model_copy(update={"case_id": self.workflow_id})  # the same ids on every recording
        handle = await self.client.start_workflow(
            EnforcementCaseWorkflow.run, case, id=self.workflow_id, task_queue=TASK_QUEUE
        )
        return CaseDriver(self.env, handle)


async def _closed(case: CaseDriver, result: str) -> WorkflowHandle[Any, Any]:
    summary: CaseSummary = await case.handle.result()
    if (summary.stage, summary.result) != (Stage.CLOSED, result):
        raise AssertionError(f"{case.handle.id} ended {summary.stage}/{summary.result}, expected closed/{result}")
    return case.handle


# --- scenarios ---------------------------------------------------------------------------------


async def case_paid(rec: Recording) -> WorkflowHandle[Any, Any]:
    """Ordinary procedure, lead to closing: filed, investigated, prior notice (statement waived),
    penalty decided and served, the fine paid by a bank signal, closing approved."""
    now = await rec.now()
    case = await rec.start_case(case_input(now, violation_code="street_vending_jiaxing"))
    await case.complete("verify_lead", OFFICER1, "established", forms.established(now))
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    await case.complete(
        "serve_prior_notice", OFFICER2, "served", forms.served(now, document_no="告〔2026〕1号", hearing_right=False)
    )
    await case.handle.signal(
        EnforcementCaseWorkflow.party_event, PartyEvent(kind="waive_statement", at=now, text="放弃陈述申辩")
    )
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    await case.complete("serve_decision", OFFICER1, "served", forms.served(now, document_no="罚〔2026〕1号"))
    await case.task("confirm_payment")
    await case.handle.signal(
        EnforcementCaseWorkflow.payment_confirmed, Payment(amount_yuan=Decimal("300"), paid_at=now, reference="bank-1")
    )
    await case.complete("approve_closing", HEAD1, "approve", forms.CLOSING)
    return await _closed(case, "paid")


async def case_overdue_escalated(rec: Recording) -> WorkflowHandle[Any, Any]:
    """The lead is verified late: T01 expires, the step is marked overdue and a 督办 opens one
    level up (acknowledged by the city); after filing the case clock T06 runs out too and a
    supervision alert is raised; the investigation then finds no violation and the case closes."""
    now = await rec.now()
    case = await rec.start_case(case_input(now))
    t01 = next(d for d in (await case.state()).deadlines if d.code == "T01")
    await case.sleep_until(t01.due_at + dt.timedelta(hours=1))
    await case.complete("escalation", CITYHEAD1, "acknowledged", {"instruction": "立即核查并报告"})
    late = await rec.now()
    await case.complete("verify_lead", OFFICER1, "established", forms.established(late))
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    t06 = next(d for d in (await case.state()).deadlines if d.code == "T06")
    await case.sleep_until(t06.due_at + dt.timedelta(hours=1))
    await case.complete("supervision_alert", CITYHEAD1, "acknowledged", {"instruction": "限期作出处理决定"})
    not_found = {"officers": forms.OFFICERS, "findings": "当事人已搬离，无法认定", "reason": "违法事实不能成立"}
    await case.complete("investigate", OFFICER1, "not_established", not_found)
    closing = {
        "ground": "investigation_terminated",
        "execution_result": "终止调查",
        "archive": {"source_and_filing": ["doc-1"]},
    }
    await case.complete("approve_closing", HEAD1, "approve", closing)
    handle = await _closed(case, "not_established")
    summary: CaseSummary = await handle.result()
    if not summary.overdue:
        raise AssertionError("the overdue scenario did not mark the case overdue")
    return handle


async def lead_not_established(rec: Recording) -> WorkflowHandle[Any, Any]:
    """Verification finds no violation: the lead closes without a case (住建 Art. 15)."""
    now = await rec.now()
    case = await rec.start_case(case_input(now))
    form = {"findings": "现场未发现占道经营", "reason": "违法事实不成立", "inspection": forms.inspection(now)}
    await case.complete("verify_lead", OFFICER1, "not_established", form)
    return await _closed(case, "lead_not_established")


async def case_calendar_updated(rec: Recording) -> WorkflowHandle[Any, Any]:
    """A lead received late in December: T01 runs into a year without an official schedule
    (provisional); the published schedule arrives by the `calendar_updated` signal and the clock
    is recomputed; the lead is then transferred to the competent agency."""
    await rec.skip_to(dt.datetime(PROVISIONAL_YEAR - 1, 12, 21, 9, tzinfo=SHANGHAI))
    now = await rec.now()
    case = await rec.start_case(case_input(now))
    before = next(d for d in (await case.state()).deadlines if d.code == "T01")
    if not before.provisional:
        raise AssertionError(f"T01 from {now} should be provisional")
    await case.handle.signal(EnforcementCaseWorkflow.calendar_updated, [PUBLISHED])
    after = next(d for d in (await case.state()).deadlines if d.code == "T01")
    if after.provisional or after.due_at == before.due_at:
        raise AssertionError(f"T01 was not recomputed: {before.due_at} → {after.due_at}")
    form = {"findings": "属市场监管部门管辖", "receiving_agency": "示范市市场监督管理局", "reason": "不属本机关管辖"}
    await case.complete("verify_lead", OFFICER1, "transfer", form)
    return await _closed(case, "transferred")


async def deadline_watch(rec: Recording) -> WorkflowHandle[Any, Any]:
    """DeadlineWatchWorkflow on T07 (5 WD statement period) served 28 Dec: provisional, then
    recomputed by a `calendar_updated` signal, then the timer fires (deemed waived)."""
    start = dt.datetime(PROVISIONAL_YEAR - 1, 12, 28, 10, tzinfo=SHANGHAI)
    await rec.skip_to(start)
    handle = await rec.client.start_workflow(
        DeadlineWatchWorkflow.run,
        WatchInput(subject="statement period", clock=ClockSpec(code="T07", start=start)),
        id=rec.workflow_id,
        task_queue=TASK_QUEUE,
    )
    await handle.signal(CALENDAR_UPDATED_SIGNAL, [PUBLISHED])
    result: WatchState = await handle.result()
    if result.outcome != "deemed_waived" or [h.reason for h in result.history] != [
        "started",
        f"calendar {PROVISIONAL_YEAR}",
    ]:
        raise AssertionError(f"unexpected watch result: {result}")
    return handle


Scenario = Callable[[Recording], Awaitable[WorkflowHandle[Any, Any]]]

# File name (without .json) = workflow id → scenario. test_replay.py expects every one of these files.
SCENARIOS: dict[str, Scenario] = {
    "case-paid": case_paid,
    "case-paid-projection-coalesced": case_paid,  # the same case after the projection-coalescing patch
    "case-paid-documents": case_paid,  # the same case after the issue-documents patch
    "case-paid-stage-documents": case_paid,  # … and after issue-stage-documents (its 调查终结报告)
    "case-paid-window-left-to-run": case_paid,  # … and after projection-window-left-to-run
    "case-overdue-escalated": case_overdue_escalated,
    "case-lead-not-established": lead_not_established,
    "case-calendar-updated": case_calendar_updated,
    "deadline-watch-calendar-updated": deadline_watch,
    "case-seizure-released": case_seizure_released,  # scenarios_measures.py
    "case-deferral-paid": case_deferral_paid,
}


# --- recording ---------------------------------------------------------------------------------


async def record(name: str, scenario: Scenario) -> WorkflowHistory:
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(BIN / "temporal-test-server"))
    try:
        config = env.client.config()
        config["data_converter"] = pydantic_data_converter
        client = Client(**config)
        with ThreadPoolExecutor(4) as executor:
            async with Worker(
                client,
                task_queue=TASK_QUEUE,
                workflows=WORKFLOWS,
                activities=ACTIVITIES,
                activity_executor=executor,
                workflow_runner=WORKFLOW_RUNNER,
            ):
                handle = await asyncio.wait_for(scenario(Recording(env, client, name)), timeout=120)
                return await handle.fetch_history()
    finally:
        await env.shutdown()


class NotRecordable(RuntimeError):
    pass


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()


def code_version(commit: str | None, allow_dirty: bool) -> str:
    """The commit the recording runs at: this checkout's HEAD, or `commit` for an exported tree."""
    try:
        inside = _git("rev-parse", "--show-toplevel") == str(REPO_ROOT)
    except (OSError, subprocess.CalledProcessError):
        inside = False
    if not inside:
        if commit is None:
            raise NotRecordable(f"{REPO_ROOT} is not a git checkout: say which commit it was exported from (--commit)")
        return commit
    head = _git("rev-parse", "HEAD")
    if commit is not None and commit != head:
        raise NotRecordable(f"--commit {commit} is not this checkout's HEAD ({head})")
    if _git("status", "--porcelain", "--", "workflows", "rules", "pyproject.toml"):
        if not allow_dirty:
            raise NotRecordable(
                "workflows/, rules/ or pyproject.toml have uncommitted changes: record committed code "
                "(git archive HEAD | tar -x -C DIR, then run there with --out), or pass --allow-dirty"
            )
        return head + " + uncommitted changes"
    return head


async def main(names: list[str], out: Path, version: str, overwrite: bool) -> int:
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    print(f"recording at {version} into {out}")
    with tempfile.TemporaryDirectory(prefix="zhifa-histories-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'zhifa.db'}"
        migrate(url)
        seed_jurisdictions(get_engine(url))  # the issuing units of the documents
        os.environ["ZHIFA_DATABASE_URL"] = url
        os.environ["ZHIFA_DOCUMENT_DIR"] = str(Path(tmp) / "documents")
        os.environ["ZHIFA_VAR_DIR"] = tmp  # the ledger key of this recording alone
        get_settings.cache_clear()
        load_rules()  # as the worker does at start-up
        recorded = 0
        try:
            for name in names or list(SCENARIOS):
                path = out / f"{name}.json"
                if path.exists() and not overwrite:
                    print(f"{path.name}: exists, kept (never re-record to make a replay pass)")
                    continue
                history = await record(name, SCENARIOS[name])
                path.write_text(history.to_json() + "\n", encoding="utf-8")
                print(f"{path.name}: {len(history.events)} events, {path.stat().st_size // 1024} KiB")
                recorded += 1
        finally:
            dispose_engines()
            os.environ.pop("ZHIFA_DATABASE_URL", None)
            os.environ.pop("ZHIFA_DOCUMENT_DIR", None)
            os.environ.pop("ZHIFA_VAR_DIR", None)
            get_settings.cache_clear()
    if recorded:
        print(f"list the new file(s) in README.md with the commit: {version}")
    return 0


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"scenarios to record (default: all): {', '.join(SCENARIOS)}")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the files (default: this folder)")
    parser.add_argument("--commit", help="the commit an exported (non-git) tree was taken from")
    parser.add_argument("--allow-dirty", action="store_true", help="record uncommitted workflow code (not for CI)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing files (only for a new scenario)")
    args = parser.parse_args(argv)
    try:
        version = code_version(args.commit, args.allow_dirty)
    except NotRecordable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(main(args.names, args.out.resolve(), version, args.overwrite))


if __name__ == "__main__":
    sys.exit(cli())
