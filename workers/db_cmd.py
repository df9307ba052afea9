"""``zhifa db …``: migrate the configured application database and seed the demo data."""

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from core.db import current_revision, head_revision, make_engine, migrate
from core.seed import SeedReport, seed_demo
from core.settings import get_settings

db_app = typer.Typer(help="Application database: schema migrations and demo data.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)


def _url() -> str:
    return get_settings().effective_database_url


def _shown(url: str) -> str:
    """The URL with any password masked, for messages."""
    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="target revision")] = "head",
) -> None:
    """Apply the schema migrations to the configured database (DATABASE_URL, default var/zhifa.db)."""
    url = _url()
    try:
        before = current_revision(url)
        migrate(url, revision)
        after = current_revision(url)
    except SQLAlchemyError as exc:
        err_console.print(f"[red]migration of {_shown(url)} failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    if before == after:
        console.print(f"{_shown(url)}: already at revision {after}")
    else:
        console.print(f"{_shown(url)}: migrated {before or '(empty)'} → {after}")


@db_app.command("current")
def current() -> None:
    """Show the configured database's revision and the newest one this code ships."""
    url = _url()
    try:
        revision = current_revision(url)
    except SQLAlchemyError as exc:
        err_console.print(f"[red]cannot read {_shown(url)}:[/red] {exc}")
        raise typer.Exit(1) from exc
    head = head_revision()
    state = "up to date" if revision == head else "needs `zhifa db upgrade`"
    console.print(f"{_shown(url)}: at {revision or '(empty)'}, head {head} — {state}")


@db_app.command("seed")
def seed() -> None:
    """Migrate, then add the demo jurisdictions, people and integrator key (idempotent)."""
    settings = get_settings()
    if not settings.seed_demo:
        err_console.print(
            "[red]refusing to seed demo data:[/red] seed_demo is off for this deployment "
            "(ZHIFA_SEED_DEMO=false). Demo users all have the password 'demo' and must never "
            "exist in production; set ZHIFA_SEED_DEMO=true only on a throw-away database."
        )
        raise typer.Exit(2)
    url = settings.effective_database_url
    engine = make_engine(url)
    try:
        migrate(url)
        report = seed_demo(engine)
    except SQLAlchemyError as exc:
        err_console.print(f"[red]seeding {_shown(url)} failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    print_seed_report(report, console)


def print_seed_report(report: SeedReport, out: Console) -> None:
    """The seed summary and the demo sign-ins (``zhifa dev`` prints the same)."""
    created = ", ".join(f"{len(keys)} {table}" for table, keys in report.created.items()) or "nothing"
    updated = ", ".join(f"{len(keys)} {table}" for table, keys in report.updated.items())
    out.print(f"demo seed: created {created}" + (f"; updated {updated}" if updated else ""))
    if report.catalogue_version:
        out.print(f"violation catalogue version {report.catalogue_version}")
    table = Table(title="demo sign-ins (password flow)")
    for column in ("username", "password", "name", "roles", "jurisdiction"):
        table.add_column(column)
    for cred in report.credentials:
        table.add_row(
            cred.username,
            cred.password,
            cred.display_name,
            ", ".join(cred.roles),
            f"{cred.jurisdiction_name} ({cred.jurisdiction_code})",
        )
    out.print(table)
    for key in report.api_keys:
        scope = ", ".join(key.allowed_types) or "all types"
        out.print(f"API key for {key.name}: [bold]{key.key}[/bold] ({', '.join(key.roles)}; {scope})")
