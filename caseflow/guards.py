"""Named guards a workflow transition may require.

A guard looks at the case, the checked payload and the acting user and returns ``None`` when
the step may go ahead, or a sentence saying why not. Workflows name guards; the registry here
is the whole vocabulary, so a YAML typo is caught at load time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from caseflow.models import Case, User


@dataclass(frozen=True)
class GuardContext:
    case: Case
    payload: Mapping[str, Any]
    user: User

    def value(self, name: str) -> Any:
        """A value from this step's payload, else from what earlier steps recorded."""
        if name in self.payload:
            return self.payload[name]
        return (self.case.data or {}).get(name)


Guard = Callable[[GuardContext], str | None]
GUARDS: dict[str, Guard] = {}


def guard(name: str) -> Callable[[Guard], Guard]:
    def register(fn: Guard) -> Guard:
        GUARDS[name] = fn
        return fn

    return register


def _has_party(ctx: GuardContext, role: str) -> bool:
    return any(p.role == role for p in ctx.case.parties)


@guard("has_assignee")
def has_assignee(ctx: GuardContext) -> str | None:
    return None if ctx.case.assignee_id else "the case has no assigned officer"


@guard("has_evidence")
def has_evidence(ctx: GuardContext) -> str | None:
    return None if ctx.case.evidence else "no evidence has been attached to the case"


@guard("has_rights_holder")
def has_rights_holder(ctx: GuardContext) -> str | None:
    return None if _has_party(ctx, "rights_holder") else "the case names no rights holder"


@guard("has_alleged_infringer")
def has_alleged_infringer(ctx: GuardContext) -> str | None:
    if _has_party(ctx, "alleged_infringer") or _has_party(ctx, "respondent"):
        return None
    return "the case names no alleged infringer"


@guard("has_applicant")
def has_applicant(ctx: GuardContext) -> str | None:
    if _has_party(ctx, "applicant") or _has_party(ctx, "complainant"):
        return None
    return "the case names no applicant"


@guard("has_ip_right")
def has_ip_right(ctx: GuardContext) -> str | None:
    return None if ctx.case.ip_rights else "the case names no IP right"


@guard("has_patent")
def has_patent(ctx: GuardContext) -> str | None:
    kinds = {"invention_patent", "utility_model", "design_patent"}
    if any(r.kind in kinds for r in ctx.case.ip_rights):
        return None
    return "the case names no patent"


# 《市场监督管理行政处罚程序规定》 arts. 66/70: on-the-spot decisions only for small fines.
SUMMARY_FINE_LIMITS = {"individual": 200, "enterprise": 3000, "other_organisation": 3000}


@guard("summary_fine_within_limit")
def summary_fine_within_limit(ctx: GuardContext) -> str | None:
    fine = ctx.value("fine_amount") or 0
    infringers = [p for p in ctx.case.parties if p.role == "alleged_infringer"]
    kind = infringers[0].kind if infringers else "individual"
    limit = SUMMARY_FINE_LIMITS.get(kind, 200)
    if fine > limit:
        return (
            f"a fine of {fine:g} yuan exceeds the summary-procedure limit of {limit} yuan "
            f"for a party of kind {kind}; use the ordinary procedure"
        )
    return None


def required_customs_security(goods_value: float, mode: str) -> float:
    """Security a rights holder must post (实施办法 arts. 22–23)."""
    if mode == "on_application":
        return goods_value
    if goods_value < 20_000:
        return goods_value
    if goods_value <= 200_000:
        return max(goods_value * 0.5, 20_000)
    return 100_000


@guard("customs_security_sufficient")
def customs_security_sufficient(ctx: GuardContext) -> str | None:
    value = ctx.value("goods_value")
    security = ctx.value("security_amount")
    mode = ctx.value("detention_mode") or "ex_officio"
    if value is None or security is None:
        return "goods value and security amount must both be recorded"
    needed = required_customs_security(float(value), str(mode))
    if float(security) < needed:
        return f"security of {security:g} yuan is below the {needed:g} yuan required for goods worth {value:g} yuan"
    return None


@guard("penalty_has_amount_or_warning")
def penalty_has_amount_or_warning(ctx: GuardContext) -> str | None:
    if ctx.value("fine_amount") or ctx.value("confiscation") or ctx.value("warning"):
        return None
    return "a penalty decision needs a fine, a confiscation or a warning"


@guard("supervisor_is_not_assignee")
def supervisor_is_not_assignee(ctx: GuardContext) -> str | None:
    if ctx.case.assignee_id == ctx.user.id:
        return "the officer handling the case cannot approve their own request"
    return None
