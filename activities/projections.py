"""The projection activity: writes a case workflow's ``ProjectionBatch`` to the SQL tables.

DESIGN "How data flows", step 5: projections are idempotent and rebuildable from histories. Every
row carries an ordering key and is written with one ``INSERT … ON CONFLICT DO UPDATE … WHERE`` whose
``WHERE`` lets only a *newer* state through, so the rows end up the same whatever the order and
however often batches arrive (activity retries, replays, a rebuild over an existing table):

- ``case_record``: newer means a higher batch seq (the highest event seq in the batch).
- ``case_task``: newer means a higher ``(status rank, batch seq)``; a finished task (rank 1) never
  goes back to open (rank 0), whatever the seq: a step, once done, is redone as a new task.
- ``case_deadline``: newer means a higher batch seq only, since a clock may legitimately run again
  (an extension approved after expiry, a holiday schedule recomputing a provisional day).
- ``case_event``: append-only, ``ON CONFLICT DO NOTHING`` on ``(case_id, seq)``.

The conflict clause makes each upsert atomic in the database (no read-then-write race between two
workers). ``updated_at`` is the time of the batch's newest event, not the wall clock, so a rebuild
writes identical rows. A batch without events counts as the oldest state possible (seq -1): it can
create rows but never overwrite them; the case workflow attaches at least one event to each change.
"""

import asyncio
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.case_tables import CaseDeadline, CaseEventRow, CaseRecord, CaseTask, CaseTaskRole, table_of
from core.db import get_engine
from rules.task_catalogue import load_task_catalogue
from workflows.case.model import CaseEvent, CaseSummary, DeadlineView, ProjectionBatch, TaskView

NO_EVENTS_SEQ = -1
CHUNK_ROWS = 500  # keeps a multi-row INSERT far below PostgreSQL's 65,535 bind parameters


class MalformedBatch(ValueError):
    """A batch no retry can make valid."""


Insert = postgresql.Insert | sqlite.Insert
Row = dict[str, Any]


@activity.defn(name="project_case")
async def project_case(batch: ProjectionBatch) -> None:
    """Temporal activity: apply ``batch`` to the configured database in one transaction.

    A malformed batch fails without retries; database errors (connection lost, lock timeout) retry.
    The write runs in a worker thread that a cancellation or timeout never interrupts: a sync
    activity would get an exception injected into its thread mid-query, which can hand a busy
    connection back to the pool ("another command is already in progress"). A retry that overlaps
    a late first attempt is harmless: every write is an idempotent upsert.
    """
    try:
        await asyncio.to_thread(apply_batch, get_engine(), batch)
    except MalformedBatch as exc:
        raise ApplicationError(str(exc), type="MalformedProjectionBatch", non_retryable=True) from exc


def apply_batch(engine: Engine, batch: ProjectionBatch) -> None:
    """Apply ``batch`` in one transaction (all of it or nothing)."""
    with engine.begin() as conn:
        write_batch(conn, batch)


def batch_seq(batch: ProjectionBatch) -> int:
    """The ordering key of a batch: the highest event seq it carries."""
    return max((event.seq for event in batch.events), default=NO_EVENTS_SEQ)


def batch_time(batch: ProjectionBatch) -> datetime:
    """When the state in ``batch`` arose: its newest event, else the case's opening."""
    return max((event.at for event in batch.events), default=batch.case.opened_at)


def write_batch(conn: Connection, batch: ProjectionBatch) -> None:
    """Write ``batch`` on ``conn`` inside the caller's transaction."""
    check_batch(batch)
    case_id, seq, at = batch.case.case_id, batch_seq(batch), batch_time(batch)
    _upsert_case(conn, case_row(batch.case, seq, at))
    # A key listed twice in one batch keeps its last state (PostgreSQL refuses to upsert a row twice).
    tasks = {t.task_id: task_row(t, seq) for t in batch.tasks}
    _replace_roles(conn, _upsert_tasks(conn, list(tasks.values())))
    deadlines = {(d.code, d.subject): deadline_row(case_id, d, seq, at) for d in batch.deadlines}
    _upsert_deadlines(conn, list(deadlines.values()))
    _insert_events(conn, [event_row(case_id, e) for e in batch.events])


# --- rows -----------------------------------------------------------------------------------------


def case_row(case: CaseSummary, seq: int, at: datetime) -> Row:
    return {
        "case_id": case.case_id,
        "violation_code": case.violation_code,
        "source": case.source,
        "jurisdiction_path": case.jurisdiction_path,
        "stage": case.stage.value,
        "party_name": case.party_name,
        "opened_at": case.opened_at,
        "filed_at": case.filed_at,
        "closed_at": case.closed_at,
        "result": case.result,
        "overdue": case.overdue,
        "last_seq": seq,
        "updated_at": at,
    }


def task_row(task: TaskView, seq: int) -> Row:
    return {
        "task_id": task.task_id,
        "case_id": task.case_id,
        "kind": task.kind,
        "stage": task.stage.value,
        "candidate_roles": list(task.candidate_roles),
        "jurisdiction_path": task.jurisdiction_path,
        "assignee": task.assignee,
        "status": task.status.value,
        "overdue": task.overdue,
        "created_at": task.created_at,
        "due_at": task.due_at,
        "completed_at": task.completed_at,
        "completed_by": task.completed_by,
        "outcome": task.outcome,
        "allowed_outcomes": list(task.allowed_outcomes),
        "form_schema": task.form_schema if task.form_schema is not None else _schema_of(task.kind),
        "deadline_code": task.deadline_code,
        "legal_basis": task.legal_basis,
        "escalation_of": task.escalation_of,
        "last_seq": seq,
    }


