"""The clock, calendar, sweep and deadline commands: results and one-line refusals."""

from __future__ import annotations

import json

from click.testing import CliRunner

from caseflow.entrypoints.cli import main
from tests.integration.test_clocks import open_timed


def run(database_url, *args):
    return CliRunner().invoke(main, ["--database-url", database_url, *args])


def test_deadline_prints_one_json_object(database_url, app):
    result = run(database_url, "deadline", "--from", "2026-09-30T10:00", "--period",
                 "3 working_days")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # 1–7 Oct are rest days; 8, 9 and Sat 10 Oct (make-up workday) are the three
    assert out["due"] == "2026-10-11T00:00:00+08:00" and out["last_day"] == "2026-10-10"
    assert out["provisional"] is False and out["calendar_version"]
    paused = json.loads(run(database_url, "deadline", "--from", "2026-06-01T09:00", "--period",
                            "5 working_days", "--pause", "2026-06-02/2026-06-04").output)
    # paused from 2 June, counting resumes on 4 June: 2 and 3 June are not counted
    assert paused["last_day"] == "2026-06-10" and paused["paused_days"] == 2
    future = json.loads(run(database_url, "deadline", "--from", "2026-12-30T10:00", "--period",
                            "5 days").output)
    assert future["provisional"] is True and future["provisional_years"] == [2027]


def test_deadline_bad_input(database_url):
    bad = run(database_url, "deadline", "--from", "2026-13-01", "--period", "3 working_days")
    assert bad.exit_code == 1 and bad.output.startswith("error: ")
    unit = run(database_url, "deadline", "--from", "2026-03-02T10:00", "--period", "3 weeks")
    assert unit.exit_code == 1 and "unknown unit" in unit.output


def test_calendar_load_refuses_a_malformed_file_and_changes_nothing(database_url, people, tmp_path):
    bad = tmp_path / "2027.yaml"
    bad.write_text("year: 2027\nrest:\n  - 2027-02-30\n", encoding="utf-8")
    result = run(database_url, "calendar", "load", str(bad), "--as", "zhao.admin")
    assert result.exit_code == 1 and "2027-02-30" in result.output
    status = json.loads(run(database_url, "calendar", "status").output)
    assert status["loaded_years"] == []
    good = tmp_path / "2027-ok.yaml"
    good.write_text("year: 2027\nrest:\n  - 2027-01-01\n", encoding="utf-8")
    refused = run(database_url, "calendar", "load", str(good), "--as", "li.officer")
    assert refused.exit_code == 1 and "only an admin" in refused.output
    ok = run(database_url, "calendar", "load", str(good), "--as", "zhao.admin")
    assert ok.exit_code == 0 and "loaded 2027" in ok.output
    assert json.loads(run(database_url, "calendar", "status").output)["loaded_years"] == [2027]


def test_calendar_override_moves_open_clocks(database_url, people, at):
    case = open_timed(at)
    before = json.loads(run(database_url, "clocks", "show", str(case.id), "--as", "li.officer").output)[0]
    result = run(database_url, "calendar", "override", "2026-10-12", "--kind", "rest",
                 "--reason", "台风停工（市政府通知）", "--as", "zhao.admin")
    assert result.exit_code == 0 and "1 clock(s) recomputed" in result.output
    after = json.loads(run(database_url, "clocks", "show", str(case.id), "--as", "li.officer").output)[0]
    assert (before["due"], after["due"]) == ("2026-10-16T00:00:00+08:00",
                                             "2026-10-17T00:00:00+08:00")


def test_clock_commands(database_url, people, at):
    # the commands act at the real time: open the case now, so its clocks are still running
    from datetime import datetime

    from caseflow.domain.calendar import TZ

    case = open_timed(at, datetime.now(TZ).strftime("%Y-%m-%dT%H:%M"))
    cid = str(case.id)
    paused = run(database_url, "clocks", "pause", cid, "filing", "--as", "li.officer",
                 "--reason", "testing", "--note", "送检")
    assert paused.exit_code == 0 and "paused" in paused.output
    resumed = run(database_url, "clocks", "resume", cid, "filing", "--as", "li.officer")
    assert resumed.exit_code == 0 and "running" in resumed.output
    refused = run(database_url, "clocks", "extend", cid, "filing", "--as", "li.officer",
                  "--reason", "复杂")
    assert refused.exit_code == 1 and "supervisor" in refused.output
    ok = run(database_url, "clocks", "extend", cid, "filing", "--as", "chen.sup", "--reason", "复杂")
    assert ok.exit_code == 0 and "extended" in ok.output
    swept = run(database_url, "sweep", "--at", "2026-09-19T09:00")
    assert swept.exit_code == 0 and "sweep:" in swept.output
    assert run(database_url, "sweep", "--at", "yesterday").exit_code == 1


