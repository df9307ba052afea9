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


# --- violation catalogue, discretion benchmarks and procedure thresholds (rules/catalogue.py,
# rules/discretion_benchmark.py, rules/discretion.py, rules/procedure.py) ---


class UnknownPartyType(RuleError):
    def __init__(self, value: str, known: list[str]) -> None:
        super().__init__(f"unknown party type {value!r}; use one of: {', '.join(known)}")
        self.value = value


class PartyTypeNotCovered(RuleError):
    def __init__(self, code: str, party_type: str, covered: list[str]) -> None:
        super().__init__(
            f"violation {code!r} does not apply to party type {party_type!r}; it covers: {', '.join(covered)}"
        )
        self.code = code
        self.party_type = party_type


class UnknownFact(RuleError):
    def __init__(self, names: list[str]) -> None:
        super().__init__(f"unknown fact name(s) {', '.join(names)}: not in the catalogue's fact vocabulary")
        self.names = names


class InvalidFactValue(RuleError):
    def __init__(self, fact: str, value: object, expected: str) -> None:
        super().__init__(f"fact {fact!r} must be a {expected}, got {value!r}")
        self.fact = fact


class MissingFacts(RuleError):
    """A condition could not be decided: the tier is not picked by default, the caller must say."""

    def __init__(self, code: str, where: str, facts: list[str]) -> None:
        super().__init__(
            f"violation {code!r}: cannot decide {where} without the fact(s) {', '.join(facts)}; "
            "establish and record them first"
        )
        self.code = code
        self.facts = facts


class NoTierApplies(RuleError):
    def __init__(self, code: str) -> None:
        super().__init__(f"violation {code!r}: no discretion tier applies to these facts")
        self.code = code


class BenchmarkNotInForce(RuleError):
    def __init__(self, code: str, on: str, window: str) -> None:
        super().__init__(f"violation {code!r}: its benchmark is not in force on {on} (in force {window})")
        self.code = code


class NegativeAmount(RuleError):
    def __init__(self, what: str, value: object) -> None:
        super().__init__(f"{what} must not be negative, got {value}")


class FineNotAllowed(RuleError):
    """A fine the law or the benchmark does not allow. Subclasses say which limit was broken."""


class FineOutsideBenchmark(FineNotAllowed):
    """Outside the tier's range with no recorded deviation (国办发〔2022〕27号 item 12)."""


class FineAboveStatutoryMaximum(FineNotAllowed):
    """Above the statutory maximum: never allowed, deviation or not."""


class ReductionNotJustified(FineNotAllowed):
    """Below the statutory minimum (减轻处罚) without a recorded ground (处罚法 Arts. 30–32)."""


class NoPenaltyRequired(FineNotAllowed):
    """A fine where the law says 不予行政处罚."""


class InvalidDeviation(RuleError):
    """A deviation record that does not meet 国办发〔2022〕27号 item 12."""


class UnknownPenaltyKind(RuleError):
    def __init__(self, kinds: list[str], known: list[str]) -> None:
        super().__init__(f"unknown penalty kind(s) {', '.join(kinds)}; known (处罚法 Art. 9): {', '.join(known)}")
        self.kinds = kinds


class UnknownJurisdiction(RuleError):
    def __init__(self, jurisdiction: str, known: list[str]) -> None:
        super().__init__(f"no procedure thresholds for jurisdiction {jurisdiction!r}; known: {', '.join(known)}")
        self.jurisdiction = jurisdiction


# --- task catalogue (rules/task_catalogue.py): what the case workflow's Update validator refuses ---


class UnknownTaskKind(RuleError):
    def __init__(self, kind: str, known: list[str]) -> None:
        super().__init__(f"unknown task kind {kind!r}; known kinds: {', '.join(known)}")
        self.kind = kind


class OutcomeNotAllowed(RuleError):
    def __init__(self, kind: str, outcome: str, allowed: list[str]) -> None:
        super().__init__(f"task {kind}: outcome {outcome!r} is not allowed; allowed outcomes: {', '.join(allowed)}")
        self.kind = kind
        self.outcome = outcome
        self.allowed = allowed


class FormInvalid(RuleError):
    """The form does not match the outcome's JSON Schema; `problems` lists each one with its path."""

    def __init__(self, kind: str, outcome: str, problems: list[str]) -> None:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"task {kind}, outcome {outcome!r}: the form has {count}: " + "; ".join(problems))
        self.kind = kind
        self.outcome = outcome
        self.problems = problems
