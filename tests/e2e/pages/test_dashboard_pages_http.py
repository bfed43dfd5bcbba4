"""The supervisor's dashboard through Flask's test client: the figures with their SVG charts
and drill-downs, bad filters refused at their field (400, no chart), one agency for a
supervisor, the CSV and XLSX exports with Chinese headers, the export limit, and the admin's
group-infringement threshold."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from caseflow import services
from caseflow.views.dashboard import FIGURES, ReportFilters, volume

YEAR = date.today().year
SPAN = f"from_year={YEAR - 1}&to_year={YEAR}"


def open_clue(app, title, infringer, holder, *, industry=None, actor="li.officer"):
    return services.open_case(
        app.uow("test"), actor=actor, case_type="admin_enforcement", title=title,
        parties=[{"role": "rights_holder", "name": holder, "kind": "enterprise"},
                 {"role": "alleged_infringer", "name": infringer, "kind": "enterprise"}],
        assignee=actor, industry=industry)


@pytest.fixture
def clues(app, people):
    return [
        open_clue(app, "宁波某服饰有限公司涉嫌生产假冒“VELMONT”运动服", "宁波某服饰有限公司",
                  "VELMONT GmbH（德国）", industry="clothing"),
        open_clue(app, "慈溪某电器厂涉嫌销售假冒“海澜”电热水壶", "慈溪某电器厂",
                  "宁波海澜电器有限公司", industry="home_appliances"),
        open_clue(app, "余姚某文具厂涉嫌侵犯“得力”外观设计专利", "余姚某文具厂",
                  "得力集团有限公司", industry="stationery", actor="zhang.officer"),
    ]


def section(html: str, key: str) -> str:
    start = html.index(f'<section class="figure" id="{key}"')
    return html[start:html.index("</section>", start)]


def test_the_dashboard_shows_each_figure_with_chart_table_and_drill_down(client_as, clues):
    sup = client_as("chen.sup")
    page = sup.get(f"/dashboard/?{SPAN}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "统计分析" in html  # the navigation's entry and the heading
    assert html.count('<section class="figure"') == len(FIGURES)
    part = section(html, "volume")
    assert "各机关办案量及同比增长" in part and "同比增长" in part
    assert "<svg" in part and "WenQuanYi Micro Hei" in part and "<script" not in html
    assert "目标：同比增长20%" in part
    assert "目标 ≥ 95%" in section(html, "closure_year")
    firms = section(html, "firms")  # a goal on the chart's own scale: its dashed line
    assert "目标：每年≥100家" in firms and 'stroke-dasharray="6 4"' in firms
    # the received count of this year links to the cases behind it, filters kept
    link = re.search(r'<a href="(/dashboard/cases\?[^"]+)">3</a>', part)
    assert link, part
    href = link.group(1).replace("&amp;", "&")
    assert f"from_year={YEAR - 1}" in href and "figure=opened" in href
    listed = sup.get(href)
    assert listed.status_code == 200
    text = listed.get_data(as_text=True)
    assert "共3件案件" in text
    for case in clues:
        assert f'href="/cases/{case.id}"' in text and case.number in text
    assert "行政处罚（普通程序）" in text and "李明" in text and "张伟" in text


def test_the_industry_figure_names_the_five_and_their_share(client_as, clues):
    html = client_as("chen.sup").get(f"/dashboard/?{SPAN}").get_data(as_text=True)
    part = section(html, "industry")
    assert "100.0%" in part  # all three cases are in the five industries
    assert re.search(r"服装</td><td class=\"num\"><a [^>]+>1</a>", part)


BAD_FILTERS = [
    ("from_year=1999&to_year=2026", "from_year", "年份"),
    ("from_year=abc", "from_year", "年份"),
    (f"from_year={YEAR}&to_year={YEAR + 5}", "to_year", "年份"),
    (f"from_year={YEAR}&to_year={YEAR - 1}", "to_year", "起始年度"),
    (f"from_year={YEAR - 10}&to_year={YEAR}", "to_year", "10"),
    ("agency=nowhere", "agency", "机关"),
    ("type=no_such_type", "type", "案件类型"),
    ("officer=nobody", "officer", "承办人"),
]


@pytest.mark.parametrize(("query", "field", "words"), BAD_FILTERS)
def test_a_bad_filter_is_refused_at_its_field_without_a_chart(client_as, clues, query, field,
                                                              words):
    page = client_as("chen.sup").get(f"/dashboard/?{query}")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="f-{field}-error">([^<]+)</p>', html)
    assert error, html
    assert words in error.group(1)
    assert re.search(r"[\u4e00-\u9fff]", error.group(1))  # said in Chinese
    assert "<svg" not in html and '<section class="figure"' not in html
    assert 'aria-invalid="true"' in html and "<form" in html  # the form is still there


def test_a_supervisor_naming_another_agency_is_told_it_does_not_exist(client_as, clues):
    sup = client_as("chen.sup")
    other = sup.get(f"/dashboard/?{SPAN}&agency=nb-customs")
    unknown = sup.get(f"/dashboard/?{SPAN}&agency=nb-nowhere")
    assert other.status_code == unknown.status_code == 400
    said = [re.search(r'id="f-agency-error">([^<]+)<', p.get_data(as_text=True)).group(1)
            for p in (other, unknown)]
    assert said[0].replace("nb-customs", "X") == said[1].replace("nb-nowhere", "X")
    # the drill-down and the exports refuse it the same way
    assert sup.get(f"/dashboard/cases?{SPAN}&agency=nb-customs&figure=opened").status_code == 400
    assert sup.get(f"/dashboard/export/volume.csv?{SPAN}&agency=nb-customs").status_code == 400
    # the customs' own supervisor sees none of nb-amr's cases
    customs = client_as("xu.customs").get(f"/dashboard/?{SPAN}").get_data(as_text=True)
    assert "宁波市市场监督管理局" not in section(customs, "volume")


def test_an_admin_sees_the_city_or_any_agency(client_as, clues):
    admin = client_as("zhao.admin")
    city = admin.get(f"/dashboard/?{SPAN}")
    assert city.status_code == 200
    assert "全部机关" in city.get_data(as_text=True)
    one = admin.get(f"/dashboard/?{SPAN}&agency=nb-customs")
    assert one.status_code == 200


def test_officers_and_mediators_may_not_open_it(client_as, clues):
    for who in ("li.officer", "wu.mediator"):
        client = client_as(who)
        for path in ("/dashboard/", "/dashboard/print", "/dashboard/cases?figure=opened",
                     "/dashboard/export/volume.csv", "/dashboard/cases.xlsx?figure=opened"):
            assert client.get(path).status_code == 403, (who, path)
    nav = client_as("li.officer").get("/work/").get_data(as_text=True)
    assert "统计分析" not in nav


def test_the_print_view_has_the_figures_without_navigation_or_forms(client_as, clues):
    page = client_as("chen.sup").get(f"/dashboard/print?{SPAN}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<section class="figure"') == len(FIGURES) and "<svg" in html
    assert '<nav aria-label' not in html and "<form" not in html
    assert "css/dashboard.css" in html
    css = client_as("chen.sup").get("/static/css/dashboard.css").get_data(as_text=True)
    assert "@media print" in css and "A4" in css
    assert client_as("chen.sup").get("/dashboard/print?from_year=3000").status_code == 400


def test_the_csv_has_the_bom_chinese_headers_and_the_figure_numbers(app, client_as, clues):
    got = client_as("chen.sup").get(f"/dashboard/export/volume.csv?{SPAN}")
    assert got.status_code == 200
    assert got.headers["Content-Type"].startswith("text/csv")
    disposition = got.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("UTF-8''")[1]) == f"各机关办案量及同比增长_{YEAR - 1}-{YEAR}.csv"
    body = got.data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["机关", "年度", "案件数", "同比增长"]
    figure = volume(app.uow("test"), "chen.sup", ReportFilters(YEAR - 1, YEAR))
    assert [r[2] for r in rows[1:]] == [str(r[2]) for r in figure.rows]
    assert rows[-1][1:3] == [str(YEAR), "3"] and rows[-1][3] == "—"


def test_rates_are_percentages_and_english_headers_in_english(app, client_as, clues):
    sup = client_as("chen.sup")
    rows = list(csv.reader(io.StringIO(
        sup.get(f"/dashboard/export/industry.csv?{SPAN}").data.decode("utf-8-sig"))))
    assert rows[0] == ["类别", "案件数", "占比"]
    assert ["服装", "1", "33.3%"] in rows
    sup.post_form("/language", {"locale": "en", "next": "/dashboard/"})
    english = list(csv.reader(io.StringIO(
        sup.get(f"/dashboard/export/industry.csv?{SPAN}").data.decode("utf-8-sig"))))
    assert english[0] == ["Group", "Cases", "Share"]
    page = sup.get(f"/dashboard/?{SPAN}").get_data(as_text=True)
    assert "Statistics dashboard" in page and "Cases handled per agency and growth" in page


def test_the_xlsx_opens_and_holds_the_same_rows(app, client_as, clues):
    got = client_as("chen.sup").client.get(f"/dashboard/export/industry.xlsx?{SPAN}")  # binary
    assert got.status_code == 200
    assert got.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(got.data))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("类别", "案件数", "占比")
    from caseflow.views.dashboard import by_industry

    figure = by_industry(app.uow("test"), "chen.sup", ReportFilters(YEAR - 1, YEAR))
    assert rows[1:] == [tuple(r) for r in figure.rows]
    assert sheet.cell(row=2, column=3).number_format == "0.0%"
    assert book.worksheets[1].title == "说明"


def test_the_drill_down_exports_and_its_limit(client_as, web_app, clues):
    sup = client_as("chen.sup")
    query = f"{SPAN}&figure=opened&year={YEAR}"
    got = sup.get(f"/dashboard/cases.csv?{query}&of=volume")
    assert got.status_code == 200 and got.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(got.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["案件编号", "标题", "案件类型", "状态"]
    assert sorted(r[0] for r in rows[1:]) == sorted(c.number for c in clues)
    book = load_workbook(io.BytesIO(sup.client.get(f"/dashboard/cases.xlsx?{query}").data))
    assert len(list(book.worksheets[0].iter_rows())) == 4
    web_app.config["DASHBOARD_EXPORT_LIMIT"] = 2
    refused = sup.get(f"/dashboard/cases.csv?{query}")
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "3" in text and "2" in text and "导出" in text
    assert not refused.data.startswith(b"\xef\xbb\xbf")


def test_a_bad_drill_down_is_refused(client_as, clues):
    sup = client_as("chen.sup")
    for query in ("figure=nothing", "figure=opened&page=0", "figure=opened&year=1990",
                  "figure=group&subject=zzz"):
        page = sup.get(f"/dashboard/cases?{SPAN}&{query}")
        assert page.status_code == 400, query
        assert re.search(r"[\u4e00-\u9fff]", page.get_data(as_text=True))
    assert sup.get(f"/dashboard/export/nothing.csv?{SPAN}").status_code == 404


def test_an_admin_sets_the_group_threshold_with_a_reason(app, client_as, clues):
    admin = client_as("zhao.admin")
    html = admin.get(f"/dashboard/?{SPAN}").get_data(as_text=True)
    assert 'id="threshold-form"' in html
    missing = admin.post_form("/dashboard/threshold", {"value": "1", "reason": ""})
    assert missing.status_code == 422
    text = missing.get_data(as_text=True)
    assert 'id="f-value-error"' in text and 'id="f-reason-error"' in text
    done = admin.post_form("/dashboard/threshold",
                           {"value": "3", "reason": "专利群体性侵权预警阈值按市局要求调整",
                            "from_year": str(YEAR - 1), "to_year": str(YEAR)})
    assert done.status_code == 303 and f"from_year={YEAR - 1}" in done.headers["Location"]
    shown = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert "预警阈值：3家" in shown
    sup = client_as("chen.sup")
    assert 'id="threshold-form"' not in sup.get(f"/dashboard/?{SPAN}").get_data(as_text=True)
    assert sup.post_form("/dashboard/threshold", {"value": "4", "reason": "x"}).status_code == 403


# --- review fixes: not-recorded rows, each count's own cases, unknown parameters ------------

def links_of(part: str) -> dict[str, str]:
    """Each linked cell of a figure's table: its text → its link."""
    return {text: href.replace("&amp;", "&")
            for href, text in re.findall(r'<a href="(/dashboard/cases\?[^"]+)">([^<]+)</a>',
                                         part)}


