"""The province-scale generator at a small N, on both databases: the counts it says, the
seeds' shares roughly, report facts that verify, chains and seals that verify (the ``app``
fixture checks both after the test), and a second run that adds to the first."""

from __future__ import annotations

from datetime import datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from caseflow.adapters.orm import Case, CaseCounter, Clock, ClockSegment, Event, Party
from caseflow.domain.vocabulary import CLUSTER_INDUSTRIES
from caseflow.entrypoints.cli import main
from caseflow.services import report_data
from caseflow.services.province_data import PLANS, generate

AS_OF = datetime(2026, 11, 17, 1, 0)  # 09:00 Beijing time
N = 2000
ENFORCEMENT = ("admin_enforcement", "admin_summary", "complaint", "customs_detention",
               "patent_dispute")


def load(app, n: int = N, seed: int = 7):
    return generate(app.engine, app.uow_factory("test"), app.keyring().current, n, seed=seed,
                    years=(2022, 2026), as_of=AS_OF, echo=lambda _line: None)


def scalar(conn, sql: str) -> float:
    return conn.execute(text(sql)).scalar_one()


def test_counts_and_shares(app):
    report = load(app)
    assert report.cases == N and report.facts == N and report.total_cases == N
    with app.engine.connect() as conn:
        count = lambda model: conn.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert (count(Case), count(Party), count(Event), count(Clock), count(ClockSegment)) == (
            N, report.parties, report.events, report.clocks, report.segments)
        assert report.tallies == conn.scalar(text("SELECT count(*) FROM report_tallies"))
        assert report_data.verify(conn) == []

        # every case opened and (if closed) closed by a transition, chained from seq 1
        assert scalar(conn, "SELECT count(*) FROM events WHERE seq = 1 AND kind = "
                            "'case_opened'") == N
        assert scalar(conn, "SELECT count(*) FROM cases c WHERE closed_at IS NOT NULL AND "
                            "NOT EXISTS (SELECT 1 FROM events e WHERE e.case_id = c.id AND "
                            "e.kind = 'transition' AND e.target_state = c.status)") == 0
        assert scalar(conn, "SELECT count(*) FROM cases WHERE audit_seq = 0") == 0

        # the seeds' shares, roughly (2,000 cases)
        cluster = ", ".join(f"'{i}'" for i in CLUSTER_INDUSTRIES)
        share = scalar(conn, f"SELECT avg(CASE WHEN industry IN ({cluster}) THEN 1.0 ELSE 0 "
                             "END) FROM cases")
        assert 0.48 < share < 0.58
        holders = dict(conn.execute(text(
            "SELECT origin, count(*) FROM parties WHERE role = 'rights_holder' GROUP BY origin")
        ).all())
        total = sum(holders.values())
        assert 0.38 < holders["overseas"] / total < 0.56
        assert 0.36 < holders["other_city"] / total < 0.55
        assert 0.02 < holders["local"] / total < 0.16
        types = dict(conn.execute(text("SELECT case_type, count(*) FROM cases GROUP BY 1")).all())
        assert set(types) == {p.case_type for p in PLANS}
        assert max(types, key=types.get) == "admin_enforcement"
        assert types["complaint"] > types["mediation"] > types["court_litigation"]
        by_year = dict(conn.execute(text(
            "SELECT opened_year, count(*) FROM case_facts GROUP BY 1")).all())
        assert sorted(by_year) == [2022, 2023, 2024, 2025, 2026]
        assert by_year[2022] < by_year[2023] < by_year[2024] < by_year[2025]

        # ~90% of the cases before this year closed; ~95% of closed enforcement on time
        closed = scalar(conn, "SELECT avg(CASE WHEN closed_year IS NOT NULL THEN 1.0 ELSE 0 END)"
                              " FROM case_facts WHERE opened_year < 2026")
        assert 0.85 < closed < 0.95
        types_sql = ", ".join(f"'{t}'" for t in ENFORCEMENT)
        on_time = scalar(conn, "SELECT avg(CASE WHEN on_time THEN 1.0 ELSE 0 END) FROM "
                               f"case_facts WHERE closed_year IS NOT NULL AND case_type IN "
                               f"({types_sql})")
        assert 0.91 < on_time < 0.99
        assert scalar(conn, "SELECT count(*) FROM case_facts WHERE overdue_year IS NOT NULL") > 10
        assert scalar(conn, "SELECT count(*) FROM clocks WHERE status = 'paused'") > 5
        assert scalar(conn, "SELECT count(*) FROM clock_segments WHERE ended_at IS NOT NULL") > 50
        assert scalar(conn, "SELECT avg(CASE WHEN party THEN 1.0 ELSE 0 END) FROM clocks") < 0.2
        assert scalar(conn, "SELECT count(*) FROM clocks WHERE status = 'stopped' AND "
                            "stopped_at > due_at AND expired_at IS NULL") == 0

        # group infringement: ~40% of patent cases share a patent with 5-60 respondents
        patent_cases = conn.execute(text(
            "SELECT cr.ip_right_id, count(*) FROM case_ip_rights cr JOIN ip_rights r ON "
            "r.id = cr.ip_right_id WHERE r.kind IN ('invention_patent', 'utility_model', "
            "'design_patent') GROUP BY 1")).all()
        grouped = sum(n for _r, n in patent_cases if n >= 5)
        assert 0.25 < grouped / sum(n for _r, n in patent_cases) < 0.55
        assert max(n for _r, n in patent_cases) <= 60

        # the types' own data: court referrals, assisted firms, fast-track grants
        assert scalar(conn, "SELECT count(*) FROM case_facts WHERE court_referral") > 20
        assert scalar(conn, "SELECT count(*) FROM cases c WHERE case_type = 'rights_assistance'"
                            " AND NOT EXISTS (SELECT 1 FROM parties p WHERE p.case_id = c.id "
                            "AND p.role = 'assisted_firm')") == 0
        grants = conn.execute(select(Case.data).where(Case.case_type == "fast_track_preexam",
                                                      Case.status == "granted")).scalars().all()
        assert grants and all(d["filing_date"] < d["grant_notice_on"] for d in grants)


def test_a_second_run_adds_cases(app):
    load(app, 300, seed=1)
    with app.engine.connect() as conn:
        before = conn.execute(select(Case.number)).scalars().all()
    report = load(app, 200, seed=1)
    assert (report.cases, report.total_cases) == (200, 500)
    with app.engine.connect() as conn:
        numbers = conn.execute(select(Case.number)).scalars().all()
        assert len(set(numbers)) == 500 and set(before) < set(numbers)
        top = conn.scalar(select(func.max(CaseCounter.value)))
        assert top == conn.scalar(select(func.max(Case.id)))
        assert report_data.verify(conn) == []


def test_cli_generate(app, database_url):
    result = CliRunner().invoke(main, ["--database-url", database_url, "reports", "generate",
                                       "--cases", "120", "--seed", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-3].startswith("generated cases=120 ")
    assert lines[-2].startswith("derived case_facts=120 ")
    assert lines[-1].startswith("seconds directory_s=")
    assert any(line.startswith("loaded cases=120/120") for line in lines)


@pytest.mark.parametrize("years", ["2026-2022", "last year", "2022-2031"])
def test_cli_refuses_bad_years(app, database_url, years):
    result = CliRunner().invoke(main, ["--database-url", database_url, "reports", "generate",
                                       "--cases", "10", "--years", years])
    assert result.exit_code != 0
    assert result.output.startswith("error: ") and "years" in result.output
