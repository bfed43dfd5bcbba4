"""The supervisor's dashboard in the real browser: the figures with their Chinese titles and
SVG charts (drawn by the browser in a CJK font, no script), a number drilled down to the
cases behind it, and the case page one click further."""

from __future__ import annotations

from datetime import date

from caseflow import services
from caseflow.views.dashboard import FIGURES
from tests.e2e.pages.conftest import PASSWORD


def open_clue(app, title, infringer, holder, industry):
    return services.open_case(
        app.uow("test"), actor="li.officer", case_type="admin_enforcement", title=title,
        parties=[{"role": "rights_holder", "name": holder, "kind": "enterprise"},
                 {"role": "alleged_infringer", "name": infringer, "kind": "enterprise"}],
        assignee="li.officer", industry=industry)


def test_supervisor_reads_the_dashboard_and_drills_down(app, site, new_page, shot):
    cases = [open_clue(app, "宁波某服饰有限公司涉嫌生产假冒“VELMONT”运动服", "宁波某服饰有限公司",
                       "VELMONT GmbH（德国）", "clothing"),
             open_clue(app, "慈溪某电器厂涉嫌销售假冒“海澜”电热水壶", "慈溪某电器厂",
                       "宁波海澜电器有限公司", "home_appliances")]
    page = new_page()
    page.goto("/signin")
    page.fill("#username", "chen.sup")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="统计分析").click()
    assert "/dashboard/" in page.url
    assert page.locator("h1").inner_text() == "统计分析"
    volume = page.locator("section#volume")
    assert "各机关办案量及同比增长" in volume.inner_text()
    chart = volume.locator("svg.chart")
    assert chart.count() == 1
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 40  # drawn, not blocked by the CSP
    assert f">{date.today().year}<" in chart.inner_html()  # a bar per year
    industry = page.locator("section#industry svg.chart")
    assert "服装" in industry.inner_html() and "家用电器" in industry.inner_html()
    assert page.locator("section.figure").count() == len(FIGURES)  # every figure, each in its section
    shot(page, "supervisor-dashboard")

    volume.locator("td.num a", has_text="2").first.click()
    page.wait_for_load_state()
    assert "/dashboard/cases" in page.url
    assert page.locator("h1").inner_text() == "统计数据对应的案件"
    listed = page.locator("table.drill-cases tbody tr")
    assert listed.count() == 2
    for case in cases:
        assert page.locator(f"tr[data-case='{case.number}']").count() == 1
    shot(page, "supervisor-dashboard-drill")
    page.click(f"a[href$='/cases/{cases[0].id}']")
    page.wait_for_load_state()
    assert cases[0].number in page.inner_text("main")