def test_inbox_command(database_url, people, at):
    from caseflow.services.sweep import sweep
    from tests.conftest import utc

    case = open_timed(at)
    sweep(at("2026-10-25T09:00"), now=utc("2026-10-25T09:00"))
    listed = run(database_url, "inbox", "--as", "li.officer", "--unread")
    assert listed.exit_code == 0 and case.number in listed.output
    first = listed.output.split()[1]
    acked = run(database_url, "inbox", "--as", "li.officer", "--unread", "--ack", first)
    assert acked.exit_code == 0 and len(acked.output.splitlines()) == len(listed.output.splitlines()) - 1
    other = run(database_url, "inbox", "--as", "chen.sup", "--ack", first)
    missing = run(database_url, "inbox", "--as", "chen.sup", "--ack", "999999")
    # another user's notification is answered like a missing one: nothing tells them apart
    assert other.exit_code == 1 and other.output == f"error: unknown notification {first}\n"
    assert missing.exit_code == 1 and missing.output == "error: unknown notification 999999\n"


def test_cli_bad_files_and_uninitialised_databases_are_one_line(database_url, tmp_path, people):
    folder = run(database_url, "calendar", "load", str(tmp_path), "--as", "zhao.admin")
    assert folder.exit_code == 1 and folder.output.startswith("error: ") and "\n" == folder.output[-1]
    latin = tmp_path / "2027.yaml"
    latin.write_bytes("year: 2027\nrest:\n  - 2027-01-01 # 元旦\n".encode("gb18030"))
    bad = run(database_url, "calendar", "load", str(latin), "--as", "zhao.admin")
    assert bad.exit_code == 1 and "not UTF-8" in bad.output
    empty = run(f"sqlite:///{tmp_path / 'empty.db'}", "case", "show", "1", "--as", "li.officer")
    assert empty.exit_code == 1 and "caseflow db upgrade" in empty.output


def _today() -> str:
    """Beijing's date now: the CLI reads the real time, so these cases are opened today."""
    from datetime import UTC, datetime

    from caseflow.domain.moments import TZ

    return datetime.now(UTC).astimezone(TZ).date().isoformat()


def test_clocks_show_explains_and_extend_records_a_collective_decision(database_url, people,
                                                                        at):
    from tests.integration.test_period_requirements import open_gate

    today = _today()
    case = open_gate(at, f"{today}T00:01")
    shown = json.loads(run(database_url, "clocks", "show", str(case.id), "--as",
                           "li.officer").output)
    handling = next(c for c in shown if c["clock"] == "handling")
    assert handling["start_basis"] == "received_on"
    assert [e["step"] for e in handling["explanation"]][:2] == ["start", "period"]
    assert handling["explanation"][-1]["zh"].startswith("期限届满")
    first = run(database_url, "clocks", "extend", str(case.id), "handling", "--as", "chen.sup",
                "--reason", "需补充鉴定")
    assert first.exit_code == 0, first.output
    short = run(database_url, "clocks", "extend", str(case.id), "handling", "--as", "chen.sup",
                "--reason", "重大复杂", "--by", "60 days", "--decided-on", today,
                "--participant", "王建国")
    assert short.exit_code == 1 and "at least 3 participants" in short.output
    assert len(short.output.strip().splitlines()) == 1
    bad_day = run(database_url, "clocks", "extend", str(case.id), "handling", "--as",
                  "chen.sup", "--reason", "重大复杂", "--by", "60 days", "--decided-on",
                  "2026-11-31", "--participant", "王建国")
    assert bad_day.exit_code == 1 and "--decided-on" in bad_day.output
    ok = run(database_url, "clocks", "extend", str(case.id), "handling", "--as", "chen.sup",
             "--reason", "重大复杂", "--by", "60 days", "--decided-on", today,
             "--participant", "王建国", "--participant", "陈晓燕", "--participant", "刘志强")
    assert ok.exit_code == 0, ok.output
    shown = json.loads(run(database_url, "clocks", "show", str(case.id), "--as",
                           "li.officer").output)
    lines = [e["zh"] for c in shown if c["clock"] == "handling" for e in c["explanation"]]
    assert any("集体讨论决定（王建国、陈晓燕、刘志强）" in line for line in lines)


def test_pause_and_resume_take_legal_dates(database_url, people, at):
    from datetime import date, timedelta

    from tests.integration.test_period_requirements import open_gate

    today = date.fromisoformat(_today())
    case = open_gate(at, f"{today - timedelta(days=10)}T09:00")
    future = run(database_url, "clocks", "pause", str(case.id), "handling", "--as",
                 "li.officer", "--reason", "testing", "--on", "2099-01-01")
    assert future.exit_code == 1 and "in the future" in future.output
    garbled = run(database_url, "clocks", "pause", str(case.id), "handling", "--as",
                  "li.officer", "--reason", "testing", "--on", "yesterday")
    assert garbled.exit_code == 1 and "--on" in garbled.output
    paused = run(database_url, "clocks", "pause", str(case.id), "handling", "--as",
                 "li.officer", "--reason", "testing", "--on", str(today - timedelta(days=6)))
    assert paused.exit_code == 0, paused.output
    early = run(database_url, "clocks", "resume", str(case.id), "handling", "--as",
                "li.officer", "--on", str(today - timedelta(days=7)))
    assert early.exit_code == 1 and "before the pause" in early.output
    resumed = run(database_url, "clocks", "resume", str(case.id), "handling", "--as",
                  "li.officer", "--on", str(today - timedelta(days=2)))
    assert resumed.exit_code == 0, resumed.output
