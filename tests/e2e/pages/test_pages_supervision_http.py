"""The supervisor's pages through Flask's test client: overdue and due soon, the alert
inbox, extensions (approved in one step by a supervisor, never by the case's assignee),
handoffs and the team's workload."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from caseflow import services
from caseflow.services.alerts import inbox
from caseflow.services.sweep import sweep_once
from caseflow.views.audit import case_events
from caseflow.views.clocks import case_clocks

BEIJING = "+08:00"
PAGES = ("/supervision/", "/supervision/alerts", "/supervision/approvals",
         "/supervision/handoffs", "/supervision/workload")


def open_clue(uow_factory, title: str, infringer: str, holder: str, *, actor="li.officer",
              assignee="li.officer"):
    return services.open_case(
        uow_factory(), actor=actor, case_type="admin_enforcement", title=title,
        parties=[{"role": "rights_holder", "name": holder, "kind": "enterprise"},
                 {"role": "alleged_infringer", "name": infringer, "kind": "enterprise"}],
        assignee=assignee)


@pytest.fixture
def overdue_case(app, at, people):
    """A clue received two months ago, its 15 working days long gone, and the sweep run."""
    opened = (datetime.now(UTC) - timedelta(days=60)).astimezone(
        datetime.fromisoformat("2026-01-01T00:00" + BEIJING).tzinfo)
    case = open_clue(at(opened.strftime("%Y-%m-%dT%H:%M")),
                     "慈溪某电器厂涉嫌销售假冒“海澜”注册商标电热水壶", "慈溪某电器厂",
                     "宁波海澜电器有限公司")
    sweep_once(app.uow("test"))
    return case


@pytest.fixture
def fresh_case(app, people):
    return open_clue(lambda: app.uow("test"), "宁波某某服饰有限公司涉嫌生产假冒“VELMONT”运动服",
                     "宁波某某服饰有限公司", "VELMONT GmbH（德国）")


def clock(app, case_id, name="filing_decision"):
    return next(c for c in case_clocks(app.uow("test"), case_id, "chen.sup") if c.clock == name)


def test_each_page_is_for_supervisors(client_as):
    sup, officer = client_as("chen.sup"), client_as("li.officer")
    for path in PAGES:
        page = sup.get(path)
        assert page.status_code == 200, path
        refused = officer.get(path)
        assert refused.status_code == 403, path
    home = sup.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/supervision/")


def test_overdue_case_and_its_alert_acknowledged(app, client_as, overdue_case, fresh_case):
    sup = client_as("chen.sup")
    page = sup.get("/supervision/").get_data(as_text=True)
    overdue_part = page.split('id="soon-h"')[0]
    assert overdue_case.number in overdue_part and "慈溪某电器厂" in overdue_part
    assert f'/cases/{overdue_case.id}' in overdue_part
    assert "urgency overdue" in overdue_part and "李明" in overdue_part
    assert fresh_case.number not in overdue_part

    mine = [i for i in inbox(app.uow("test"), "chen.sup") if i.case == overdue_case.number]
    assert mine and not any(i.acknowledged for i in mine)
    alerts = sup.get("/supervision/alerts").get_data(as_text=True)
    assert overdue_case.number in alerts and "确认" in alerts
    target = mine[0]
    done = sup.post_form(f"/supervision/alerts/{target.id}/acknowledge")
    assert done.status_code == 303
    after = {i.id: i for i in inbox(app.uow("test"), "chen.sup")}
    assert after[target.id].acknowledged and after[target.id].read
    # someone else's notification is as unknown as a missing one
    assert sup.post_form("/supervision/alerts/999999/read").status_code == 404

    load = sup.get("/supervision/workload").get_data(as_text=True)
    row = load.split('id="officer-li.officer"')[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">(?:<span class="urgency \w+">)?(\d+)', row)[:2] == ["2", "1"]


def test_supervisor_extends_a_clock(app, client_as, fresh_case):
    sup = client_as("chen.sup")
    listing = sup.get("/supervision/approvals").get_data(as_text=True)
    path = f"/supervision/approvals/{fresh_case.id}/filing_decision"
    assert path in listing and fresh_case.number in listing
    form = sup.get(path).get_data(as_text=True)
    assert 'id="amount"' in form and "工作日" in form
    before = clock(app, fresh_case.id)
    done = sup.post_form(path, {"amount": "15", "reason": "需权利人辨认，经负责人批准延长",
                                "version": str(fresh_case.version)})
    assert done.status_code == 303
    after = clock(app, fresh_case.id)
    assert after.due > before.due and after.extensions[0].approved_by == "chen.sup"
    trail = case_events(app.uow("test"), fresh_case.id, "chen.sup").items
    assert any(e.kind == "clock_extended" and e.actor == "chen.sup"
               and e.channel.startswith("web") for e in trail)
    # the one extension the rule allows is used up: the clock leaves the list
    assert path not in sup.get("/supervision/approvals").get_data(as_text=True)


@pytest.mark.parametrize("data, field", [
    ({"amount": "10", "reason": ""}, "reason"),
    ({"amount": "0", "reason": "案情复杂<script>x</script>"}, "amount"),
    ({"amount": "10000", "reason": "案情复杂<script>x</script>"}, "amount"),
])
def test_bad_extension_input_changes_nothing(app, client_as, fresh_case, data, field):
    sup = client_as("chen.sup")
    path = f"/supervision/approvals/{fresh_case.id}/filing_decision"
    sup.get(path)
    before = clock(app, fresh_case.id)
    page = sup.post_form(path, {**data, "version": str(fresh_case.version)})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert f'id="f-{field}-error"' in html
    assert ("必填" in html) if field == "reason" else ("1 到 15" in html or "1至15" in html
                                                      or "整数" in html)
    assert f'value="{data["amount"]}"' in html
    if data["reason"]:
        assert "&lt;script&gt;" in html and "<script>x" not in html
    assert clock(app, fresh_case.id).due == before.due


def test_the_assignee_may_not_approve_their_own_extension(app, client_as, people):
    # sun.yz is officer and supervisor of the Yinzhou branch, and works this case himself
    case = open_clue(lambda: app.uow("test"), "宁波某文具有限公司涉嫌销售假冒“晨光”中性笔",
                     "宁波某文具有限公司", "上海晨光文具股份有限公司", actor="sun.yz",
                     assignee="sun.yz")
    sun = client_as("sun.yz")
    path = f"/supervision/approvals/{case.id}/filing_decision"
    assert path in sun.get("/supervision/approvals").get_data(as_text=True)
    sun.get(path)
    page = sun.post_form(path, {"amount": "15", "reason": "本人申请延期",
                                "version": str(case.version)})
    html = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "职责分离" in html and "本人申请延期" in html
    clocks = case_clocks(app.uow("test"), case.id, "sun.yz")
    assert not next(c for c in clocks if c.clock == "filing_decision").extensions
