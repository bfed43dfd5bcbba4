"""The mediator's pages over HTTP: the desk, sessions, the settlement with instalments,
payments and the application for judicial confirmation, with their refusals."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from caseflow import services
from caseflow.domain.moments import TZ
from caseflow.views.mediation import mediation_for

APPLICANT = "宁波某文具有限公司"
RESPONDENT = "义乌某商贸商行"
TITLE = f"{APPLICANT}与{RESPONDENT}“晨光”文具商标侵权纠纷调解"
VERSION = re.compile(r'name="version" value="(\d+)"')


def today():
    return datetime.now(TZ).date()


def open_mediation(app, signed: bool = False):
    case = services.open_case(app.uow(), actor="wu.mediator", case_type="mediation",
                              title=TITLE, parties=[{"role": "applicant", "name": APPLICANT},
                                                    {"role": "respondent", "name": RESPONDENT}])
    day = today().isoformat()
    services.fire(app.uow(), case.id, "accept_application", actor="wu.mediator",
                  payload={"mediation_type": "peoples", "accepted_on": day,
                           "mediator_names": ["吴芳"], "dispute_subject": "文具商标侵权",
                           "respondent_agreed": True})
    services.fire(app.uow(), case.id, "hold_session", actor="wu.mediator",
                  payload={"session_date": day, "attendees": ["吴芳", APPLICANT, RESPONDENT],
                           "session_mode": "in_person"})
    if signed:
        services.fire(app.uow(), case.id, "sign_settlement", actor="wu.mediator", payload={
            "agreement_no": "甬知调〔2026〕118号", "agreement_date": day,
            "parties": [RESPONDENT, APPLICANT], "settlement_amount": 30000,
            "performance_schedule": "分三期支付", "cease_infringement": True,
            "final_performance_date": (today() + timedelta(days=90)).isoformat(),
            "decides_ip_ownership_or_validity": False})
    return case.id


def settlement_form(**override):
    form = {"payer": RESPONDENT, "payee": APPLICANT, "amount": "30000.00", "currency": "CNY",
            "signed_on": today().isoformat(), "terms": ["cease_infringing", "destroy_stock",
                                                        "withdraw_listings"],
            "reason": "双方签订调解协议"}
    for n in (1, 2, 3):
        form[f"amount_{n}"] = "10000.00"
        form[f"due_on_{n}"] = (today() + timedelta(days=30 * n)).isoformat()
    form.update(override)
    return form


def page(client, case_id):
    response = client.get(f"/mediation/{case_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, VERSION.search(html).group(1)


def record(app, case_id):
    return mediation_for(app.uow(), case_id, "wu.mediator")[0]


def test_desk_for_the_mediator_refused_to_an_officer(app, people, client_as):
    case_id = open_mediation(app)
    response = client_as("wu.mediator").get("/mediation/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert RESPONDENT in html and "调解进行中" in html
    assert f'href="/mediation/{case_id}"' in html and f'href="/cases/{case_id}"' in html
    assert client_as("li.officer").get("/mediation/").status_code == 403
    assert client_as("li.officer").get(f"/mediation/{case_id}").status_code == 403


def test_a_session_is_recorded_and_its_notes_come_back_escaped(app, people, client_as):
    case_id = open_mediation(app)
    client = client_as("wu.mediator")
    _html, version = page(client, case_id)
    done = client.post_form(f"/mediation/{case_id}/sessions", {
        "version": version, "held_on": today().isoformat(),
        "attendees": "吴芳（调解员）\n宁波某文具有限公司 法务 陈静\n义乌某商贸商行 经营者 林海",
        "outcome": "双方同意赔偿三万元，分三期支付",
        "notes": "<script>alert(1)</script>林海承认在拼多多销售仿冒笔记本约2000本"})
    assert done.status_code == 303
    html, _version = page(client, case_id)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "双方同意赔偿三万元，分三期支付" in html
    sessions = record(app, case_id).sessions
    assert [s.attendees for s in sessions][-1][0] == "吴芳（调解员）"


def test_a_settlement_with_three_instalments_lists_them(app, people, client_as):
    case_id = open_mediation(app)
    client = client_as("wu.mediator")
    _html, version = page(client, case_id)
    done = client.post_form(f"/mediation/{case_id}/settlement",
                            settlement_form(version=version))
    assert done.status_code == 303, done.get_data(as_text=True)
    html, _version = page(client, case_id)
    assert html.count("¥10,000.00") == 3 and "¥30,000.00" in html
    first = today() + timedelta(days=30)
    assert f"{first.year}年{first.month}月{first.day}日" in html
    assert "停止侵权" in html
    mediation = record(app, case_id)
    assert [s.amount for s in mediation.schedule] == ["10000.00"] * 3
    assert mediation.agreement.parties == (RESPONDENT, APPLICANT)


@pytest.mark.parametrize("override, field, words", [
    ({"due_on_1": (datetime.now(TZ).date() - timedelta(days=1)).isoformat()},
     "a-due_on_1", "早于协议签订日期"),
    ({"amount_3": "5000.00"}, "instalments", "25000.00"),
])
def test_a_settlement_the_service_refuses_keeps_the_values(app, people, client_as, override,
                                                           field, words):
    case_id = open_mediation(app)
    client = client_as("wu.mediator")
    _html, version = page(client, case_id)
    response = client.post_form(f"/mediation/{case_id}/settlement",
                                settlement_form(version=version, **override))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="f-{field}-error">([^<]+)</p>', html)
    assert error and words in error.group(1)
    assert re.search(r"[\u4e00-\u9fff]", error.group(1))
    assert 'value="30000.00"' in html and 'value="cease_infringing" checked' in html
    assert record(app, case_id).agreement is None


def test_a_payment_moves_the_instalment_to_paid(app, people, client_as):
    case_id = open_mediation(app)
    client = client_as("wu.mediator")
    _html, version = page(client, case_id)
    assert client.post_form(f"/mediation/{case_id}/settlement",
                            settlement_form(version=version)).status_code == 303
    html, version = page(client, case_id)
    agreement_id = record(app, case_id).agreement.id
    done = client.post_form(f"/mediation/{case_id}/payments", {
        "version": version, "agreement_id": str(agreement_id), "seq": "1",
        "paid_on": today().isoformat()})
    assert done.status_code == 303
    statuses = [s.status for s in record(app, case_id).schedule]
    assert statuses == ["paid", "due", "due"]
    html, _version = page(client, case_id)
    row = re.search(r'<tr class="fine" id="instalment-1">.*?</tr>', html, re.S).group(0)
    assert "已付" in row


def test_judicial_confirmation_applied_for_shows_its_status(app, people, client_as):
    case_id = open_mediation(app, signed=True)
    client = client_as("wu.mediator")
    _html, version = page(client, case_id)
    assert client.post_form(f"/mediation/{case_id}/settlement",
                            settlement_form(version=version)).status_code == 303
    html, version = page(client, case_id)
    key = re.search(r'name="key" value="([^"]+)"', html).group(1)
    form = {"version": version, "key": key, "to_agency": "nb-ipcourt",
            "court": "宁波市中级人民法院", "applied_on": today().isoformat(),
            "reason": "双方当事人共同申请司法确认"}
    done = client.post_form(f"/mediation/{case_id}/confirmation", form)
    assert done.status_code == 303, done.get_data(as_text=True)
    html, _version = page(client, case_id)
    assert "已申请，等待法院处理" in html
    assert record(app, case_id).confirmation == "requested"


def test_judicial_confirmation_is_refused_for_an_ownership_term(app, people, client_as):
    case_id = open_mediation(app, signed=True)
    client = client_as("wu.mediator")
    _html, version = page(client, case_id)
    form = settlement_form(version=version, terms=["cease_infringing", "decides_ip_ownership"])
    assert client.post_form(f"/mediation/{case_id}/settlement", form).status_code == 303
    html, version = page(client, case_id)
    assert "法院不予确认" in html  # warned before applying
    key = re.search(r'name="key" value="([^"]+)"', html).group(1)
    response = client.post_form(f"/mediation/{case_id}/confirmation", {
        "version": version, "key": key, "to_agency": "nb-ipcourt", "court": "宁波市中级人民法院",
        "applied_on": today().isoformat(), "reason": "双方当事人共同申请司法确认"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    refusal = re.search(r'id="f-confirmation-error"[^>]*>([^<]+)<', html).group(1)
    assert "权属或效力" in refusal and "第三百五十五条" in refusal
    assert record(app, case_id).confirmation == "not_requested"


@pytest.mark.parametrize("typed", ["2026-02-30", "明天下午"])
def test_an_impossible_session_date_says_it_is_not_a_date(app, people, client_as, typed):
    case_id = open_mediation(app)
    client = client_as("wu.mediator")
    _html, version = page(client, case_id)
    sessions = len(record(app, case_id).sessions)
    response = client.post_form(f"/mediation/{case_id}/sessions", {
        "version": version, "held_on": typed, "attendees": "吴芳", "outcome": "双方同意再议",
        "notes": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'id="f-s-held_on-error">([^<]+)<', html).group(1)
    assert "不是有效的日期" in error and typed in error and "填写日期" not in error
    assert f'value="{typed}"' in html and "双方同意再议" in html
    assert len(record(app, case_id).sessions) == sessions


def test_a_future_session_date_is_refused_in_chinese(app, people, client_as):
    case_id = open_mediation(app)
    client = client_as("wu.mediator")
    _html, version = page(client, case_id)
    later = (today() + timedelta(days=3)).isoformat()
    response = client.post_form(f"/mediation/{case_id}/sessions", {
        "version": version, "held_on": later, "attendees": "吴芳", "outcome": "双方同意再议"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'id="f-s-held_on-error">([^<]+)<', html).group(1)
    assert "不能晚于今天" in error and "future" not in error


def test_an_impossible_instalment_date_is_refused_next_to_its_row(app, people, client_as):
    case_id = open_mediation(app)
    client = client_as("wu.mediator")
    _html, version = page(client, case_id)
    response = client.post_form(f"/mediation/{case_id}/settlement",
                                settlement_form(version=version, due_on_2="2026-13-01"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'id="f-a-due_on_2-error">([^<]+)<', html).group(1)
    assert "不是有效的日期" in error and "2026-13-01" in error
    assert 'value="2026-13-01"' in html and 'value="30000.00"' in html
    assert record(app, case_id).agreement is None


def test_an_impossible_payment_or_application_date_changes_nothing(app, people, client_as):
    case_id = open_mediation(app, signed=True)
    client = client_as("wu.mediator")
    _html, version = page(client, case_id)
    assert client.post_form(f"/mediation/{case_id}/settlement",
                            settlement_form(version=version)).status_code == 303
    html, version = page(client, case_id)
    agreement_id = record(app, case_id).agreement.id
    response = client.post_form(f"/mediation/{case_id}/payments", {
        "version": version, "agreement_id": str(agreement_id), "seq": "1",
        "paid_on": "2026-02-29"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'id="f-p-paid_on-1-error">([^<]+)<', html).group(1)
    assert "不是有效的日期" in error and "2026-02-29" in error
    assert [s.status for s in record(app, case_id).schedule] == ["due", "due", "due"]
    key = re.search(r'name="key" value="([^"]+)"', html).group(1)
    response = client.post_form(f"/mediation/{case_id}/confirmation", {
        "version": version, "key": key, "to_agency": "nb-ipcourt", "court": "宁波市中级人民法院",
        "applied_on": "上周五", "reason": "双方当事人共同申请司法确认"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'id="f-c-applied_on-error">([^<]+)<', html).group(1)
    assert "不是有效的日期" in error and "上周五" in error
    assert 'value="宁波市中级人民法院"' in html
    assert record(app, case_id).confirmation == "not_requested"
