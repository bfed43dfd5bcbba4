"""Separation of duties as data: who may approve what on a workflow's cases (its
``approvals:`` block), and the standing rule that nobody approves their own work.

An approval — an extension of a legal period, an override of a period that binds, a transfer
of the case — is never given by the case's assignee, by anyone who was its assignee before
(assigning the case to someone else first must not launder it), nor by whoever asked for it.
A manual pause records a legal fact (an appraisal commissioned) rather than approving
anything: its rule says only who may record it, and is not separated.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

APPROVAL_KINDS = ("extension", "override", "pause", "transfer")
APPROVAL_KEYS = {"roles", "triggers", "handoffs", "requested_by", "description"}
SEPARATED = frozenset({"extension", "override", "transfer"})
# a manual pause needs a role that works cases; an admin's role is the system, not the case
DEFAULT_PAUSE_ROLES = ("officer", "supervisor")
NOT_A_CASE_ROLE = "admin"

_WHAT = {"extension": "extension", "override": "override of a period",
         "transfer": "transfer", "pause": "pause"}


@dataclass(frozen=True)
class ApprovalRule:
    """Who may approve one kind of thing on a workflow's cases.

    ``triggers`` (transfer): the steps that decide it; ``handoffs`` (transfer): handoff kinds
    whose sending is itself the decision; ``requested_by``: steps whose actor asked for it,
    and so may not decide it.
    """

    kind: str
    roles: tuple[str, ...]
    triggers: frozenset[str] = frozenset()
    handoffs: frozenset[str] = frozenset()
    requested_by: frozenset[str] = frozenset()
    declared: bool = True  # False: derived from the workflow's other rules (not written down)

    @property
    def separated(self) -> bool:
        return self.kind in SEPARATED

    @property
    def what(self) -> str:
        return _WHAT[self.kind]

    def role_refusal(self, username: str, roles: Collection[str]) -> str | None:
        """Why ``username`` may not give this approval for want of a declared role."""
        if set(roles) & set(self.roles):
            return None
        return (f"a {self.what} needs role {' or '.join(self.roles)}; {username} has "
                f"{', '.join(sorted(roles)) or 'no role'}")


def separation_refusal(rule: ApprovalRule, username: str, *, case_number: str,
                       assignees: Collection[str],
                       requesters: Collection[str] = ()) -> str | None:
    """Why ``username`` may not approve: they asked for it, or they are or were the case's
    assignee (``assignees``: everyone the case was ever assigned to, the current one too)."""
    if not rule.separated:
        return None
    if username in requesters:
        return (f"separation of duties: {username} asked for this {rule.what} of case "
                f"{case_number} and may not approve it")
    if username in assignees:
        return (f"separation of duties: {username} is or was the assignee of case "
                f"{case_number} and may not approve its {rule.what}")
    return None
