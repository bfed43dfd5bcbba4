"""Definition versions: the version in force on the receipt date, and explicit migrations."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from caseflow import services
from caseflow.adapters.orm import Case, Event
from caseflow.adapters.registry import sync_definitions
from caseflow.domain.definitions import load_directory, parse_definition
from caseflow.domain.errors import PermissionDenied, WorkflowDefinitionError, WorkflowMigrationError
from caseflow.entrypoints.cli import main
from caseflow.services.workflow_migration import migrate_cases
from tests.conftest import TEST_WORKFLOWS
from tests.integration.test_engine import open_inspection


@pytest.fixture
def v2(app):
    """Publish version 2 (effective 2026-04-15, 'checking' renamed 'verifying')."""
    with app.session_factory() as session, session.begin():
        added = sync_definitions(session, load_directory(TEST_WORKFLOWS))
    assert added == ["inspection v2", "timed v2"]


def test_new_case_takes_the_version_in_force_on_its_receipt_date(uow, people, v2):
    before = open_inspection(uow, received_on=date(2026, 4, 14))
    on = open_inspection(uow, received_on=date(2026, 4, 15))
    assert before.workflow_version == 1
    assert on.workflow_version == 2
    assert services.fire(uow(), on.id, "start_check", actor="li.officer").status == "verifying"
    assert services.fire(uow(), before.id, "start_check", actor="li.officer").status == "checking"


def test_running_case_keeps_its_version_when_a_new_one_is_loaded(uow, people, app):
    case = open_inspection(uow, received_on=date(2026, 5, 1))
    services.fire(uow(), case.id, "start_check", actor="li.officer")
    with app.session_factory() as session, session.begin():
        sync_definitions(session, load_directory(TEST_WORKFLOWS))
    view = services.fire(uow(), case.id, "file_case", actor="chen.sup", payload={"filing_no": "F"})
    assert view.workflow_version == 1 and view.status == "filed"


def test_editing_a_published_version_is_refused(app):
    text = (TEST_WORKFLOWS / "inspection.v1.yaml").read_text(encoding="utf-8")
    changed = parse_definition(text.replace("测试检查", "测试检查（改）"), "inspection.v1.yaml")
    with app.session_factory() as session, pytest.raises(WorkflowDefinitionError, match="version 2"):
        sync_definitions(session, [changed])


def _open_in_states(uow):
    a = open_inspection(uow, received_on=date(2026, 3, 1))  # received
    b = open_inspection(uow, received_on=date(2026, 3, 2))
    services.fire(uow(), b.id, "start_check", actor="li.officer")  # checking
    c = open_inspection(uow, received_on=date(2026, 3, 3))
    services.fire(uow(), c.id, "start_check", actor="li.officer")
    services.fire(uow(), c.id, "refuse_filing", actor="chen.sup", reason="无侵权事实")  # closed
    return a, b, c


def _states(app):
    with app.session_factory() as s:
        return {c.number: (c.workflow_version, c.status) for c in s.scalars(select(Case))}


def test_migration_refuses_when_a_state_has_no_mapping(uow, people, app, v2):
    _open_in_states(uow)
    before = _states(app)
    with pytest.raises(WorkflowMigrationError, match=r"v1:checking \(1 case"):
        migrate_cases(uow(), "inspection", 2, {}, actor="zhao.admin", reason="新规施行",
                      clocks="keep")
    with pytest.raises(WorkflowMigrationError, match="no state 'nowhere'"):
        migrate_cases(uow(), "inspection", 2, {"checking": "nowhere"}, actor="zhao.admin",
                      reason="新规施行", clocks="keep")
    with pytest.raises(PermissionDenied):
        migrate_cases(uow(), "inspection", 2, {"checking": "verifying"}, actor="chen.sup",
                      reason="x", clocks="keep")
    assert _states(app) == before


def test_dry_run_reports_and_changes_nothing(uow, people, app, v2):
    a, b, c = _open_in_states(uow)
    before = _states(app)
    report = migrate_cases(uow(), "inspection", 2, {"checking": "verifying"}, actor="zhao.admin",
                           reason="新规施行", dry_run=True, clocks="keep")
    assert [(m.number, m.from_state, m.to_state) for m in report.moves] == [
        (a.number, "received", "received"), (b.number, "checking", "verifying")]
    assert _states(app) == before


def test_migration_moves_running_cases_and_audits_each(uow, people, app, v2):
    a, b, c = _open_in_states(uow)
    migrate_cases(uow(), "inspection", 2, {"checking": "verifying"}, actor="zhao.admin",
                  reason="新规施行", clocks="keep")
    states = _states(app)
    assert states[a.number] == (2, "received")
    assert states[b.number] == (2, "verifying")
    assert states[c.number] == (1, "not_filed")  # closed cases stay as they were
    with app.session_factory() as s:
        moved = s.scalars(select(Event).where(Event.kind == "workflow_migrated")).all()
    assert {(e.case_id, e.source_state, e.target_state, e.reason) for e in moved} == {
        (a.id, "received", "received", "新规施行"), (b.id, "checking", "verifying", "新规施行")}
    assert all(e.payload == {"from_version": 1, "to_version": 2, "clocks": "keep"} for e in moved)
    # the moved case runs on version 2's machine now
    assert services.fire(uow(), b.id, "file_case", actor="chen.sup",
                         payload={"filing_no": "F"}).status == "filed"


def test_migrate_cli(uow, people, app, v2, database_url):
    _open_in_states(uow)
    runner = CliRunner()
    base = ["--database-url", database_url, "workflows", "migrate", "inspection", "--to", "2",
            "--as", "zhao.admin", "--reason", "新规施行", "--clocks", "keep"]
    refused = runner.invoke(main, base)
    assert refused.exit_code == 1 and "no mapping" in refused.output
    dry = runner.invoke(main, [*base, "--map", "checking=verifying", "--dry-run"])
    assert dry.exit_code == 0 and "would move 2 case(s)" in dry.output
    assert _states(app)["TEST-2026-000002"] == (1, "checking")
    bad = runner.invoke(main, [*base, "--map", "checking"])
    assert bad.exit_code == 1 and "expected old_state=new_state" in bad.output
    done = runner.invoke(main, [*base, "--map", "checking=verifying"])
    assert done.exit_code == 0 and "moved 2 case(s)" in done.output
    assert _states(app)["TEST-2026-000002"] == (2, "verifying")


@pytest.fixture
def timed_v2(app):
    with app.session_factory() as session, session.begin():
        sync_definitions(session, [d for d in load_directory(TEST_WORKFLOWS) if d.key == "timed"])


def _open_running(at, people):
    from tests.integration.test_clocks import open_timed

    case = open_timed(at)
    services.fire(at("2026-09-18T11:00")(), case.id, "start_check", actor="li.officer")
    return case


def test_migration_keeps_running_clocks_when_told(at, people, app, timed_v2):
    from tests.integration.test_clocks import clocks

    case = _open_running(at, people)
    before = clocks(at, case.id, "2026-09-20T10:00")
    migrate_cases(at("2026-09-20T10:00")(), "timed", 2, {}, actor="zhao.admin", reason="新规",
                  clocks="keep")
    assert clocks(at, case.id, "2026-09-20T10:00") == before


def test_migration_recomputes_running_clocks_when_told(at, people, app, timed_v2):
    from tests.integration.test_clocks import clocks

    case = _open_running(at, people)
    with pytest.raises(WorkflowMigrationError, match="keep or recompute"):
        migrate_cases(at("2026-09-20T10:00")(), "timed", 2, {}, actor="zhao.admin", reason="新规",
                      clocks="maybe")
    migrate_cases(at("2026-09-20T10:00")(), "timed", 2, {}, actor="zhao.admin", reason="新规",
                  clocks="recompute")
    after = clocks(at, case.id, "2026-09-20T10:00")
    # v2 gives 10 working days from Fri 18 Sep: 20, 21–24, 28–30 Sep, 8–9 Oct → end of 9 Oct
    assert after["filing"].period == "10 working_days"
    assert after["filing"].due == "2026-10-10T00:00:00+08:00"
    assert after["handover"].status == "stopped"  # v2 has no handover clock
    with app.session_factory() as s:
        kinds = s.scalars(select(Event.kind).where(Event.case_id == case.id)
                          .order_by(Event.seq)).all()
    assert kinds[-3:] == ["workflow_migrated", "clock_recomputed", "clock_stopped"] or \
        kinds[-3:] == ["workflow_migrated", "clock_stopped", "clock_recomputed"]


def test_a_case_migrated_into_a_final_state_stops_its_clocks(at, people, app, timed_v2):
    from tests.integration.test_clocks import clocks

    case = _open_running(at, people)
    migrate_cases(at("2026-09-20T10:00")(), "timed", 2, {"checking": "decided"},
                  actor="zhao.admin", reason="并案处理", clocks="keep")
    assert {c.status for c in clocks(at, case.id, "2026-09-20T11:00").values()} == {"stopped"}


def test_a_linked_case_closed_by_migration_reports_its_outcome_to_the_source(uow, people, app,
                                                                             database_url):
    """However a linked case ends, its outcome flows back: here a migration maps its state
    to a final one of the new version, and the source case hears of it as after a step."""
    from caseflow.adapters.orm import Handoff
    from caseflow.services import handoffs
    from caseflow.views.cases import case_for
    from tests.integration.test_handoffs import approved_case, send

    source = approved_case(uow)
    sent = send(uow, source.id)
    linked = handoffs.accept(uow(), sent.id, actor="gao.police", reason="予以接收").linked_case_id
    text = (TEST_WORKFLOWS / "police_intake.v1.yaml").read_text(encoding="utf-8")
    v2 = parse_definition(text.replace("version: 1", "version: 2", 1), "police_intake.v2.yaml")
    with app.session_factory() as session, session.begin():
        sync_definitions(session, [v2])
    migrate_cases(uow(), "police_intake", 2, {"received": "not_filed"}, actor="zhao.admin",
                  reason="历史案件清理，不予立案", clocks="keep")
    with app.session_factory() as s:
        handoff = s.get(Handoff, sent.id)
        assert (handoff.outcome, handoff.outcome_at is not None) == ("not_filed", True)
        source_events = s.scalars(select(Event).where(Event.case_id == source.id)
                                  .order_by(Event.seq)).all()
        linked_kinds = s.scalars(select(Event.kind).where(Event.case_id == linked)
                                 .order_by(Event.seq)).all()
    assert source_events[-1].kind == "handoff_outcome"
    assert source_events[-1].payload["outcome"] == "not_filed"
    assert source_events[-1].payload["linked_case_id"] == linked
    assert linked_kinds[-2:] == ["workflow_migrated", "handoff_outcome"]
    outcome = case_for(uow(), linked, "li.officer").to_dict()  # the sender sees it ended
    assert (outcome["visibility"], outcome["status"], outcome["closed"]) == (
        "outcome", "not_filed", True)
    verify = CliRunner().invoke(main, ["--database-url", database_url, "audit", "verify"])
    assert verify.exit_code == 0, verify.output
