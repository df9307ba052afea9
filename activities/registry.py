"""Every activity function the worker hosts."""

from collections.abc import Callable
from typing import Any

from activities.projections import project_case

ACTIVITIES: list[Callable[..., Any]] = [project_case]
