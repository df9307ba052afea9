"""`zhifa deadline` and `zhifa calendar`: the deadline calculator legal staff use every day."""

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from core.settings import get_settings
from core.temporal import connect
from rules.calendar import CalendarOverride
from rules.calendar_files import install_override, load_calendar, load_overrides
from rules.deadline_table import load_timer_table
from rules.deadlines import Deadline, compute_deadline
from rules.errors import RuleError
from workers.calendar_notify import notify_running

calendar_app = typer.Typer(help="The PRC legal calendar (holidays and 调休 workdays).", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=2)


def _parse_instant(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise _fail(f"--from {text!r} is not an ISO 8601 date-time (e.g. 2026-02-10T09:30+08:00)") from exc


def render(deadline: Deadline) -> str:
    label = {"limit": "due", "min_wait": "earliest", "min_notice": "earliest", "accrual": "cap reached"}
    lines = [
        f"{deadline.code} {deadline.name}",
        f"  {label[deadline.kind.value]}: {deadline.due_at.isoformat()}",
        f"  provisional: {'true' if deadline.provisional else 'false'}",
        f"  period: {deadline.length} {deadline.unit.value}"
        + (f" (+{deadline.paused_days} paused days)" if deadline.paused_days else "")
        + (f" incl. extensions {list(deadline.extensions)}" if deadline.extensions else ""),
    ]
    if deadline.rolled_over_from:
        lines.append(f"  rolled over from {deadline.rolled_over_from.isoformat()} (rest day)")
    lines.append(f"  on expiry: {deadline.expiry_action}")
    lines.append(f"  legal basis: {deadline.legal_basis}")
    if deadline.provisional:
        lines.append("  note: relies on a year without an official holiday schedule; recomputed when it is loaded")
    return "\n".join(lines)


def deadline(
    code: Annotated[str, typer.Argument(help="timer code T01–T26")],
    start: Annotated[str, typer.Option("--from", help="ISO 8601 instant with offset, e.g. 2026-09-28T10:00+08:00")],
    paused_days: Annotated[int, typer.Option(help="calendar days excluded (hearing, appraisal…)")] = 0,
    extensions: Annotated[int, typer.Option(help="approved extensions, each at its maximum")] = 0,
    variant: Annotated[str | None, typer.Option(help="another length the law gives, e.g. rights_not_told")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Print the due instant of a statutory deadline, whether it is provisional, and its legal basis."""
    instant = _parse_instant(start)
    try:
        calendar = load_calendar(get_settings().effective_calendar_dir)
        result = compute_deadline(
            code, instant, paused_days=paused_days, extensions=extensions, variant=variant, calendar=calendar
        )
    except RuleError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False) if as_json else render(result))


@calendar_app.command("show")
def show(year: Annotated[int, typer.Argument(help="calendar year")]) -> None:
    """List the rest days on weekdays and the 调休 workdays of a year, and whether it is official."""
    calendar = load_calendar(get_settings().effective_calendar_dir)
    day = dt.date(year, 1, 1)
    typer.echo(f"{year}: {'official' if calendar.is_official(year) else 'PROVISIONAL (no official schedule)'}")
    while day.year == year:
        info = calendar.day(day)
        if info.working == (day.weekday() >= 5):
            kind = "workday (调休)" if info.working else "holiday"
            typer.echo(f"  {day.isoformat()} {kind}" + (f" {info.name}" if info.name else ""))
        day += dt.timedelta(days=1)


@calendar_app.command("load")
def load(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML schedule for one year")],
    notify: Annotated[
        bool, typer.Option("--notify/--no-notify", help="signal running cases to recompute their deadlines")
    ] = True,
) -> None:
    """Validate and install an official holiday schedule (replaces that year's provisional data)."""
    try:
        override = install_override(path, get_settings().effective_calendar_dir)
    except RuleError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(
        f"loaded {override.year}: {len(override.holidays)} holidays, {len(override.workdays)} 调休 workdays "
        f"({override.source})"
    )
    if notify:
        try:
            told = asyncio.run(_notify([override]))
        except RuntimeError as exc:  # temporalio reports an unreachable server as RuntimeError
            typer.secho(
                f"warning: running cases were not told ({exc}); run `zhifa calendar notify` once Temporal is up",
                err=True,
                fg=typer.colors.YELLOW,
            )
            return
        typer.echo(f"told {told} running workflow(s) to recompute their deadlines")


@calendar_app.command("notify")
def notify_cmd() -> None:
    """Send every installed schedule to the running workflows again."""
    overrides = load_overrides(get_settings().effective_calendar_dir)
    if not overrides:
        raise _fail("no holiday schedule is installed; load one with `zhifa calendar load FILE`")
    typer.echo(f"told {asyncio.run(_notify(overrides))} running workflow(s)")


async def _notify(overrides: list[CalendarOverride]) -> int:
    client = await connect()
    return await notify_running(client, overrides)


@calendar_app.command("timers")
def timers() -> None:
    """List every timer code with its length and legal basis."""
    for rule in load_timer_table().timers:
        typer.echo(f"{rule.code} {rule.name}: {rule.length} {rule.unit.value} — {rule.legal_basis}")
