"""The industry on the pages through Flask's test client: 立案 offers 所属行业 (optional, the
titles in the page's language), files the case with it, refuses a value not listed with the
form kept; the case page shows the industry's title."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from caseflow.adapters.orm import Case
from caseflow.domain.vocabulary import INDUSTRIES, INDUSTRY_TITLES
from tests.e2e.pages.test_pages_work_http import NEW


def options(html: str) -> list[tuple[str, str]]:
    select_ = re.search(r'<select id="f-industry" name="industry"[^>]*>(.*?)</select>', html,
                        re.S)
    assert select_, "no industry select on the form"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select_.group(1))


def test_a_case_is_filed_with_its_industry_and_shows_it(client_as, app):
    client = client_as("li.officer")
    form = client.get("/work/new").get_data(as_text=True)
    assert "所属行业" in form
    assert options(form) == [("", "— 未记录 —"),
                             *((code, INDUSTRY_TITLES[code][0]) for code in INDUSTRIES)]
    done = client.post_form("/work/new", {**NEW, "industry": "home_appliances"})
    assert done.status_code == 303
    with app.session_factory() as s:
        case = s.scalars(select(Case)).one()
        assert case.industry == "home_appliances"
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert '<dt>所属行业</dt><dd class="case-industry">家用电器</dd>' in page

    client.post_form("/language", {"locale": "en", "next": "/work/new"})
    english = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert '<dt>Industry</dt><dd class="case-industry">Home appliances</dd>' in english
    assert ("auto_parts", "Auto parts") in options(client.get("/work/new").get_data(as_text=True))


def test_without_an_industry_the_case_is_filed_and_the_page_says_nothing(client_as, app):
    client = client_as("li.officer")
    client.get("/work/new")
    done = client.post_form("/work/new", {**NEW, "industry": ""})
    assert done.status_code == 303
    with app.session_factory() as s:
        assert s.scalars(select(Case)).one().industry is None
    assert "case-industry" not in client.get(done.headers["Location"]).get_data(as_text=True)


def test_an_industry_not_listed_is_refused_with_the_form_kept(client_as, app):
    client = client_as("li.officer")
    client.get("/work/new")
    page = client.post_form("/work/new", {**NEW, "industry": "jewellery"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert '<p class="error" id="f-industry-error">请从列出的选项中选择。</p>' in html
    assert NEW["title"] in html  # what was typed is kept
    with app.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
