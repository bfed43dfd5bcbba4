"""Pages name things, not codes (review items 6, 7, 10, 11): the case page's state diagram is
drawn in the page's language by titles, top to bottom and at its natural size in a scrolling
panel; the API's diagram keeps its codes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from tests.e2e.pages.test_pages_cases_http import worked_case

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: bytes) -> tuple[ET.Element, str]:
    root = ET.fromstring(svg)
    return root, " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


def test_case_page_diagram_reads_in_titles_of_the_pages_language(uow, people, client_as):
    case = worked_case(uow)  # in verification after start_verification
    client = client_as("li.officer")
    diagram = client.get(f"/cases/{case.id}/diagram.svg")
    assert diagram.status_code == 200
    root, texts = _texts(diagram.data)
    assert "线索核查" in texts and "登记线索并开始核查" in texts
    assert "[" not in texts and "clue_received" not in texts
    assert "start_verification" not in texts and "Clue received" not in texts
    # laid out top to bottom: taller than a left-to-right drawing, not thousands of points wide
    width = float(root.get("width", "0").removesuffix("pt"))
    assert width < 4000
    nodes = {g.findtext(f"{SVG}title"): g for g in root.iter(f"{SVG}g")
             if g.get("class") == "node"}
    filled = {name for name, g in nodes.items()
              if any(p.get("fill") not in (None, "none", "white") for p in g)}
    assert filled == {"verification"}  # the current state stays highlighted

    client.post_form("/language", {"locale": "en", "next": f"/cases/{case.id}"})
    english = client.get(f"/cases/{case.id}/diagram.svg")
    _root, texts = _texts(english.data)
    assert "线索核查" not in texts and "[" not in texts and "start_verification" not in texts

    css = client.get("/static/css/caseflow.css").get_data(as_text=True)
    rule = re.search(r"\.diagram-wrap img \{([^}]*)\}", css)
    assert rule and "max-width: none" in rule.group(1)
    assert re.search(r"\.diagram-wrap \{[^}]*overflow: auto", css)


def test_supervision_handoffs_name_kinds_agencies_people_and_say_what_received_means(
        client_as, uow, people):
    from caseflow.services import handoffs
    from caseflow.views.handoffs import list_for_agency
    from tests.e2e.pages.test_pages_handoffs_http import approved_transfer, send_form

    case = approved_transfer(uow)
    customs = client_as("zhou.customs")
    page = customs.get(f"/cases/{case.id}").get_data(as_text=True)
    assert customs.post_form(f"/cases/{case.id}/handoffs", send_form(page)).status_code == 303
    sent = list_for_agency(uow(), "zhou.customs", incoming=False)[0]
    handoffs.receive(uow(), sent.id, actor="gao.police")

    sup = client_as("xu.customs")
    html = sup.get("/supervision/handoffs").get_data(as_text=True)
    outgoing = html.split('id="out-h"')[1].split('id="refused-h"')[0]
    assert case.number in outgoing
    assert "涉嫌犯罪案件移送公安" in outgoing and "criminal_transfer" not in outgoing
    assert "宁波市公安局经济犯罪侦查支队" in outgoing and "nb-psb" not in outgoing
    # received = the police have it, but have neither accepted nor rejected it
    assert "已签收、尚未决定接收或拒绝" in outgoing and "已接收" not in outgoing
    police = client_as("he.police").get("/supervision/handoffs").get_data(as_text=True)
    assert case.number in police.split('id="in-h"')[1].split('id="out-h"')[0]
    # the supervisor's two handoff pages are named apart in the navigation
    nav = html.split("<nav")[1].split("</nav>")[0]
    assert "移交期限督办" in nav and re.search(r">\s*移交\s*<", nav)

    handoffs.reject(uow(), sent.id, actor="gao.police", reason="不属于本单位管辖")
    html = sup.get("/supervision/handoffs").get_data(as_text=True)
    assert case.number not in html.split('id="out-h"')[1].split('id="refused-h"')[0]
    refused = html.split('id="refused-h"')[1]
    assert case.number in refused and "高鹏" in refused and "gao.police" not in refused
    assert "涉嫌犯罪案件移送公安" in refused and "nb-psb" not in refused


def _state_options(html: str) -> list[tuple[str, str]]:
    select = html.split('id="f-state"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select)


def test_work_list_state_filter_offers_the_agencys_states_with_unique_labels(
        client_as, people):
    client = client_as("li.officer")  # a market regulator
    page = client.get("/work/")
    assert page.status_code == 200
    options = _state_options(page.get_data(as_text=True))
    names = [n for n, _label in options]
    labels = [label for _n, label in options]
    assert "verification" in names and "clue_received" in names
    assert len(labels) == len(set(labels)), "two choices read alike"
    # no police, court or customs state (of workflows a market regulator never runs)
    police = client_as("gao.police").get("/work/").get_data(as_text=True)
    police_only = {n for n, _l in _state_options(police)} - set(names)
    assert police_only, "the police's list offers their own states"
    assert not police_only & set(names)

    typed = client.get("/work/?type=complaint").get_data(as_text=True)
    complaint = {n for n, _l in _state_options(typed)}
    assert complaint and complaint < set(names) and "verification" not in complaint

    for bad in ("/work/?case_type=zzz", "/work/?type=zzz", "/work/queue?type=police_case",
                "/work/done?state=zzz", f"/work/?state={next(iter(police_only))}",
                "/work/?type=complaint&state=verification"):
        refused = client.get(bad)
        assert refused.status_code == 422, bad
        text = refused.get_data(as_text=True)
        assert "未知的案件类型" in text or "未知的状态" in text, bad


def _section(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_case_page_names_agency_approver_assignee_and_system_reasons(uow, people, client_as):
    from caseflow import services
    from caseflow.services.calendar import set_override

    case = worked_case(uow)  # filing clock extended by chen.sup (陈晓燕)
    services.assign(uow(), case.id, "zhang.officer", actor="chen.sup")
    set_override(uow(), date.today() + timedelta(days=5), "rest", actor="zhao.admin",
                 reason="调休")
    html = client_as("zhang.officer").get(f"/cases/{case.id}").get_data(as_text=True)
    header = _section(html, 'id="case-header"', "</section>")
    assert "宁波市市场监督管理局" in header and "nb-amr" not in header
    extensions = _section(html, 'class="clock-extensions"', "</ul>")
    assert "陈晓燕" in extensions and "chen.sup" not in extensions
    trail = html.split('id="case-trail"', 1)[1]
    assert "承办人：张伟" in trail and "zhang.officer" not in trail
    assert "改为休息日" in trail and "calendar override" not in trail


def test_linked_case_is_named_by_its_number(client_as, uow, people):
    from caseflow.services import handoffs
    from caseflow.views.handoffs import list_for_agency
    from tests.e2e.pages.test_pages_handoffs_http import approved_transfer, send_form

    case = approved_transfer(uow)
    customs = client_as("zhou.customs")
    page = customs.get(f"/cases/{case.id}").get_data(as_text=True)
    customs.post_form(f"/cases/{case.id}/handoffs", send_form(page))
    sent = list_for_agency(uow(), "zhou.customs", incoming=False)[0]
    accepted = handoffs.accept(uow(), sent.id, actor="gao.police", reason="予以接收")
    linked = client_as("gao.police").get(f"/cases/{accepted.linked_case_id}")
    links = _section(linked.get_data(as_text=True), 'class="case-links"', "</ul>")
    assert f'href="/cases/{case.id}"' in links and case.number in links
    assert f"案件 {case.id}<" not in links


def test_mediation_pages_show_party_roles_by_title_and_each_party_once(app, client_as, people):
    from caseflow import services

    holder = "Velmont Sportswear S.p.A."
    case = services.open_case(
        app.uow(), actor="wu.mediator", case_type="mediation", title="VELMONT商标纠纷调解",
        parties=[{"role": "applicant", "name": holder},
                 {"role": "rights_holder", "name": holder},
                 {"role": "alleged_infringer", "name": "宁波某某服饰有限公司"}])
    client = client_as("wu.mediator")
    for path in ("/mediation/", f"/mediation/{case.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "权利人：" in html and "涉嫌侵权人：" in html, path
        assert "rights_holder" not in html and "alleged_infringer" not in html, path
    html = client.get(f"/mediation/{case.id}").get_data(as_text=True)
    for field in ("payer", "payee"):
        select = html.split(f'name="{field}"', 1)[1].split("</select>", 1)[0]
        assert select.count(f'value="{holder}"') == 1, field


def test_evidence_lists_who_added_it_by_name(uow, people, client_as):
    from caseflow import services

    case = worked_case(uow)
    services.attach_evidence(uow(), case.id, actor="li.officer", filename="购买记录.pdf",
                             content=b"%PDF receipt", media_type="application/pdf")
    html = client_as("li.officer").get(f"/cases/{case.id}").get_data(as_text=True)
    row = html.split("购买记录.pdf", 1)[1].split("</tr>", 1)[0]
    assert "李明" in row and "li.officer" not in row


def test_a_page_past_the_end_says_so_not_that_the_list_is_empty(uow, people, client_as):
    worked_case(uow)  # assigned to li.officer, open
    html = client_as("li.officer").get("/work/?page=999999").get_data(as_text=True)
    assert "没有第 999999 页" in html and "目前没有分配给您的待办案件" not in html
    assert 'href="/work/?page=1"' in html


def test_system_reasons_of_the_trail_read_in_the_pages_language(web_app):
    from web.pages.cases import reason_text

    with web_app.test_request_context("/"):
        assert reason_text("clock_stopped", "step reached", {}, {}) == "已完成结束该期限的步骤"
        assert reason_text("calendar_changed", "calendar override 2026-12-07: rest", {}, {}) \
            == "日历调整：2026-12-07 改为休息日"
        assert reason_text("calendar_changed", "calendar override 2026-12-12: work", {}, {}) \
            == "日历调整：2026-12-12 改为工作日"
        assert reason_text("clock_stopped", "已结案", {}, {}) == "已结案"  # typed: as typed


def test_a_handoffs_outcome_is_named_by_the_state_title(app, people):
    from caseflow.views.clock_timeline import state_titles

    titles = state_titles(app.uow("test"))
    zh, _en = titles["transferred_jurisdiction"]
    assert zh and "_" not in zh
    assert all(zh and en for zh, en in titles.values())


def test_a_partys_ended_period_reads_ended_not_running_and_late(app, people, client_as):
    from datetime import datetime, timedelta

    from caseflow import services
    from caseflow.domain.moments import TZ

    firm = "宁波市海曙区锦绣服饰有限公司"
    case = services.open_case(app.uow("test"), actor="li.officer", case_type="period_gate",
                              assignee="li.officer", title=f"{firm}涉嫌销售假冒注册商标服装",
                              parties=[{"role": "alleged_infringer", "name": firm}])
    served = (datetime.now(TZ) - timedelta(days=20)).date().isoformat()
    services.fire(app.uow("test"), case.id, "serve_notice", actor="li.officer",
                  payload={"served_on": served})
    page = client_as("li.officer").get(f"/cases/{case.id}").get_data(as_text=True)
    clock = page.split('id="clock-answer_period"')[1].split("</article>")[0]
    status = clock.split("<dd>")[1].split("</dd>")[0]
    assert "已届满（当事人的期限）" in status and "计时中" not in status
    assert "逾期" not in clock  # the party's period ending is nobody's overdue work
