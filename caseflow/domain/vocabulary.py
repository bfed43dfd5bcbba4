"""The words every layer shares: agency kinds, roles, party kinds, IP right kinds, statuses.

Kept apart from the ORM so the domain (definitions, guards) can check names without a
database; the tables' CHECK constraints are built from the same tuples.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from caseflow.domain.errors import ValidationFailed

AGENCY_KINDS = ("market_supervision", "customs", "police", "court", "mediation", "protection_center")
ROLES = ("officer", "mediator", "supervisor", "admin")
PARTY_ROLES = (
    "rights_holder",
    "alleged_infringer",
    "applicant",
    "respondent",
    "complainant",
    "reporter",
    "assisted_firm",
)
PARTY_KINDS = ("enterprise", "individual", "other_organisation")
PARTY_ORIGINS = ("local", "other_city", "overseas")
IP_RIGHT_KINDS = (
    "invention_patent",
    "utility_model",
    "design_patent",
    "trademark",
    "copyright",
    "geographical_indication",
    "trade_secret",
    "plant_variety",
)
# the industries the supervisor's reports count cases by; the first five are where the seeds
# say infringement clusters (52.7% of cases)
INDUSTRIES = (
    "clothing",
    "food",
    "home_appliances",
    "auto_parts",
    "stationery",
    "electronics",
    "machinery",
    "chemicals",
    "other",
)
CLUSTER_INDUSTRIES = ("clothing", "food", "home_appliances", "auto_parts", "stationery")
INDUSTRY_TITLES = {
    "clothing": ("服装", "Clothing"),
    "food": ("食品", "Food"),
    "home_appliances": ("家用电器", "Home appliances"),
    "auto_parts": ("汽车配件", "Auto parts"),
    "stationery": ("文具", "Stationery"),
    "electronics": ("电子产品", "Electronics"),
    "machinery": ("机械设备", "Machinery"),
    "chemicals": ("化工产品", "Chemicals"),
    "other": ("其他", "Other"),
}
LINK_KINDS = ("parent_child", "related")

CLOCK_STATUSES = ("running", "paused", "stopped")
OPEN_CLOCK_STATUSES = ("running", "paused")
# an extension request: waiting for its approver, then approved, refused or withdrawn
EXTENSION_REQUEST_STATUSES = ("pending", "approved", "refused", "withdrawn")
# an override request: as an extension request's, and ``used`` once the step was taken with it
OVERRIDE_REQUEST_STATUSES = ("pending", "approved", "refused", "withdrawn", "used")
HANDOFF_STATUSES = ("sent", "received", "accepted", "rejected", "returned")
OPEN_HANDOFF_STATUSES = ("sent", "received")

# mediation records are confidential to the mediation body working them
MEDIATION_WORKFLOW = "mediation"
MEDIATION_AGENCY_KIND = "mediation"

# who may open and work cases, and act on handoffs
OPENING_ROLES = frozenset({"officer", "mediator", "supervisor"})
ACTING_ROLES = OPENING_ROLES


def check_choice(value: Any, allowed: Sequence[str], where: str) -> str:
    """``value`` if it is one of ``allowed``; else a refusal naming the field and the choices."""
    if value not in allowed:
        raise ValidationFailed(f"{where}: {value!r} is not one of {', '.join(allowed)}", field=where)
    return str(value)
