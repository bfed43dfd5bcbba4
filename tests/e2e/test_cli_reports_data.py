"""`caseflow reports verify | rebuild | show` on both databases: verify says where the kept
report facts and tallies differ from the cases (exit 1), rebuild derives them afresh (the
repair) and prints the counts, show prints a figure as a table with Chinese headers."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from caseflow.domain.moments import aware
from caseflow.entrypoints.cli import main
from caseflow.views import dashboard
from tests.integration.test_engine import open_inspection
from tests.integration.test_handoffs import HOLDER, INFRINGER

FIRMS = ("余姚市精工汽配厂", "慈溪市恒通小家电厂", "宁海县文峰文具厂")


def run(database_url: str, *args: str):
    return CliRunner().invoke(main, ["--database-url", database_url, *args])


@pytest.fixture
def cases(uow, people):
    year = aware(uow().now()).year
    return [open_inspection(uow, received_on=date(year, 4, 1 + i), assignee="li.officer",
                            parties=[HOLDER, {**INFRINGER, "name": firm}])
            for i, firm in enumerate(FIRMS)]


def test_verify_finds_drift_and_rebuild_repairs_it(database_url, app, cases):
    result = run(database_url, "reports", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "report facts and tallies match the cases"
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE report_tallies SET n = n + 2 WHERE measure = 'opened'"))
        conn.execute(text("DELETE FROM case_facts WHERE case_id = :c"), {"c": cases[1].id})
    result = run(database_url, "reports", "verify")
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert any(line.startswith(f"case {cases[1].id}: facts kept None") for line in lines)
    assert any(line.startswith("tally ('opened'") for line in lines)
    assert lines[-1].startswith("error: report data drifted from the cases: ")
    assert "caseflow reports rebuild" in lines[-1]

    result = run(database_url, "reports", "rebuild", "--as", "chen.sup", "--reason", "修复")
    assert result.exit_code != 0 and "admin" in result.output, result.output  # not an admin
    result = run(database_url, "reports", "rebuild", "--as", "zhao.admin", "--reason", "  ")
    assert result.exit_code != 0 and "reason" in result.output, result.output
    result = run(database_url, "reports", "verify")
    assert result.exit_code == 1, result.output  # the refused rebuilds changed nothing
    result = run(database_url, "reports", "rebuild", "--as", "zhao.admin",
                 "--reason", "统计数据与案件不一致，重建")
    assert result.exit_code == 0, result.output
    with app.engine.connect() as conn:
        event = conn.execute(text("SELECT actor, reason, payload FROM system_events "
                                  "WHERE kind = 'report_data_rebuilt'")).one()
    assert event.actor == "zhao.admin" and event.reason == "统计数据与案件不一致，重建"
    assert result.output.startswith("report data rebuilt: facts of 3 case(s), ")
    rows = int(result.output.split(", ")[1].split()[0])
    with app.engine.connect() as conn:
        assert rows == conn.execute(text("SELECT count(*) FROM report_tallies")).scalar_one()
        assert conn.execute(text("SELECT count(*) FROM case_facts")).scalar_one() == 3
    result = run(database_url, "reports", "verify")
    assert result.exit_code == 0, result.output


def test_rebuild_on_no_cases_and_an_uninitialised_database(database_url, app, people,
                                                          tmp_path):
    result = run(database_url, "reports", "rebuild", "--as", "zhao.admin", "--reason", "初始化")
    assert result.exit_code == 0 and "facts of 0 case(s), 0 tally row(s)" in result.output
    missing = run(f"sqlite:///{tmp_path / 'none.db'}", "reports", "verify")
    assert missing.exit_code == 1 and missing.output.count("\n") == 1, missing.output


def test_show_prints_the_figure_under_its_chinese_headers(database_url, app, cases):
    year = aware(app.uow().now()).year
    result = run(database_url, "reports", "show", "volume", "--as", "chen.sup",
                 "--from-year", str(year - 1), "--to-year", str(year))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"各机关办案量及同比增长（{year - 1}–{year}）"
    header = next(i for i, line in enumerate(lines) if line.startswith("机关"))
    assert lines[header].split() == ["机关", "年度", "案件数", "同比增长"]
    body = [line.split() for line in lines[header + 2:]]
    assert body == [["宁波市市场监督管理局（知识产权局）", str(year - 1), "0", "—"],
                    ["宁波市市场监督管理局（知识产权局）", str(year), "3", "—"]]
    # the columns line up: every line of the table is as wide as its header's rule
    rule = lines[header + 1]
    assert set(rule) <= {"-", " "}

    result = run(database_url, "reports", "show", "origin", "--as", "zhao.admin",
                 "--agency", "nb-amr", "--case-type", "inspection")
    assert result.exit_code == 0, result.output
    assert any(line.split()[:3] == ["境外", "3", "100.0%"] for line in result.output.splitlines()
               if line.strip())

    result = run(database_url, "reports", "show", "groups", "--as", "chen.sup", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    filters = dashboard.ReportFilters(year - 4, year)
    expected = dashboard.FIGURES["groups"](app.uow(), "chen.sup", filters).to_dict()
    assert shown == json.loads(json.dumps(expected, ensure_ascii=False))


@pytest.mark.parametrize("args, message", [
    (("nosuch", "--as", "chen.sup"), "error: unknown figure 'nosuch'"),
    (("volume", "--as", "li.officer"), "error: reports need role supervisor or admin"),
    (("volume", "--as", "nobody"), "error: "),
    (("volume", "--as", "chen.sup", "--from-year", "1800"), "error: from_year: must be a year"),
    (("volume", "--as", "chen.sup", "--from-year", "2026", "--to-year", "2025"),
     "error: to_year: must not be before"),
    (("volume", "--as", "xu.customs", "--agency", "nb-amr"), "error: agency: unknown agency"),
    (("volume", "--as", "chen.sup", "--officer", "gao.police"), "error: officer: unknown"),
    (("volume", "--as", "chen.sup", "--to-year", "abc"), "error: "),
])
def test_show_refuses_in_one_line(database_url, app, people, args, message):
    result = run(database_url, "reports", "show", *args)
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and result.output.startswith(message), result.output
