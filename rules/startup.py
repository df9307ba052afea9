"""Load and validate every rules data file once, at process start-up.

The worker, the API and `zhifa dev` call this first: a malformed table or catalogue entry stops
the process with a clear message instead of failing mid-case.
"""

from rules.catalogue import load_catalogue
from rules.deadline_table import load_timer_table
from rules.document_kinds import load_document_kinds
from rules.document_terms import load_document_terms
from rules.task_catalogue import load_task_catalogue


def load_rules() -> str:
    """Validate the timer table, the violation, task and document catalogues (and the documents'
    terms); return a summary."""
    table = load_timer_table()
    catalogue = load_catalogue()
    tasks = load_task_catalogue()
    documents = load_document_kinds()
    terms = load_document_terms()
    return (
        f"timer table {table.version} ({len(table.timers)} timers), "
        f"violation catalogue {catalogue.version} ({len(catalogue.violations)} violations), "
        f"task catalogue ({len(tasks)} task kinds), "
        f"document catalogue {documents.version} ({len(documents.documents)} kinds, terms {terms.version})"
    )
