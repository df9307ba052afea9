"""Every workflow class the worker hosts."""

WORKFLOWS: list[type] = []
