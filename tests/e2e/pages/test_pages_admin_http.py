"""The admin's pages through Flask's test client: users (create, then sign in with the
initial password; duplicates and short passwords refused in Chinese with what was typed
kept), API tokens (the secret shown once; a revoked token refused by the API), calendar
overrides and schedule uploads, and a migration dry run that changes nothing."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from caseflow.adapters.orm import CalendarOverride, CalendarYear, Case, User
from caseflow.adapters.registry import sync_definitions
from caseflow.domain.definitions import load_directory
from caseflow.services import tokens
from tests.conftest import TEST_WORKFLOWS
from tests.e2e.pages.conftest import PASSWORD, PageClient

BEIJING = timezone(timedelta(hours=8))
PAGES = ("/admin/", "/admin/users", "/admin/users/li.officer", "/admin/agencies",
         "/admin/tokens", "/admin/calendar", "/admin/workflows")
NEW_USER = {"username": "sun.officer", "name": "孙建华", "agency": "nb-amr",
            "roles": ["officer"], "supervisor": "chen.sup", "password": PASSWORD,
            "reason": "新入职执法人员"}


def count(app, model):
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def html(response):
    return response.get_data(as_text=True)


def test_pages_render_for_the_admin_and_are_refused_to_others(client_as):
    admin = client_as("zhao.admin")
    for path in PAGES:
        page = admin.get(path)
        assert page.status_code == 200, path
    assert "用户" in html(admin.get("/admin/users")) and "李明" in html(admin.get("/admin/users"))
    assert admin.get("/", follow_redirects=False).headers["Location"].endswith("/admin/")
    for username in ("li.officer", "chen.sup"):
        other = client_as(username)
        for path in PAGES:
            assert other.get(path).status_code == 403, (username, path)


def test_admin_creates_a_user_who_then_signs_in(client_as, web_app, app):
    admin = client_as("zhao.admin")
    admin.get("/admin/users")
    done = admin.post_form("/admin/users", NEW_USER)
    assert done.status_code == 303
    page = html(admin.get("/admin/users"))
    assert "孙建华" in page and "sun.officer" in page and "已创建" in page
    PageClient(web_app, "sun.officer")  # signs in through /signin with the initial password
    with app.session_factory() as s:
        user = s.scalar(select(User).where(User.username == "sun.officer"))
        assert user.roles == {"officer"} and user.agency.code == "nb-amr"


@pytest.mark.parametrize("change, field, words", [
    ({"username": "li.officer"}, "username", "用户名已被占用"),
    ({"password": "Ab1"}, "password", "至少"),
])
def test_a_bad_new_user_is_refused_in_chinese_and_nothing_created(client_as, app, change,
                                                                    field, words):
    admin = client_as("zhao.admin")
    admin.get("/admin/users")
    users = count(app, User)
    refused = admin.post_form("/admin/users", {**NEW_USER, **change})
    page = html(refused)
    assert refused.status_code == 422
    error = re.search(rf'<p class="error" id="f-{field}-error">([^<]+)</p>', page)
    assert error and words in error.group(1)
    assert 'value="孙建华"' in page and 'value="新入职执法人员"' in page
    assert PASSWORD not in page and 'value="Ab1"' not in page
    assert count(app, User) == users


def test_html_in_a_name_is_escaped(client_as):
    admin = client_as("zhao.admin")
    admin.get("/admin/users")
    admin.post_form("/admin/users", {**NEW_USER, "name": "<script>alert(1)</script>孙"})
    page = html(admin.get("/admin/users"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;孙" in page
    assert "<script>alert(1)" not in page


def test_a_token_secret_is_shown_once_and_a_revoked_token_stops_working(client_as, app):
    admin = client_as("zhao.admin")
    admin.get("/admin/tokens")
    made = admin.post_form("/admin/tokens", {"user": "li.officer", "name": "省平台投诉对接",
                                             "days": "30", "reason": "对接省投诉平台"})
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(cf_[^"]+)"', html(made)).group(1)
    assert "不会再次显示" in html(made)
    listed = html(admin.get("/admin/tokens"))
    assert "省平台投诉对接" in listed and secret not in listed
    bearer = {"Authorization": f"Bearer {secret}"}
    assert admin.client.get("/api/v1/cases", headers=bearer).status_code == 200
    token_id = tokens.list_tokens(app.uow(), actor="zhao.admin")[-1].id
    revoked = admin.post_form(f"/admin/tokens/{token_id}/revoke", {"reason": "平台停用"})
    assert revoked.status_code == 303
    assert secret not in html(admin.get("/admin/tokens"))
    assert admin.client.get("/api/v1/cases", headers=bearer).status_code == 401


def test_a_calendar_override_is_added(client_as, app):
    admin = client_as("zhao.admin")
    admin.get("/admin/calendar")
    day = datetime.now(BEIJING).date() + timedelta(days=20)
    done = admin.post_form("/admin/calendar/overrides",
                           {"day": day.isoformat(), "kind": "rest", "reason": "台风停工"})
    assert done.status_code == 303
    page = html(admin.get("/admin/calendar"))
    assert "台风停工" in page and f"{day.year}年{day.month}月{day.day}日" in page
    with app.session_factory() as s:
        assert s.get(CalendarOverride, day).kind == "rest"
    missing = admin.post_form("/admin/calendar/overrides",
                              {"day": "", "kind": "rest", "reason": "台风停工"})
    assert missing.status_code == 422 and 'id="f-day-error"' in html(missing)


def test_a_malformed_schedule_is_refused_and_nothing_loaded(client_as, app):
    admin = client_as("zhao.admin")
    admin.get("/admin/calendar")
    years = count(app, CalendarYear)
    bad = io.BytesIO(b"year: 2027\nrest: [2027-01-01, 2027-02-\n")
    refused = admin.post_form("/admin/calendar/schedule",
                              {"schedule": (bad, "2027.yaml"), "source": "国办发明电〔2026〕"},
                              content_type="multipart/form-data")
    page = html(refused)
    assert refused.status_code == 422
    assert 'id="f-schedule-error"' in page and "没有载入" in page
    assert 'value="国办发明电〔2026〕"' in page
    assert count(app, CalendarYear) == years


def _versions(app):
    with app.session_factory() as s:
        return {c.number: (c.workflow_version, c.status) for c in s.scalars(select(Case))}


def test_the_migration_dry_run_lists_and_changes_nothing(client_as, app, uow, people):
    from caseflow import services
    from tests.integration.test_engine import open_inspection

    with app.session_factory() as session, session.begin():
        sync_definitions(session, load_directory(TEST_WORKFLOWS))
    waiting = open_inspection(uow, received_on=date(2026, 3, 1))
    checking = open_inspection(uow, received_on=date(2026, 3, 2))
    services.fire(uow(), checking.id, "start_check", actor="li.officer")
    before = _versions(app)
    admin = client_as("zhao.admin")
    listing = html(admin.get("/admin/workflows"))
    assert "v2" in listing
    form = {"key": "inspection", "to_version": "2", "clocks": "keep", "reason": "新规施行"}
    refused = admin.post_form("/admin/workflows/dry-run", form)
    assert refused.status_code == 400 and "v1:checking" in html(refused)
    shown = admin.post_form("/admin/workflows/dry-run",
                            {**form, "mappings": "checking=verifying"})
    page = html(shown)
    assert shown.status_code == 200
    assert waiting.number in page and checking.number in page and "verifying" in page
    assert _versions(app) == before


@pytest.mark.parametrize("typed", ["2026-02-30", "next monday"])
def test_an_impossible_override_day_says_it_is_not_a_date(client_as, app, typed):
    admin = client_as("zhao.admin")
    admin.get("/admin/calendar")
    with app.session_factory() as s:
        before = s.scalar(select(func.count()).select_from(CalendarOverride))
    refused = admin.post_form("/admin/calendar/overrides",
                              {"day": typed, "kind": "rest", "reason": "台风停工"})
    page = html(refused)
    assert refused.status_code == 422
    error = re.search(r'<p class="error" id="f-day-error">([^<]+)</p>', page)
    assert error and "不是有效的日期" in error.group(1) and typed in error.group(1)
    assert f'value="{typed}"' in page and 'value="台风停工"' in page
    assert count(app, CalendarOverride) == before


@pytest.mark.parametrize("change, field, words", [
    ({"password": "abcdefghijkl"}, "password", "至少混合两类字符"),
    ({"password": "Password123"}, "password", "最常见"),
    ({"agency": "nb-nowhere"}, "agency", "未知的机构"),
    ({"supervisor": "nobody.sup"}, "supervisor", "未知的上级"),
    ({"roles": []}, "roles", "请至少选择一个角色"),
    ({"username": ""}, "username", "必填"),
])
def test_each_service_refusal_of_a_new_user_is_in_chinese(client_as, app, change, field,
                                                          words):
    admin = client_as("zhao.admin")
    admin.get("/admin/users")
    users = count(app, User)
    form = {**NEW_USER, **change}
    if not form["roles"]:
        del form["roles"]
    refused = admin.post_form("/admin/users", form)
    page = html(refused)
    assert refused.status_code == 422
    error = re.search(rf'<p class="error" id="f-{field}-error">([^<]+)</p>', page)
    assert error and words in error.group(1)
    # no English words of the engine's around the names typed
    shown = error.group(1).replace("nb-nowhere", "").replace("nobody.sup", "")
    assert not re.search(r"[A-Za-z]{4,}", shown), error.group(1)
    assert 'value="孙建华"' in page
    assert count(app, User) == users


def test_bad_office_hours_and_token_days_are_refused_in_chinese(client_as, app):
    admin = client_as("zhao.admin")
    admin.get("/admin/agencies")
    refused = admin.post_form("/admin/agencies/nb-amr/hours",
                              {"closes_at": "04:30", "reason": "夏令时"})
    assert refused.status_code == 422
    assert "06:00 至 23:59" in html(refused)
    admin.get("/admin/tokens")
    tokens_before = len(tokens.list_tokens(app.uow(), actor="zhao.admin"))
    refused = admin.post_form("/admin/tokens", {"user": "li.officer", "name": "对接",
                                                "days": "9999", "reason": "对接"})
    page = html(refused)
    assert refused.status_code == 422
    error = re.search(r'<p class="error" id="f-token-days-error">([^<]+)</p>', page)
    assert error and f"1 至 {tokens.MAX_DAYS}" in error.group(1) and "9999" in error.group(1)
    assert len(tokens.list_tokens(app.uow(), actor="zhao.admin")) == tokens_before


def test_revoking_an_unknown_token_names_it_in_chinese(client_as):
    admin = client_as("zhao.admin")
    admin.get("/admin/tokens")
    refused = admin.post_form("/admin/tokens/999999/revoke", {"reason": "平台停用"})
    page = html(refused)
    assert refused.status_code == 404
    assert "未知的令牌 999999" in page and "unknown token" not in page


def test_an_impossible_day_in_a_schedule_is_refused_in_chinese(client_as, app):
    admin = client_as("zhao.admin")
    admin.get("/admin/calendar")
    years = count(app, CalendarYear)
    bad = io.BytesIO(b"year: 2027\nrest: ['2027-02-30']\nworkdays: []\n")
    refused = admin.post_form("/admin/calendar/schedule",
                              {"schedule": (bad, "2027.yaml"), "source": "国办发明电〔2026〕"},
                              content_type="multipart/form-data")
    page = html(refused)
    assert refused.status_code == 422
    error = page.split('id="f-schedule-error"')[1].split("</p>")[0]
    assert "2027-02-30" in error and "不是有效的日期" in error, error
    assert "is not a valid date" not in page
    assert count(app, CalendarYear) == years
