"""Errors raised while rendering a statutory document. Each names the field and the article behind it."""

from rules.document_kinds import RequiredField
from rules.errors import RuleError


class DocumentError(RuleError):
    """A document cannot be rendered as asked: the caller must fix the input, not retry."""


class MissingDocumentField(DocumentError):
    """A value the law requires the document to carry is missing or blank: no blank is ever printed."""

    def __init__(self, kind: str, title: str, spec: RequiredField, path: str) -> None:
        super().__init__(
            f"{title} ({kind}): required field {path} ({spec.label}) is missing or blank; required by {spec.citation}"
        )
        self.kind = kind
        self.key = spec.key
        self.path = path
        self.label = spec.label
        self.legal_basis = spec.legal_basis


class InvalidDocumentField(DocumentError):
    """A required value is present but of the wrong type, or not one of the allowed choices."""

    def __init__(self, kind: str, spec: RequiredField, path: str, problem: str) -> None:
        super().__init__(f"{kind}: field {path} ({spec.label}) {problem}; see {spec.citation}")
        self.kind = kind
        self.key = spec.key
        self.path = path
        self.label = spec.label


class MissingGlyph(DocumentError):
    """A character has no glyph in the installed fonts: the PDF would show a box instead of the text."""

    def __init__(self, characters: list[str]) -> None:
        listed = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in characters)
        super().__init__(
            f"no installed font has a glyph for {listed}; install fonts-noto-cjk or correct the text "
            "(a document must not print a glyph box)"
        )
        self.characters = characters
