"""JSON Schema machinery for task forms (draft 2020-12): format checks, assembling an outcome's schema
with the shared definitions, linting it at load time, and explaining validation errors in plain words.

Pure: nothing here does I/O or reads a clock, so validators built here may run inside workflow code.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema.exceptions import SchemaError

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_DEF_REF = re.compile(r"^#/\$defs/([A-Za-z0-9_]+)$")

# ----------------------------------------------------------------------------- formats

# RFC 3339 date-time with a mandatory offset (jsonschema's own check needs rfc3339-validator, which
# the project does not install). Fractions of any length are allowed; the parse ignores them.
_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_date_time(value: object) -> bool:
    """RFC 3339 date-time with a time-zone offset, e.g. 2026-11-03T09:30:00+08:00; non-strings pass."""
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return False
    day, time, _fraction, offset = match.groups()
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        datetime.fromisoformat(f"{day}T{time}{offset}")
    except ValueError:
        return False
    return True


def is_date(value: object) -> bool:
    """RFC 3339 full-date, e.g. 2026-11-03; non-strings pass."""
    if not isinstance(value, str):
        return True
    if _DATE.fullmatch(value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


FORMAT_CHECKER = FormatChecker(formats=())
FORMAT_CHECKER.checks("date-time")(is_date_time)
FORMAT_CHECKER.checks("date")(is_date)
KNOWN_FORMATS = frozenset(FORMAT_CHECKER.checkers)

_FORMAT_WORDS = {
    "date-time": "a date and time with a time-zone offset, e.g. 2026-11-03T09:30:00+08:00",
    "date": "a date such as 2026-11-03",
}

# ----------------------------------------------------------------------------- assembly and lint


def _walk(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _walk(child, (*path, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _walk(child, (*path, i))


def _where(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"


def _refs(node: Any) -> set[str]:
    return {n["$ref"] for _, n in _walk(node) if isinstance(n, dict) and isinstance(n.get("$ref"), str)}


def assemble(form: Mapping[str, Any], definitions: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The outcome's full schema: `$schema`, the form schema, and the `$defs` it references (closed
    under references). Returns the schema and the problems found (unknown or non-local references)."""
    problems: list[str] = []
    used: dict[str, Any] = {}
    pending = sorted(_refs(form))
    while pending:
        ref = pending.pop()
        match = _DEF_REF.fullmatch(ref)
        if match is None:
            problems.append(f"$ref {ref!r}: only references to shared definitions (#/$defs/<name>) are allowed")
            continue
        name = match.group(1)
        if name in used:
            continue
        if name not in definitions:
            problems.append(f"$ref {ref!r}: no definition named {name!r}")
            continue
        used[name] = copy.deepcopy(definitions[name])
        pending.extend(sorted(_refs(used[name]) - {f"#/$defs/{n}" for n in used}))
    schema: dict[str, Any] = {"$schema": DIALECT, **copy.deepcopy(dict(form))}
    if used:
        schema["$defs"] = {name: used[name] for name in sorted(used)}
    return schema, problems


_CONDITIONAL_KEYS = ("if", "then", "else", "allOf", "anyOf", "oneOf", "not", "dependentSchemas")


def _conditional_required(node: Mapping[str, Any]) -> Iterator[str]:
    """Names that the conditional subschemas narrowing this object (if/then/else, allOf …) require."""
    for key in _CONDITIONAL_KEYS:
        sub = node.get(key)
        if key == "dependentSchemas":
            subs = list(sub.values()) if isinstance(sub, dict) else []
        else:
            subs = sub if isinstance(sub, list) else [sub]
        for item in subs:
            if isinstance(item, dict) and "type" not in item:
                yield from (r for r in item.get("required", []) if isinstance(r, str))
                yield from _conditional_required(item)


def check_schema(schema: Mapping[str, Any]) -> list[str]:
    """[] when `schema` is a valid draft 2020-12 schema, else the first problem with its path."""
    return list(_check_schema_text(json.dumps(schema, sort_keys=True, ensure_ascii=False)))


@lru_cache(maxsize=512)
def _check_schema_text(text: str) -> tuple[str, ...]:
    # The meta-schema check costs ~20 ms a schema (its $dynamicRef lookups); the result depends on the
    # text only, so a catalogue parsed again (tests, reloads) checks each unchanged schema once.
    try:
        Draft202012Validator.check_schema({"$schema": DIALECT, **json.loads(text)})
    except SchemaError as exc:
        return (f"not a valid JSON Schema: {_where(exc.absolute_path)}: {exc.message}",)
    return ()


