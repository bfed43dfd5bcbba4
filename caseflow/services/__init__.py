"""The service layer: one module per capability, each public function one unit of work.

The commonest case calls are gathered here so an entry point can write
``services.fire(uow, …)``; everything else is imported from its capability's module
(``services.clocks``, ``services.handoffs``, ``services.mediation.settlements`` …).
Modules inside the service layer import each other by module, never through this package.
"""

from caseflow.services.cases import (
    CaseView,
    TriggerOption,
    assign,
    available_triggers,
    fire,
    open_case,
)
from caseflow.services.evidence import attach_evidence
from caseflow.services.links import link_cases

__all__ = [
    "CaseView",
    "TriggerOption",
    "assign",
    "attach_evidence",
    "available_triggers",
    "fire",
    "link_cases",
    "open_case",
]
