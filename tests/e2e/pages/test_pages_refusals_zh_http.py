"""Engine refusals on a Chinese page are said in Chinese (review defects 1, 9, 14): the same
step sent twice from two tabs says the case changed, not "cannot 'x' …"; a guard's refusal
and the steps panel's precondition line, a duplicate evidence file and an out-of-range
schedule year are Chinese; nothing is written by any of them."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import CalendarYear
from caseflow.views.case_list import evidence_of
from caseflow.views.cases import case_for

HOLDER = {"role": "rights_holder", "name": "宁波某某服饰有限公司", "kind": "enterprise",
          "origin": "local", "region": "宁波市鄞州区"}
SELLER = {"role": "alleged_infringer", "name": "慈溪某电器厂", "kind": "enterprise",
          "origin": "local", "region": "宁波市慈溪市"}
STALE = "您打开此页面后案件已被更改"
ENGLISH_LEAKS = ("cannot '", "triggers from here", "guard '", "refused:", "already evidence",
                 "no assigned officer", "is outside the years")


def _case(uow, assignee="li.officer"):
    return services.open_case(
        uow(), actor="li.officer", case_type="admin_enforcement", title="慈溪某电器厂仿冒电水壶",
        assignee=assignee, parties=[HOLDER, SELLER],
        ip_rights=[{"kind": "trademark", "number": "G1187654", "title": "VELMONT"}])


def _form(case):
    return {"version": str(case.version), "clue_no": "甬市监线〔2026〕91号",
            "clue_source": "rights_holder_complaint",
            "clue_received_on": date.today().isoformat(), "reason": "权利人投诉"}


def _no_english(page: str) -> None:
    for leak in ENGLISH_LEAKS:
        assert leak not in page, leak


def test_the_same_step_sent_twice_says_the_case_changed(app, people, uow, client_as):
    case = _case(uow)
    client = client_as("li.officer")
    client.get(f"/cases/{case.id}")
    url = f"/cases/{case.id}/steps/start_verification"
    form = _form(case)
    assert client.post_form(url, form).status_code == 303
    moved = case_for(uow(), case.id, "li.officer")
    again = client.post_form(url, form)  # the second tab: the same step, the old version
    page = again.get_data(as_text=True)
    assert again.status_code == 409
    assert STALE in page
    _no_english(page)
    assert "线索核查" in page  # the state the case is in now is shown
    assert case_for(uow(), case.id, "li.officer").version == moved.version  # fired once


def test_a_refused_step_with_the_current_version_is_still_refused_as_such(app, people, uow,
                                                                          client_as):
    """Not every refusal becomes "the case changed": with the current version the engine's
    own refusal is shown, in Chinese."""
    case = _case(uow, assignee=None)
    client = client_as("li.officer")
    shown = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "案件尚未指派承办人" in shown  # the precondition line in the open step
    _no_english(shown)
    refused = client.post_form(f"/cases/{case.id}/steps/start_verification", _form(case))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert STALE not in page
    assert "不满足流程对此步骤的条件。 案件尚未指派承办人" in page
    _no_english(page)
    assert case_for(uow(), case.id, "li.officer").version == case.version


def test_the_same_file_uploaded_twice_is_refused_in_chinese(app, people, uow, client_as):
    case = _case(uow)
    client = client_as("li.officer")
    client.get(f"/cases/{case.id}")
    url = f"/cases/{case.id}/evidence"

    def upload(version):  # type: ignore[no-untyped-def]
        return client.post_form(url, {
            "version": str(version), "description": "购买凭证",
            "file": (io.BytesIO(b"%PDF-1.4 same bytes"), "ok.pdf", "application/pdf")},
            content_type="multipart/form-data")

    assert upload(case.version).status_code == 303
    now = case_for(uow(), case.id, "li.officer")
    twice = upload(now.version)
    page = twice.get_data(as_text=True)
    assert twice.status_code == 422
    assert f"此文件已是案件 {case.number} 的第" in page and "号证据（ok.pdf）" in page
    _no_english(page)
    assert len(list(evidence_of(uow(), case.id, "li.officer"))) == 1
    assert case_for(uow(), case.id, "li.officer").version == now.version


def test_a_schedule_for_a_year_out_of_range_is_refused_in_chinese(app, client_as):
    admin = client_as("zhao.admin")
    admin.get("/admin/calendar")
    with app.session_factory() as s:
        years = s.scalar(select(func.count()).select_from(CalendarYear))
    text = b"year: 2099\nrest: [2099-01-01]\n"
    refused = admin.post_form("/admin/calendar/schedule",
                              {"schedule": (io.BytesIO(text), "2099.yaml"),
                               "source": "国办发明电〔2098〕"},
                              content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "年份 2099 不在可载入作息安排的年份范围内" in page
    _no_english(page)
    with app.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(CalendarYear)) == years


def test_a_period_the_step_waits_for_is_said_in_chinese_in_the_panel_and_the_refusal(
        app, people, client_as):
    from tests.e2e.test_api_override_requests import served, services_today

    case = served(lambda: app.uow("test"))
    officer = client_as("li.officer")
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    step = page.split('id="step-close_answer_period"')[1].split("</details>")[0]
    assert "等待期限：" in step and "须待期限“" in step and "届满后才能进行" in step
    assert "not before" not in step and "day(s)" not in step
    now = case_for(app.uow("test"), case.id, "li.officer")
    fired = officer.post_form(f"/cases/{case.id}/steps/close_answer_period",
                              {"closed_on": services_today(), "version": str(now.version)})
    text = fired.get_data(as_text=True)
    assert fired.status_code == 409
    assert "法定期限目前不允许进行此步骤。 须待期限“" in text
    assert STALE not in text
    _no_english(text)
    assert "not before" not in text and "remain" not in text
    assert case_for(app.uow("test"), case.id, "li.officer").version == now.version
