"""Read the YAML data files shipped in rules/data/. I/O happens here, at load time only."""

from importlib import resources
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from rules.errors import RuleDataError


def load_yaml(name: str) -> Any:
    """Parse rules/data/<name>; a missing or unparsable file is a start-up error."""
    try:
        text = resources.files("rules").joinpath("data", name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RuleDataError(f"rules data file {name} is missing") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleDataError(f"rules data file {name} is not valid YAML: {exc}") from exc


M = TypeVar("M", bound=BaseModel)


def validate_data(model: type[M], raw: Any, list_key: str, source: str) -> M:
    """Validate a data file's content; each error names the entry's `code` and the field,
    e.g. "T07.unit: Input should be 'WD', 'CD', …" — a clear start-up error, never a traceback."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = list(err["loc"])
            where = ".".join(str(p) for p in loc)
            if len(loc) >= 2 and loc[0] == list_key and isinstance(loc[1], int) and isinstance(raw, dict):
                entries = raw.get(list_key) or []
                if loc[1] < len(entries) and isinstance(entries[loc[1]], dict):
                    code = entries[loc[1]].get("code", f"#{loc[1] + 1}")
                    where = ".".join([str(code), *(str(p) for p in loc[2:])])
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
        raise RuleDataError(f"{source} is invalid: " + "; ".join(problems)) from exc
