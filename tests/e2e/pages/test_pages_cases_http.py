"""The case page through Flask's test client: the header with parties, origins and IP
rights, each clock with its time left and explanation, the clock timeline and state diagram
SVGs, the audit trail in words, the refusal for a case another agency owns, escaping and
the English switch."""

from __future__ import annotations

import re
from datetime import date

from caseflow import services
from caseflow.services.clocks import extend_clock, pause_clock, resume_clock

HOLDER = {"role": "rights_holder", "name": "Velmont Sportswear S.p.A.", "kind": "enterprise",
          "origin": "overseas", "region": "Italy"}
SELLER = {"role": "alleged_infringer", "name": "宁波某某服饰有限公司", "kind": "enterprise",
          "origin": "local", "region": "宁波市鄞州区"}
LI_NAME, CHEN_NAME = "李明", "陈晓燕"
MAKER = {"role": "alleged_infringer", "name": "义乌某某服装厂", "kind": "enterprise",
         "origin": "other_city", "region": "浙江省义乌市"}


def open_case(uow, title="宁波某某服饰有限公司销售仿冒VELMONT运动服", parties=(HOLDER, SELLER, MAKER)):
    return services.open_case(
        uow(), actor="li.officer", case_type="admin_enforcement", title=title,
        assignee="li.officer", parties=list(parties),
        ip_rights=[{"kind": "trademark", "number": "G1187654", "title": "VELMONT"}])


def worked_case(uow):
    """Verification started, the filing clock paused for testing and resumed, extended."""
    case = open_case(uow)
    services.fire(uow(), case.id, "start_verification", actor="li.officer", payload={
        "clue_no": "甬市监线〔2026〕88号", "clue_source": "rights_holder_complaint",
        "clue_received_on": date.today().isoformat()}, reason="权利人投诉，材料齐全")
    pause_clock(uow(), case.id, "filing_decision", actor="li.officer", reason="testing",
                note="送检运动服面料")
    resume_clock(uow(), case.id, "filing_decision", actor="li.officer")
    extend_clock(uow(), case.id, "filing_decision", actor="chen.sup",
                 reason="需权利人辨认，经负责人批准延长")
    return case


def test_officer_sees_header_clocks_and_trail(uow, people, client_as):
    case = worked_case(uow)
    page = client_as("li.officer").get(f"/cases/{case.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert case.number in html
    assert "线索核查" in html.split('id="case-header"')[1]  # the state's title, not its name
    for text in ("Velmont Sportswear S.p.A.", "宁波某某服饰有限公司", "义乌某某服装厂", "境外",
                 "本地", "外地", "权利人", "G1187654", "VELMONT", "商标"):
        assert text in html, text
    # the clock: name, time left, its explanation (every line), the inline timeline
    assert "核查及立案决定期限" in html
    assert "剩余时间" in html and 'class="urgency fine clock-left"' in html
    assert "<details" in html and "《市场监督管理行政处罚程序规定》第十八条" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="clock-timeline"' in html
    # the trail: the trigger's Chinese title, the reason, the actor's name
    assert "登记线索并开始核查" in html and "start_verification" not in html.split("case-trail")[-1]
    assert "权利人投诉，材料齐全" in html and "需权利人辨认，经负责人批准延长" in html
    assert "期限暂停" in html and "期限恢复计算" in html and "期限延长" in html
    assert LI_NAME in html and CHEN_NAME in html
    assert f'src="/cases/{case.id}/diagram.svg"' in html


def test_clock_timeline_and_diagram_svgs(uow, people, client_as):
    case = worked_case(uow)
    client = client_as("li.officer")
    svg = client.get(f"/cases/{case.id}/clocks/filing_decision/timeline.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    body = svg.get_data(as_text=True)
    assert body.count('class="segment running"') == 2
    assert body.count('class="segment paused"') == 1
    assert 'class="mark extended"' in body and 'class="mark due"' in body
    assert 'class="mark now"' in body and "<title" in body and "现在" in body and "起算" in body
    diagram = client.get(f"/cases/{case.id}/diagram.svg")
    assert diagram.status_code == 200 and diagram.mimetype == "image/svg+xml"
    assert b"<svg" in diagram.data
    assert client.get(f"/cases/{case.id}/clocks/nope/timeline.svg").status_code == 404


def test_another_agencys_case_is_as_unknown(uow, people, client_as):
    case = open_case(uow)
    client = client_as("zhou.customs")
    hidden = client.get(f"/cases/{case.id}")
    unknown = client.get("/cases/999999")
    assert hidden.status_code == unknown.status_code == 404
    strip = re.compile(r'/cases/\d+|name="csrf_token" value="[^"]*"')  # ids and tokens differ
    assert strip.sub("", hidden.get_data(as_text=True)) == strip.sub("", unknown.get_data(as_text=True))
    assert case.title not in hidden.get_data(as_text=True)
    assert client.get(f"/cases/{case.id}/diagram.svg").status_code == 404
    assert client.get(f"/cases/{case.id}/clocks/filing_decision/timeline.svg").status_code == 404


def test_markup_in_title_and_party_is_escaped(uow, people, client_as):
    party = {**SELLER, "name": "<script>alert(1)</script>有限公司"}
    case = open_case(uow, title="<script>alert('x')</script>仿冒案", parties=(HOLDER, party))
    html = client_as("li.officer").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;有限公司" in html
    assert "&lt;script&gt;" in html.split('id="case-header"')[1]


def test_english_switch_shows_english_titles(uow, people, client_as):
    case = worked_case(uow)
    client = client_as("li.officer")
    client.get(f"/cases/{case.id}")  # the form's CSRF token
    client.post_form("/language", {"locale": "en", "next": f"/cases/{case.id}"})
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Verification and filing decision" in html
    assert "Register the clue and start verification" in html
    assert "Overseas" in html and "Trademark" in html and "Time left" in html
