"""The handoff pages through Flask's test client: customs sends a suspected crime to the
police from the case page, the police accept it in their inbox (a police case opens), refuse
it only with a reason, a double-submitted form sends once, a third agency cannot act on it,
and what people type comes back escaped."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Case, Handoff
from caseflow.services import handoffs
from caseflow.views.handoffs import list_for_agency

BEIJING = timezone(timedelta(hours=8))
HOLDER = {"role": "rights_holder", "name": "Velmont Sportswear S.p.A.", "kind": "enterprise",
          "origin": "overseas", "region": "Italy"}
CONSIGNOR = {"role": "alleged_infringer", "name": "宁波某某服饰有限公司", "kind": "enterprise",
             "origin": "local", "region": "宁波市鄞州区"}
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


def approved_transfer(uow):
    """A customs criminal transfer, report submitted and approved: ready to send."""
    today = datetime.now(BEIJING)
    case = services.open_case(
        uow(), actor="zhou.customs", case_type="criminal_transfer", assignee="zhou.customs",
        title="宁波某某服饰有限公司出口侵权运动服涉嫌假冒注册商标罪", parties=[HOLDER, CONSIGNOR],
        ip_rights=[{"kind": "trademark", "number": "G1187654", "title": "VELMONT"}])
    services.attach_evidence(uow(), case.id, actor="zhou.customs", filename="查验记录.pdf",
                             content=b"%PDF 3,600 jackets", media_type="application/pdf")
    services.fire(uow(), case.id, "submit_transfer_report", actor="zhou.customs", payload={
        "originating_case_no": "甬关知字〔2026〕112号", "suspected_offence": "假冒注册商标罪",
        "report_summary": "出口运动服3600件，货值61万元", "submitted_on": today.date().isoformat()})
    services.fire(uow(), case.id, "approve_transfer", actor="xu.customs", payload={
        "approved_at": (today - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")})
    return case


def send_form(page_html, **overrides):
    data = {"kind": "criminal_transfer", "to_agency": "nb-psb",
            "idempotency_key": KEY.search(page_html).group(1),
            "version": VERSION.search(page_html).group(1),
            "p_police_unit": "宁波市公安局经济犯罪侦查支队",
            "p_sent_at": datetime.now(BEIJING).strftime("%Y-%m-%dT%H:%M"),
            "p_materials": "移送书\n调查报告\n涉案物品清单",
            "p_copied_to_procuratorate": "on",
            "reason": "涉嫌假冒注册商标罪，货值61万元", "documents": "涉案物品清单（纸质）"}
    data.update(overrides)
    return data


def handoff_count(app):
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(Handoff))


def test_customs_sends_and_the_police_accept(client_as, uow, app):
    case = approved_transfer(uow)
    customs = client_as("zhou.customs")
    page = customs.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="h-criminal_transfer-to_agency"' in page
    data = send_form(page)
    done = customs.post_form(f"/cases/{case.id}/handoffs", data)
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/cases/{case.id}")
    again = customs.post_form(f"/cases/{case.id}/handoffs", data)  # the form sent twice
    assert again.status_code == 303
    assert handoff_count(app) == 1
    sent = list_for_agency(uow(), "zhou.customs", incoming=False)[0]
    assert sent.kind == "criminal_transfer" and sent.to_agency == "nb-psb"

    police = client_as("gao.police")
    inbox = police.get("/handoffs/")
    assert inbox.status_code == 200
    html = inbox.get_data(as_text=True)
    assert case.number in html and f'action="/handoffs/{sent.id}/accept"' in html
    accepted = police.post_form(f"/handoffs/{sent.id}/accept", {"reason": "材料齐全，予以接收"})
    assert accepted.status_code == 303
    after = police.get("/handoffs/").get_data(as_text=True)
    view = handoffs.accept(uow(), sent.id, actor="gao.police")  # the same acceptance: no-op
    assert view.status == "accepted" and view.linked_case_id
    assert f'href="/cases/{view.linked_case_id}"' in after  # the flash links to the new case
    with app.session_factory() as s:
        police_case = s.get(Case, view.linked_case_id)
        assert police_case.agency.code == "nb-psb" and police_case.case_type == "police_case"
        number = police_case.number
    linked = police.get(f"/cases/{view.linked_case_id}")
    assert linked.status_code == 200 and "涉嫌犯罪案件移送公安" in linked.get_data(as_text=True)
    source = customs.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "已接收" in source and number in source and "材料齐全，予以接收" in source
    customs.post_form("/language", {"locale": "en", "next": "/handoffs/"})
    english = customs.get("/handoffs/").get_data(as_text=True)
    assert "Transfer of a suspected crime to the police" in english and "Accepted" in english


def test_refusing_needs_a_reason_and_outsiders_cannot_act(client_as, uow, app):
    case = approved_transfer(uow)
    customs = client_as("zhou.customs")
    page = customs.get(f"/cases/{case.id}").get_data(as_text=True)
    customs.post_form(f"/cases/{case.id}/handoffs", send_form(page))
    sent = list_for_agency(uow(), "zhou.customs", incoming=False)[0]

    police = client_as("gao.police")
    police.get("/handoffs/")
    empty = police.post_form(f"/handoffs/{sent.id}/reject", {"reason": "  "})
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    assert f'id="d-{sent.id}-reject-reason-error"' in html and "理由" in html
    assert [h.status_reason for h in list_for_agency(uow(), "gao.police")] == [None]  # still open

    outsider = client_as("li.officer")  # market supervision: neither sender nor receiver
    outsider.get("/handoffs/")
    refused = outsider.post_form(f"/handoffs/{sent.id}/accept", {"reason": ""})
    assert refused.status_code == 404
    sender = customs.post_form(f"/handoffs/{sent.id}/reject", {"reason": "不属于本机关"})
    assert sender.status_code == 403

    rejected = police.post_form(f"/handoffs/{sent.id}/reject",
                                {"reason": "<script>alert(1)</script>未达到追诉标准"})
    assert rejected.status_code == 303
    out = customs.get("/handoffs/").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;未达到追诉标准" in out
    assert "<script>alert(1)" not in out
    assert list_for_agency(uow(), "zhou.customs", incoming=False,
                           status=["rejected"])[0].status_reason.startswith("<script>")


def test_a_send_without_a_reason_changes_nothing_and_keeps_what_was_typed(client_as, uow, app):
    case = approved_transfer(uow)
    customs = client_as("zhou.customs")
    page = customs.get(f"/cases/{case.id}").get_data(as_text=True)
    bad = customs.post_form(f"/cases/{case.id}/handoffs",
                            send_form(page, reason="", p_police_unit="<b>宁波市公安局</b>"))
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="h-criminal_transfer-reason-error"' in html and "理由" in html
    assert 'value="&lt;b&gt;宁波市公安局&lt;/b&gt;"' in html
    assert handoff_count(app) == 0
    assert client_as("wu.mediator").get("/handoffs/").status_code == 403


def test_the_police_return_the_materials_and_customs_see_why(client_as, uow, app):
    case = approved_transfer(uow)
    customs = client_as("zhou.customs")
    page = customs.get(f"/cases/{case.id}").get_data(as_text=True)
    customs.post_form(f"/cases/{case.id}/handoffs", send_form(page))
    sent = list_for_agency(uow(), "zhou.customs", incoming=False)[0]
    police = client_as("he.police")  # a supervisor decides too
    police.get("/handoffs/")
    done = police.post_form(f"/handoffs/{sent.id}/return", {"reason": "缺少检验鉴定结论，退回补充"})
    assert done.status_code == 303
    assert list_for_agency(uow(), "zhou.customs", incoming=False,
                           status=["returned"])[0].id == sent.id
    out = customs.get("/handoffs/").get_data(as_text=True)
    assert "已退回" in out and "缺少检验鉴定结论，退回补充" in out
    again = police.post_form(f"/handoffs/{sent.id}/accept", {"reason": ""})
    assert again.status_code == 409  # decided already: shown, not a 500
