"""The catalogue of statutory documents (rules/data/documents.yaml) as validated, immutable models.

Loaded once at start-up by `load_document_kinds()`; a malformed entry is a `RuleDataError` naming the
document kind and the field. The renderer (documents/render.py) checks a render context against a
kind's `required` fields; the statutory periods a document states come from the timer table. Each kind
also names its place in the case archive (案卷): `archive_category`, one of the eight categories of
住建 Art. 40 (`archive_categories`, in the article's order), which documents/archive.py binds by.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rules.data_files import load_yaml
from rules.deadline_table import Confidence, load_timer_table
from rules.errors import RuleDataError, RuleError
from rules.task_catalogue import STAGES

SNAKE = r"^[a-z][a-z0-9_]*$"
# A dotted path into the render context; `name[]` walks every element of a list.
KEY = r"^[a-z][a-z0-9_]*(\[\])?(\.[a-z][a-z0-9_]*(\[\])?)*$"
PLAIN_KEY = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"


class UnknownDocumentKind(RuleError):
    def __init__(self, kind: str, known: list[str]) -> None:
        super().__init__(f"unknown document kind {kind!r}; known kinds: {', '.join(known)}")
        self.kind = kind


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    MONEY = "money"
    BOOL = "bool"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Condition(_Frozen):
    """`{key: K}`: K is present and not blank; `equals`/`in`: K has that value."""

    key: str = Field(pattern=PLAIN_KEY)
    equals: str | bool | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if self.equals is not None and self.in_ is not None:
            raise ValueError("give `equals` or `in`, not both")
        return self


class RequiredField(_Frozen):
    key: str = Field(pattern=KEY)
    label: str = Field(min_length=1)
    type: FieldType = FieldType.TEXT
    legal_basis: str = Field(min_length=1)
    confidence: Confidence
    choices: tuple[str, ...] | None = None
    min_items: int | None = Field(default=None, gt=0)
    when: Condition | None = None

    @field_validator("key")
    @classmethod
    def _not_a_mapping_method(cls, key: str) -> str:
        # jinja2 resolves `x.items` to dict.items before the key: a template would print a method.
        clashes = [s for s in key.replace("[]", "").split(".") if hasattr(dict, s)]
        if clashes:
            raise ValueError(f"{key}: {clashes} is a dict method name; jinja2 would not see the value")
        return key

    @model_validator(mode="after")
    def _coherent(self) -> RequiredField:
        if self.min_items is not None and "[]" not in self.key:
            raise ValueError(f"{self.key}: min_items needs a list key (name[])")
        if self.choices is not None and (self.type is not FieldType.TEXT or not self.choices):
            raise ValueError(f"{self.key}: choices need a text field and at least one value")
        return self

    @property
    def citation(self) -> str:
        return f"{self.legal_basis} [{self.confidence.value}]"


ARCHIVE_CATEGORY_COUNT = 8  # 住建 Art. 40: the case file's eight categories


class ArchiveCategory(_Frozen):
    """One of the eight categories of the case archive (住建 Art. 40), in the article's order."""

    number: int = Field(ge=1, le=ARCHIVE_CATEGORY_COUNT)
    name: str = Field(min_length=1, description="the group heading printed in the 卷内目录")


