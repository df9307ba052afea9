"""Every activity function the worker hosts."""

from collections.abc import Callable
from typing import Any

from activities.documents import issue_case_document
from activities.projections import project_case

ACTIVITIES: list[Callable[..., Any]] = [project_case, issue_case_document]
