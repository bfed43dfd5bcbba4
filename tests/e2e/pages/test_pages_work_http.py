"""The officer's work pages through Flask's test client: 待办, the queue with 认领, 已办 and
立案 — urgency classes, sorting by due time, filters and search, claiming against the
version shown, bad filters and a bad new-case form refused in Chinese with what was typed
kept, and typed HTML escaped."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Case
from caseflow.views.cases import case_for

BEIJING = timezone(timedelta(hours=8))
CHANGED = "案件已被他人更改"
HOLDER = {"role": "rights_holder", "name": "宁波甬江服饰有限公司", "kind": "enterprise",
          "origin": "local", "region": "宁波市海曙区"}
OVERSEAS = {"role": "rights_holder", "name": "Velmont Sportswear S.p.A.", "kind": "enterprise",
            "origin": "overseas", "region": "Italy"}
SELLER = {"role": "alleged_infringer", "name": "慈溪某电器厂", "kind": "enterprise",
          "origin": "local", "region": "慈溪市"}


def today():
    return datetime.now(BEIJING).date()


def open_case(uow, title, *, days_ago=0, assignee="li.officer", holder=HOLDER, number="G1187654"):
    return services.open_case(
        uow(), actor="li.officer", case_type="admin_enforcement", title=title,
        received_on=today() - timedelta(days=days_ago), assignee=assignee,
        parties=[holder, SELLER],
        ip_rights=[{"kind": "trademark", "number": number, "title": "甬江"}])


def rows(html):
    """(class, number) of each row of the list, in order."""
    return re.findall(r'<tr class="(\w+)" data-case="([^"]+)"', html)


def case_count(app):
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(Case))


def test_mine_sorted_by_due_with_urgency(client_as, uow):
    fresh = open_case(uow, "宁波甬江服饰有限公司商标被仿冒（新收）")
    late = open_case(uow, "慈溪某电器厂销售假冒电热水壶", days_ago=70)
    open_case(uow, "张伟的案件", assignee="zhang.officer")
    page = client_as("li.officer").get("/work/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "待办" in html
    assert rows(html) == [("overdue", late.number), ("fine", fresh.number)]
    assert "逾期" in html and f'href="/cases/{late.id}"' in html
    assert "行政处罚（普通程序）" in html
    assert "<td>李明</td>" in html and "<td>li.officer</td>" not in html  # who, by name
    assert "第 1 页" in html and "共 2 件" in html


def test_pages_refused_to_a_mediator(client_as):
    client = client_as("wu.mediator")
    for path in ("/work/", "/work/queue", "/work/done", "/work/new"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "执法人员" in page.get_data(as_text=True) or "不" in page.get_data(as_text=True)


def test_filters_search_and_done(client_as, uow):
    first = open_case(uow, "鄞州某文具店销售侵权笔记本", holder=OVERSEAS, number="G7788123")
    second = open_case(uow, "北仑某汽配厂仿冒刹车片", days_ago=70, number="20261234567")
    client = client_as("li.officer")
    by_party = client.get("/work/?q=Velmont").get_data(as_text=True)
    assert [n for _c, n in rows(by_party)] == [first.number]
    by_right = client.get("/work/?q=20261234567").get_data(as_text=True)
    assert [n for _c, n in rows(by_right)] == [second.number]
    overdue = client.get("/work/?overdue=1").get_data(as_text=True)
    assert [n for _c, n in rows(overdue)] == [second.number]
    since = (today() - timedelta(days=5)).isoformat()
    received = client.get(f"/work/?received_from={since}&type=admin_enforcement")
    assert [n for _c, n in rows(received.get_data(as_text=True))] == [first.number]
    assert client.get("/work/done").status_code == 200


def test_bad_filters_422_in_chinese_values_kept(client_as, uow):
    open_case(uow, "慈溪某电器厂销售假冒电热水壶")
    client = client_as("li.officer")
    page = client.get("/work/?received_from=2026-02-30&q=慈溪")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "有效日期" in html and 'value="2026-02-30"' in html and 'value="慈溪"' in html
    assert rows(html) == []
    page = client.get("/work/?received_from=2026-06-01&received_to=2026-05-01")
    assert page.status_code == 422
    assert "不能晚于" in page.get_data(as_text=True)
    page = client.get("/work/queue?type=no_such_type")
    assert page.status_code == 422
    assert "未知的案件类型" in page.get_data(as_text=True)


def test_claim_moves_a_case_from_queue_to_mine(client_as, uow):
    case = open_case(uow, "宁波某某服饰有限公司销售假冒运动服", assignee=None)
    client = client_as("li.officer")
    queue = client.get("/work/queue").get_data(as_text=True)
    assert [n for _c, n in rows(queue)] == [case.number] and "认领" in queue
    done = client.post_form(f"/work/claim/{case.id}", {"version": str(case.version)})
    assert done.status_code == 303
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已认领" in after and rows(after) == []
    assert [n for _c, n in rows(client.get("/work/").get_data(as_text=True))] == [case.number]


def test_claim_with_stale_version_does_not_claim(client_as, uow, app):
    case = open_case(uow, "宁波某某服饰有限公司销售假冒运动服", assignee=None)
    client = client_as("li.officer")
    client.get("/work/queue")
    # the case moves on meanwhile (evidence attached): the queue's version is stale
    services.attach_evidence(uow(), case.id, actor="zhang.officer", filename="投诉材料.pdf",
                             content=b"%PDF complaint", media_type="application/pdf")
    done = client.post_form(f"/work/claim/{case.id}", {"version": str(case.version)})
    assert done.status_code == 303
    html = client.get(done.headers["Location"]).get_data(as_text=True)
    assert CHANGED in html
    assert case_for(uow(), case.id, "li.officer").to_dict()["assignee"] is None
    assert [n for _c, n in rows(html)] == [case.number]


NEW = {"case_type": "admin_enforcement", "title": "慈溪某电器厂涉嫌销售假冒电饭煲",
       "received_on": "", "p1_role": "complainant", "p1_name": "宁波甬江电器有限公司",
       "p1_kind": "enterprise", "p1_origin": "local", "p1_region": "宁波市江北区",
       "p2_role": "alleged_infringer", "p2_name": "慈溪某电器厂", "p2_kind": "enterprise",
       "p2_origin": "local", "p2_region": "慈溪市", "ip_kind": "trademark",
       "ip_number": "G5566778", "ip_title": "甬江"}


def test_new_case_success(client_as, uow):
    client = client_as("li.officer")
    form = client.get("/work/new")
    assert form.status_code == 200 and "行政处罚（普通程序）" in form.get_data(as_text=True)
    done = client.post_form("/work/new", {**NEW, "title": "<script>alert(1)</script>慈溪某电器厂"})
    assert done.status_code == 303 and "/cases/" in done.headers["Location"]
    queue = client.get("/work/queue").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in queue and "<script>alert" not in queue
    assert len(rows(queue)) == 1


def test_new_case_missing_title_keeps_values(client_as, app):
    client = client_as("li.officer")
    client.get("/work/new")
    before = case_count(app)
    page = client.post_form("/work/new", {**NEW, "title": "", "p2_name": "<b>慈溪某电器厂</b>"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="f-title-error">必填' in html
    assert 'value="宁波甬江电器有限公司"' in html and 'value="G5566778"' in html
    assert "&lt;b&gt;慈溪某电器厂&lt;/b&gt;" in html and "<b>慈溪" not in html
    assert case_count(app) == before


def test_new_case_with_an_impossible_date_says_so_and_keeps_it(client_as, app):
    client = client_as("li.officer")
    client.get("/work/new")
    before = case_count(app)
    for typed in ("2026-02-30", "下周一"):
        page = client.post_form("/work/new", {**NEW, "received_on": typed})
        html = page.get_data(as_text=True)
        assert page.status_code == 422
        error = re.search(r'id="f-received_on-error">([^<]+)<', html)
        assert error and "有效日期" in error.group(1) and "填写日期" not in error.group(1)
        assert f'value="{typed}"' in html and 'value="G5566778"' in html
        assert case_count(app) == before
