"""Why an Update is refused. The API maps each type to an HTTP status (problem+json)."""

from temporalio.exceptions import ApplicationError

# type → the HTTP status the API answers with
REFUSALS = {
    "TaskNotFound": 404,
    "TaskClosed": 409,  # completed or cancelled, e.g. the loser of a double completion
    "CaseClosed": 409,  # said by clients (core/case_gateway.py): a completed workflow takes no Update
    "CaseNotFound": 404,  # said by clients: no workflow with that case_id
    "RoleNotAllowed": 403,
    "OutsideJurisdiction": 403,
    "OutcomeNotAllowed": 422,
    "FormInvalid": 422,
    "LegalRule": 422,  # a rule of law refuses the act (e.g. a hearing with too little notice)
    "TaskClaimed": 409,  # another officer has claimed the task
    "ClaimedByOther": 403,  # only the holder completes (or releases) a claimed task
    "EventNotExpected": 409,  # an outside event that cannot be true of the case now
}


def refuse(kind: str, message: str) -> ApplicationError:
    """An Update refusal: non-retryable, typed, with a message the officer can act on."""
    assert kind in REFUSALS, kind
    return ApplicationError(message, type=kind, non_retryable=True)
