"""Read the YAML data files shipped in rules/data/. I/O happens here, at load time only."""

from importlib import resources
from typing import Any

import yaml

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
