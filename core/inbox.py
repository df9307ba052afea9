"""Read queries over the case projections, for the API: task inbox, case list, timeline, deadlines.

These read projections only; a decision (may this actor complete this task?) is the workflow's,
in its update validator. Every list is one SQL statement, scoped to a jurisdiction subtree with
``in_subtree`` (an index range) and ordered with a unique tie-breaker, so pages are stable.
"""

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from core.case_tables import CaseDeadline, CaseEventRow, CaseRecord, CaseTask, CaseTaskRole
from core.jurisdiction import in_subtree

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# Lists count their rows only this many pages past the current one, then say "at least" (as
# Camunda's search API flags hasMoreTotalItems): counting walks the same index as the page, so an
# exact count(*) of 40k visible tasks costs 50 times the page (bench/inbox_query.py).
COUNT_PAGES_AHEAD = 4


def _page(limit: int, offset: int) -> tuple[int, int]:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise ValueError("offset must not be negative")
    return limit, offset


def capped_count(
    session: Session, stmt: sa.Select[Any] | SelectOfScalar[Any], *, limit: int, offset: int
) -> tuple[int, bool]:
    """How many rows ``stmt`` selects, counted up to COUNT_PAGES_AHEAD pages past this one; and
    whether that is exact (False: there are more, the number is a lower bound)."""
    bound = offset + limit * (1 + COUNT_PAGES_AHEAD)
    counted = session.exec(select(sa.func.count()).select_from(stmt.limit(bound + 1).subquery())).one()
    return (bound, False) if counted > bound else (int(counted), True)


def page_total(
    session: Session, stmt: sa.Select[Any] | SelectOfScalar[Any], *, shown: int, limit: int, offset: int
) -> tuple[int, bool]:
    """The total of a page that showed ``shown`` rows: exact without a query when a first page is not
    full, else ``capped_count``."""
    if offset == 0 and shown < limit:
        return shown, True
    return capped_count(session, stmt, limit=limit, offset=offset)


def inbox_statement(
    *,
    jurisdiction_path: str,
    roles: Iterable[str],
    status: str = "open",
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> SelectOfScalar[CaseTask]:
    """The inbox as one statement (exposed so tests can EXPLAIN exactly what ``inbox`` runs).

    Served by ``ix_case_task_inbox (status, jurisdiction_path, due_at)``: equality on status, a range
    on the path; the role test is an ``EXISTS`` probe into ``case_task_role``'s primary key.
    """
    limit, offset = _page(limit, offset)
    wanted = sorted({str(role) for role in roles})
    has_role = (
        sa.exists()
        .where(col(CaseTaskRole.task_id) == col(CaseTask.task_id), col(CaseTaskRole.role).in_(wanted))
        .correlate(CaseTask)
    )
    return (
        select(CaseTask)
        .where(
            col(CaseTask.status) == status,
            in_subtree(col(CaseTask.jurisdiction_path), jurisdiction_path),
            has_role,
        )
        .order_by(col(CaseTask.due_at).asc().nulls_last(), col(CaseTask.task_id))
        .limit(limit)
        .offset(offset)
    )


def inbox(
    session: Session,
    *,
    jurisdiction_path: str,
    roles: Iterable[str],
    status: str = "open",
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> list[CaseTask]:
    """Tasks a principal may act on: in its subtree, with one of its roles among the candidates.

    Earliest due first; tasks without a due date last. A principal with no roles sees nothing.
    """
    roles = list(roles)
    if not roles:
        _page(limit, offset)
        return []
    stmt = inbox_statement(jurisdiction_path=jurisdiction_path, roles=roles, status=status, limit=limit, offset=offset)
    return list(session.exec(stmt).all())


def case_list(
    session: Session,
    *,
    jurisdiction_path: str,
    stage: str | None = None,
    overdue: bool | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> list[CaseRecord]:
    """Cases handled in the subtree, newest first; optionally one stage and/or only (not) overdue."""
    limit, offset = _page(limit, offset)
    conditions: list[sa.ColumnElement[bool]] = [in_subtree(col(CaseRecord.jurisdiction_path), jurisdiction_path)]
    if stage is not None:
        conditions.append(col(CaseRecord.stage) == str(stage))
    if overdue is not None:
        conditions.append(col(CaseRecord.overdue) == overdue)
    stmt = (
        select(CaseRecord)
        .where(*conditions)
        .order_by(col(CaseRecord.opened_at).desc(), col(CaseRecord.case_id))
        .limit(limit)
        .offset(offset)
    )
    return list(session.exec(stmt).all())


def case_timeline(session: Session, case_id: str) -> list[CaseEventRow]:
    """The human timeline of one case, in event order (who did what, when, on which basis)."""
    stmt = select(CaseEventRow).where(col(CaseEventRow.case_id) == case_id).order_by(col(CaseEventRow.seq))
    return list(session.exec(stmt).all())


def case_deadlines(session: Session, case_id: str) -> list[CaseDeadline]:
    """The statutory clocks of one case, soonest due first."""
    stmt = (
        select(CaseDeadline)
        .where(col(CaseDeadline.case_id) == case_id)
        .order_by(col(CaseDeadline.due_at), col(CaseDeadline.code), col(CaseDeadline.subject))
    )
    return list(session.exec(stmt).all())


def case_tasks(session: Session, case_id: str) -> list[CaseTask]:
    """Every task of one case, oldest first (the case detail page)."""
    stmt = (
        select(CaseTask)
        .where(col(CaseTask.case_id) == case_id)
        .order_by(col(CaseTask.created_at), col(CaseTask.task_id))
    )
    return list(session.exec(stmt).all())