def listed(client, href: str) -> int:
    page = client.get(href)
    assert page.status_code == 200, href
    return int(re.search(r"共([\d,]+)件", page.get_data(as_text=True)).group(1).replace(",", ""))


def test_the_not_recorded_row_lists_only_the_cases_recording_none(app, client_as, clues):
    open_clue(app, "宁波某五金商行涉嫌销售假冒“公牛”插座", "宁波某五金商行", "公牛集团股份有限公司")
    sup = client_as("chen.sup")
    html = sup.get(f"/dashboard/?{SPAN}").get_data(as_text=True)
    row = re.search(r"未记录</td><td class=\"num\"><a href=\"([^\"]+)\">1</a>",
                    section(html, "industry"))
    assert row, section(html, "industry")
    href = row.group(1).replace("&amp;", "&")
    assert "industry=&" in href or href.endswith("industry=")
    page = sup.get(href).get_data(as_text=True)
    assert "共1件案件" in page and "公牛" in page and "VELMONT" not in page
    export = re.search(r'href="(/dashboard/cases\.csv\?[^"]+)"', page).group(1)
    rows = list(csv.reader(io.StringIO(
        sup.get(export.replace("&amp;", "&")).data.decode("utf-8-sig"))))
    assert len(rows) == 2 and "公牛" in rows[1][1]
    # every case's origin is unrecorded here: that row lists all four, and only with origin=
    origin = links_of(section(html, "origin"))
    assert all("origin=" in h for h in origin.values()), origin
    assert [listed(sup, h) for h in origin.values()] == [int(t) for t in origin]


