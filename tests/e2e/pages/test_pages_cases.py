"""The case page in a real browser: a case whose filing clock was paused, resumed and
extended; the state diagram image loads and the clock's timeline drawing is shown."""

from __future__ import annotations

from tests.e2e.pages.test_pages_cases_http import worked_case


def test_case_page_with_paused_and_extended_clock(uow, signed_in, shot):
    case = worked_case(uow)
    page = signed_in("li.officer")
    page.goto(f"/cases/{case.id}")
    assert case.number in page.text_content("#case-header")
    timeline = page.locator("svg.clock-timeline").first
    timeline.wait_for(state="visible")
    assert page.locator("svg.clock-timeline rect.segment.paused").count() >= 1
    img = page.locator("#case-diagram-img")
    img.scroll_into_view_if_needed()
    page.wait_for_function("document.getElementById('case-diagram-img').complete")
    assert img.evaluate("el => el.naturalWidth") > 0
    page.locator("details.explanation summary").first.click()
    assert page.locator("details.explanation li").first.is_visible()
    shot(page, "case-page")
