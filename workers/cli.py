"""The `zhifa` console script: one Typer app, each command group in its own module."""

import typer

from workers import deadline_cmd

app = typer.Typer(help="zhifa — 城市管理综合执法监管平台", no_args_is_help=True)
app.command("deadline")(deadline_cmd.deadline)
app.add_typer(deadline_cmd.calendar_app, name="calendar")


def main() -> None:
    app()
