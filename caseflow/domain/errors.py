"""Every refusal the engine can give, each a specific type with a one-line message."""

from __future__ import annotations


class CaseflowError(Exception):
    """Base of all expected, user-facing errors. ``str(err)`` is the one-line message."""

    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class DatabaseUnavailable(CaseflowError):
    http_status = 503


class NotFound(CaseflowError):
    http_status = 404


class UnknownCaseType(NotFound):
    """A case is to be opened as a type no loaded workflow has (or none in force on its
    receipt date): nothing the engine holds, but a value the caller chose — the API answers
    422 naming ``case_type``, not 404."""

    http_status = 422


class PermissionDenied(CaseflowError):
    http_status = 403


class InvalidTrigger(CaseflowError):
    """The trigger does not exist in the case's workflow, or not from its current state."""

    http_status = 409


class GuardRefused(CaseflowError):
    """A named guard of the transition said no."""

    http_status = 422

    def __init__(self, guard: str, message: str) -> None:
        super().__init__(f"guard '{guard}' refused: {message}")
        self.guard = guard


class PeriodNotMet(CaseflowError):
    """A legal period forbids the step now (too early or too late): an expected refusal that
    names the period, its due date, what remains and the article — not an error to log."""

    http_status = 409

    def __init__(self, trigger: str, reasons: list[str], clocks: list[str]) -> None:
        super().__init__(f"cannot {trigger!r}: " + "; ".join(reasons), field="period")
        self.reasons = reasons
        self.clocks = clocks


class PayloadError(CaseflowError):
    """A required field is missing, or a field has the wrong type or value."""

    http_status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)


class ReasonRequired(CaseflowError):
    http_status = 422

    def __init__(self, trigger: str) -> None:
        super().__init__(f"trigger '{trigger}' requires a reason", field="reason")


class ConflictError(CaseflowError):
    """Someone else changed the case first; reload and try again."""

    http_status = 409


class Busy(CaseflowError):
    """The database could not do the change in time: another writer holds the case or the
    database, a statement ran past its limit, or the transaction sat idle and was ended.
    Nothing of the change was written; retry in ``retry_after`` seconds (the API answers 503
    with Retry-After, the CLI exits 75, EX_TEMPFAIL)."""

    http_status = 503
    exit_code = 75

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class WorkflowDefinitionError(CaseflowError):
    """A workflow file is wrong; the message names the file, line and problem."""


class WorkflowMigrationError(CaseflowError):
    pass


class ValidationFailed(CaseflowError):
    """Bad input to a service call (unknown party role, bad link, …)."""

    http_status = 422


class Unauthenticated(CaseflowError):
    """No valid credentials came with the request (no token, an unknown, expired or revoked
    one): the same answer for each, so a caller learns nothing about which tokens exist."""

    http_status = 401


class PreconditionRequired(CaseflowError):
    """A write to a case came without the version it was made against (``If-Match``)."""

    http_status = 428


class PreconditionFailed(CaseflowError):
    """The version a write was made against is no longer the case's: reload and retry."""

    http_status = 412


class PayloadTooLarge(CaseflowError):
    """A request body or an uploaded file is over its size limit."""

    http_status = 413


class UnsupportedMediaType(CaseflowError):
    """A body or an uploaded file is of a type this endpoint does not take."""

    http_status = 415


class TooManyAttempts(CaseflowError):
    """Signing in is locked out for a while (too many failures for the account or from the
    address): the same answer whether or not the password given was right."""

    http_status = 429

    def __init__(self, message: str, *, retry_after: int = 900) -> None:
        super().__init__(message)
        self.retry_after = retry_after
