"""The engine's refusals in the page's language.

A field error (``PayloadError``, ``ValidationFailed`` with a field) carries its message as
a template marked ``N_`` in the domain plus its parameters, so the Chinese catalog
translates the template and the page fills in the values: 必填 / "must be at least 1". Other
refusals get a headline per kind (the case changed meanwhile, not allowed, a period not
met …) followed by the engine's own words, which name the case, the clock or the rule. The
services' refusals carry templates too (``unknown handoff %(id)s``), so a not-found or a
permission refusal names its thing in the page's language; only a detail with no Chinese at
all (an untemplated refusal) is left out behind the headline.

``typed_date`` reads a date typed into a form the way every page reads it: empty is
"required", anything that is not a real calendar day (``2026-02-30``, garbage) says so.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _

from caseflow.domain import errors as e
from caseflow.domain.said import Joined, Said
from web.i18n import N_, is_chinese

_CJK = re.compile(r"[\u3400-\u9fff]")

# (kind, headline) — the first kind the refusal is an instance of wins
HEADLINES: tuple[tuple[type[e.CaseflowError], str], ...] = (
    (e.ConflictError, N_("The case was changed by someone else meanwhile; it is shown as it "
                      "is now. Check it and try again.")),
    (e.PeriodNotMet, N_("A legal period does not allow this step now.")),
    (e.ReasonRequired, N_("This step needs a reason.")),
    (e.GuardRefused, N_("The workflow's conditions for this step are not met.")),
    (e.InvalidTrigger, N_("This step is not possible in the case's current state.")),
    (e.PermissionDenied, N_("You are not allowed to do this.")),
    (e.NotFound, N_("Not found, or not visible to your agency.")),
    (e.Busy, N_("The system is busy; please try again in a moment.")),
    (e.PayloadError, N_("Please correct the marked fields.")),
    (e.ValidationFailed, N_("Please correct the marked fields.")),
)


def say(value: object) -> object:
    """A sentence of the engine in the page's language: a ``Said`` is its template
    translated and filled with its own params said the same way, ``Joined`` parts are each
    said and joined the page's way; anything else is shown as it is."""
    if isinstance(value, Said):
        if value.zh is not None:
            return value.zh if is_chinese() else str(value)
        params = {k: say(v) for k, v in value.params.items()}
        return _(value.template, **params) if params else _(value.template)
    if isinstance(value, Joined):
        return ("；" if is_chinese() else "; ").join(str(say(p)) for p in value.parts)
    return value


def _translated(exc: e.CaseflowError) -> str:
    template = getattr(exc, "template", None)
    if isinstance(template, Said):
        return str(say(template))
    if template:
        params = {k: say(v) for k, v in (getattr(exc, "params", {}) or {}).items()}
        return _(template, **params)
    return exc.message


def field_errors(exc: e.CaseflowError) -> dict[str, str]:
    """``{field: message}`` for a refusal that names a field, translated."""
    field = getattr(exc, "field", None)
    if not field:
        return {}
    return {field: _translated(exc)}


def message_of(exc: e.CaseflowError) -> str:
    """The page's one-line message for a refusal: its headline, then the engine's words
    (for a field error, its translated text)."""
    detail = _translated(exc)
    if (is_chinese() and detail and not _CJK.search(detail)
            and isinstance(exc, e.ConflictError | e.NotFound)):
        detail = ""  # the headline says it all; the engine's English words would only leak
    for kind, headline in HEADLINES:
        if isinstance(exc, kind):
            return f"{_(headline)} {detail}" if detail else _(headline)
    return detail or _("The request was refused.")


NOT_A_DATE = N_("%(value)s is not a valid date (year-month-day)")


def typed_date(raw: str | None, field: str) -> date:
    """The date typed into ``field`` (``YYYY-MM-DD``, what ``<input type=date>`` sends), or a
    ``ValidationFailed`` naming ``field``: "is required" when empty, else that the text is not
    a real date — never "fill in a date" for a date that was filled in."""
    text = (raw or "").strip()
    if not text:
        raise e.ValidationFailed(N_("is required"), field=field, prefixed=True)
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise e.ValidationFailed(NOT_A_DATE, field=field, params={"value": text[:40]},
                                 prefixed=True) from None
