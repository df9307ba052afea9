"""The `zhifa` console script: one Typer app, each command group in its own module."""

import typer

from core.process_exit import run_and_leave
from workers import archive_cmd, deadline_cmd
from workers.db_cmd import db_app
from workers.devstack import dev
from workers.history_cmd import audit_app, history_app
from workers.ledger_cmd import ledger_app, verify
from workers.perception_cmd import perception_app, simulate_app
from workers.worker import worker

app = typer.Typer(help="zhifa — 城市管理综合执法监管平台", no_args_is_help=True)
app.command("archive")(archive_cmd.archive)
app.command("deadline")(deadline_cmd.deadline)
app.add_typer(deadline_cmd.calendar_app, name="calendar")
app.command("dev")(dev)
app.command("worker")(worker)
app.add_typer(db_app, name="db")
app.add_typer(history_app, name="history")
app.add_typer(audit_app, name="audit")
app.command("verify")(verify)
app.add_typer(ledger_app, name="ledger")
app.add_typer(perception_app, name="perception")
app.add_typer(simulate_app, name="simulate")


def main() -> None:
    run_and_leave(app)  # Temporal's Rust threads must not abort CPython's finalisation (core/process_exit.py)


if __name__ == "__main__":
    main()
