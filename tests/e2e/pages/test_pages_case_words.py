"""The case page reads as Chinese in Chinese and as English in English (issue 11): a clock's
explanation writes periods in words, names the legal pause reason and the calendar's source;
the trail names the system's jobs and says the system's own reasons in the page's language,
and a handoff's kind by its title even on the case the handoff opened."""

from __future__ import annotations

from datetime import date, timedelta

from caseflow import services
from caseflow.services import handoffs
from tests.e2e.pages.test_pages_cases_http import worked_case
from tests.integration.test_handoffs import approved_case, send


def _section(html: str, start: str, end: str | None = None) -> str:
    part = html.split(f'id="{start}"', 1)[1]
    return part.split(f'id="{end}"', 1)[0] if end else part


def _english(client, path: str) -> str:
    client.get(path)  # the form's CSRF token
    client.post_form("/language", {"locale": "en", "next": path})
    return client.get(path).get_data(as_text=True)


def test_clock_explanation_and_trail_in_chinese(uow, people, client_as):
    case = worked_case(uow)
    html = client_as("li.officer").get(f"/cases/{case.id}").get_data(as_text=True)
    clocks = _section(html, "case-clocks", "case-diagram")
    assert "期限 15个工作日（《市场监督管理行政处罚程序规定》第十八条）" in clocks
    assert "依法不计入：检测，送检运动服面料" in clocks
    assert "延长 15个工作日：" in clocks and "按国务院办公厅公布的节假日安排" in clocks
    assert "《市场监督管理行政处罚程序规定》第十八条 · 15个工作日" in clocks  # the legal basis
    assert "按日历" not in clocks and "working_days" not in clocks
    assert "not counted" not in clocks and "testing" not in clocks
    trail = _section(html, "case-trail")
    assert "依法不计入：检测，送检运动服面料" in trail and "testing" not in trail


def test_clock_explanation_and_trail_in_english(uow, people, client_as):
    case = worked_case(uow)
    html = _english(client_as("li.officer"), f"/cases/{case.id}")
    clocks = _section(html, "case-clocks", "case-diagram")
    assert "period 15 working days (《市场监督管理行政处罚程序规定》第十八条)" in clocks
    assert "not counted by law: testing, 送检运动服面料" in clocks
    assert "extended by 15 working days: approved by chen.sup" in clocks
    assert "the State Council General Office&#39;s published holiday schedules" in clocks
    assert "working_days" not in clocks and "依法不计入" not in clocks
    assert "Extended by 15 working days, approved by 陈晓燕" in clocks  # the name, not the username
    trail = _section(html, "case-trail")
    assert "Not counted by law: testing, 送检运动服面料" in trail


def test_system_actors_and_reasons_and_handoff_kinds(uow, people, client_as):
    case = approved_case(uow)
    sent = send(uow, case.id)
    assert handoffs.dispatch(uow()) == 1
    accepted = handoffs.accept(uow(), sent.id, actor="gao.police")
    html = client_as("li.officer").get(f"/cases/{case.id}").get_data(as_text=True)
    trail = _section(html, "case-trail")
    assert "系统（移交分派）" in trail and "system:dispatch" not in trail
    assert "移交已被接收" in trail and "handoff accepted" not in trail
    assert "涉嫌犯罪案件移送" in trail
    english = _section(_english(client_as("li.officer"), f"/cases/{case.id}"), "case-trail")
    assert "System (handoff dispatch)" in english and "The handoff was accepted" in english
    assert "Transfer of a suspected crime" in english and "涉嫌犯罪案件移送" not in english
    # the police case was opened by the handoff: its workflow does not define the kind
    opened = f"/cases/{accepted.linked_case_id}"
    police = _section(client_as("gao.police").get(opened).get_data(as_text=True), "case-trail")
    assert "涉嫌犯罪案件移送" in police and "criminal_transfer" not in police
    police_en = _section(_english(client_as("gao.police"), opened), "case-trail")
    assert f"Transfer of a suspected crime: {case.number}" in police_en
    assert "涉嫌犯罪案件移送" not in police_en and "criminal_transfer" not in police_en


