"""Guards are pure rules over the facts a service loads for them: no database needed."""

from __future__ import annotations

from datetime import datetime

import pytest

from caseflow.domain.guards import (
    GUARD_NEEDS,
    GUARDS,
    ActorFacts,
    AgreementFacts,
    CaseFacts,
    GuardContext,
    PartyFacts,
    RightFacts,
    facts_needed,
    guard,
)

OFFICER = ActorFacts(id=7, username="li.officer", roles=frozenset({"officer"}))


def facts(**changes) -> CaseFacts:
    base = dict(id=1, number="XZCF-2026-000001", workflow_key="admin_enforcement",
                status="investigation", assignee_id=7, data={},
                parties=(PartyFacts("rights_holder", "宁波甬丰服饰有限公司"),
                         PartyFacts("alleged_infringer", "余姚市某服饰店", kind="individual")),
                ip_rights=(RightFacts("trademark", "第12345678号"),), evidence_count=0)
    return CaseFacts(**{**base, **changes})


def ctx(case: CaseFacts | None = None, payload=None, **extra) -> GuardContext:
    return GuardContext(case=case or facts(), payload=payload or {}, user=OFFICER,
                        now=datetime(2026, 10, 9, 2, 0), **extra)


def test_every_guard_declares_only_known_facts():
    assert set(GUARD_NEEDS) == set(GUARDS)
    assert facts_needed(["settlement_confirmable", "has_evidence"]) == {"agreement"}
    assert facts_needed(["not_received_by_jurisdiction_transfer"]) == {"received_by_handoff"}
    assert facts_needed(["has_assignee", "has_patent"]) == frozenset()
    with pytest.raises(ValueError, match="unknown facts"):
        guard("made_up", needs=("the_weather",))


def test_case_facts_decide_the_simple_guards():
    assert GUARDS["has_evidence"](ctx()) == "no evidence has been attached to the case"
    assert GUARDS["has_evidence"](ctx(facts(evidence_count=2))) is None
    assert GUARDS["has_patent"](ctx()) == "the case names no patent"
    assert GUARDS["has_patent"](ctx(facts(ip_rights=(RightFacts("utility_model", "ZL2025"),)))) is None
    assert GUARDS["supervisor_is_not_assignee"](ctx()) is not None  # user 7 is the assignee
    assert GUARDS["summary_fine_within_limit"](ctx(payload={"fine_amount": 200})) is None
    assert "exceeds" in GUARDS["summary_fine_within_limit"](ctx(payload={"fine_amount": 201}))


def test_confirmability_reads_the_loaded_agreement():
    check = GUARDS["settlement_confirmable"]
    assert check(ctx()) is None  # no agreement loaded: nothing to refuse
    assert check(ctx(agreement=AgreementFacts(3, False, False))) is None
    assert "will not confirm" in check(ctx(agreement=AgreementFacts(3, True, False)))
    assert "will not confirm" in check(ctx(agreement=AgreementFacts(3, False, True)))
    assert "will not confirm" in check(ctx(payload={"decides_ip_ownership_or_validity": True}))


def test_a_case_received_for_jurisdiction_is_not_transferred_on():
    check = GUARDS["not_received_by_jurisdiction_transfer"]
    assert check(ctx()) is None
    assert check(ctx(received_by_handoff="complaint_to_clue")) is None
    assert "designation" in check(ctx(received_by_handoff="jurisdiction_transfer"))
