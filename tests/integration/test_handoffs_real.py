"""Handoffs through the shipped workflows: a settlement to the court for judicial
confirmation (refused when it decides IP ownership), and its outcome flowing back."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from caseflow import services
from caseflow.adapters.orm import Case, Handoff
from caseflow.domain.errors import ValidationFailed
from caseflow.services import handoffs
from caseflow.services.mediation.settlements import record_settlement
from caseflow.views.cases import case_for

APPLICANT = {"role": "applicant", "name": "宁波晨曦文具股份有限公司", "origin": "local"}
SCHEDULE = [{"due_on": date(2026, 12, 15), "amount": "30000.00"},
            {"due_on": date(2027, 1, 15), "amount": "30000.00"},
            {"due_on": date(2027, 2, 26), "amount": "25000.00"}]
RESPONDENT = {"role": "respondent", "name": "宁海县佳美文具厂", "origin": "local"}


def signed_mediation(uow):
    case = services.open_case(uow(), actor="wu.mediator", case_type="mediation",
                              title="晨曦文具诉佳美文具外观设计专利侵权纠纷", assignee="wu.mediator",
                              parties=[APPLICANT, RESPONDENT], received_on=date(2026, 10, 28))
    services.fire(uow(), case.id, "accept_application", actor="wu.mediator", payload={
        "mediation_type": "peoples", "accepted_on": "2026-11-02", "mediator_names": ["吴芳"],
        "dispute_subject": "中性笔外观设计专利侵权赔偿", "respondent_agreed": True})
    services.fire(uow(), case.id, "hold_session", actor="wu.mediator", payload={
        "session_date": "2026-11-09", "attendees": ["晨曦文具代理人", "佳美文具负责人"],
        "session_mode": "in_person"})
    services.fire(uow(), case.id, "sign_settlement", actor="wu.mediator", payload={
        "agreement_no": "甬知调〔2026〕58号", "agreement_date": "2026-11-16",
        "parties": [APPLICANT["name"], RESPONDENT["name"]], "settlement_amount": 85000,
        "performance_schedule": "分三期支付", "final_performance_date": "2027-02-26",
        "cease_infringement": True, "decides_ip_ownership_or_validity": False})
    return case


def confirm_request(uow, case_id, key):
    return handoffs.hand_off(uow(), case_id, "judicial_confirmation", actor="wu.mediator",
                             to_agency="nb-ipcourt", reason="双方共同申请司法确认",
                             idempotency_key=key,
                             payload={"court": "宁波知识产权法庭", "applied_on": "2026-11-20"})


def test_an_agreement_deciding_ownership_is_not_sent_for_confirmation(uow, people, app):
    case = signed_mediation(uow)
    record_settlement(uow(), case.id, actor="wu.mediator",
                      parties=[APPLICANT["name"], RESPONDENT["name"]], amount="85000.00",
                      terms=["cease_infringing", "decides_ip_ownership"],
                      signed_on=date(2026, 11, 16), instalments=SCHEDULE)
    with pytest.raises(ValidationFailed, match="will not confirm") as info:
        confirm_request(uow, case.id, "med/confirm/1")
    assert info.value.field == "terms"
    with app.session_factory() as s:
        assert s.get(Case, case.id).status == "agreement_signed"
        assert s.scalar(select(Handoff)) is None


def test_confirmation_crosses_to_the_court_and_the_outcome_comes_back(uow, people, app):
    case = signed_mediation(uow)
    record_settlement(uow(), case.id, actor="wu.mediator",
                      parties=[APPLICANT["name"], RESPONDENT["name"]], amount="85000.00",
                      terms=["cease_infringing", "destroy_stock", "withdraw_listings"],
                      signed_on=date(2026, 11, 16), instalments=SCHEDULE)
    sent = confirm_request(uow, case.id, "med/confirm/2")
    with app.session_factory() as s:
        assert s.get(Case, case.id).status == "confirmation_requested"
    accepted = handoffs.accept(uow(), sent.id, actor="qian.court")
    court_case = accepted.linked_case_id
    with app.session_factory() as s:
        opened = s.get(Case, court_case)
        assert opened.case_type == "court_confirmation" and opened.agency.code == "nb-ipcourt"
    # the court sees the mediation's outcome only, never its sessions or terms
    seen = case_for(uow(), case.id, "qian.court")
    assert seen.visibility == "outcome" and seen.settled is True
    assert "sessions" not in seen.to_dict() and "agreement" not in seen.to_dict()
    # market supervision has no business with this mediation at all
    with pytest.raises(Exception, match="unknown case id"):
        case_for(uow(), case.id, "li.officer")


def test_the_court_confirms_and_the_mediation_hears_of_it(uow, people, app):
    case = signed_mediation(uow)
    record_settlement(uow(), case.id, actor="wu.mediator",
                      parties=[APPLICANT["name"], RESPONDENT["name"]], amount="85000.00",
                      terms=["cease_infringing"], signed_on=date(2026, 11, 16),
                      instalments=SCHEDULE)
    sent = confirm_request(uow, case.id, "med/confirm/3")
    court_case = handoffs.accept(uow(), sent.id, actor="qian.court").linked_case_id
    services.fire(uow(), court_case, "accept_application", actor="qian.court", payload={
        "court_case_no": "（2026）浙02民特58号", "accepted_on": "2026-11-21",
        "mediation_organisation": "宁波市知识产权纠纷人民调解委员会", "agreement_no": "甬知调〔2026〕58号",
        "agreement_effective_on": "2026-11-16", "applied_on": "2026-11-20",
        "decides_ip_ownership_or_validity": False})
    services.fire(uow(), court_case, "call_parties", actor="qian.court",
                  payload={"judge": "钱宇", "verification_date": "2026-11-25"})
    services.fire(uow(), court_case, "confirm_agreement", actor="qian.court", payload={
        "ruling_no": "（2026）浙02民特58号", "ruled_on": "2026-11-27",
        "confirmed_terms": ["赔偿85000元", "停止侵权"]})
    services.fire(uow(), court_case, "serve_ruling", actor="qian.court",
                  payload={"served_on": "2026-11-30", "service_method": "electronic"})
    with app.session_factory() as s:
        assert s.get(Handoff, sent.id).outcome == "closed_confirmed"
    mediation = case_for(uow(), case.id, "wu.mediator")
    outcomes = [e for e in mediation.events if e.kind == "handoff_outcome"]
    assert outcomes and outcomes[-1].payload["outcome"] == "closed_confirmed"