from tests.integration.test_dashboard_measures import timed_cases  # noqa: E402, F401


def test_each_closure_count_lists_as_many_cases_as_it_says(client_as, timed_cases):  # noqa: F811
    sup = client_as("chen.sup")
    html = sup.get("/dashboard/?from_year=2024&to_year=2025&type=timed").get_data(as_text=True)
    table = section(html, "closure_year")
    row = re.search(r"<tr><td>2025</td>(.*?)</tr>", table, re.S)
    assert row, table
    cells = re.findall(r'<td class="num"><a href="([^"]+)">(\d+)</a>', row.group(1))
    assert [int(n) for _h, n in cells] == [3, 1, 1]  # closed, on time, open past the period
    hrefs = [h.replace("&amp;", "&") for h, _n in cells]
    for part, href in zip(("closed", "on_time", "overdue_open"), hrefs, strict=True):
        assert f"part={part}" in href
    assert [listed(sup, h) for h in hrefs] == [3, 1, 1]


UNKNOWN = ["/dashboard/?agncy=nb-customs", "/dashboard/?year=2020", "/dashboard/print?agncy=x",
           "/dashboard/export/volume.csv?yaer=2025", "/dashboard/cases?figure=opened&agncy=x",
           "/dashboard/cases.csv?figure=opened&agncy=x"]


