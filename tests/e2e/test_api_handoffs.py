"""Handoffs over real HTTP, on both databases: send with If-Match and an Idempotency-Key
(a retry answers the first send, 200 instead of 201), the inbound and outbound lists, one
handoff, accept, reject and return; a third agency learns nothing, and every refusal is a
problem+json naming its field and writes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Case, CaseLink, Event, Evidence, Handoff
from caseflow.services import handoffs
from tests.e2e.http import call, issue
from tests.integration.test_handoffs import HOLDER, INFRINGER
from web.api.handoffs import HandoffOut

REASON = "涉嫌假冒注册商标罪，查获假冒刹车片1200套，货值52万元"


def approved_case(uow, title="余姚市精工汽配厂涉嫌假冒注册商标罪"):
    """A market-supervision case whose transfer to the police the supervisor approved."""
    case = services.open_case(
        uow(), actor="li.officer", case_type="transfer_src", title=title,
        parties=[HOLDER, INFRINGER], assignee="li.officer",
        ip_rights=[{"kind": "trademark", "number": "G1398765", "title": "NORDHAUS"}])
    services.attach_evidence(uow(), case.id, actor="li.officer", filename="扣押清单.pdf",
                             content=b"%PDF seized 1,200 brake pads",
                             media_type="application/pdf")
    services.fire(uow(), case.id, "approve_transfer", actor="chen.sup",
                  reason="涉案金额超过立案追诉标准")
    return case


def counts(app):
    with app.session_factory() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (Handoff, Case, Event, CaseLink, Evidence))


def version(app, case_id):
    with app.session_factory() as s:
        return s.get(Case, case_id).version


def headers(app, case_id, key="nb-amr/transfer/2026-001"):
    return {"If-Match": f'"{version(app, case_id)}"', "Idempotency-Key": key}


def send_body(**changes):
    return {"kind": "criminal_transfer", "to_agency": "nb-psb", "reason": REASON, **changes}


def sent(uow, case_id, key="nb-amr/transfer/k1"):
    return handoffs.hand_off(uow(), case_id, "criminal_transfer", actor="li.officer",
                             to_agency="nb-psb", reason=REASON, idempotency_key=key)


def test_send_once_per_key_with_if_match_and_the_new_etag(server, uow, app):
    token = issue(uow, "li.officer")
    case = approved_case(uow)
    path = f"/api/v1/cases/{case.id}/handoffs"
    first_headers = headers(app, case.id)
    request = send_body(documents=["涉嫌犯罪案件移送书", "涉案物品清单"])
    status, answer_headers, body = call(server, "POST", path, token, request, first_headers)
    assert status == 201, body
    HandoffOut().load(body)  # exactly as documented: no field more, none missing
    assert body["status"] == "sent" and body["from"] == "nb-amr" and body["to"] == "nb-psb"
    assert body["case_id"] == case.id and body["sent_by"] == "li.officer"
    assert body["materials"][0]["filename"] == "扣押清单.pdf"
    assert body["materials"][1:] == [{"document": "涉嫌犯罪案件移送书"}, {"document": "涉案物品清单"}]
    assert body["idempotency_key"] == "nb-amr/transfer/2026-001"
    assert answer_headers["ETag"] == f'"{version(app, case.id)}"'
    with app.session_factory() as s:
        assert s.get(Case, case.id).status == "sent_to_police"
        event = s.scalar(select(Event).where(Event.kind == "handoff_sent"))
    assert event.channel.startswith("api:t") and event.reason == REASON

    before = counts(app)
    # the retry carries what the first try carried (its If-Match is stale by now)
    status, retry_headers, retry = call(server, "POST", path, token, request, first_headers)
    assert status == 200 and retry == body
    assert retry_headers["ETag"] == answer_headers["ETag"]
    assert counts(app) == before
    # the same key for another request is refused
    status, _h, problem = call(server, "POST", path, token,
                               send_body(reason="另一移送理由"), first_headers)
    assert status == 422 and "different handoff" in problem["errors"]["idempotency_key"][0]
    assert counts(app) == before


def test_send_refusals_write_nothing(server, uow, app):
    officer = issue(uow, "li.officer")
    admin = issue(uow, "zhao.admin")
    customs = issue(uow, "zhou.customs")
    case = approved_case(uow)
    path = f"/api/v1/cases/{case.id}/handoffs"
    good = headers(app, case.id)
    before = counts(app)

    status, _h, body = call(server, "POST", path, officer, send_body(),
                            {"If-Match": good["If-Match"]})
    assert status == 422 and "Idempotency-Key" in body["errors"]
    assert "Idempotency-Key" in body["errors"]["Idempotency-Key"][0]
    status, _h, body = call(server, "POST", path, officer, send_body(),
                            {"If-Match": good["If-Match"], "Idempotency-Key": "k" * 101})
    assert status == 422 and "Idempotency-Key" in body["errors"]
    status, _h, body = call(server, "POST", path, officer, send_body(),
                            {"Idempotency-Key": "k-1"})
    assert status == 428 and "If-Match" in body["detail"]
    status, _h, body = call(server, "POST", path, officer, send_body(),
                            {**good, "If-Match": '"1"'})
    assert status == 412 and "version" in body["detail"]
    status, _h, body = call(server, "POST", path, customs, send_body(), good)
    assert status == 404 and "unknown case" in body["detail"]
    status, _h, body = call(server, "POST", path, admin, send_body(), good)
    assert status == 403
    status, _h, body = call(server, "POST", path, officer, send_body(to_agency="nb-customs"),
                            good)
    assert status == 422 and "police" in body["errors"]["to_agency"][0]
    status, _h, body = call(server, "POST", path, officer, send_body(to_agency="nb-nowhere"),
                            good)
    assert status == 404 and "nb-nowhere" in body["detail"]
    status, _h, body = call(server, "POST", path, officer, send_body(reason="   "), good)
    assert status == 422 and "reason" in body["errors"]
    status, _h, body = call(server, "POST", path, officer, send_body(reason=""), good)
    assert status == 422 and "reason" in body["errors"]
    status, _h, body = call(server, "POST", path, officer, send_body(evidence_ids=[999]), good)
    assert status == 422 and "evidence_ids" in body["errors"]
    status, _h, body = call(server, "POST", path, officer, send_body(to_user="zhou.customs"),
                            good)
    assert status == 422 and "to_user" in body["errors"]
    status, _h, body = call(server, "POST", path, officer, send_body(urgent=True), good)
    assert status == 422 and "urgent" in body["errors"]
    status, _h, body = call(server, "POST", path, officer, {"to_agency": "nb-psb",
                                                            "reason": REASON}, good)
    assert status == 422 and "kind" in body["errors"]
    status, _h, body = call(server, "POST", path, officer,
                            send_body(kind="judicial_confirmation"), good)
    assert status == 409 and "judicial_confirmation" in body["detail"]
    status, _h, body = call(server, "POST", path + "?dry_run=1", officer, send_body(), good)
    assert status == 422 and "dry_run" in body["errors"]
    # from a state the kind is not sent from
    fresh = services.open_case(uow(), actor="li.officer", case_type="transfer_src",
                               title="宁波市鄞州区文具批发部涉嫌侵权", parties=[HOLDER])
    status, _h, body = call(server, "POST", f"/api/v1/cases/{fresh.id}/handoffs", officer,
                            send_body(), headers(app, fresh.id, "k-fresh"))
    assert status == 409 and "investigating" in body["detail"]
    before = (before[0], before[1] + 1, before[2] + 1, *before[3:])  # the fresh case only
    assert counts(app) == before


def test_inbound_and_outbound_lists_filter_and_page(server, uow, app):
    police = issue(uow, "gao.police")
    officer = issue(uow, "li.officer")
    customs = issue(uow, "zhou.customs")
    first = sent(uow, approved_case(uow).id, "k-1")
    second = sent(uow, approved_case(uow, "慈溪市某汽配商行涉嫌销售假冒刹车片").id, "k-2")

    status, _h, body = call(server, "GET", "/api/v1/handoffs/inbound", police)
    assert status == 200 and [h["id"] for h in body] == [first.id, second.id]
    status, _h, body = call(server, "GET", "/api/v1/handoffs/outbound", officer)
    assert status == 200 and [h["id"] for h in body] == [first.id, second.id]
    assert call(server, "GET", "/api/v1/handoffs/inbound", officer)[2] == []  # none to nb-amr
    assert call(server, "GET", "/api/v1/handoffs/inbound", customs)[2] == []
    assert call(server, "GET", "/api/v1/handoffs/outbound", police)[2] == []
    status, _h, body = call(server, "GET", "/api/v1/handoffs/inbound?per_page=1&page=2", police)
    assert status == 200 and [h["id"] for h in body] == [second.id]
    assert call(server, "GET", "/api/v1/handoffs/inbound?per_page=1&page=3", police)[2] == []

    handoffs.accept(uow(), first.id, actor="gao.police", reason="材料齐全，予以接收")
    status, _h, body = call(server, "GET", "/api/v1/handoffs/inbound", police)
    assert [h["id"] for h in body] == [second.id]  # the open ones by default
    status, _h, body = call(server, "GET", "/api/v1/handoffs/inbound?status=accepted", police)
    HandoffOut(many=True).load(body)
    assert [(h["id"], h["status"]) for h in body] == [(first.id, "accepted")]
    assert body[0]["linked_case"] and body[0]["linked_case_id"]
    status, _h, body = call(server, "GET",
                            "/api/v1/handoffs/outbound?status=accepted&status=sent", officer)
    assert {h["id"] for h in body} == {first.id, second.id}

    for query, field in (("status=lost", "status"), ("per_page=0", "per_page"),
                         ("per_page=201", "per_page"), ("page=x", "page"),
                         ("agency=nb-psb", "agency")):
        status, _h, body = call(server, "GET", f"/api/v1/handoffs/inbound?{query}", police)
        assert status == 422 and field in body["errors"], (query, body)


def test_one_handoff_is_known_to_sender_and_receiver_only(server, uow, app):
    case = approved_case(uow)
    handoff = sent(uow, case.id)
    path = f"/api/v1/handoffs/{handoff.id}"
    for who in ("gao.police", "li.officer"):
        status, _h, body = call(server, "GET", path, issue(uow, who))
        assert status == 200 and body["id"] == handoff.id and body["status"] == "sent"
    customs = issue(uow, "zhou.customs")
    mine = call(server, "GET", path, customs)
    missing = call(server, "GET", "/api/v1/handoffs/999999", customs)
    huge = call(server, "GET", "/api/v1/handoffs/99999999999999999999", customs)
    assert mine[0] == missing[0] == huge[0] == 404
    assert mine[2]["detail"].replace(str(handoff.id), "N") == \
        missing[2]["detail"].replace("999999", "N")
    assert call(server, "GET", path + "?full=1", customs)[0] == 422


def test_the_receiver_sees_only_its_handoffs_acceptance_clock(server, uow, app):
    case = approved_case(uow)
    path = f"/api/v1/cases/{case.id}/clocks"
    police = issue(uow, "gao.police")
    assert call(server, "GET", path, police)[0] == 404  # not handed over yet: unknown
    sent(uow, case.id)
    status, _h, clocks = call(server, "GET", path, police)
    assert status == 200 and [c["clock"] for c in clocks] == ["handoff.criminal_transfer"]
    own = call(server, "GET", path, issue(uow, "li.officer"))[2]
    assert "handoff.criminal_transfer" in [c["clock"] for c in own]
    assert call(server, "GET", path, issue(uow, "zhou.customs"))[0] == 404


def test_accept_opens_the_linked_case_once(server, uow, app):
    police = issue(uow, "gao.police")
    case = approved_case(uow)
    handoff = sent(uow, case.id)
    path = f"/api/v1/handoffs/{handoff.id}/accept"
    before = counts(app)
    status, _h, body = call(server, "POST", path, issue(uow, "chen.sup"), {})
    assert status == 403 and "another agency" in body["detail"]  # the sender does not decide
    status, _h, body = call(server, "POST", path, issue(uow, "zhou.customs"), {})
    assert status == 404 and body["detail"] == f"unknown handoff {handoff.id}"
    status, _h, body = call(server, "POST", path, police, {"assignee": "gao.police",
                                                           "priority": "high"})
    assert status == 422 and "priority" in body["errors"]
    status, _h, body = call(server, "POST", path, police, {"reason": "接收\u0000"})
    assert status == 422 and "reason" in body["errors"]
    status, _h, body = call(server, "POST", path, police, {"assignee": "li.officer"})
    assert status == 422 and "nb-psb" in body["errors"]["assignee"][0]
    status, _h, body = call(server, "POST", path + "?as=he.police", police, {})
    assert status == 422 and "as" in body["errors"]
    status, _h, body = call(server, "POST", "/api/v1/handoffs/999999/accept", police, {})
    assert status == 404
    assert counts(app) == before

    status, _h, body = call(server, "POST", path, police, {"reason": "材料齐全，予以接收"})
    assert status == 200 and body["status"] == "accepted"
    HandoffOut().load(body)
    linked = body["linked_case_id"]
    with app.session_factory() as s:
        police_case = s.get(Case, linked)
        assert police_case.agency.code == "nb-psb" and police_case.assignee.username == \
            "gao.police"
        event = s.scalar(select(Event).where(Event.case_id == case.id,
                                             Event.kind == "handoff_accepted"))
    assert event.channel.startswith("api:t") and event.reason == "材料齐全，予以接收"
    after = counts(app)
    status, _h, again = call(server, "POST", path, police, {})
    assert status == 200 and again["linked_case_id"] == linked and counts(app) == after
    status, _h, body = call(server, "POST", f"/api/v1/handoffs/{handoff.id}/reject", police,
                            {"reason": "不构成犯罪"})
    assert status == 409 and "accepted" in body["detail"]
    assert counts(app) == after


def test_reject_and_return_need_reasons_and_are_final(server, uow, app):
    police = issue(uow, "gao.police")
    rejected = sent(uow, approved_case(uow).id, "k-r")
    returned = sent(uow, approved_case(uow, "象山县某服装厂涉嫌假冒注册商标").id, "k-t")
    reject = f"/api/v1/handoffs/{rejected.id}/reject"
    before = counts(app)
    for body, field in (({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "  "}, "reason"),
                        ({"reason": "x" * 501}, "reason"),
                        ({"reason": "证据不足", "to": "nb-amr"}, "to")):
        status, _h, problem = call(server, "POST", reject, police, body)
        assert status == 422 and field in problem["errors"], (body, problem)
    status, _h, problem = call(server, "POST", reject, issue(uow, "zhou.customs"),
                               {"reason": "不属于本机关"})
    assert status == 404
    status, _h, problem = call(server, "POST", reject, issue(uow, "li.officer"),
                               {"reason": "不属于本机关"})
    assert status == 403
    assert counts(app) == before

    status, _h, body = call(server, "POST", reject, police, {"reason": "未达到刑事立案追诉标准"})
    assert status == 200 and body["status"] == "rejected"
    assert body["status_reason"] == "未达到刑事立案追诉标准" and body["decided_at"]
    status, _h, body = call(server, "POST", f"/api/v1/handoffs/{returned.id}/return", police,
                            {"reason": "鉴定意见缺失，退回补充"})
    assert status == 200 and body["status"] == "returned"
    HandoffOut().load(body)
    with app.session_factory() as s:
        event = s.scalar(select(Event).where(Event.kind == "handoff_returned"))
    assert event.payload["materials_returned"][0]["filename"] == "扣押清单.pdf"
    after = counts(app)
    for action in ("accept", "reject", "return"):
        status, _h, body = call(server, "POST", f"/api/v1/handoffs/{rejected.id}/{action}",
                                police, {"reason": "再次处理"})
        assert status == 409, (action, body)
    assert counts(app) == after


def test_the_handoff_operations_are_documented(server):
    doc = call(server, "GET", "/api/v1/openapi.json")[2]
    send = doc["paths"]["/api/v1/cases/{case_id}/handoffs"]["post"]
    header = next(p for p in send["parameters"] if p["in"] == "header"
                  and p["name"] == "Idempotency-Key")
    assert header["name"] == "Idempotency-Key" and header["required"] is True
    assert {"200", "201"} <= set(send["responses"])
    for path in ("/api/v1/handoffs/inbound", "/api/v1/handoffs/outbound",
                 "/api/v1/handoffs/{handoff_id}"):
        assert doc["paths"][path]["get"]["summary"]
    for action in ("accept", "reject", "return"):
        assert doc["paths"][f"/api/v1/handoffs/{{handoff_id}}/{action}"]["post"]["summary"]
