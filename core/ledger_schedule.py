"""The Schedule that runs the ledger's anchoring rounds, and the early trigger of a full batch.

`ensure_anchor_schedule` (called by every worker at start) creates the Schedule once and brings its
interval and task queue in line with the settings afterwards. `trigger_if_due` starts a round now
when ``ledger_anchor_every_leaves`` leaves wait — whichever of time and count comes first. A trigger
that fails (Temporal down) is logged and forgotten: the next interval anchors the batch anyway.
"""

from __future__ import annotations

import datetime as dt
import logging

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.client import ScheduleOverlapPolicy as Overlap
from temporalio.service import RPCError

from core.settings import Settings
from workflows.ledger_model import ANCHOR_WORKFLOW

SCHEDULE_ID = "zhifa-ledger-anchor"
WORKFLOW_ID = "ledger-anchor"

log = logging.getLogger("zhifa.ledger")


def anchor_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(ANCHOR_WORKFLOW, id=WORKFLOW_ID, task_queue=settings.task_queue),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=dt.timedelta(seconds=settings.ledger_anchor_every_seconds))]
        ),
        policy=SchedulePolicy(overlap=Overlap.SKIP),  # one round at a time; a skipped one is covered by the next
    )


async def ensure_anchor_schedule(client: Client, settings: Settings) -> None:
    wanted = anchor_schedule(settings)
    try:
        await client.create_schedule(SCHEDULE_ID, wanted)
        log.info("created schedule %s: anchor every %d s", SCHEDULE_ID, settings.ledger_anchor_every_seconds)
        return
    except ScheduleAlreadyRunningError:
        pass

    def update(current: ScheduleUpdateInput) -> ScheduleUpdate | None:
        schedule = current.description.schedule
        if schedule.spec.intervals == wanted.spec.intervals and schedule.action == wanted.action:
            return None
        schedule.spec = wanted.spec
        schedule.action = wanted.action
        return ScheduleUpdate(schedule=schedule)

    await client.get_schedule_handle(SCHEDULE_ID).update(update)


async def trigger_if_due(client: Client, settings: Settings, pending_leaves: int) -> bool:
    """Start an anchoring round now when a full batch waits; True when one was asked for."""
    if pending_leaves < settings.ledger_anchor_every_leaves:
        return False
    try:
        await client.get_schedule_handle(SCHEDULE_ID).trigger()
    except RPCError as exc:
        log.warning("could not trigger the anchoring schedule (%s); the next interval will anchor", exc)
        return False
    return True