def lint(schema: Mapping[str, Any]) -> list[str]:
    """Problems that make an assembled form schema unfit for the catalogue (empty when it is fine).
    Checking it against the meta-schema is `check_schema`'s job (done once for the shared definitions)."""
    problems: list[str] = []
    if schema.get("type") != "object":
        problems.append("the form must be a JSON object schema (type: object)")
    for path, node in _walk({k: v for k, v in schema.items() if k != "$schema"}):
        if not isinstance(node, dict) or (path and path[-1] in ("properties", "$defs")):
            continue
        where = _where(path)
        if node.get("type") == "object":
            extra = node.get("additionalProperties")
            if extra is not False and not isinstance(extra, dict):
                problems.append(f"{where}: an object needs additionalProperties: false (or a schema for open maps)")
            declared = set(node.get("properties", {}))
            for name in sorted(n for n, p in node.get("properties", {}).items() if p is False):
                problems.append(
                    f"{_where((*path, 'properties', name))}: write `not: {{required: [{name}]}}` instead of false"
                )
            for name, prop in node.get("properties", {}).items():
                if not (isinstance(prop, dict) and isinstance(prop.get("title"), str) and prop["title"].strip()):
                    problems.append(f"{_where((*path, 'properties', name))}: a field needs a Chinese title")
            wanted = {*node.get("required", []), *_conditional_required(node)}
            for name in sorted(wanted - declared):
                problems.append(f"{where}: required field {name!r} is not declared in properties")
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt not in KNOWN_FORMATS:
            problems.append(f"{_where((*path, 'format'))}: unknown format {fmt!r}; use one of {sorted(KNOWN_FORMATS)}")
    return problems


def build_validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(dict(schema), format_checker=FORMAT_CHECKER)


def completion_schema(
    title: str, description: str, forms: Mapping[str, Mapping[str, Any]], outcome_titles: Mapping[str, str]
) -> dict[str, Any]:
    """One schema for the completion body {"outcome": …, "form": {…}}: `outcome` is one of the outcomes,
    and an if/then branch per outcome applies that outcome's form schema to `form`. The `$defs` of all
    forms are hoisted to the root, where their "#/$defs/…" references resolve."""
    defs: dict[str, Any] = {}
    branches = []
    for outcome, schema in forms.items():
        defs.update(copy.deepcopy(schema.get("$defs", {})))
        form = {k: copy.deepcopy(v) for k, v in schema.items() if k not in ("$schema", "$defs")}
        branches.append(
            {
                "if": {"properties": {"outcome": {"const": outcome}}, "required": ["outcome"]},
                "then": {"properties": {"form": {"title": outcome_titles.get(outcome, outcome), **form}}},
            }
        )
    result: dict[str, Any] = {
        "$schema": DIALECT,
        "title": title,
        "description": description,
        "type": "object",
        "additionalProperties": False,
        "required": ["outcome", "form"],
        "properties": {
            "outcome": {"title": "办理结果", "enum": list(forms)},
            "form": {"title": "表单", "type": "object"},
        },
        "allOf": branches,
    }
    if defs:
        result["$defs"] = {name: defs[name] for name in sorted(defs)}
    return result


# ----------------------------------------------------------------------------- plain-words errors

_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _deref(node: Any, root: Mapping[str, Any]) -> Any:
    ref = node.get("$ref") if isinstance(node, dict) else None
    match = _DEF_REF.fullmatch(ref) if isinstance(ref, str) else None
    return root.get("$defs", {}).get(match.group(1)) if match else None


def _title_at(root: Mapping[str, Any], path: Iterable[str | int]) -> str | None:
    """The `title` of the field at an instance path, following properties, items and $ref."""
    node: Any = root
    for part in path:
        found = None
        candidate = node
        while isinstance(candidate, dict) and found is None:
            if isinstance(part, str):
                found = candidate.get("properties", {}).get(part)
            elif isinstance(candidate.get("items"), dict):
                found = candidate["items"]
            candidate = _deref(candidate, root)
        if found is None:
            return None
        node = found
    while isinstance(node, dict):
        if isinstance(node.get("title"), str):
            return str(node["title"])
        node = _deref(node, root)
    return None


def _rule_description(root: Mapping[str, Any], schema_path: Iterable[str | int]) -> str | None:
    """The `description` of the innermost conditional rule (then/else/allOf item) the error came from."""
    node: Any = root
    previous: str | int | None = None
    found: str | None = None
    for part in schema_path:
        while isinstance(node, dict) and part not in node and "$ref" in node:
            node = _deref(node, root)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return found
        is_rule = part in ("then", "else") or (isinstance(part, int) and previous in ("allOf", "anyOf", "oneOf"))
        if is_rule and isinstance(node, dict) and isinstance(node.get("description"), str):
            found = node["description"]
        previous = part
    return found


