"""Checking a render context against a document kind's required fields (rules/data/documents.yaml).

A key is a dotted path; `name[]` walks every element of a list, so `items[].model` needs a model on
every item and `evidence[]` a non-empty list of texts. A value is blank when it is None, an empty or
whitespace-only string, or an empty list or mapping; `False` is a value (a condition found not met).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from documents.errors import InvalidDocumentField, MissingDocumentField
from documents.formatting import as_date, as_datetime, as_money
from rules.document_kinds import Condition, DocumentKind, FieldType, RequiredField


class _Missing(Exception):
    def __init__(self, path: str) -> None:
        self.path = path


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping | list | tuple):
        return len(value) == 0
    return False


def _is_list(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _walk(value: object, segments: list[str], path: str) -> Iterator[tuple[str, Any]]:
    if not segments:
        if is_blank(value):
            raise _Missing(path)
        yield path, value
        return
    segment, rest = segments[0], segments[1:]
    name = segment.removesuffix("[]")
    here = f"{path}.{name}" if path else name
    child = value.get(name) if isinstance(value, Mapping) else None
    if not segment.endswith("[]"):
        yield from _walk(child, rest, here)
        return
    if not _is_list(child) or is_blank(child):
        raise _Missing(here)
    assert isinstance(child, Sequence)
    for index, element in enumerate(child):
        yield from _walk(element, rest, f"{here}[{index}]")


def leaves(context: Mapping[str, Any], key: str) -> list[tuple[str, Any]]:
    """Every (concrete path, value) the key names, e.g. ("items[1].model", "SJ-01");
    KeyError(path) names the first missing or blank one."""
    try:
        return list(_walk(context, key.split("."), ""))
    except _Missing as missing:
        raise KeyError(missing.path) from None


def value_at(context: Mapping[str, Any], key: str) -> Any:
    """The value at a plain dotted key (no `[]`), or None."""
    value: Any = context
    for name in key.split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


def holds(context: Mapping[str, Any], condition: Condition) -> bool:
    value = value_at(context, condition.key)
    if condition.equals is not None:
        return bool(value == condition.equals)
    if condition.in_ is not None:
        return value in condition.in_
    return not is_blank(value)


def _is_bool(value: object) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")


def _is_text(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"expected text, got {value!r}")


_CHECKS: dict[FieldType, Callable[[object], object]] = {
    FieldType.TEXT: _is_text,
    FieldType.DATE: as_date,
    FieldType.DATETIME: as_datetime,
    FieldType.MONEY: as_money,
    FieldType.BOOL: _is_bool,
}


def _check_field(doc: DocumentKind, spec: RequiredField, context: Mapping[str, Any]) -> None:
    try:
        found = leaves(context, spec.key)
    except KeyError as missing:
        raise MissingDocumentField(doc.kind, doc.title, spec, str(missing.args[0])) from None
    if spec.min_items is not None:
        list_key = spec.key.split("[]")[0]
        count = len(value_at(context, list_key))
        if count < spec.min_items:
            problem = f"has {count} element(s); the law requires at least {spec.min_items}"
            raise InvalidDocumentField(doc.kind, spec, list_key, problem)
    for path, value in found:
        try:
            _CHECKS[spec.type](value)
        except ValueError as exc:
            raise InvalidDocumentField(doc.kind, spec, path, f"is invalid: {exc}") from None
        if spec.choices is not None and value not in spec.choices:
            raise InvalidDocumentField(doc.kind, spec, path, f"is {value!r}; use one of: {', '.join(spec.choices)}")


def check_context(doc: DocumentKind, context: Mapping[str, Any]) -> None:
    """Raise MissingDocumentField / InvalidDocumentField for the first required field that fails."""
    for spec in doc.required:
        if spec.when is None or holds(context, spec.when):
            _check_field(doc, spec, context)
