"""Admin-loaded holiday schedules: one YAML file per year in the calendar directory.

The State Council publishes next year's 放假安排 late in the year; an administrator loads it with
`zhifa calendar load FILE`. This module does the file I/O; `LegalCalendar` stays pure.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from rules.calendar import CalendarOverride, LegalCalendar
from rules.errors import RuleDataError


def parse_override(text: str, source: str) -> CalendarOverride:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleDataError(f"{source} is not valid YAML: {exc}") from exc
    except ValueError as exc:  # e.g. an impossible date such as 2027-02-30
        raise RuleDataError(f"{source} is not a valid holiday schedule: {exc}") from exc
    try:
        return CalendarOverride.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors())
        raise RuleDataError(f"{source} is not a valid holiday schedule: {problems}") from exc


def read_override(path: Path) -> CalendarOverride:
    return parse_override(path.read_text(encoding="utf-8"), str(path))


def load_overrides(directory: Path) -> list[CalendarOverride]:
    """Every schedule in `directory` (missing directory: none). A bad file is a start-up error."""
    if not directory.is_dir():
        return []
    return [read_override(p) for p in sorted(directory.glob("*.yaml"))]


def install_override(path: Path, directory: Path) -> CalendarOverride:
    """Validate a schedule file and store it as <directory>/<year>.yaml (replacing that year)."""
    override = read_override(path)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{override.year}.yaml"
    tmp = target.with_suffix(".yaml.tmp")
    tmp.write_text(yaml.safe_dump(override.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    tmp.replace(target)
    return override


def load_calendar(directory: Path) -> LegalCalendar:
    return LegalCalendar(load_overrides(directory))
