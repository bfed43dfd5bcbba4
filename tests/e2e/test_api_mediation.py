"""Mediation over real HTTP, on both databases: the record as each agency may see it,
sessions, settlements with instalments, payments, the application for judicial
confirmation and conflict declarations — each write against the case's version (If-Match),
each refusal the right 4xx naming the field, with nothing written."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import (
    Clock,
    Event,
    Handoff,
    Instalment,
    MediationSession,
    MediatorConflict,
    SettlementAgreement,
)
from caseflow.domain.moments import TZ
from caseflow.services.directory import create_user
from tests.e2e.http import call, issue
from tests.integration.test_engine import open_inspection

APPLICANT = "宁波甬晨厨电科技有限公司"
RESPONDENT = "慈溪市佳禾小家电经营部"
NOTES = "背对背调解：佳禾经营部承认2026年起在抖音小店销售仿冒“甬晨”空气炸锅约1300台，同意分期赔偿。"


def today() -> date:
    return datetime.now(TZ).date()


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


def open_mediation(uow, received: int = -20):
    case = services.open_case(
        uow(), actor="wu.mediator", case_type="mediation", assignee="wu.mediator",
        title=f"{APPLICANT}与{RESPONDENT}空气炸锅外观设计专利侵权纠纷调解",
        received_on=today() + timedelta(days=received),
        parties=[{"role": "applicant", "name": APPLICANT, "origin": "local"},
                 {"role": "respondent", "name": RESPONDENT, "origin": "local"}])
    services.fire(uow(), case.id, "accept_application", actor="wu.mediator", payload={
        "mediation_type": "peoples", "accepted_on": day(received + 1),
        "mediator_names": ["吴芳"], "dispute_subject": "空气炸锅外观设计专利侵权赔偿",
        "respondent_agreed": True})
    return case


def in_session(uow):
    case = open_mediation(uow)
    services.fire(uow(), case.id, "hold_session", actor="wu.mediator", payload={
        "session_date": day(-14), "attendees": ["甬晨厨电代理人", "佳禾经营部负责人"],
        "session_mode": "in_person"})
    return case


def signed(uow):
    case = in_session(uow)
    return services.fire(uow(), case.id, "sign_settlement", actor="wu.mediator", payload={
        "agreement_no": "甬知调〔2026〕77号", "agreement_date": day(-5),
        "parties": [APPLICANT, RESPONDENT], "settlement_amount": 60000,
        "performance_schedule": "分两期支付", "final_performance_date": day(60),
        "cease_infringement": True, "decides_ip_ownership_or_validity": False})


SETTLEMENT = {"parties": [APPLICANT, RESPONDENT], "amount": "60000.00", "currency": "CNY",
              "terms": ["cease_infringing", "destroy_stock", "withdraw_listings"]}


def settlement(**change):
    body = {**SETTLEMENT, "signed_on": day(-5),
            "instalments": [{"due_on": day(30), "amount": "35000.00"},
                            {"due_on": day(60), "amount": "25000.00"}]}
    body.update(change)
    return body


def version(server, token, case_id) -> str:
    status, headers, _body = call(server, "GET", f"/api/v1/cases/{case_id}/mediation", token)
    assert status == 200
    return headers["ETag"]


def counts(app):
    with app.session_factory() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (SettlementAgreement, Instalment, Clock, Event, MediationSession,
                               Handoff, MediatorConflict))


def test_sessions_are_recorded_against_the_version_and_notes_stay_confidential(
        server, uow, app):
    mediator = issue(uow, "wu.mediator")
    case = open_mediation(uow)
    path = f"/api/v1/cases/{case.id}/mediation"
    status, headers, record = call(server, "GET", path, mediator)
    assert status == 200 and record["visibility"] == "full" and record["sessions"] == []
    assert record["status"] == "accepted" and record["confirmation"] == "not_requested"
    etag = headers["ETag"]
    body = {"held_on": day(-1), "attendees": ["吴芳", APPLICANT, RESPONDENT],
            "outcome": "双方同意继续协商赔偿金额", "notes": NOTES}
    before = counts(app)
    refusals = [
        (call(server, "POST", f"{path}/sessions", mediator, body), 428, None),
        (call(server, "POST", f"{path}/sessions", mediator, body, {"If-Match": '"9999"'}),
         412, None),
        (call(server, "POST", f"{path}/sessions", mediator, {**body, "held_on": "2026-02-30"},
              {"If-Match": etag}), 422, "held_on"),
        (call(server, "POST", f"{path}/sessions", mediator, {**body, "held_on": day(3)},
              {"If-Match": etag}), 422, "held_on"),
        (call(server, "POST", f"{path}/sessions", mediator, {**body, "attendees": []},
              {"If-Match": etag}), 422, "attendees"),
        (call(server, "POST", f"{path}/sessions", mediator, {**body, "venue": "海曙"},
              {"If-Match": etag}), 422, "venue"),
        (call(server, "POST", f"{path}/sessions?draft=1", mediator, body,
              {"If-Match": etag}), 422, "draft"),
    ]
    for (status, headers, problem), expected, field in refusals:
        assert status == expected, problem
        assert headers["Content-Type"] == "application/problem+json"
        if field:
            assert field in problem["errors"], problem
    assert "in the future" in refusals[3][0][2]["errors"]["held_on"][0]
    assert counts(app) == before

    status, headers, session = call(server, "POST", f"{path}/sessions", mediator, body,
                                    {"If-Match": etag})
    assert status == 201 and session["outcome"] == "双方同意继续协商赔偿金额"
    assert headers["ETag"] != etag and headers["ETag"] == version(server, mediator, case.id)
    assert "notes" not in session and len(session["notes_sha256"]) == 64
    # the old ETag is stale now
    stale = call(server, "POST", f"{path}/sessions", mediator, body, {"If-Match": etag})
    assert stale[0] == 412
    _s, _h, record = call(server, "GET", path, mediator)
    assert [s["notes"] for s in record["sessions"]] == [NOTES]
    with app.session_factory() as s:
        trail = s.scalars(select(Event.payload).where(Event.case_id == case.id,
                                                      Event.kind == "mediation_session")).all()
    assert len(trail) == 1 and NOTES not in str(trail)  # notes never reach the audit trail


def test_outsiders_get_the_answer_of_a_missing_case_and_non_mediators_are_refused(
        server, uow, app):
    case = open_mediation(uow)
    officer, court = issue(uow, "li.officer"), issue(uow, "qian.court")
    mine = call(server, "GET", f"/api/v1/cases/{case.id}/mediation", officer)
    missing = call(server, "GET", "/api/v1/cases/999999/mediation", officer)
    assert mine[0] == missing[0] == 404
    assert mine[2]["detail"].replace(str(case.id), "N") == \
        missing[2]["detail"].replace("999999", "N")
    assert call(server, "GET", f"/api/v1/cases/{case.id}/mediation", court)[0] == 404
    etag = version(server, issue(uow, "wu.mediator"), case.id)
    body = {"held_on": day(-1), "attendees": ["吴芳"], "outcome": "首次接触"}
    before = counts(app)
    status, _h, problem = call(server, "POST", f"/api/v1/cases/{case.id}/mediation/sessions",
                               officer, body, {"If-Match": etag})
    assert status == 404
    create_user(uow(), "lin.mediation", "林静", "nb-mediation", ["supervisor"])
    status, _h, problem = call(server, "POST", f"/api/v1/cases/{case.id}/mediation/sessions",
                               issue(uow, "lin.mediation"), body, {"If-Match": etag})
    assert status == 403 and "only a mediator" in problem["detail"]
    assert counts(app) == before
    # an enforcement case has no mediation record
    other = open_inspection(uow)
    status, _h, problem = call(server, "GET", f"/api/v1/cases/{other.id}/mediation", officer)
    assert status == 404 and "no mediation record" in problem["detail"]


def test_settlement_with_instalments_and_a_payment(server, uow, app):
    mediator = issue(uow, "wu.mediator")
    case = in_session(uow)
    path = f"/api/v1/cases/{case.id}/mediation"
    etag = version(server, mediator, case.id)
    before = counts(app)
    bad = [
        (settlement(amount="60000.001"), "amount"),
        (settlement(parties=[APPLICANT, "宁波某某公司"]), "parties[1]"),
        (settlement(instalments=[{"due_on": day(30), "amount": "10000.00"}]), "instalments"),
        (settlement(instalments=[{"due_on": "明天", "amount": "60000.00"}]), "instalments"),
        (settlement(signed_on=day(2)), "signed_on"),
        (settlement(currency="RMB"), "currency"),
        ({k: v for k, v in settlement().items() if k != "signed_on"}, "signed_on"),
    ]
    for body, field in bad:
        status, _h, problem = call(server, "POST", f"{path}/settlements", mediator, body,
                                   {"If-Match": etag})
        assert status == 422, (field, problem)
        assert any(k.startswith(field) for k in problem["errors"]), (field, problem)
    assert call(server, "POST", f"{path}/settlements", mediator, settlement())[0] == 428
    assert counts(app) == before

    status, headers, agreement = call(server, "POST", f"{path}/settlements", mediator,
                                      settlement(), {"If-Match": etag})
    assert status == 201 and agreement["amount"] == "60000.00"
    assert agreement["amount_fen"] == 6_000_000 and agreement["currency"] == "CNY"
    assert [i["amount"] for i in agreement["instalments"]] == ["35000.00", "25000.00"]
    etag = headers["ETag"]
    _s, _h, record = call(server, "GET", path, mediator)
    assert record["settled"] is True and record["agreement"]["id"] == agreement["id"]
    assert [i["status"] for i in record["schedule"]] == ["due", "due"]

    payments = f"{path}/settlements/{agreement['id']}/payments"
    before = counts(app)
    for body, field, code in [({"seq": 3, "paid_on": day(0)}, "seq", 422),
                              ({"seq": "1", "paid_on": day(0)}, "seq", 422),
                              ({"seq": 1, "paid_on": day(1)}, "paid_on", 422),
                              ({"seq": 1, "paid_on": day(-30)}, "paid_on", 422)]:
        status, _h, problem = call(server, "POST", payments, mediator, body, {"If-Match": etag})
        assert status == code and field in problem["errors"], (body, problem)
    status, _h, problem = call(server, "POST",
                               f"{path}/settlements/{agreement['id'] + 99}/payments", mediator,
                               {"seq": 1, "paid_on": day(0)}, {"If-Match": etag})
    assert status == 404 and "agreement_id" in problem["errors"]  # an id that names nothing
    assert counts(app) == before
    status, headers, paid = call(server, "POST", payments, mediator,
                                 {"seq": 1, "paid_on": day(0), "reason": "银行转账回单已核对"},
                                 {"If-Match": etag})
    assert status == 201 and paid["on_time"] is True and paid["all_paid"] is False
    assert headers["ETag"] == version(server, mediator, case.id) != etag
    _s, _h, record = call(server, "GET", path, mediator)
    assert [i["status"] for i in record["schedule"]] == ["paid", "due"]
    again = call(server, "POST", payments, mediator, {"seq": 1, "paid_on": day(0)},
                 {"If-Match": headers["ETag"]})
    assert again[0] == 422 and "already paid" in again[2]["errors"]["seq"][0]


def test_judicial_confirmation_goes_to_the_court_once_and_the_court_sees_the_outcome(
        server, uow, app):
    mediator = issue(uow, "wu.mediator")
    case = signed(uow)
    path = f"/api/v1/cases/{case.id}/mediation"
    etag = version(server, mediator, case.id)
    status, headers, _a = call(server, "POST", f"{path}/settlements", mediator, settlement(),
                               {"If-Match": etag})
    assert status == 201
    etag = headers["ETag"]
    body = {"to_agency": "nb-ipcourt", "court": "宁波知识产权法庭", "applied_on": day(0),
            "reason": "双方共同申请司法确认"}
    confirm = f"{path}/judicial-confirmation"
    before = counts(app)
    status, _h, problem = call(server, "POST", confirm, mediator, body, {"If-Match": etag})
    assert status == 422 and "Idempotency-Key" in problem["errors"]
    key = {"Idempotency-Key": f"med/confirm/{case.id}"}
    assert call(server, "POST", confirm, mediator, body, key)[0] == 428
    assert call(server, "POST", confirm, mediator, body, {**key, "If-Match": '"1"'})[0] == 412
    status, _h, problem = call(server, "POST", confirm, mediator,
                               {**body, "to_agency": "nb-customs"}, {**key, "If-Match": etag})
    assert status == 422 and "to_agency" in problem["errors"]
    status, _h, problem = call(server, "POST", confirm, mediator,
                               {**body, "applied_on": "2026-13-01"}, {**key, "If-Match": etag})
    assert status == 422 and "applied_on" in problem["errors"]
    assert counts(app) == before

    status, headers, sent = call(server, "POST", confirm, mediator, body,
                                 {**key, "If-Match": etag})
    assert status == 201 and sent["kind"] == "judicial_confirmation"
    assert sent["to"] == "nb-ipcourt" and sent["status"] == "sent"
    new_etag = headers["ETag"]
    _s, _h, record = call(server, "GET", path, mediator)
    assert record["status"] == "confirmation_requested"
    assert record["confirmation"] == "requested"
    assert version(server, mediator, case.id) == new_etag
    # a retry with the same key answers the first send and writes nothing more
    after = counts(app)
    status, _h, retry = call(server, "POST", confirm, mediator, body, {**key, "If-Match": etag})
    assert status == 200 and retry["id"] == sent["id"]
    assert counts(app) == after
    # the court sees the outcome only: no sessions, no amount, no schedule, no ETag
    status, headers, seen = call(server, "GET", path, issue(uow, "qian.court"))
    assert status == 200 and seen["visibility"] == "outcome" and seen["settled"] is True
    assert set(seen) == {"id", "visibility", "case", "status", "settled", "confirmation"}
    assert "ETag" not in headers


def test_a_declared_conflict_refuses_the_mediator_the_partys_cases(server, uow, app):
    mediator = issue(uow, "wu.mediator")
    case = open_mediation(uow)
    etag = version(server, mediator, case.id)
    declare = "/api/v1/mediation/conflicts"
    body = {"mediator": "wu.mediator", "party_name": f" {RESPONDENT} ",
            "reason": "2024–2025年曾任该经营部的常年法律顾问"}
    before = counts(app)
    status, _h, problem = call(server, "POST", declare, issue(uow, "li.officer"), body)
    assert status == 403 and "mediator or a supervisor" in problem["detail"]
    status, _h, problem = call(server, "POST", declare, mediator, {**body, "reason": ""})
    assert status == 422 and "reason" in problem["errors"]
    status, _h, problem = call(server, "POST", declare, mediator,
                               {**body, "mediator": "li.officer"})
    assert status == 422 and "mediator" in problem["errors"]
    assert call(server, "POST", f"{declare}?as=wu.mediator", mediator, body)[0] == 422
    assert counts(app) == before
    status, _h, declared = call(server, "POST", declare, mediator, body)
    assert status == 201 and declared["party_name"] == RESPONDENT
    assert declared["assigned_cases"] == [case.number]  # needs reassigning
    status, _h, problem = call(server, "POST", declare, mediator, body)
    assert status == 422 and "already declared" in problem["errors"]["party_name"][0]
    etag = version(server, mediator, case.id)
    status, _h, problem = call(
        server, "POST", f"/api/v1/cases/{case.id}/mediation/sessions", mediator,
        {"held_on": day(0), "attendees": ["吴芳"], "outcome": "首次接触"}, {"If-Match": etag})
    assert status == 422 and "conflict of interest" in problem["detail"]