def _schema_of(kind: str) -> dict[str, Any]:
    """The task's form schema from the catalogue (the workflow carries only the kind)."""
    return load_task_catalogue().get(kind).completion_schema()


def deadline_row(case_id: str, deadline: DeadlineView, seq: int, at: datetime) -> Row:
    return {
        "case_id": case_id,
        "code": deadline.code,
        "subject": deadline.subject,
        "name": deadline.name,
        "start": deadline.start,
        "due_at": deadline.due_at,
        "last_day": deadline.last_day,
        "provisional": deadline.provisional,
        "status": deadline.status.value,
        "paused_days": deadline.paused_days,
        "extensions": list(deadline.extensions),
        "legal_basis": deadline.legal_basis,
        "last_seq": seq,
        "updated_at": at,
    }


def event_row(case_id: str, event: CaseEvent) -> Row:
    return {
        "case_id": case_id,
        "seq": event.seq,
        "at": event.at,
        "kind": event.kind,
        "actor": event.actor,
        "task_id": event.task_id,
        "detail": event.detail,
        "legal_basis": event.legal_basis,
    }


def check_batch(batch: ProjectionBatch) -> None:
    """Refuse a malformed batch (a task of another case): retrying could never make it valid."""
    strays = sorted(t.task_id for t in batch.tasks if t.case_id != batch.case.case_id)
    if strays:
        raise MalformedBatch(f"batch for case {batch.case.case_id!r} carries tasks of other cases: {strays}")


# --- statements -----------------------------------------------------------------------------------


def _insert_for(conn: Connection) -> Callable[[sa.Table], Insert]:
    """The dialect's INSERT that knows ``ON CONFLICT`` (SQLite >= 3.24 and PostgreSQL alike)."""
    name = conn.dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"projections support PostgreSQL and SQLite, not {name}")


def _chunks(rows: Sequence[Row]) -> Iterable[Sequence[Row]]:
    for start in range(0, len(rows), CHUNK_ROWS):
        yield rows[start : start + CHUNK_ROWS]


def _task_rank(status: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """0 while a task is open, 1 once it is completed or cancelled."""
    return sa.case((status == "open", 0), else_=1)


def _newer_task(table: sa.Table, ins: Insert) -> sa.ColumnElement[bool]:
    """``(rank, last_seq)`` of the incoming task is greater than the stored task's."""
    new_rank, old_rank = _task_rank(ins.excluded.status), _task_rank(table.c.status)
    return sa.or_(
        new_rank > old_rank,
        sa.and_(new_rank == old_rank, ins.excluded.last_seq > table.c.last_seq),
    )


def _newer_seq(table: sa.Table, ins: Insert) -> sa.ColumnElement[bool]:
    return ins.excluded.last_seq > table.c.last_seq


def _upsert_case(conn: Connection, row: Row) -> None:
    table = table_of(CaseRecord)
    ins = _insert_for(conn)(table)
    stmt = ins.on_conflict_do_update(
        index_elements=[table.c.case_id],
        set_={name: ins.excluded[name] for name in row if name != "case_id"},
        where=ins.excluded.last_seq > table.c.last_seq,
    )
    conn.execute(stmt, [row])


def _upsert_versioned(
    conn: Connection,
    table: sa.Table,
    keys: Sequence[str],
    rows: Sequence[Row],
    newer: Callable[[sa.Table, Insert], sa.ColumnElement[bool]],
) -> list[Row]:
    """Upsert rows where ``newer`` lets the incoming state win; returns the rows inserted or updated."""
    written: list[Row] = []
    insert = _insert_for(conn)
    for chunk in _chunks(rows):
        # Parameters passed separately (executemany → one multi-row INSERT): the statement's SQL
        # is the same for every batch, so SQLAlchemy compiles it once instead of per batch.
        ins = insert(table)
        stmt = ins.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={name: ins.excluded[name] for name in chunk[0] if name not in keys},
            where=newer(table, ins),
        ).returning(*(table.c[k] for k in keys))
        done = {tuple(r) for r in conn.execute(stmt, list(chunk))}
        written.extend(r for r in chunk if tuple(r[k] for k in keys) in done)
    return written


def _upsert_tasks(conn: Connection, rows: Sequence[Row]) -> list[Row]:
    return _upsert_versioned(conn, table_of(CaseTask), ["task_id"], rows, _newer_task)


def _replace_roles(conn: Connection, tasks: Sequence[Row]) -> None:
    """Make ``case_task_role`` mirror ``candidate_roles`` of the task rows just written."""
    if not tasks:
        return
    table = table_of(CaseTaskRole)
    conn.execute(sa.delete(table).where(table.c.task_id.in_([t["task_id"] for t in tasks])))
    roles = [{"task_id": t["task_id"], "role": role} for t in tasks for role in sorted(set(t["candidate_roles"]))]
    for chunk in _chunks(roles):
        # DO NOTHING: a concurrent writer of the same task may have inserted the same rows.
        conn.execute(_insert_for(conn)(table).on_conflict_do_nothing(), list(chunk))


def _upsert_deadlines(conn: Connection, rows: Sequence[Row]) -> None:
    _upsert_versioned(conn, table_of(CaseDeadline), ["case_id", "code", "subject"], rows, _newer_seq)


def _insert_events(conn: Connection, rows: Sequence[Row]) -> None:
    table = table_of(CaseEventRow)
    unique = list({row["seq"]: row for row in rows}.values())
    for chunk in _chunks(unique):
        conn.execute(_insert_for(conn)(table).on_conflict_do_nothing(), list(chunk))
