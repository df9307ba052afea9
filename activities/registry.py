"""Every activity function the worker hosts."""

from collections.abc import Callable
from typing import Any

ACTIVITIES: list[Callable[..., Any]] = []
