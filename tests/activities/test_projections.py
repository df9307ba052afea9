"""The projection activity on SQLite and PostgreSQL: rows, idempotency, ordering, append-only events."""

import datetime as dt
import itertools

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from activities.projections import MalformedBatch, apply_batch, batch_seq
from core.case_tables import CaseDeadline, CaseEventRow, CaseRecord, CaseTask, CaseTaskRole
from tests.activities.conftest import snapshot, wipe
from tests.activities.factories import T0, deadline, event, filed, opened, summary, task, verified
from workflows.case.model import DeadlineStatus, ProjectionBatch, Stage, TaskStatus


def _roles(engine: Engine) -> set[tuple[str, str]]:
    with Session(engine) as session:
        return {(r.task_id, r.role) for r in session.exec(select(CaseTaskRole)).all()}


def test_projecting_a_batch_creates_the_rows(engine: Engine) -> None:
    apply_batch(engine, opened())
    with Session(engine) as session:
        case = session.get(CaseRecord, "C-1")
        assert case is not None
        assert (case.stage, case.last_seq, case.party_name, case.overdue) == ("verification", 1, "张三", False)
        assert case.opened_at == T0 and case.updated_at == T0 + dt.timedelta(hours=1)
        verify = session.get(CaseTask, "C-1/verify")
        assert verify is not None
        assert (verify.status, verify.kind, verify.candidate_roles) == ("open", "verify_lead", ["officer"])
        assert verify.due_at == T0 + dt.timedelta(days=15)
        assert verify.form_schema["type"] == "object"
        assert verify.allowed_outcomes == ["established", "not_established"]
        clock = session.get(CaseDeadline, ("C-1", "T01", "C-1/verify"))
        assert clock is not None and clock.status == "running" and clock.last_day == dt.date(2026, 11, 23)
        events = session.exec(select(CaseEventRow)).all()
        assert [(e.seq, e.kind, e.detail) for e in events] == [(1, "case_opened", {"source": "hotline"})]
    assert _roles(engine) == {("C-1/verify", "officer")}


def test_applying_a_batch_twice_changes_nothing(engine: Engine) -> None:
    apply_batch(engine, opened())
    apply_batch(engine, verified())
    before = snapshot(engine)
    apply_batch(engine, verified())
    apply_batch(engine, verified())
    assert snapshot(engine) == before
    assert {name: len(rows) for name, rows in before.items()} == {
        "case_record": 1,
        "case_task": 2,
        "case_task_role": 2,
        "case_deadline": 1,
        "case_event": 3,
    }


def test_an_older_batch_after_a_newer_one_regresses_nothing(engine: Engine) -> None:
    apply_batch(engine, opened())
    apply_batch(engine, verified())
    apply_batch(engine, filed())
    in_order = snapshot(engine)
    apply_batch(engine, opened())  # a retried stale batch
    apply_batch(engine, verified())
    assert snapshot(engine) == in_order
    with Session(engine) as session:
        case = session.get(CaseRecord, "C-1")
        assert case is not None and (case.stage, case.last_seq) == ("investigation", 4)
        verify = session.get(CaseTask, "C-1/verify")
        assert verify is not None and (verify.status, verify.outcome) == ("completed", "established")
        clock = session.get(CaseDeadline, ("C-1", "T01", "C-1/verify"))
        assert clock is not None and clock.status == "met"


def test_every_order_of_application_gives_the_same_rows(engine: Engine) -> None:
    batches = [opened(), verified(), filed()]
    for batch in batches:
        apply_batch(engine, batch)
    expected = snapshot(engine)
    for order in itertools.permutations(batches):
        wipe(engine)
        for batch in order:
            apply_batch(engine, batch)
        assert snapshot(engine) == expected, [batch_seq(b) for b in order]


def test_a_finished_task_is_never_reopened_even_by_a_higher_seq(engine: Engine) -> None:
    apply_batch(engine, verified())
    stale = ProjectionBatch(case=summary(stage=Stage.FILING), tasks=[task("C-1/verify")], events=[event(9, "noise")])
    apply_batch(engine, stale)
    with Session(engine) as session:
        verify = session.get(CaseTask, "C-1/verify")
        assert verify is not None and verify.status == "completed"


