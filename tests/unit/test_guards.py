"""Guards are pure rules over the facts a service loads for them: no database needed."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from caseflow.domain.calendar import WorkCalendar
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


# --- lead-time guards: whole days strictly between service and the event ----------------------
# Official 2026 calendar: rest 10/1-10/7, make-up workday Sat 10/10; 11/13 is a Friday.


def notice(guard_name: str, served: str, event: str, **extra) -> str | None:
    field = "summons_served_on" if guard_name.startswith("court") else "hearing_notice_served_on"
    return GUARDS[guard_name](ctx(payload={field: served, "hearing_date": event}, **extra))


def test_hearing_notice_needs_7_whole_working_days_between():
    # 11/13 (Fri) -> 11/24 (Tue): only 16, 17, 18, 19, 20, 23 Nov lie between: 6 working days.
    refusal = notice("hearing_notice_lead_time", "2026-11-13", "2026-11-24")
    assert refusal is not None
    assert "6 whole working day(s) lie between" in refusal
    assert "at least 7 are required" in refusal
    assert "served by 2026-11-12 at the latest" in refusal  # the last possible service day
    assert "行政处罚法 art. 64(2)" in refusal and "听证办法" in refusal
    # 11/12 leaves 13, 16, 17, 18, 19, 20, 23 Nov: exactly 7.
    assert notice("hearing_notice_lead_time", "2026-11-12", "2026-11-24") is None
    assert notice("hearing_notice_lead_time", "2026-11-02", "2026-11-24") is None


def test_hearing_notice_across_the_national_day_week():
    # Hearing Wed 10/14: the 7 working days before it are 9/29, 9/30, 10/8, 10/9, Sat 10/10
    # (make-up workday), 10/12, 10/13; 10/1-10/7 and Sun 10/11 are rest days.
    assert notice("hearing_notice_lead_time", "2026-09-28", "2026-10-14") is None
    refusal = notice("hearing_notice_lead_time", "2026-09-29", "2026-10-14")
    assert "6 whole working day(s)" in refusal and "served by 2026-09-28" in refusal
    # Served during the holiday: 10/8, 10/9, 10/10, 10/12, 10/13 are 5.
    assert "5 whole working day(s)" in notice("hearing_notice_lead_time", "2026-10-03",
                                              "2026-10-14")


def test_oral_hearing_notice_needs_3_whole_working_days_between():
    # Hearing Thu 11/26: served Fri 11/20 leaves 23, 24, 25 Nov.
    assert notice("oral_hearing_notice_lead_time", "2026-11-20", "2026-11-26") is None
    # Served Mon 11/23 leaves 24, 25: refused; serving on Sun 11/22 would still have left 3.
    refusal = notice("oral_hearing_notice_lead_time", "2026-11-23", "2026-11-26")
    assert "2 whole working day(s)" in refusal and "at least 3" in refusal
    assert "served by 2026-11-22" in refusal
    assert "专利纠纷行政裁决和调解办法 art. 26" in refusal


def test_oral_hearing_notice_counts_the_make_up_workday_and_skips_the_holiday():
    # Hearing Mon 10/12: 10/8, 10/9 and Sat 10/10 (make-up workday) are the 3 working days.
    assert notice("oral_hearing_notice_lead_time", "2026-10-07", "2026-10-12") is None
    assert notice("oral_hearing_notice_lead_time", "2026-09-30", "2026-10-12") is None
    refusal = notice("oral_hearing_notice_lead_time", "2026-10-08", "2026-10-12")
    assert "2 whole working day(s)" in refusal and "served by 2026-10-07" in refusal
    # Hearing Thu 10/8: the working days before it are 9/30, 9/29, 9/28 (9/25-9/27 and
    # 10/1-10/7 are rest days), so the last service day is Sun 9/27.
    assert notice("oral_hearing_notice_lead_time", "2026-09-27", "2026-10-08") is None
    refusal = notice("oral_hearing_notice_lead_time", "2026-09-28", "2026-10-08")
    assert "2 whole working day(s)" in refusal and "served by 2026-09-27" in refusal


def test_lead_time_counts_on_the_stored_calendar():
    # A local extra rest day on 11/25 leaves 23 and 24 Nov only.
    local = WorkCalendar.default(extra_rest_days={date(2026, 11, 25)})
    assert notice("oral_hearing_notice_lead_time", "2026-11-20", "2026-11-26") is None
    refusal = notice("oral_hearing_notice_lead_time", "2026-11-20", "2026-11-26",
                     calendar=local)
    assert "2 whole working day(s)" in refusal and "served by 2026-11-19" in refusal


def test_court_summons_needs_3_whole_calendar_days_between():
    # Hearing 11/24: served 11/20 leaves 21, 22, 23 Nov (weekend days count: calendar days).
    assert notice("court_hearing_notice_lead_time", "2026-11-20", "2026-11-24") is None
    refusal = notice("court_hearing_notice_lead_time", "2026-11-21", "2026-11-24")
    assert "2 whole calendar day(s) lie between" in refusal and "at least 3" in refusal
    assert "served by 2026-11-20" in refusal and "民事诉讼法 art. 139" in refusal
    # Holiday days are calendar days too: served 10/4 leaves 5, 6, 7 Oct before a 10/8 hearing.
    assert notice("court_hearing_notice_lead_time", "2026-10-04", "2026-10-08") is None
    assert "served by 2026-10-04" in notice("court_hearing_notice_lead_time", "2026-10-05",
                                            "2026-10-08")


@pytest.mark.parametrize("name", ["hearing_notice_lead_time", "oral_hearing_notice_lead_time",
                                  "court_hearing_notice_lead_time"])
def test_lead_time_refuses_service_on_or_after_the_hearing_and_missing_dates(name):
    for served in ("2026-11-24", "2026-11-25"):
        refusal = notice(name, served, "2026-11-24")
        assert "not before the" in refusal and "0 whole" in refusal
    assert "must both be recorded" in GUARDS[name](ctx(payload={"hearing_date": "2026-11-24"}))
