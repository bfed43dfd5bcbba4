"""The shipped workflow definitions: all nine case types load, run and are dated correctly."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Case, Event
from caseflow.config import PROJECT_ROOT
from caseflow.domain.definitions import load_directory
from caseflow.entrypoints.cli import main

NINE = {"admin_enforcement", "admin_summary", "patent_dispute", "customs_detention",
        "criminal_transfer", "mediation", "fast_track_preexam", "complaint", "rights_assistance"}
RECEIVING = {"police_case", "court_confirmation", "court_litigation"}


def test_all_nine_case_types_load_with_titles_and_clocks():
    definitions = load_directory(PROJECT_ROOT / "workflows")
    assert {d.key for d in definitions} == NINE | RECEIVING
    complaint = sorted((d for d in definitions if d.key == "complaint"), key=lambda d: d.version)
    assert [d.version for d in complaint] == [1, 2]
    assert complaint[1].effective_from == date(2026, 4, 15)
    for d in definitions:
        assert d.title_zh and d.title_en
        assert all(s.title_zh and s.title_en for s in d.states.values())
        assert all(t.title_zh and t.title_en for t in d.transitions)
        assert len(d.states) >= 5 and d.final_states
    clocks = {d.key: d.clocks for d in definitions if d.version == 1}
    assert str(clocks["admin_enforcement"]["filing_decision"].period) == "15 working_days"
    assert str(clocks["admin_enforcement"]["decision_deadline"].period) == "90 days"
    assert str(clocks["customs_detention"]["application_and_security"].period) == "3 working_days"
    assert str(clocks["criminal_transfer"]["dispatch"].period) == "24 hours"
    assert str(clocks["mediation"]["confirmation_application"].period) == "30 days"


def test_complaint_version_follows_receipt_date(uow, people):
    holder = {"role": "complainant", "name": "宁波晨曦文具股份有限公司"}
    old = services.open_case(uow(), actor="li.officer", case_type="complaint", title="网店售假投诉",
                             received_on=date(2026, 4, 14), parties=[holder])
    new = services.open_case(uow(), actor="li.officer", case_type="complaint", title="网店售假投诉",
                             received_on=date(2026, 4, 15), parties=[holder])
    assert (old.workflow_version, new.workflow_version) == (1, 2)


def test_demo_opens_and_advances_every_type(database_url, app, tmp_path, monkeypatch):
    monkeypatch.setenv("CASEFLOW_EVIDENCE_DIR", str(tmp_path / "evidence"))
    result = CliRunner().invoke(main, ["--database-url", database_url, "demo", "--cases", "2"])
    assert result.exit_code == 0, result.output
    # the fixture also loads the test workflows, so the demo sees more than the nine
    assert "cases opened across" in result.output
    with app.session_factory() as s:
        types = dict(s.execute(select(Case.case_type, func.count()).group_by(Case.case_type)).all())
        # two opened per type, more where handoffs opened linked cases
        assert NINE <= set(types) and all(types[k] >= 2 for k in NINE)
        moved = s.scalar(select(func.count()).select_from(Event).where(Event.kind == "transition"))
        assert moved >= 18 * 2
        assert s.scalar(select(func.count()).select_from(Case).where(Case.closed_at.is_not(None))) > 0
    verify = CliRunner().invoke(main, ["--database-url", database_url, "audit", "verify"])
    assert verify.exit_code == 0, verify.output
