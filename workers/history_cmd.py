"""`zhifa history export`, `zhifa history replay` and `zhifa audit replay`: what auditors use to
check a case's history.

`export` fetches a workflow's event history from the configured Temporal server and writes it as
JSON (`WorkflowHistory.to_json()`, the format the Temporal UI and CLI also read). `replay` runs
saved histories through the current workflow code with the worker's own registry, sandbox and
data converter: OK means this code reproduces every decision recorded in the history; FAILED
(exit 1) names the file and the error — a nondeterminism error means a change to running
workflow logic that needs `workflow.patched`. `audit replay` does the same for cases fetched
straight from the server (named, matched by a visibility query, or all of them), with a progress
bar; it shares `core.replay` with `POST /api/v1/audit/replay`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import typer
from google.protobuf.json_format import ParseError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from temporalio.client import WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode

from core.replay import (
    CaseReplay,
    case_query,
    make_replayer,
    query_case_ids,
    quiet_runtime,
    replay_cases,
    replay_history,
)
from core.replay import describe_failure as describe_failure  # re-exported: tests/workflows/test_replay.py
from core.settings import get_settings
from core.temporal import connect
from rules.errors import RuleDataError
from rules.startup import load_rules

history_app = typer.Typer(
    help="Workflow histories: export one from Temporal, replay saved ones against this code.", no_args_is_help=True
)
audit_app = typer.Typer(help="Audit cases on the configured Temporal server.", no_args_is_help=True)


class HistoryFileError(ValueError):
    """A file that is not a readable workflow history."""


def load_history(path: Path) -> WorkflowHistory:
    """Read a history written by `export` (or by the Temporal UI/CLI).

    The JSON carries no workflow id unless the server put one in the start event; the file name
    stands in for it then (the workflows read their identity from their input, not from the id).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise HistoryFileError(f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise HistoryFileError("not a text file (expected JSON)") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HistoryFileError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("events"), list) or not data["events"]:
        raise HistoryFileError('not a workflow history: expected a JSON object with a non-empty "events" list')
    try:
        history = WorkflowHistory.from_json(path.stem, data)
    except (ParseError, ValueError, TypeError) as exc:
        raise HistoryFileError(f"not a workflow history: {exc}") from exc
    first = history.events[0]
    if not first.HasField("workflow_execution_started_event_attributes"):
        raise HistoryFileError("not a workflow history: the first event is not WorkflowExecutionStarted")
    started = first.workflow_execution_started_event_attributes
    if started.workflow_id:
        history = WorkflowHistory(started.workflow_id, history.events)
    return history


@dataclass(frozen=True)
class ReplayOutcome:
    path: Path
    workflow_type: str | None = None
    workflow_id: str | None = None
    events: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def replay_files(paths: Sequence[Path]) -> list[ReplayOutcome]:
    """Replay each file against the current code; one outcome per file, in order."""
    load_rules()  # as the worker does at start-up: workflow code reads no files
    replayer = make_replayer(quiet_runtime())
    outcomes: list[ReplayOutcome] = []
    for path in paths:
        try:
            history = load_history(path)
        except HistoryFileError as exc:
            outcomes.append(ReplayOutcome(path, error=str(exc)))
            continue
        started = history.events[0].workflow_execution_started_event_attributes
        seen = ReplayOutcome(path, started.workflow_type.name, history.workflow_id, len(history.events))
        outcomes.append(replace(seen, error=await replay_history(replayer, history)))
    return outcomes


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=code)


@history_app.command("replay")
def replay(
    files: Annotated[list[Path], typer.Argument(help="history JSON files (from `zhifa history export`)")],
) -> None:
    """Replay saved histories against this code: OK or FAILED per file; exit 1 if any failed."""
    try:
        outcomes = asyncio.run(replay_files(files))
    except RuleDataError as exc:
        raise _fail(f"the rules data does not load, nothing was replayed: {exc}") from exc
    for outcome in outcomes:
        if outcome.ok:
            typer.echo(
                f"OK      {outcome.path}  {outcome.workflow_type} {outcome.workflow_id} ({outcome.events} events)"
            )
        else:
            what = f"{outcome.workflow_type} {outcome.workflow_id}: " if outcome.workflow_type else ""
            typer.secho(f"FAILED  {outcome.path}  {what}{outcome.error}", fg=typer.colors.RED)
    failed = sum(not o.ok for o in outcomes)
    typer.echo(f"{len(outcomes) - failed} of {len(outcomes)} replayed OK")
    if failed:
        raise typer.Exit(code=1)


