"""Every refusal the engine can give, each a specific type with a one-line message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from caseflow.domain.said import Joined


def N_(message: str) -> str:
    """Mark a refusal template for the pages' catalog (``python -m web.catalog`` extracts it);
    the domain stays free of any translation library: the pages translate ``exc.template``."""
    return message


class CaseflowError(Exception):
    """Base of all expected, user-facing errors. ``str(err)`` is the one-line message.

    ``template`` is the message untranslated, with ``%(name)s`` placeholders filled from
    ``params`` (``message == template % params``): the pages translate the template and fill
    in the same values; the API and the CLI show ``message``."""

    http_status = 400

    def __init__(self, message: str, *, field: str | None = None,
                 params: Mapping[str, Any] | None = None) -> None:
        self.template = message
        self.params: dict[str, Any] = dict(params or {})
        self.message = message % self.params if self.params else message
        super().__init__(self.message)
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
        # ``message`` may be a ``said.Said``: the pages translate it as a param
        super().__init__(N_("guard '%(guard)s' refused: %(why)s"),
                         params={"guard": guard, "why": message})
        self.guard = guard


class PeriodNotMet(CaseflowError):
    """A legal period forbids the step now (too early or too late): an expected refusal that
    names the period, its due date, what remains and the article — not an error to log."""

    http_status = 409

    def __init__(self, trigger: str, reasons: list[str], clocks: list[str]) -> None:
        super().__init__(N_("cannot %(trigger)r: %(reasons)s"), field="period",
                         params={"trigger": trigger, "reasons": Joined("; ", reasons)})
        self.reasons = reasons
        self.clocks = clocks


class PayloadError(CaseflowError):
    """A required field is missing, or a field has the wrong type or value."""

    http_status = 422

    def __init__(self, field: str, message: str,
                 params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message, field=field, params=params)
        # the template stays the text alone (shown next to its field); the message names it
        self.message = f"{field}: {self.message}"
        self.args = (self.message,)


class ReasonRequired(CaseflowError):
    http_status = 422

    def __init__(self, trigger: str) -> None:
        super().__init__(N_("trigger '%(trigger)s' requires a reason"), field="reason",
                         params={"trigger": trigger})


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


class ReportDataOutdated(CaseflowError):
    """The report tallies were kept by an older layout than this version computes: figures
    would be wrong, so none is given until ``caseflow reports rebuild`` (an upgrade's
    migration normally does it)."""

    http_status = 503
    exit_code = 75


class WorkflowDefinitionError(CaseflowError):
    """A workflow file is wrong; the message names the file, line and problem."""


class WorkflowMigrationError(CaseflowError):
    pass


class ValidationFailed(CaseflowError):
    """Bad input to a service call (unknown party role, bad link, …). With ``prefixed``
    the message starts ``"<field>: "`` as a PayloadError's does, the template without it."""

    http_status = 422

    def __init__(self, message: str, *, field: str | None = None,
                 params: Mapping[str, Any] | None = None, prefixed: bool = False) -> None:
        super().__init__(message, field=field, params=params)
        if prefixed and field:
            self.message = f"{field}: {self.message}"
            self.args = (self.message,)


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
