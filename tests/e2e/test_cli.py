"""The `caseflow` command: schema, workflows, cases and bad input, each one line and an exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters import schema
from caseflow.adapters.orm import Case, Event
from caseflow.domain.errors import NotFound
from caseflow.entrypoints.cli import main
from tests.integration.test_engine import open_inspection


def run(database_url, *args):
    return CliRunner().invoke(main, ["--database-url", database_url, *args])


def test_models_and_migrations_agree(database_url):
    schema.check(database_url)  # raises when autogenerate would produce operations
    result = run(database_url, "db", "check")
    assert result.exit_code == 0 and "agree" in result.output


def test_db_upgrade_on_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = run(url, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "workflows added:" in result.output
    again = run(url, "db", "upgrade")
    assert again.exit_code == 0 and "workflows added: none" in again.output


def test_unreachable_database_is_one_line_and_nonzero():
    env = {**os.environ, "CASEFLOW_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    proc = subprocess.run([sys.executable, "-m", "caseflow.entrypoints.cli", "audit", "verify"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot connect to postgresql")


def test_malformed_database_url(tmp_path):
    result = run("notaurl", "audit", "verify")
    assert result.exit_code == 1 and "invalid database URL" in result.output
    unknown = run("bogus://somewhere/x", "workflows", "list")
    assert unknown.exit_code == 1 and unknown.output.count("\n") == 1
    assert unknown.output.startswith("error: invalid database URL 'bogus://somewhere/x'")


def test_unknown_revision_is_one_line(database_url):
    result = run(database_url, "db", "upgrade", "--revision", "nosuch")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert result.output.startswith("error: ") and "nosuch" in result.output


def test_audit_verify_of_some_cases_counts_those_and_refuses_unknown_ones(uow, people,
                                                                           database_url):
    a, b = open_inspection(uow), open_inspection(uow)
    services.fire(uow(), b.id, "start_check", actor="li.officer")
    one = run(database_url, "audit", "verify", "--case", str(a.id))
    assert one.exit_code == 0
    first, note = one.output.splitlines()
    assert first == "audit chain intact: 1 events in 1 cases"
    assert note.startswith("note: no checkpoint in ") and "would not be seen" in note
    both = run(database_url, "audit", "verify")
    assert both.exit_code == 0
    assert both.output.splitlines()[0] == "audit chain intact: 3 events in 2 cases"
    unknown = run(database_url, "audit", "verify", "--case", str(a.id), "--case", "999999")
    assert unknown.exit_code == 1 and unknown.output == "error: unknown case id 999999\n"


def test_triggers_of_a_case_another_agency_may_not_see_are_unknown(uow, people, database_url):
    case = open_inspection(uow)
    outsider = run(database_url, "case", "triggers", str(case.id), "--as", "gao.police")
    assert outsider.exit_code == 1 and outsider.output == f"error: unknown case id {case.id}\n"
    with pytest.raises(NotFound):
        services.available_triggers(uow(), case.id, "gao.police")


def test_case_fire_bad_input(uow, people, app, database_url):
    case = open_inspection(uow)
    missing = run(database_url, "case", "fire", "4242", "start_check", "--as", "li.officer")
    assert missing.exit_code == 1 and missing.output == "error: unknown case id 4242\n"
    unknown = run(database_url, "case", "fire", str(case.id), "teleport", "--as", "li.officer")
    assert unknown.exit_code == 1 and "unknown trigger 'teleport'" in unknown.output
    bad_json = run(database_url, "case", "fire", str(case.id), "start_check", "--as", "li.officer",
                   "--data", "{oops")
    assert bad_json.exit_code == 1 and "--data is not valid JSON" in bad_json.output
    with app.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 1
        assert s.get(Case, case.id).status == "received"
    ok = run(database_url, "case", "fire", str(case.id), "start_check", "--as", "li.officer",
             "--reason", "接到举报")
    assert ok.exit_code == 0 and "now checking" in ok.output
    wrong_type = run(database_url, "case", "fire", str(case.id), "file_case", "--as", "chen.sup",
                     "--data", json.dumps({"filing_no": 7}))
    assert wrong_type.exit_code == 1 and "filing_no: must be a non-empty string" in wrong_type.output


def test_case_show_and_triggers(uow, people, database_url):
    case = open_inspection(uow)
    shown = run(database_url, "case", "show", str(case.id), "--as", "li.officer")
    assert shown.exit_code == 0
    detail = json.loads(shown.output)
    assert detail["number"] == case.number and detail["events"][0]["kind"] == "case_opened"
    triggers = run(database_url, "case", "triggers", str(case.id), "--as", "li.officer")
    assert triggers.exit_code == 0 and triggers.output.startswith("start_check")


def test_workflow_svg_highlights_the_case_state(uow, people, database_url, tmp_path):
    case = open_inspection(uow)
    services.fire(uow(), case.id, "start_check", actor="li.officer")
    out = tmp_path / "inspection.svg"
    result = run(database_url, "workflows", "show", "inspection", "--format", "svg",
                 "--case", str(case.id), "--as", "li.officer", "-o", str(out))
    assert result.exit_code == 0, result.output
    svg = out.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "核查中" in svg and "Checking" in svg
    plain = run(database_url, "workflows", "show", "inspection", "--format", "svg", "--version", "1",
                "-o", str(tmp_path / "plain.svg"))
    assert plain.exit_code == 0
    # the highlighted drawing differs from the plain one only by the case's state styling
    assert svg != (tmp_path / "plain.svg").read_text(encoding="utf-8")
    text = run(database_url, "workflows", "show", "inspection", "--case", str(case.id),
               "--as", "li.officer")
    assert "* checking" in text.output


def test_a_case_state_is_shown_only_to_who_may_see_the_case(uow, people, database_url):
    case = open_inspection(uow)
    nobody = run(database_url, "workflows", "show", "inspection", "--case", str(case.id))
    assert nobody.exit_code == 1 and "--as USER" in nobody.output
    police = run(database_url, "workflows", "show", "inspection", "--case", str(case.id),
                 "--as", "gao.police")
    assert police.exit_code == 1 and f"unknown case id {case.id}" in police.output
    assert "checking" not in police.output and "received" not in police.output
    for args in (("case", "show"), ("clocks", "show")):
        outsider = run(database_url, *args, str(case.id), "--as", "gao.police")
        assert outsider.exit_code == 1 and outsider.output == f"error: unknown case id {case.id}\n"
        # an id no row can have is unknown, like a missing one (not a driver's overflow)
        huge = run(database_url, *args, "99999999999999999999", "--as", "li.officer")
        assert huge.exit_code == 1
        assert huge.output == "error: unknown case id 99999999999999999999\n"


def test_workflows_list(database_url, app):
    result = run(database_url, "workflows", "list")
    assert result.exit_code == 0 and "inspection" in result.output