def default_file_name(workflow_id: str) -> str:
    """`<workflow id>.json`, with anything but letters, digits, `-`, `_` and `.` replaced by `_`."""
    return re.sub(r"[^\w.-]", "_", workflow_id, flags=re.ASCII).lstrip(".") + ".json"


async def fetch_history(workflow_id: str, run_id: str | None) -> WorkflowHistory:
    client = await connect()
    return await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()


@history_app.command("export")
def export(
    workflow_id: Annotated[str, typer.Argument(help="the workflow id, e.g. a case's id")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="file to write ('-': stdout); default <workflow id>.json")
    ] = None,
    run_id: Annotated[str | None, typer.Option(help="a particular run (default: the latest)")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Fetch a workflow's event history from the configured Temporal server and write it as JSON."""
    settings = get_settings()
    where = f"namespace {settings.temporal_namespace} at {settings.temporal_address}"
    target = out if out is not None else Path(default_file_name(workflow_id))
    to_stdout = str(target) == "-"
    if not to_stdout and target.exists() and not force:
        raise _fail(f"{target} exists; an export never replaces a file silently (use --force or another --out)")
    try:
        history = asyncio.run(fetch_history(workflow_id, run_id))
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise _fail(f"no workflow {workflow_id!r}{f' run {run_id}' if run_id else ''} in {where}") from exc
        raise _fail(f"Temporal refused the history of {workflow_id!r} ({where}): {exc}") from exc
    except RuntimeError as exc:  # temporalio reports an unreachable server as RuntimeError
        raise _fail(f"cannot reach Temporal ({where}): {exc}") from exc
    text = history.to_json() + "\n"
    if to_stdout:
        typer.echo(text, nl=False)
        return
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(f"cannot write {target}: {exc.strerror or exc}") from exc
    started = history.events[0].workflow_execution_started_event_attributes
    typer.echo(
        f"exported {workflow_id} ({started.workflow_type.name}, run {history.run_id}, "
        f"{len(history.events)} events) to {target}"
    )


# --- audit replay ----------------------------------------------------------------------------------


async def replay_from_server(case_ids: Sequence[str], query: str | None) -> list[CaseReplay]:
    """Replay the named cases, or those `query` matches, with a progress bar on stderr."""
    client = await connect()
    ids = list(dict.fromkeys(case_ids)) if query is None else await query_case_ids(client, query)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        bar = progress.add_task("replaying", total=len(ids))
        return await replay_cases(client, ids, on_result=lambda _: progress.advance(bar))


@audit_app.command("replay")
def audit_replay(
    case_ids: Annotated[
        list[str] | None, typer.Argument(help="case ids (each a case workflow's id)", metavar="CASE_ID")
    ] = None,
    all_cases: Annotated[bool, typer.Option("--all", help="every case workflow in the namespace")] = False,
    query: Annotated[
        str | None,
        typer.Option("--query", "-q", help="a Temporal visibility query narrowing the case workflows"),
    ] = None,
) -> None:
    """Replay cases from Temporal against this code: OK or FAILED per case; exit 1 if any failed."""
    if sum((bool(case_ids), all_cases, query is not None)) != 1:
        raise _fail("name the cases: CASE_ID..., --all or --query (exactly one of them)", code=2)
    settings = get_settings()
    where = f"namespace {settings.temporal_namespace} at {settings.temporal_address}"
    visibility = None if case_ids else case_query(query)
    try:
        results = asyncio.run(replay_from_server(case_ids or [], visibility))
    except RuleDataError as exc:
        raise _fail(f"the rules data does not load, nothing was replayed: {exc}") from exc
    except RPCError as exc:
        if exc.status is RPCStatusCode.INVALID_ARGUMENT:
            raise _fail(f"Temporal refused the query {visibility!r}: {exc.message}", code=2) from exc
        raise _fail(f"Temporal refused ({where}): {exc}") from exc
    except RuntimeError as exc:  # temporalio reports an unreachable server as RuntimeError
        raise _fail(f"cannot reach Temporal ({where}): {exc}") from exc
    if not results:
        typer.echo(f"no case workflow matches {visibility} in {where}")
    for result in results:
        if result.ok:
            typer.echo(f"OK      {result.case_id}  {result.workflow_type} run {result.run_id} ({result.events} events)")
        else:
            typer.secho(f"FAILED  {result.case_id}  {result.error}", fg=typer.colors.RED)
    failed = sum(not r.ok for r in results)
    typer.echo(f"{len(results) - failed} of {len(results)} replayed OK")
    if failed:
        raise typer.Exit(code=1)
