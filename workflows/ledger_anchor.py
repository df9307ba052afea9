"""LedgerAnchorWorkflow: one anchoring round of the evidence ledger (区块链存证), started by a Schedule.

The Schedule (core/ledger_schedule.py) starts a round every ``ledger_anchor_every_seconds``, and
whoever records leaves triggers one early once ``ledger_anchor_every_leaves`` wait; overlapping
rounds are skipped, so a slow chain never piles rounds up. A round signs the current tree head and
anchors it (activities/ledger.py): one signed head, one chain transaction, for every leaf recorded
since the last round — the OpenTimestamps pattern. A chain that is down is retried with backoff;
evidence intake never waits for it (recording and anchoring are separate).
"""

from __future__ import annotations

import datetime as dt

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.ledger_model import ANCHOR_ACTIVITY, ANCHOR_CONFLICT, AnchorSummary

ANCHOR_RETRY = RetryPolicy(
    initial_interval=dt.timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=dt.timedelta(minutes=5),
    non_retryable_error_types=[ANCHOR_CONFLICT],  # the chain holds another head for this size: a human looks
)


@workflow.defn(name="LedgerAnchor")
class LedgerAnchorWorkflow:
    @workflow.run
    async def run(self) -> AnchorSummary | None:
        summary: AnchorSummary | None = await workflow.execute_activity(
            ANCHOR_ACTIVITY,
            result_type=AnchorSummary | None,  # type: ignore[arg-type]
            start_to_close_timeout=dt.timedelta(minutes=2),
            schedule_to_close_timeout=dt.timedelta(hours=6),
            retry_policy=ANCHOR_RETRY,
        )
        return summary