class DocumentKind(_Frozen):
    kind: str = Field(pattern=SNAKE)
    title: str = Field(min_length=1)
    type_code: str | None = Field(min_length=1)
    numbered: bool
    stage: str
    archive_category: int = Field(ge=1, le=ARCHIVE_CATEGORY_COUNT, description="住建 Art. 40 category, 1-8")
    template: str = Field(pattern=r"^[a-z][a-z0-9_]*\.html$")
    legal_basis: str = Field(min_length=1)
    confidence: Confidence
    periods: tuple[str, ...] = ()
    required: tuple[RequiredField, ...] = Field(min_length=1)

    @field_validator("stage")
    @classmethod
    def _known_stage(cls, stage: str) -> str:
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; use one of: {', '.join(STAGES)}")
        return stage

    @field_validator("periods")
    @classmethod
    def _known_periods(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        known = load_timer_table().codes
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValueError(f"unknown timer code(s) {unknown}; known codes: {', '.join(known)}")
        if len(set(codes)) != len(codes):
            raise ValueError(f"timer codes repeat: {list(codes)}")
        return codes

    @model_validator(mode="after")
    def _coherent(self) -> DocumentKind:
        if self.numbered != (self.type_code is not None):
            raise ValueError("a numbered document needs a type_code (文号类型代字); an unnumbered one has none")
        if self.type_code is not None and not re.fullmatch(r"[\u4e00-\u9fff]{1,4}", self.type_code):
            raise ValueError(f"type_code {self.type_code!r} must be one to four Chinese characters")
        keys = [f.key for f in self.required]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"required keys repeat: {duplicates}")
        return self

    def field(self, key: str) -> RequiredField:
        for spec in self.required:
            if spec.key == key:
                return spec
        raise KeyError(f"{self.kind} has no required field {key!r}")


class DocumentCatalogue(_Frozen):
    version: str = Field(min_length=1)
    archive_categories: tuple[ArchiveCategory, ...]
    fragments: Any = Field(default=None, description="YAML anchors only; not read")
    documents: tuple[DocumentKind, ...] = Field(min_length=1)

    @field_validator("archive_categories")
    @classmethod
    def _all_eight_in_order(cls, categories: tuple[ArchiveCategory, ...]) -> tuple[ArchiveCategory, ...]:
        numbers = [c.number for c in categories]
        if numbers != list(range(1, ARCHIVE_CATEGORY_COUNT + 1)):
            raise ValueError(
                f"give the categories of 住建 Art. 40 as 1..{ARCHIVE_CATEGORY_COUNT} in order, not {numbers}"
            )
        return categories

    @model_validator(mode="after")
    def _unique(self) -> DocumentCatalogue:
        for attr in ("kind", "template"):
            values = [getattr(d, attr) for d in self.documents]
            duplicates = sorted({v for v in values if values.count(v) > 1})
            if duplicates:
                raise ValueError(f"duplicate {attr}s: {duplicates}")
        codes = [d.type_code for d in self.documents if d.type_code]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate type_codes (文号 would collide): {duplicates}")
        return self

    def get(self, kind: str) -> DocumentKind:
        for doc in self.documents:
            if doc.kind == kind:
                return doc
        raise UnknownDocumentKind(kind, self.kinds)

    @property
    def kinds(self) -> list[str]:
        return [d.kind for d in self.documents]

    def archive_category(self, number: int) -> ArchiveCategory:
        """The archive category ``number`` (1-8); KeyError for another number."""
        for category in self.archive_categories:
            if category.number == number:
                return category
        raise KeyError(f"no archive category {number}; 住建 Art. 40 has 1..{ARCHIVE_CATEGORY_COUNT}")


def parse_document_kinds(raw: Any, source: str = "documents.yaml") -> DocumentCatalogue:
    """Validate raw YAML data; each error names the document kind and the field, e.g.
    "penalty_decision.required.3.confidence: Input should be 'V', …"."""
    try:
        return DocumentCatalogue.model_validate(raw)
    except ValidationError as exc:
        entries = raw.get("documents") if isinstance(raw, dict) else None
        problems = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            if len(loc) >= 2 and loc[0] == "documents" and loc[1].isdigit() and isinstance(entries, list):
                index = int(loc[1])
                entry = entries[index] if index < len(entries) else None
                name = entry.get("kind") if isinstance(entry, dict) else None
                loc = [str(name or f"#{index + 1}"), *loc[2:]]
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{'.'.join(loc)}: {message}" if loc else message)
        raise RuleDataError(f"{source} is invalid: " + "; ".join(problems)) from exc


@lru_cache(maxsize=1)
def load_document_kinds() -> DocumentCatalogue:
    """The shipped document catalogue, loaded and validated once."""
    return parse_document_kinds(load_yaml("documents.yaml"))