def test_a_clock_started_from_a_recorded_date_names_the_field(uow, people, client_as):
    case = worked_case(uow)
    raised = (date.today() - timedelta(days=1)).isoformat()
    services.fire(uow(), case.id, "raise_jurisdiction_dispute", actor="li.officer",
                  payload={"other_authority": "余姚市市场监督管理局", "dispute_raised_on": raised},
                  reason="对方主张由其管辖")
    html = client_as("li.officer").get(f"/cases/{case.id}").get_data(as_text=True)
    clock = _section(html, "clock-jurisdiction_negotiation", "case-diagram")
    assert f"自步骤记录的法定日期“争议发生日期”（{raised}）起算，当日不计入，自次日起算" in clock
    assert "期限 7个工作日（《市场监督管理行政处罚程序规定》第十三条）" in clock
    assert "dispute_raised_on" not in clock
    english = _section(_english(client_as("li.officer"), f"/cases/{case.id}"),
                       "clock-jurisdiction_negotiation", "case-diagram")
    assert f"counted from the legal date the step recorded, Dispute raised on = {raised}" in english


ZH = {"Cookie": "caseflow_lang=zh_Hans_CN"}
EN = {"Cookie": "caseflow_lang=en"}


def test_every_system_reason_and_actor_in_both_languages(web_app):
    from web.pages.cases import actor_title, reason_text

    cases = [  # (kind, reason written by the services, Chinese, English)
        ("clock_stopped", "handoff accepted", "移交已被接收", "The handoff was accepted"),
        ("clock_stopped", "case closed", "案件已结案", "The case was closed"),
        ("clock_recomputed", "the periods it runs after now end later or earlier",
         "所接续的期限届满日已变化", "The periods it runs after now end on other days"),
        ("clock_recomputed", "calendar data now cc1+official:2026",
         "日历数据已更新（现为 cc1+official:2026）",
         "The calendar data changed (now cc1+official:2026)"),
        ("clock_stopped", "agreement #3 superseded by #4", "协议 #3 已被 #4 取代",
         "Agreement #3 was superseded by #4"),
        ("clock_stopped", "instalment 2 paid on 2026-05-01", "第 2 期已于 2026-05-01 履行",
         "Instalment 2 paid on 2026-05-01"),
        ("clock_stopped", "改用新版流程 (closed by migration)", "改用新版流程（迁移流程版本时关闭）",
         "改用新版流程 (closed by migration)"),
        ("clock_recomputed", "改用新版流程 (recomputed under v2)", "改用新版流程（按第 2 版重新计算）",
         "改用新版流程 (recounted under version 2)"),
        ("clock_paused", "state:hearing_held", "案件处于“听证已举行”，依法不计入期限",
         "The case is in “听证已举行”: not counted by law"),
        ("clock_paused", "appraisal", "依法不计入：鉴定", "Not counted by law: appraisal"),
        ("clock_paused", "public_notice: 登报", "依法不计入：公告，登报",
         "Not counted by law: public notice, 登报"),
        ("transition", "testing", "testing", "testing"),  # typed by a person: as typed
        ("case_opened", "涉嫌犯罪案件移送：TSRC-1", "涉嫌犯罪案件移送：TSRC-1",
         "Transfer of a suspected crime: TSRC-1"),
    ]
    states = {"hearing_held": "听证已举行"}
    english_of = {"涉嫌犯罪案件移送": "Transfer of a suspected crime"}
    for headers, column in ((ZH, 2), (EN, 3)):
        with web_app.test_request_context("/", headers=headers):
            for row in cases:
                assert reason_text(row[0], row[1], states, english_of) == row[column], row
            assert reason_text("clock_stopped", None, states, english_of) == ""
    with web_app.test_request_context("/", headers=ZH):
        assert [actor_title(a, {"li.officer": "李明"}) for a in (
            "system", "system:dispatch", "system:sweep", "system:calendar", "system:backup",
            "li.officer", "nobody")] == [
            "系统", "系统（移交分派）", "系统（期限巡检）", "系统（日历更新）", "系统（backup）", "李明",
            "nobody"]
    with web_app.test_request_context("/", headers=EN):
        assert actor_title("system:sweep", {}) == "System (deadline sweep)"
