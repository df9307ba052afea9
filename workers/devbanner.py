"""What `zhifa dev` prints when the stack is up: URLs, the database, how to sign in, the pids."""

from sqlalchemy.engine import make_url

from core.seed import SeedReport
from core.settings import Settings
from workers.devconfig import DevServer

Row = tuple[str, str]


def sign_in_rows(report: SeedReport) -> list[Row]:
    """The banner's sign-in rows: demo users (password), integrator keys."""
    rows: list[Row] = []
    passwords = sorted({credential.password for credential in report.credentials})
    if report.credentials:
        rows.append(("Demo users", f"password {' / '.join(passwords)!s} (OAuth2 password flow)"))
        width = max(len(credential.username) for credential in report.credentials)
        for credential in report.credentials:
            roles = "/".join(role.value for role in credential.roles)
            rows.append(
                (
                    "",
                    f"{credential.username:<{width}}  {roles:<14} {credential.jurisdiction_name} "
                    f"({credential.jurisdiction_code}) {credential.display_name}",
                )
            )
    for key in report.api_keys:
        rows.append(("Integrator key", f"{key.key}  (header X-API-Key; {key.name})"))
    return rows or [("Sign in", "the database already had its users; demo credentials unchanged")]


def banner(server: DevServer, settings: Settings, api_url: str, pids: dict[str, int], auth: list[Row]) -> str:
    """What `zhifa dev` prints once everything answers: where things are and how to sign in."""
    database = make_url(settings.effective_database_url).render_as_string(hide_password=True)
    rows = [
        ("API docs", f"{api_url}/docs"),
        ("API readiness", f"{api_url}/readyz"),
        ("Temporal UI", server.ui_url or "disabled (headless)"),
        ("Temporal", f"{server.address}, namespace {server.namespace}, task queue {settings.task_queue}"),
        ("Database", database),
        ("Temporal data", str(server.db_path)),
        *auth,
        ("Processes", ", ".join(f"{name} {pid}" for name, pid in pids.items())),
    ]
    width = max(len(label) for label, _ in rows)
    body = "\n".join(f"  {label:<{width}}  {value}" for label, value in rows)
    rule = "─" * 72
    return (
        f"{rule}\n  zhifa dev stack is up — 城市管理综合执法监管平台\n{rule}\n{body}\n{rule}\n"
        "  Ctrl-C stops everything; state stays in var/ for the next `zhifa dev`.\n"
        f"{rule}"
    )
