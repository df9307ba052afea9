"""Load and validate every rules data file once, at process start-up.

The worker, the API and `zhifa dev` call this first: a malformed table or catalogue entry stops
the process with a clear message instead of failing mid-case.
"""

from rules.catalogue import load_catalogue
from rules.deadline_table import load_timer_table


def load_rules() -> str:
    """Validate the timer table and the violation catalogue; return a one-line summary."""
    table = load_timer_table()
    catalogue = load_catalogue()
    return (
        f"timer table {table.version} ({len(table.timers)} timers), "
        f"violation catalogue {catalogue.version} ({len(catalogue.violations)} violations)"
    )
