"""Errors raised by the rules package. Each carries a message a legal officer can act on."""


class RuleError(ValueError):
    """Bad input to a rule function: the caller asked for something the law does not allow."""


class RuleDataError(RuleError):
    """A rules data file is malformed. Raised at start-up, never mid-case."""


class UnknownTimerCode(RuleError):
    def __init__(self, code: str, known: list[str]) -> None:
        super().__init__(f"unknown timer code {code!r}; known codes: {', '.join(known)}")
        self.code = code


class UnknownViolationCode(RuleError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown violation code {code!r}")
        self.code = code


class NaiveDatetimeError(RuleError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} has no time zone; give an offset such as +08:00")
