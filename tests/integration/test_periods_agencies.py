"""Legal periods that bind, through the real workflow files of customs, the police, the court
and mediation (issue 8): customs_detention, criminal_transfer, police_case, court_litigation,
court_confirmation and mediation.

Each scenario drives a case of a shipped workflow through the service layer at fixed Beijing
times, on SQLite and PostgreSQL: a step the law allows only after a period, or only within it,
is refused outside it (PeriodNotMet naming the period, its last day and the article, with the
case's version and event count unchanged) and allowed inside it; clocks start at the legal
moment the steps record (receipt, notices received), and pauses run between recorded dates.

2026 dates follow the official calendar: rest 9/25–9/27 and 10/1–10/7, make-up workdays 9/20
and 10/10 (a period ending on a make-up workday does not roll).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Case, Event
from caseflow.domain.errors import GuardRefused, InvalidTrigger, PeriodNotMet
from caseflow.services import handoffs
from caseflow.views.clocks import case_clocks

HOLDER = {"role": "rights_holder", "name": "Nordhaus Automotive GmbH", "kind": "enterprise",
          "origin": "overseas", "region": "Germany"}
INFRINGER = {"role": "alleged_infringer", "name": "余姚市精工汽配厂", "kind": "enterprise",
             "origin": "local", "region": "宁波市余姚市"}
TRADEMARK = {"kind": "trademark", "number": "G1398765", "title": "NORDHAUS"}
PATENT = {"kind": "utility_model", "number": "ZL202321234567.8", "title": "一种汽车刹车片磨损报警装置"}


# --- helpers --------------------------------------------------------------------------------

def fire(at, when, case_id, trigger, actor, reason=None, override=None, **payload):
    return services.fire(at(when)(), case_id, trigger, actor=actor, payload=payload,
                         reason=reason, override=override)


def snapshot(app, case_id):
    with app.session_factory() as s:
        case = s.get(Case, case_id)
        events = s.scalar(select(func.count()).select_from(Event).where(Event.case_id == case_id))
        return case.status, case.version, events


def refused(app, at, when, case_id, trigger, actor, *expected, reason=None, **payload):
    """Fire a step the periods forbid: PeriodNotMet naming each ``expected`` text, nothing
    written."""
    before = snapshot(app, case_id)
    with pytest.raises(PeriodNotMet) as err:
        fire(at, when, case_id, trigger, actor, reason=reason, **payload)
    message = str(err.value)
    for text in expected:
        assert text in message, message
    assert err.value.http_status == 409
    assert snapshot(app, case_id) == before
    return err.value


def clocks(at, when, case_id, actor):
    return {c.clock: c for c in case_clocks(at(when)(), case_id, actor)}


def local(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


# --- customs ----------------------------------------------------------------------------------

def customs_case(at, when="2026-07-28T09:00", right=TRADEMARK):
    return services.open_case(
        at(when)(), actor="zhou.customs", case_type="customs_detention", assignee="zhou.customs",
        title="出口刹车片涉嫌侵犯“NORDHAUS”商标专用权", parties=[HOLDER, INFRINGER],
        ip_rights=[right], received_on=local(when).date())


def notified(at, on, when=None, right=TRADEMARK):
    case = customs_case(at, when=f"{on}T09:00", right=right)
    fire(at, when or f"{on}T10:00", case.id, "notify_rights_holder", "zhou.customs",
         notice_no="甬关知通〔2026〕88号", notified_on=on, customs_record_no="T2019-12345",
         declaration_no="310420260000123456", direction="export",
         consignor_or_consignee="宁波鄞州永盛汽车配件经营部", goods_description="刹车片 1,200 套")
    return case


def application(received_at, via, detained_on):
    return {"detention_mode": "ex_officio", "application_received_at": received_at,
            "submitted_via": via, "goods_value": 56000, "security_amount": 28000,
            "security_form": "bank_guarantee", "detention_no": "甬关扣〔2026〕31号",
            "detained_on": detained_on}


def test_an_application_after_the_three_working_days_may_not_lead_to_detention(at, people, app):
    # served Tue 9/29: 3 WD are 9/30, 10/8, 10/9 (10/1–10/7 rest) — the period ended on 10/09
    case = notified(at, "2026-09-29")
    refused(app, at, "2026-10-15T10:00", case.id, "apply_and_post_security", "xu.customs",
            "application_and_security", "2026-10-09", "第十六条", "late",
            **application("2026-10-15T09:30", "post", "2026-10-15"))


@pytest.mark.parametrize("received_at, via, allowed", [
    ("2026-10-09T16:30", "in_person", True),    # at the counter before 17:00 on the last day
    ("2026-10-09T17:30", "in_person", False),   # at the counter after the office closed
    ("2026-10-09T17:30", "post", True),         # posted that evening: 24:00 counts
])
def test_applications_handed_in_at_the_counter_are_due_at_the_close_of_office_hours(
        at, people, app, received_at, via, allowed):
    case = notified(at, "2026-09-29")
    payload = application(received_at, via, "2026-10-09")
    if allowed:
        view = fire(at, "2026-10-09T18:00", case.id, "apply_and_post_security", "xu.customs",
                    **payload)
        assert view.status == "investigation"
    else:
        refused(app, at, "2026-10-09T18:00", case.id, "apply_and_post_security", "xu.customs",
                "close of office hours (17:00) on 2026-10-09", "第四十一条",
                **payload)


def test_goods_are_not_released_before_the_holder_had_its_three_days(at, people, app):
    case = notified(at, "2026-09-29")
    refused(app, at, "2026-10-08T10:00", case.id, "release_no_application", "zhou.customs",
            "application_and_security", "2026-10-09", "earliest day is 2026-10-10",
            reason="权利人未申请", released_on="2026-10-08")
    # unless the holder declined in writing first: allowed, and audited
    fire(at, "2026-10-08T11:00", case.id, "release_no_application", "zhou.customs",
         reason="权利人书面表示不申请扣留", released_on="2026-10-08",
         holder_declined_on="2026-10-08")
    with app.session_factory() as s:
        excepted = s.scalar(select(Event).where(Event.case_id == case.id,
                                                Event.kind == "period_excepted"))
    assert excepted.payload["field"] == "holder_declined_on"
    assert excepted.payload["last_day"] == "2026-10-09"


def ex_officio_not_determinable(at):
    # notified Wed 7/29: 3 WD are 7/30, 7/31, 8/3; applied by post on 7/31, detained Mon 8/3
    case = notified(at, "2026-07-29")
    fire(at, "2026-08-03T10:00", case.id, "apply_and_post_security", "xu.customs",
         **application("2026-07-31T10:00", "post", "2026-08-03"))
    fire(at, "2026-09-10T10:00", case.id, "find_not_determinable", "xu.customs",
         reason="无法认定是否侵权", notified_on="2026-09-10")
    return case


def test_ex_officio_goods_are_released_only_after_fifty_working_days(at, people, app):
    # detained Mon 8/3; 50 WD counted from 8/4: August 20 (8/4–8/31), September 22 (make-up
    # Sun 9/20 counts; 9/25–27 rest) → 42 on 9/30; October: 10/8, 10/9, make-up Sat 10/10,
    # 10/12–10/16 → the 50th working day is Fri 2026-10-16
    case = ex_officio_not_determinable(at)
    assert clocks(at, "2026-09-10T11:00", case.id, "zhou.customs")[
        "release_ex_officio"].last_day == "2026-10-16"
    refused(app, at, "2026-10-16T10:00", case.id, "release_no_court_notice", "zhou.customs",
            "release_ex_officio", "2026-10-16", "第二十四条", "earliest day is 2026-10-17",
            released_on="2026-10-16")
    view = fire(at, "2026-10-19T10:00", case.id, "release_no_court_notice", "zhou.customs",
                released_on="2026-10-19")
    assert view.status == "released"


def detained_on_application(at, detained_on="2026-09-01", right=TRADEMARK):
    case = customs_case(at, when=f"{detained_on}T09:00", right=right)
    fire(at, f"{detained_on}T10:00", case.id, "detain_on_application", "xu.customs",
         detention_mode="on_application", goods_value=56000, security_amount=56000,
         security_form="cash", detention_no="甬关扣〔2026〕40号", detained_on=detained_on,
         declaration_no="310420260000223344")
    return case


def test_goods_detained_on_application_are_released_after_twenty_working_days_and_the_security_later(
        at, people, app):
    # detained Tue 9/1: 9/2–9/4 (3), 9/7–11 (8), 9/14–18 (13), make-up Sun 9/20 (14),
    # 9/21–24 (18), 9/28, 9/29 (20) → the 20th working day is Tue 2026-09-29
    case = detained_on_application(at)
    refused(app, at, "2026-09-29T16:00", case.id, "release_no_court_notice", "zhou.customs",
            "release_on_application", "2026-09-29", "第二十四条",
            released_on="2026-09-29")
    fire(at, "2026-09-30T10:00", case.id, "release_no_court_notice", "zhou.customs",
         released_on="2026-09-30")
    # security: 20 WD from release on 9/30 — 10/8, 10/9, make-up 10/10, 10/12–16, 10/19–23,
    # 10/26–30, 11/2, 11/3 → the 20th is Tue 2026-11-03; one working day after release is early
    refused(app, at, "2026-10-08T10:00", case.id, "return_security", "zhou.customs",
            "security_return", "2026-11-03", "第三十五条", security_returned_on="2026-10-08")
    view = fire(at, "2026-11-04T10:00", case.id, "return_security", "zhou.customs",
                security_returned_on="2026-11-04")
    assert view.status == "closed"


def counter_security_released(at):
    case = detained_on_application(at, detained_on="2026-10-09", right=PATENT)
    fire(at, "2026-10-12T10:00", case.id, "release_on_counter_security", "xu.customs",
         counter_security_amount=56000, released_on="2026-10-12",
         suit_notice_served_on="2026-10-12")
    return case


@pytest.mark.parametrize("received_at, via, allowed", [
    ("2026-11-23T16:30", "in_person", True),
    ("2026-11-23T17:30", "in_person", False),
    ("2026-11-23T17:30", "post", True),
])
def test_the_patent_suit_proof_handed_in_at_the_counter_is_due_at_the_close_of_office_hours(
        at, people, app, received_at, via, allowed):
    # notice served Mon 10/12: 30 WD are 10/13 … 11/23 (Mon) — weekends only in between
    case = counter_security_released(at)
    payload = {"court": "宁波知识产权法庭", "court_case_no": "（2026）浙02知民初501号",
               "proof_received_at": received_at, "submitted_via": via}
    if allowed:
        view = fire(at, "2026-11-23T18:00", case.id, "record_patent_suit", "zhou.customs",
                    **payload)
        assert view.status == "counter_security_held"
    else:
        refused(app, at, "2026-11-23T18:00", case.id, "record_patent_suit", "zhou.customs",
                "patent_suit_proof", "close of office hours (17:00) on 2026-11-23", "第二十条",
                **payload)


def test_the_counter_security_is_returned_only_after_the_thirty_working_days(at, people, app):
    case = counter_security_released(at)
    refused(app, at, "2026-11-23T10:00", case.id, "return_counter_security", "zhou.customs",
            "patent_suit_proof", "2026-11-23", returned_on="2026-11-23")
    fire(at, "2026-11-24T10:00", case.id, "return_counter_security", "zhou.customs",
         returned_on="2026-11-24")


PRESUIT_NOTICE = {"court": "宁波知识产权法庭", "court_notice_no": "（2026）浙02财保12号",
                  "received_on": "2026-09-10", "court_measure": "preservation_of_goods",
                  "preservation_ruling_no": "（2026）浙02财保12号", "preservation_ruled_on": "2026-09-10"}


def test_goods_held_for_a_presuit_preservation_show_the_thirty_days_to_sue(at, people, app):
    # ruled Thu 9/10: 30 days counted from 9/11 end on Sat 10/10 — a make-up workday, so the
    # period does not roll (民诉法 art. 104)
    case = detained_on_application(at)
    fire(at, "2026-09-10T15:00", case.id, "receive_presuit_preservation_notice", "zhou.customs",
         **PRESUIT_NOTICE)
    clock = clocks(at, "2026-09-10T16:00", case.id, "zhou.customs")["presuit_suit_period"]
    assert clock.last_day == "2026-10-10" and clock.status == "running"
    assert clock.started_at.startswith("2026-09-10T00:00")
    # a suit brought after the 30 days does not keep the goods held
    refused(app, at, "2026-10-12T10:00", case.id, "record_suit_filed", "zhou.customs",
            "presuit_suit_period", "2026-10-10", "第一百零四条",
            court="宁波知识产权法庭", court_case_no="（2026）浙02知民初610号",
            suit_filed_on="2026-10-11")
    # the court lifts the measure, and customs releases, only after the 30 days
    refused(app, at, "2026-10-10T10:00", case.id, "release_preservation_lapsed", "zhou.customs",
            "presuit_suit_period", "earliest day is 2026-10-11", reason="法院解除保全",
            lifting_notice_no="（2026）浙02财保12号之一", released_on="2026-10-10")
    view = fire(at, "2026-10-12T10:00", case.id, "release_preservation_lapsed", "zhou.customs",
                reason="申请人未在三十日内起诉，法院解除保全",
                lifting_notice_no="（2026）浙02财保12号之一", released_on="2026-10-12")
    assert view.status == "released"


def test_a_suit_in_time_keeps_the_goods_held_and_no_lapse_release_follows(at, people, app):
    case = detained_on_application(at)
    fire(at, "2026-09-10T15:00", case.id, "receive_presuit_preservation_notice", "zhou.customs",
         **PRESUIT_NOTICE)
    view = fire(at, "2026-10-12T10:00", case.id, "record_suit_filed", "zhou.customs",
                court="宁波知识产权法庭", court_case_no="（2026）浙02知民初610号",
                suit_filed_on="2026-10-10")
    assert view.status == "court_hold_suit_filed"
    assert clocks(at, "2026-10-12T11:00", case.id, "zhou.customs")[
        "presuit_suit_period"].status == "stopped"
    with pytest.raises(InvalidTrigger):
        fire(at, "2026-10-13T10:00", case.id, "release_preservation_lapsed", "zhou.customs",
             reason="x", lifting_notice_no="x", released_on="2026-10-13")


def test_an_in_suit_assistance_notice_has_no_thirty_days_to_lapse(at, people, app):
    case = detained_on_application(at)
    fire(at, "2026-09-10T15:00", case.id, "receive_court_assistance_notice", "zhou.customs",
         court="宁波知识产权法庭", court_notice_no="（2026）浙02知民初401号之一",
         received_on="2026-09-10", court_measure="preservation_of_goods")
    refused(app, at, "2026-11-10T10:00", case.id, "release_preservation_lapsed", "zhou.customs",
            "presuit_suit_period has not started", reason="法院解除保全",
            lifting_notice_no="x", released_on="2026-11-10")


# --- court: pre-suit preservation, and the handoff to customs ------------------------------------

def presuit_court_case(at):
    case = services.open_case(
        at("2026-09-09T09:00")(), actor="qian.court", case_type="court_litigation",
        assignee="qian.court", title="Nordhaus诉前保全申请（刹车片）", parties=[HOLDER, INFRINGER],
        ip_rights=[TRADEMARK], received_on=date(2026, 9, 9))
    fire(at, "2026-09-09T10:00", case.id, "receive_preservation_application", "qian.court",
         preservation_kind="property", applied_at="2026-09-09T09:30", prefiling=True,
         security_posted=56000, goods_detained_by_customs=True)
    fire(at, "2026-09-10T15:00", case.id, "grant_presuit_preservation", "qian.court",
         preservation_kind="property", preservation_ruling_no="（2026）浙02财保12号",
         ruled_at="2026-09-10T14:00", measures="查封宁波海关扣留的刹车片1,200套",
         goods_detained_by_customs=True)
    return case


def test_after_a_presuit_preservation_the_applicant_must_sue_within_thirty_days(at, people, app):
    case = presuit_court_case(at)
    clock = clocks(at, "2026-09-10T16:00", case.id, "qian.court")["presuit_suit_period"]
    assert clock.last_day == "2026-10-10" and clock.started_at.startswith("2026-09-10T14:00")
    refused(app, at, "2026-10-12T09:00", case.id, "record_suit_filed", "qian.court",
            "presuit_suit_period", "2026-10-10", "第一百零四条", received_on="2026-10-12")
    refused(app, at, "2026-10-10T09:00", case.id, "lift_presuit_preservation", "qian.court",
            "presuit_suit_period", "earliest day is 2026-10-11", reason="申请人未起诉",
            lifting_ruling_no="（2026）浙02财保12号之一", lifted_on="2026-10-10",
            customs_notified=True)
    view = fire(at, "2026-10-12T10:00", case.id, "lift_presuit_preservation", "qian.court",
                reason="申请人在采取保全措施后三十日内未起诉", lifted_on="2026-10-12",
                lifting_ruling_no="（2026）浙02财保12号之一", customs_notified=True)
    assert view.status == "preservation_lifted" and view.closed


def test_a_suit_within_thirty_days_starts_the_filing_review_from_the_complaint(at, people, app):
    case = presuit_court_case(at)
    view = fire(at, "2026-10-09T16:00", case.id, "record_suit_filed", "qian.court",
                received_on="2026-10-09")
    assert view.status == "complaint_received"
    shown = clocks(at, "2026-10-09T17:00", case.id, "qian.court")
    assert shown["presuit_suit_period"].status == "stopped"
    # the 7 days to decide on filing count again from the complaint received on 10/09
    assert shown["filing_review"].status == "running"
    assert shown["filing_review"].started_at.startswith("2026-10-09T00:00")
    assert shown["filing_review"].last_day == "2026-10-16"
    with pytest.raises(InvalidTrigger):
        fire(at, "2026-10-12T10:00", case.id, "lift_presuit_preservation", "qian.court",
             reason="x", lifting_ruling_no="x", lifted_on="2026-10-12", customs_notified=True)


def test_the_court_notice_to_customs_carries_the_presuit_period_to_the_customs_case(
        at, people, app):
    court = presuit_court_case(at)
    customs = detained_on_application(at)
    sent = handoffs.hand_off(
        at("2026-09-10T16:00")(), court.id, "court_assistance_notice", actor="qian.court",
        to_agency="nb-customs", reason="协助执行诉前财产保全裁定",
        idempotency_key="court/assist/presuit/1", payload={
            "preservation_ruling_no": "（2026）浙02财保12号",
            "assistance_notice_no": "（2026）浙02财保12号", "customs_office": "宁波海关",
            "customs_detention_no": customs.number, "court_measure": "preservation_of_goods",
            "presuit_preservation": True, "preservation_ruled_on": "2026-09-10",
            "issued_on": "2026-09-10"})
    assert sent.kind == "court_assistance_notice"
    assert snapshot(app, court.id)[0] == "presuit_preservation"
    handoffs.accept(at("2026-09-11T09:00")(), sent.id, actor="zhou.customs")
    fire(at, "2026-09-11T09:30", customs.id, "receive_presuit_preservation_notice",
         "zhou.customs", **{**PRESUIT_NOTICE, "received_on": "2026-09-11"})
    on_court = clocks(at, "2026-09-11T10:00", court.id, "qian.court")["presuit_suit_period"]
    on_customs = clocks(at, "2026-09-11T10:00", customs.id, "zhou.customs")["presuit_suit_period"]
    assert on_court.last_day == on_customs.last_day == "2026-10-10"


# --- court: the trial period pauses between the recorded dates --------------------------------------

def test_the_trial_period_pauses_from_the_objection_to_the_ruling_as_recorded(at, people, app):
    case = services.open_case(
        at("2026-09-01T09:00")(), actor="qian.court", case_type="court_litigation",
        assignee="qian.court", title="Nordhaus诉精工汽配侵害商标权纠纷", parties=[HOLDER, INFRINGER],
        ip_rights=[TRADEMARK], received_on=date(2026, 9, 1))
    fire(at, "2026-09-02T10:00", case.id, "file_case", "qian.court",
         court_case_no="（2026）浙02知民初501号", filed_on="2026-09-02", cause_of_action="侵害商标权纠纷",
         claims="停止侵权，赔偿损失50万元")
    fire(at, "2026-09-04T10:00", case.id, "serve_complaint_copy", "qian.court",
         served_on="2026-09-04", defendant_domicile_abroad=False)
    # objection raised on 9/14, keyed in on 9/16; dismissed by a ruling of 10/12, keyed 10/15
    fire(at, "2026-09-16T10:00", case.id, "raise_jurisdiction_objection", "qian.court",
         raised_on="2026-09-14")
    fire(at, "2026-10-15T10:00", case.id, "dismiss_jurisdiction_objection", "qian.court",
         ruling_no="（2026）浙02知民初501号之一", ruled_on="2026-10-12")
    trial = clocks(at, "2026-10-15T11:00", case.id, "qian.court")["trial_period"]
    # 9/14 .. 10/11 are not counted (A..B−1): 28 days, not the 29 keyed days 9/16 .. 10/14
    assert trial.paused_seconds == 28 * 86400
    assert trial.status == "running"


# --- criminal transfer: the sender's remedies and the police's clocks -------------------------------

def transfer_case(at, when="2026-10-08T09:00"):
    case = services.open_case(
        at(when)(), actor="li.officer", case_type="criminal_transfer", assignee="li.officer",
        title="余姚市精工汽配厂涉嫌假冒注册商标罪", parties=[HOLDER, INFRINGER], ip_rights=[TRADEMARK],
        received_on=local(when).date())
    services.attach_evidence(at(when)(), case.id, actor="li.officer", filename="扣押清单.pdf",
                             content=b"%PDF seized 1,200 brake pads", media_type="application/pdf")
    day = local(when).date().isoformat()
    fire(at, f"{day}T10:00", case.id, "submit_transfer_report", "li.officer",
         originating_case_no="XZCF-2026-000321", suspected_offence="假冒注册商标罪",
         report_summary="货值52万元，涉嫌假冒注册商标罪", submitted_on=day)
    fire(at, f"{day}T15:00", case.id, "approve_transfer", "chen.sup",
         approved_at=f"{day}T14:30")
    return case


def sent_and_received(at, receipt_at="2026-10-09T09:00", sent_at="2026-10-08T16:00"):
    case = transfer_case(at)
    fire(at, "2026-10-08T16:30", case.id, "send_to_police", "li.officer",
         police_unit="宁波市公安局经济犯罪侦查支队", sent_at=sent_at,
         materials=["移送书", "调查报告", "涉案物品清单"], copied_to_procuratorate=True)
    fire(at, "2026-10-09T15:00", case.id, "record_police_receipt", "li.officer",
         receipt_at=receipt_at)
    return case


def test_head_approval_and_the_police_clocks_start_on_the_recorded_dates(at, people, app):
    case = sent_and_received(at)
    shown = clocks(at, "2026-10-09T16:00", case.id, "li.officer")
    assert shown["head_approval"].started_at.startswith("2026-10-08T00:00")
    assert shown["dispatch"].started_at.startswith("2026-10-08T14:30")
    # the police's 24 hours and 3 days run from their receipt (09:00 on 10/09), not from the
    # sending (16:00 on 10/08) nor from when the receipt was keyed in (15:00 on 10/09)
    for name in ("police_forwarding", "police_incomplete_notice", "police_review_period"):
        assert shown[name].started_at.startswith("2026-10-09T09:00"), name
    assert shown["police_forwarding"].due.startswith("2026-10-10T09:00")
    assert shown["police_review_period"].last_day == "2026-10-12"


def not_filed(at, notice_received_on):
    case = sent_and_received(at)
    fire(at, f"{notice_received_on}T10:00", case.id, "record_police_not_filed", "li.officer",
         reason="公安机关认为未达追诉标准", refusal_notice_no="甬公（经）不立字〔2026〕7号",
         notice_received_on=notice_received_on, materials_returned=True)
    return case


def test_reconsideration_is_requested_only_within_three_days_of_the_refusal_notice(
        at, people, app):
    # notice received Mon 10/12: 3 days → Thu 10/15
    case = not_filed(at, "2026-10-12")
    refused(app, at, "2026-10-16T10:00", case.id, "request_reconsideration", "chen.sup",
            "reconsideration_request", "2026-10-15", "第九条", requested_on="2026-10-16",
            grounds="涉案金额已达立案追诉标准")
    view = fire(at, "2026-10-16T10:00", case.id, "request_reconsideration", "chen.sup",
                requested_on="2026-10-15", grounds="涉案金额已达立案追诉标准")
    assert view.status == "reconsideration_requested"


def test_the_sender_may_ask_the_procuratorate_directly_within_the_same_three_days(
        at, people, app):
    # notice received Wed 9/30: 3 days end on 10/3, a holiday, so the period rolls to Thu 10/8
    case = transfer_case(at, when="2026-09-21T09:00")
    fire(at, "2026-09-21T16:30", case.id, "send_to_police", "li.officer",
         police_unit="宁波市公安局经济犯罪侦查支队", sent_at="2026-09-21T16:00",
         materials=["移送书", "调查报告"], copied_to_procuratorate=True)
    fire(at, "2026-09-22T10:00", case.id, "record_police_receipt", "li.officer",
         receipt_at="2026-09-22T09:00")
    fire(at, "2026-09-30T10:00", case.id, "record_police_not_filed", "li.officer",
         reason="公安机关认为未达追诉标准", refusal_notice_no="甬公（经）不立字〔2026〕5号",
         notice_received_on="2026-09-30", materials_returned=True)
    shown = clocks(at, "2026-09-30T11:00", case.id, "li.officer")
    assert shown["direct_supervision_request"].last_day == "2026-10-08"
    refused(app, at, "2026-10-09T10:00", case.id, "request_procuratorate_supervision", "chen.sup",
            "direct_supervision_request", "2026-10-08", "第九条", "1 day(s) late",
            procuratorate="宁波市人民检察院", requested_on="2026-10-09")
    view = fire(at, "2026-10-09T10:00", case.id, "request_procuratorate_supervision", "chen.sup",
                procuratorate="宁波市人民检察院", requested_on="2026-10-08")
    assert view.status == "procuratorate_supervision"
    assert clocks(at, "2026-10-09T11:00", case.id, "li.officer")[
        "reconsideration_request"].status == "stopped"


def test_after_an_upheld_refusal_the_procuratorate_is_asked_within_three_days(at, people, app):
    case = not_filed(at, "2026-10-12")
    fire(at, "2026-10-13T10:00", case.id, "request_reconsideration", "chen.sup",
         requested_on="2026-10-13", grounds="涉案金额已达立案追诉标准")
    fire(at, "2026-10-16T10:00", case.id, "record_reconsideration_refused", "li.officer",
         reason="复议维持", decision_received_on="2026-10-16")
    # decision received Fri 10/16: 3 days → Mon 10/19
    refused(app, at, "2026-10-20T10:00", case.id, "request_procuratorate_supervision", "chen.sup",
            "procuratorate_request", "2026-10-19", "第九条", procuratorate="宁波市人民检察院",
            requested_on="2026-10-20")
    view = fire(at, "2026-10-20T10:00", case.id, "request_procuratorate_supervision", "chen.sup",
                procuratorate="宁波市人民检察院", requested_on="2026-10-19")
    assert view.status == "procuratorate_supervision"


# --- the police's case, opened by the handoff ---------------------------------------------------

def police_case_by_handoff(at):
    case = transfer_case(at)
    sent = handoffs.hand_off(
        at("2026-10-08T16:00")(), case.id, "criminal_transfer", actor="li.officer",
        to_agency="nb-psb", reason="涉嫌假冒注册商标罪，货值52万元",
        idempotency_key="nb-amr/transfer/periods/1", payload={
            "police_unit": "宁波市公安局经济犯罪侦查支队", "sent_at": "2026-10-08T16:00",
            "materials": ["移送书", "调查报告"], "copied_to_procuratorate": True})
    assert handoffs.dispatch(at("2026-10-09T09:00")()) == 1  # delivered: the police's receipt
    accepted = handoffs.accept(at("2026-10-09T15:00")(), sent.id, actor="gao.police",
                               reason="材料齐全，予以接收")
    return accepted.linked_case_id


def test_the_police_clocks_start_at_the_receipt_of_the_handoff(at, people, app):
    police = police_case_by_handoff(at)
    shown = clocks(at, "2026-10-09T16:00", police, "gao.police")
    # sent 16:00 on 10/08, received 09:00 on 10/09, accepted 15:00 on 10/09: from the receipt
    for name in ("forwarding", "incomplete_notice", "filing_review"):
        assert shown[name].started_at.startswith("2026-10-09T09:00"), name
    assert shown["incomplete_notice"].due.startswith("2026-10-10T09:00")
    assert shown["filing_review"].last_day == "2026-10-12"


def refused_on_police_case(at, police):
    fire(at, "2026-10-09T16:00", police, "accept_for_review", "gao.police",
         receipt_signed_at="2026-10-09T09:00", sending_authority="宁波市市场监督管理局",
         transfer_letter_no="甬市监移〔2026〕3号", suspected_offence="假冒注册商标罪")
    fire(at, "2026-10-12T10:00", police, "decide_not_to_file", "he.police",
         reason="未达立案追诉标准", not_filing_ground="below_prosecution_threshold",
         refusal_notice_no="甬公（经）不立字〔2026〕7号", refusal_notice_served_on="2026-10-12",
         materials_returned=True)


def test_the_police_record_only_a_reconsideration_request_made_within_three_days(
        at, people, app):
    police = police_case_by_handoff(at)
    refused_on_police_case(at, police)
    refused(app, at, "2026-10-16T10:00", police, "receive_reconsideration_request", "gao.police",
            "sender_reconsideration_window", "2026-10-15", "第九条",
            requested_on="2026-10-16", request_received_at="2026-10-16T09:00",
            grounds="涉案金额已达追诉标准")
    view = fire(at, "2026-10-16T10:00", police, "receive_reconsideration_request", "gao.police",
                requested_on="2026-10-15", request_received_at="2026-10-16T09:00",
                grounds="涉案金额已达追诉标准")
    assert view.status == "reconsideration_received"


def test_a_refused_case_is_closed_only_after_the_senders_remedy_period(at, people, app):
    police = police_case_by_handoff(at)
    refused_on_police_case(at, police)
    refused(app, at, "2026-10-14T10:00", police, "close_not_filed", "he.police",
            "sender_reconsideration_window", "2026-10-15", "earliest day is 2026-10-16",
            reason="不予立案", closed_on="2026-10-14")
    # the sender said it will not use its remedies: closed at once, and audited
    view = fire(at, "2026-10-14T11:00", police, "close_not_filed", "he.police",
                reason="移送机关书面表示不提请复议", closed_on="2026-10-14",
                sender_waived_remedies=True)
    assert view.status == "closed_not_filed"
    with app.session_factory() as s:
        excepted = s.scalar(select(Event).where(Event.case_id == police,
                                                Event.kind == "period_excepted"))
    assert excepted.payload["field"] == "sender_waived_remedies"


def test_the_police_review_on_the_materials_at_hand_only_after_the_three_days(at, people, app):
    police = police_case_by_handoff(at)
    fire(at, "2026-10-09T17:00", police, "request_supplement", "gao.police",
         notified_at="2026-10-09T16:30", missing_materials="涉案物品检验鉴定意见")
    # told 16:30 on 10/09: 3 days → 24:00 on 10/12
    refused(app, at, "2026-10-12T10:00", police, "continue_without_supplement", "he.police",
            "supplement", "2026-10-12", "第一百八十条", reason="逾期未补正",
            continued_at="2026-10-12T10:00")
    fire(at, "2026-10-13T10:00", police, "continue_without_supplement", "he.police",
         reason="逾期未补正", continued_at="2026-10-13T09:00")
    shown = clocks(at, "2026-10-13T11:00", police, "gao.police")
    assert shown["filing_review_on_materials_at_hand"].started_at.startswith("2026-10-13T09:00")


def test_the_review_counts_again_from_the_completed_materials(at, people, app):
    police = police_case_by_handoff(at)
    fire(at, "2026-10-09T17:00", police, "request_supplement", "gao.police",
         notified_at="2026-10-09T16:30", missing_materials="涉案物品检验鉴定意见")
    fire(at, "2026-10-12T15:00", police, "record_supplement", "gao.police",
         supplemented_at="2026-10-11T10:00")
    review = [c for c in case_clocks(at("2026-10-12T16:00")(), police, "gao.police")
              if c.clock == "filing_review"]
    assert [c.status for c in review] == ["stopped", "running"]
    assert review[-1].started_at.startswith("2026-10-11T10:00")


# --- mediation and judicial confirmation ------------------------------------------------------------

def mediation_case(at, when):
    return services.open_case(
        at(when)(), actor="wu.mediator", case_type="mediation", assignee="wu.mediator",
        title="晨曦文具与佳美文具外观设计专利侵权纠纷调解",
        parties=[{"role": "applicant", "name": "宁波晨曦文具股份有限公司"},
                 {"role": "respondent", "name": "宁海县佳美文具厂"}],
        received_on=local(when).date())


AGREEMENT = {"agreement_no": "甬知调〔2026〕58号", "parties": ["宁波晨曦文具股份有限公司", "宁海县佳美文具厂"],
             "settlement_amount": 85000, "performance_schedule": "分三期支付",
             "final_performance_date": "2027-02-26", "cease_infringement": True,
             "decides_ip_ownership_or_validity": False}


def test_judicial_confirmation_is_applied_for_within_thirty_days_of_the_agreement(
        at, people, app):
    case = mediation_case(at, "2026-09-01T09:00")
    fire(at, "2026-09-02T10:00", case.id, "accept_application", "wu.mediator",
         mediation_type="peoples", accepted_on="2026-09-02", mediator_names=["吴芳"],
         dispute_subject="中性笔外观设计专利侵权赔偿", respondent_agreed=True)
    fire(at, "2026-09-08T10:00", case.id, "hold_session", "wu.mediator",
         session_date="2026-09-08", attendees=["吴芳"], session_mode="in_person")
    fire(at, "2026-09-15T10:00", case.id, "sign_settlement", "wu.mediator",
         agreement_date="2026-09-15", **AGREEMENT)
    # in effect Tue 9/15: 30 days → Thu 10/15
    refused(app, at, "2026-10-16T10:00", case.id, "request_judicial_confirmation", "wu.mediator",
            "confirmation_application", "2026-10-15", "第三十三条",
            court="宁波知识产权法庭", applied_on="2026-10-16")
    view = fire(at, "2026-10-16T10:00", case.id, "request_judicial_confirmation", "wu.mediator",
                court="宁波知识产权法庭", applied_on="2026-10-15")
    assert view.status == "confirmation_requested"


def court_referral(at, accept, signed_for_on):
    case = mediation_case(at, f"{signed_for_on}T09:00")
    if accept == "accept_court_referral":
        fire(at, f"{signed_for_on}T10:00", case.id, accept, "wu.mediator",
             mediation_type="court_referred_prefiling", signed_for_on=signed_for_on,
             mediator_names=["吴芳"])
    else:
        fire(at, f"{signed_for_on}T09:30", case.id, "register_court_referral", "wu.mediator",
             court="宁波知识产权法庭", court_reference_no="（2026）浙02知民初701号",
             received_at=f"{signed_for_on}T09:00")
        fire(at, f"{signed_for_on}T10:00", case.id, accept, "wu.mediator",
             mediation_type="court_entrusted", court_case_no="（2026）浙02知民初701号",
             signed_for_on=signed_for_on, mediator_names=["吴芳"])
    fire(at, f"{signed_for_on}T15:00", case.id, "hold_session", "wu.mediator",
         session_date=signed_for_on, attendees=["吴芳"], session_mode="online")
    return case


@pytest.mark.parametrize("accept, clock, last_day", [
    # signed for Tue 9/1: 30 days end on 10/1, a holiday → rolled to Thu 10/8
    ("accept_court_referral", "court_referred_prefiling", "2026-10-08"),
    ("accept_entrusted_ordinary", "court_entrusted_ordinary", "2026-09-16"),  # 15 days
    ("accept_entrusted_simple", "court_entrusted_simple", "2026-09-08"),      # 7 days
])
def test_court_referred_mediation_settles_within_its_period_or_with_both_parties_consent(
        at, people, app, accept, clock, last_day):
    case = court_referral(at, accept, "2026-09-01")
    assert snapshot(app, case.id)[0] == "court_mediation_in_session"
    shown = clocks(at, "2026-09-01T16:00", case.id, "wu.mediator")
    assert shown[clock].last_day == last_day
    if "online_acceptance" in shown:  # confirmed on the platform by signing for it
        assert shown["online_acceptance"].status == "stopped"
    late = (date.fromisoformat(last_day) + timedelta(days=1)).isoformat()
    refused(app, at, f"{late}T10:00", case.id, "sign_settlement", "wu.mediator",
            clock, last_day, "第二十七条", agreement_date=late, **AGREEMENT)
    refused(app, at, f"{late}T10:00", case.id, "hold_session", "wu.mediator",
            clock, last_day, session_date=late, attendees=["吴芳"], session_mode="online")
    # both parties agreed to go on: allowed, and the exception is audited
    view = fire(at, f"{late}T11:00", case.id, "sign_settlement", "wu.mediator",
                agreement_date=late, extension_agreed_on=last_day, **AGREEMENT)
    assert view.status == "agreement_signed"
    with app.session_factory() as s:
        excepted = s.scalar(select(Event).where(Event.case_id == case.id,
                                                Event.kind == "period_excepted"))
    assert excepted.payload["clock"] == clock
    assert excepted.payload["field"] == "extension_agreed_on"


def test_a_court_referred_settlement_on_the_last_day_is_in_time(at, people, app):
    case = court_referral(at, "accept_court_referral", "2026-09-01")
    view = fire(at, "2026-10-08T10:00", case.id, "sign_settlement", "wu.mediator",
                agreement_date="2026-10-08", **AGREEMENT)
    assert view.status == "agreement_signed"


def test_the_court_still_refuses_a_late_confirmation_application(at, people, app):
    # the court's case has no clock of the parties' 30 days (it opens on the application), so
    # the guard confirmation_applied_in_time still judges acceptance: in effect 9/15, 30 days
    # → 10/15; applied 10/16 is late
    case = services.open_case(
        at("2026-10-16T09:00")(), actor="qian.court", case_type="court_confirmation",
        assignee="qian.court", title="晨曦文具与佳美文具调解协议司法确认",
        parties=[{"role": "applicant", "name": "宁波晨曦文具股份有限公司"},
                 {"role": "respondent", "name": "宁海县佳美文具厂"}],
        received_on=date(2026, 10, 16))
    before = snapshot(app, case.id)
    payload = {"court_case_no": "（2026）浙02民特71号", "accepted_on": "2026-10-16",
               "mediation_organisation": "宁波市知识产权纠纷人民调解委员会",
               "agreement_no": "甬知调〔2026〕58号", "agreement_effective_on": "2026-09-15",
               "applied_on": "2026-10-16", "decides_ip_ownership_or_validity": False}
    with pytest.raises(GuardRefused, match="2026-10-15"):
        fire(at, "2026-10-16T10:00", case.id, "accept_application", "qian.court", **payload)
    assert snapshot(app, case.id) == before
    view = fire(at, "2026-10-16T10:00", case.id, "accept_application", "qian.court",
                **{**payload, "applied_on": "2026-10-15"})
    assert view.status == "accepted"


def test_a_presuit_preservation_may_be_lifted_at_once_on_another_ground(at, people, app):
    case = presuit_court_case(at)
    view = fire(at, "2026-09-15T10:00", case.id, "lift_preservation_on_other_ground",
                "qian.court", reason="被申请人提供等值担保", lifting_ground="counter_security_posted",
                lifting_ruling_no="（2026）浙02财保12号之一", lifted_on="2026-09-15",
                customs_notified=True)
    assert view.status == "preservation_lifted"


def test_the_sweep_raises_the_day_ex_officio_goods_must_be_released(at, people, app):
    # 条例 art. 24: once the 50 WD pass without a court notice or a finding, the goods must be
    # released — the sweep tells the officer at 24:00 on the 50th working day (Fri 10/16)
    from caseflow.adapters.orm import Alert, Clock
    from caseflow.services.sweep import sweep_once
    from tests.conftest import utc

    case = ex_officio_not_determinable(at)
    sweep_once(app.uow("test"), now=utc("2026-10-16T23:00"))
    with app.session_factory() as s:
        release = s.scalar(select(Clock).where(Clock.case_id == case.id,
                                               Clock.name == "release_ex_officio"))
        early = s.scalars(select(Alert).where(Alert.clock_id == release.id,
                                              Alert.kind == "overdue")).all()
    assert early == []
    sweep_once(app.uow("test"), now=utc("2026-10-17T00:05"))
    with app.session_factory() as s:
        raised = s.scalars(select(Alert).where(Alert.clock_id == release.id,
                                               Alert.kind == "overdue")).all()
    assert len(raised) == 1 and "Ex officio detention — release" in raised[0].message
    assert "due by the end of 2026-10-16" in raised[0].message
    # the release is now allowed, recorded on the day after the 50th working day
    view = fire(at, "2026-10-17T09:00", case.id, "release_no_court_notice", "zhou.customs",
                released_on="2026-10-17")
    assert view.status == "released"