def _facet(schema: Any, key: str, root: Mapping[str, Any]) -> Any:
    """A keyword's value on a schema or on the definition it references (siblings of $ref apply too)."""
    while isinstance(schema, dict):
        if key in schema:
            return schema[key]
        schema = _deref(schema, root)
    return None


def _what(error: ValidationError, root: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """(extra path, words) for one error; most errors give one item, `required` one per missing field."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    value: Any = error.validator_value
    instance: Any = error.instance
    keyword: Any = error.validator
    if "propertyNames" in error.relative_schema_path:
        return [((), f"the name {_show(instance)} is not allowed: {error.message}")]
    if keyword == "required":
        missing = [n for n in value if isinstance(instance, dict) and n not in instance]
        return [((name,), "this field is required") for name in missing]
    if keyword == "additionalProperties":
        allowed = set(schema.get("properties", {}))
        extras = sorted(k for k in instance if k not in allowed) if isinstance(instance, dict) else []
        return [((name,), "unknown field, not allowed here") for name in extras]
    if keyword == "type":
        types: list[str] = value if isinstance(value, list) else [value]
        wanted = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        return [((), f"expected {wanted}, got {_json_type(instance)}")]
    if keyword == "enum":
        return [((), f"must be one of {', '.join(_show(v) for v in value)}; got {_show(instance)}")]
    if keyword == "const":
        return [((), f"must be {_show(value)}, got {_show(instance)}")]
    if keyword in ("minItems", "maxItems") and isinstance(instance, list):
        low, high = _facet(schema, "minItems", root), _facet(schema, "maxItems", root)
        distinct = " distinct" if _facet(schema, "uniqueItems", root) else ""
        if low is not None and low == high:
            return [((), f"expected {low}{distinct} items, got {len(instance)}")]
        bound = "at least" if keyword == "minItems" else "at most"
        return [((), f"expected {bound} {value}{distinct} item(s), got {len(instance)}")]
    if keyword == "uniqueItems":
        return [((), "items must be distinct, but some are repeated")]
    if keyword == "minLength":
        return [((), "must not be empty" if value == 1 else f"must be at least {value} characters")]
    if keyword == "maxLength":
        return [((), f"must be at most {value} characters, got {len(instance)}")]
    if keyword == "pattern":
        hint = _facet(schema, "description", root)
        return [((), f"{_show(instance)} is not in the expected form" + (f": {hint}" if hint else f" ({value})"))]
    if keyword == "format":
        return [((), f"{_show(instance)} is not {_FORMAT_WORDS.get(value, value)}")]
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        sign = {"minimum": "≥", "maximum": "≤", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[keyword]
        return [((), f"must be {sign} {value}, got {_show(instance)}")]
    if keyword == "contains" and isinstance(value, dict) and "const" in value:
        return [((), f"must include {_show(value['const'])}")]
    if keyword in ("minProperties", "maxProperties"):
        bound = "at least" if keyword == "minProperties" else "at most"
        return [((), f"must have {bound} {value} entr{'y' if value == 1 else 'ies'}")]
    if keyword == "not" and isinstance(value, dict) and isinstance(instance, dict) and "required" in value:
        present = [name for name in value["required"] if name in instance]
        return [((name,), "must be left out here") for name in present] or [((), "not allowed here")]
    if keyword is None:  # a `false` subschema (lint refuses them: jsonschema drops their path)
        return [((), "not allowed here")]
    if keyword in ("anyOf", "oneOf", "not") and isinstance(schema.get("description"), str):
        return [((), str(schema["description"]))]
    return [((), error.message)]


def explain(errors: Iterable[ValidationError], root: Mapping[str, Any], prefix: str = "form") -> list[str]:
    """Each problem with its path in plain words, sorted and without repeats, e.g.
    "form.officers: expected 2 distinct items, got 1 (调查人员)"."""
    problems: set[str] = set()
    for error in errors:
        rule = _rule_description(root, error.absolute_schema_path)
        for extra, words in _what(error, root):
            path = (*error.absolute_path, *extra)
            title = _title_at(root, path)
            text = f"{_where((prefix, *path))}: {words}"
            text += f" ({title})" if title else ""
            text += f" — {rule}" if rule else ""
            problems.add(text)
    return sorted(problems)