def test_an_open_task_takes_the_newer_open_state(engine: Engine) -> None:
    apply_batch(engine, opened())
    escalated = task("C-1/verify", overdue=True, assignee="officer-2", roles=("officer", "squad_leader"))
    later = ProjectionBatch(
        case=summary(overdue=True), tasks=[escalated], events=[event(2, "task_overdue", task_id="C-1/verify")]
    )
    apply_batch(engine, later)
    apply_batch(engine, opened())
    with Session(engine) as session:
        verify = session.get(CaseTask, "C-1/verify")
        assert verify is not None
        assert (verify.overdue, verify.assignee, verify.last_seq) == (True, "officer-2", 2)
        case = session.get(CaseRecord, "C-1")
        assert case is not None and case.overdue
    assert _roles(engine) == {("C-1/verify", "officer"), ("C-1/verify", "squad_leader")}


def test_a_deadline_follows_the_newest_batch_even_back_to_running(engine: Engine) -> None:
    expired = deadline(status=DeadlineStatus.EXPIRED)
    extended = deadline(status=DeadlineStatus.RUNNING, extensions=(10,), due_at=T0 + dt.timedelta(days=35))
    apply_batch(engine, ProjectionBatch(case=summary(), deadlines=[extended], events=[event(3, "extended")]))
    apply_batch(engine, ProjectionBatch(case=summary(), deadlines=[expired], events=[event(2, "expired")]))
    with Session(engine) as session:
        clock = session.get(CaseDeadline, ("C-1", "T01", "C-1/verify"))
        assert clock is not None
        assert (clock.status, clock.extensions, clock.last_seq) == ("running", [10], 3)
        assert clock.updated_at == T0 + dt.timedelta(hours=3)


def test_events_are_append_only(engine: Engine) -> None:
    apply_batch(engine, opened())
    rewritten = ProjectionBatch(case=summary(), events=[event(1, "forged", note="changed"), event(1, "forged")])
    apply_batch(engine, rewritten)
    with Session(engine) as session:
        rows = session.exec(select(CaseEventRow).order_by(col(CaseEventRow.seq))).all()
        assert [(e.seq, e.kind, e.detail) for e in rows] == [(1, "case_opened", {"source": "hotline"})]


def test_a_batch_without_events_creates_but_never_overwrites(engine: Engine) -> None:
    apply_batch(engine, ProjectionBatch(case=summary(), tasks=[task("C-1/verify")]))
    apply_batch(engine, ProjectionBatch(case=summary(stage=Stage.CLOSED), tasks=[task("C-1/verify", due_days=1)]))
    with Session(engine) as session:
        case = session.get(CaseRecord, "C-1")
        assert case is not None and (case.stage, case.last_seq, case.updated_at) == ("verification", -1, T0)
        verify = session.get(CaseTask, "C-1/verify")
        assert verify is not None and verify.due_at == T0 + dt.timedelta(days=15)


def test_the_same_key_twice_in_one_batch_keeps_the_last_state(engine: Engine) -> None:
    done = task("C-1/verify", status=TaskStatus.COMPLETED, outcome="established")
    apply_batch(engine, ProjectionBatch(case=summary(), tasks=[task("C-1/verify"), done], events=[event(1, "x")]))
    with Session(engine) as session:
        verify = session.get(CaseTask, "C-1/verify")
        assert verify is not None and verify.status == "completed"


def test_a_task_of_another_case_is_refused_and_nothing_is_written(engine: Engine) -> None:
    stray = ProjectionBatch(case=summary(), tasks=[task("C-2/verify", case_id="C-2")], events=[event(1, "x")])
    with pytest.raises(MalformedBatch, match="C-2/verify"):
        apply_batch(engine, stray)
    assert all(rows == [] for rows in snapshot(engine).values())


def test_a_large_rebuild_is_chunked(engine: Engine) -> None:
    events = [event(seq, "note", n=seq) for seq in range(1, 1202)]
    apply_batch(engine, ProjectionBatch(case=summary(), events=events))
    apply_batch(engine, ProjectionBatch(case=summary(), events=events))
    with Session(engine) as session:
        assert len(session.exec(select(CaseEventRow.seq)).all()) == 1201
        case = session.get(CaseRecord, "C-1")
        assert case is not None and case.last_seq == 1201
