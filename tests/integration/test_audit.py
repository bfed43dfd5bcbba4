"""The audit chain catches altered, inserted and missing events, through `caseflow audit verify`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from caseflow import services
from caseflow.domain.errors import ReasonRequired
from caseflow.entrypoints.cli import main
from tests.integration.test_engine import open_inspection


@pytest.fixture
def walked(uow, people):
    """Two cases with a few events each; returns the first case's id."""
    case = open_inspection(uow)
    services.fire(uow(), case.id, "start_check", actor="li.officer", reason="举报线索")
    services.assign(uow(), case.id, "li.officer", actor="chen.sup")
    services.fire(uow(), case.id, "file_case", actor="chen.sup", payload={"filing_no": "F-1"})
    other = open_inspection(uow)
    services.fire(uow(), other.id, "start_check", actor="li.officer")
    return case.id


def verify(database_url):
    return CliRunner().invoke(main, ["--database-url", database_url, "audit", "verify"])


pytestmark = pytest.mark.tampers  # every test here but the first breaks the chain on purpose


def tamper(app, sql, **params):
    with app.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_intact_chain_verifies(walked, database_url):
    result = verify(database_url)
    assert result.exit_code == 0, result.output
    assert "intact: 6 events in 2 cases" in result.output


def test_altered_event_is_reported(walked, app, database_url):
    tamper(app, "UPDATE events SET reason = '随意修改' WHERE case_id = :c AND seq = 2", c=walked)
    result = verify(database_url)
    assert result.exit_code == 2
    assert "event 2: altered" in result.output
    assert "TEST-2026-000001" in result.output


def test_altered_payload_is_reported(walked, app, database_url):
    tamper(app, """UPDATE events SET payload = '{"filing_no": "F-2"}' WHERE case_id = :c AND seq = 4""",
           c=walked)
    result = verify(database_url)
    assert result.exit_code == 2 and "event 4: altered" in result.output


def test_deleted_middle_event_is_reported(walked, app, database_url):
    tamper(app, "DELETE FROM events WHERE case_id = :c AND seq = 3", c=walked)
    result = verify(database_url)
    assert result.exit_code == 2 and "event 3: missing" in result.output


def test_deleted_last_event_is_reported(walked, app, database_url):
    tamper(app, "DELETE FROM events WHERE case_id = :c AND seq = 4", c=walked)
    result = verify(database_url)
    assert result.exit_code == 2 and "event 4: missing" in result.output


def test_inserted_event_is_reported(walked, app, database_url):
    tamper(app, """INSERT INTO events (case_id, seq, kind, actor, channel, at, payload, prev_hash, hash)
                   SELECT case_id, 5, kind, actor, channel, at, payload, hash, hash
                   FROM events WHERE case_id = :c AND seq = 4""", c=walked)
    result = verify(database_url)
    assert result.exit_code == 2 and "event 5: inserted" in result.output


def test_renumbered_event_is_reported(walked, app, database_url):
    tamper(app, "UPDATE events SET seq = 10 WHERE case_id = :c AND seq = 2", c=walked)
    result = verify(database_url)
    assert result.exit_code == 2 and "event 2: missing" in result.output


def test_reason_required_transition_refuses_without_reason(uow, people):
    case = open_inspection(uow)
    services.fire(uow(), case.id, "start_check", actor="li.officer")
    with pytest.raises(ReasonRequired):
        services.fire(uow(), case.id, "refuse_filing", actor="chen.sup")
    view = services.fire(uow(), case.id, "refuse_filing", actor="chen.sup", reason="证据不足，不予立案")
    assert view.closed
