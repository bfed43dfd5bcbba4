"""The report data across versions: migration 0011 derives the facts and tallies of the cases a
database already holds, and tallies kept by another layout give no figure (a clear 503-kind
refusal) until an admin rebuilds them — never an empty or wrong chart."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from caseflow import services
from caseflow.adapters import schema
from caseflow.domain import measures
from caseflow.domain.errors import ReportDataOutdated
from caseflow.services.report_data import LAYOUT_SETTING, rebuild_report_data, verify
from caseflow.views.dashboard import FIGURES, ReportFilters


def _open(uow, n: int) -> list[int]:
    return [services.open_case(uow(), actor="li.officer", case_type="inspection",
                               title=f"宁波某服饰商行涉嫌销售假冒商标服装（{i}）",
                               assignee="li.officer", industry="clothing",
                               parties=[{"role": "alleged_infringer",
                                         "name": f"宁波海曙某服饰商行{i}"}]).id
            for i in range(n)]


def _year(app) -> int:
    from caseflow.domain.moments import aware
    return aware(app.uow().now()).year


def test_upgrading_a_database_with_cases_derives_their_report_data(app, people, uow,
                                                                   database_url):
    ids = _open(uow, 3)
    app.engine.dispose()
    command.downgrade(schema.alembic_config(database_url), "0010")  # as before the dashboard
    with app.engine.connect() as conn:
        assert "case_facts" not in conn.dialect.get_table_names(conn)
    app.engine.dispose()
    schema.upgrade(database_url)  # 0011 creates the tables and derives the three cases
    with app.engine.connect() as conn:
        assert verify(conn) == []
        assert sorted(conn.execute(text("SELECT case_id FROM case_facts")).scalars()) == ids
    year = _year(app)
    volume = FIGURES["volume"](app.uow(), "chen.sup", ReportFilters(year, year))
    assert [r[2] for r in volume.rows] == [3]


def test_tallies_of_another_layout_give_no_figure_until_rebuilt(app, people, uow):
    _open(uow, 2)
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE report_settings SET value = :v WHERE name = :n"),
                     {"v": measures.LAYOUT - 1, "n": LAYOUT_SETTING})
    year = _year(app)
    with pytest.raises(ReportDataOutdated):
        FIGURES["closure_year"](app.uow(), "chen.sup", ReportFilters(year, year))
    with app.engine.connect() as conn:
        assert any("layout" in f for f in verify(conn))
    assert rebuild_report_data(app.uow(), actor="zhao.admin", reason="升级后重建统计数据")[0] == 2
    volume = FIGURES["volume"](app.uow(), "chen.sup", ReportFilters(year, year))
    assert [r[2] for r in volume.rows] == [2]