@pytest.mark.parametrize("path", UNKNOWN)
def test_an_unknown_parameter_is_refused_by_name(client_as, clues, path):
    page = client_as("chen.sup").get(path)
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    name = path.split("&")[-1].split("?")[-1].split("=")[0]
    assert "不接受" in html and name in html
    assert "<svg" not in html and '<section class="figure"' not in html
    assert "请更正标出的" not in html and "共0件" not in html


@pytest.mark.parametrize(("query", "words"), [
    ("figure=opened&agency_id=999", "没有机关"),
    ("figure=opened&case_type=no_such_type", "没有案件类型"),
    ("figure=opened&officer_id=99999999999999999999", "2147483647"),
    ("figure=closure&part=late", "须为以下之一"),
])
def test_a_drill_down_the_read_side_refuses_says_why(client_as, clues, query, words):
    page = client_as("chen.sup").get(f"/dashboard/cases?{SPAN}&{query}")
    assert page.status_code == 400, query
    html = page.get_data(as_text=True)
    assert words in html.replace(",", ""), html
    assert "请更正标出的" not in html and "共0件" not in html


def test_the_groups_figure_without_rows_speaks_of_the_threshold(client_as, clues):
    part = section(client_as("chen.sup").get(f"/dashboard/?{SPAN}").get_data(as_text=True),
                   "groups")
    assert "预警阈值" in part and "本期间内没有可统计的数据" not in part


def test_outdated_report_data_say_so_with_503(app, client_as, clues):
    from sqlalchemy import text

    from caseflow.services.report_data import LAYOUT_SETTING
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE report_settings SET value = 0 WHERE name = :n"),
                     {"n": LAYOUT_SETTING})
    try:
        page = client_as("chen.sup").get("/dashboard/")
        assert page.status_code == 503
        html = page.get_data(as_text=True)
        assert "重建" in html and '<section class="figure"' not in html
    finally:
        from caseflow.services.report_data import rebuild_report_data
        rebuild_report_data(app.uow(), actor="zhao.admin", reason="测试后重建统计数据")
