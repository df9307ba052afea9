"""Every activity function the worker hosts."""

from collections.abc import Callable
from typing import Any

from activities.alarms import TRIAGE_ACTIVITIES
from activities.documents import issue_case_document
from activities.ledger import anchor_tree_head
from activities.projections import project_case

ACTIVITIES: list[Callable[..., Any]] = [project_case, issue_case_document, anchor_tree_head, *TRIAGE_ACTIVITIES]
# Rendered on their own queue (Settings.documents_task_queue) by a bounded pool: CPU-bound, slow.
# The case queue serves them too, for cases whose input names no documents queue.
DOCUMENT_ACTIVITIES: list[Callable[..., Any]] = [issue_case_document]
