"""The bad-input matrix: every bad input is refused in one line, with a non-zero exit, and
writes nothing — run as real `caseflow` processes on SQLite and on PostgreSQL.

One demo database per backend is prepared once (module scope); each case runs one process
against it and compares, before and after, a digest of every table's rows, the cases'
versions and `caseflow audit verify`'s output. Each process also runs in an empty working
directory that must stay empty (no `var/`, no database made by accident), and the cases that
name a database of their own point into a scratch directory that must stay empty too.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from caseflow import services
from caseflow.adapters.database import normalise_url
from caseflow.adapters.registry import REGISTRY
from caseflow.bootstrap import bootstrap
from caseflow.config import PROJECT_ROOT, Settings
from caseflow.domain.calendar import TZ
from caseflow.entrypoints.cli import main
from caseflow.entrypoints.demo import open_walked, run_demo
from caseflow.services.clocks import extend_clock, pause_clock
from tests.conftest import _fresh_url

TODAY = datetime.now(TZ).date()
YESTERDAY = TODAY - timedelta(days=1)
TEN_YEARS = TODAY.replace(year=TODAY.year + 10, day=min(TODAY.day, 28)).isoformat()
HUGE = "99999999999999999999"  # beyond a 64-bit integer: OverflowError in sqlite3
INT32 = "2147483648"  # one beyond PostgreSQL's integer


@dataclass(frozen=True)
class Bad:
    """One bad input: the arguments (after ``--database-url``), a fragment the one-line
    error must contain, and optionally a database URL of its own (``{scratch}`` is an empty
    directory that must stay empty)."""

    args: tuple[str, ...]
    says: str
    url: str | None = None
    files: dict[str, bytes] | None = None  # written into the scratch directory first
    env: dict[str, str] | None = None  # set for the process (``{scratch}`` filled in)


def fire(case: str, trigger: str, actor: str, data: dict | None = None, *extra: str) -> tuple:
    args = ["case", "fire", case, trigger, "--as", actor]
    if data is not None:
        args += ["--data", json.dumps(data, ensure_ascii=False, allow_nan=True)]
    return (*args, *extra)


def perform(total: object) -> tuple:
    return fire("{mediation}", "record_full_performance", "{mediator}",
                {"performed_on": YESTERDAY.isoformat(), "total_paid": total})


def verify(clue_received_on: str = YESTERDAY.isoformat(), clue_no: str = "XS-1", **extra) -> dict:
    return {"clue_no": clue_no, "clue_source": "inspection",
            "clue_received_on": clue_received_on, **extra}


def start(data: dict, *extra: str) -> tuple:
    return fire("{admin}", "start_verification", "{officer}", data, *extra)


def raw_json(case: str, trigger: str, actor: str, literal: str) -> tuple:
    """A --data value written by hand (NaN and friends are not JSON, but json.loads takes
    them; a lone surrogate escape is JSON but not text)."""
    return ("case", "fire", case, trigger, "--as", actor, "--data", literal)


MALFORMED = {"unclosed.yaml": b"year: 2027\nrest: [2027-01-01\n",
             "tabs.yaml": b"year: 2027\nrest:\n\t- 2027-01-01\n",
             "indent.yaml": b"year: 2027\n  rest: x\n",
             "list.yaml": b"- 2027-01-01\n",
             "year-0001.yaml": b"year: 1\nrest: [0001-01-01]\n",
             "year-far.yaml": f"year: {TODAY.year + 10}\nrest: [{TODAY.year + 10}-01-01]\n"
             .encode(),
             "latin1.yaml": "year: 2027\nrest: [2027-01-01]  # caf\xe9\n".encode("latin-1")}
NOT_A_DATABASE = {"bad.yaml": b"year: 2027\nrest: [2027-01-01]\n"}
WORKFLOW_WITH_NUL = {"nul.yaml": b"key: nul\nversion: 1\ntitle: {zh: \x00, en: x}\n"}
NO_KEYS = {"CASEFLOW_AUDIT_KEYS": "{scratch}/no-such-keys.json"}

CASES: dict[str, Bad] = {
    # numbers -------------------------------------------------------------------------------
    "NaN amount closes a mediation": Bad(perform(float("nan")), "total_paid: must be a finite"),
    "Infinity amount": Bad(perform(float("inf")), "total_paid: must be a finite"),
    "-Infinity amount": Bad(perform(float("-inf")), "total_paid: must be a finite"),
    "'nan' as text in a number": Bad(perform("nan"), "total_paid: must be a finite"),
    "'Infinity' as text in a number": Bad(perform("Infinity"), "total_paid: must be a finite"),
    "1e400 overflows to inf": Bad(raw_json("{mediation}", "record_full_performance",
                                           "{mediator}", f'{{"performed_on": "{YESTERDAY}", '
                                           '"total_paid": 1e400}'),
                                  "total_paid: must be a finite"),
    "number of 400 digits": Bad(perform(10**400), "total_paid: is out of range"),
    "NaN security posted (court)": Bad(fire("{court}", "receive_preservation_application",
                                            "{judge}", {
                                                "preservation_kind": "property",
                                                "applied_at": f"{YESTERDAY}T10:00",
                                                "prefiling": False,
                                                "security_posted": float("nan"),
                                                "goods_detained_by_customs": False}),
                                       "security_posted: must be a finite"),
    # ids -----------------------------------------------------------------------------------
    "case show id beyond int64": Bad(("case", "show", HUGE, "--as", "{officer}"),
                                     f"unknown case id {HUGE}"),
    "case show id beyond int32": Bad(("case", "show", INT32, "--as", "{officer}"),
                                     f"unknown case id {INT32}"),
    "case fire id beyond int64": Bad(("case", "fire", HUGE, "start_verification", "--as",
                                      "{officer}"), f"unknown case id {HUGE}"),
    "case triggers id beyond int64": Bad(("case", "triggers", HUGE, "--as", "{officer}"),
                                         f"unknown case id {HUGE}"),
    "clocks show id beyond int64": Bad(("clocks", "show", HUGE, "--as", "{officer}"),
                                       f"unknown case id {HUGE}"),
    "clocks pause id beyond int32": Bad(("clocks", "pause", INT32, "filing_decision",
                                         "--reason", "testing", "--as", "{officer}"),
                                        f"unknown case id {INT32}"),
    "handoff accept id beyond int64": Bad(("handoff", "accept", HUGE, "--as", "{officer}"),
                                          f"unknown handoff {HUGE}"),
    "inbox ack id beyond int64": Bad(("inbox", "--as", "{officer}", "--ack", HUGE),
                                     f"unknown notification {HUGE}"),
    "workflows show --case beyond int64": Bad(("workflows", "show", "admin_enforcement",
                                               "--case", HUGE, "--as", "{officer}"),
                                              f"unknown case id {HUGE}"),
    "case fire --expect-version beyond int64": Bad(start(verify(), "--expect-version", HUGE),
                                                   f"not {HUGE}"),
    "demo --cases -1": Bad(("demo", "--cases", "-1"), "--cases': -1 is not in the range"),
    "demo --cases 0": Bad(("demo", "--cases", "0"), "--cases': 0 is not in the range"),
    "demo --cases beyond int64": Bad(("demo", "--cases", HUGE),
                                     f"--cases': {HUGE} is not in the range"),
    # database URLs -------------------------------------------------------------------------
    "--database-url foo://bar": Bad(("audit", "verify"), "invalid database URL 'foo://bar'",
                                    url="foo://bar"),
    "case show with --database-url foo://bar": Bad(
        ("case", "show", "1", "--as", "x"), "invalid database URL", url="foo://bar"),
    "--database-url not a URL": Bad(("workflows", "list"), "invalid database URL",
                                    url="notaurl"),
    "SQLite URL in a directory that does not exist": Bad(
        ("audit", "verify"), "does not exist", url="sqlite:///{scratch}/no/such/dir/x.db"),
    "SQLite file that does not exist": Bad(("case", "show", "1", "--as", "x"),
                                          "does not exist", url="sqlite:///{scratch}/absent.db"),
    "sweep on a SQLite file that does not exist": Bad(("sweep",), "does not exist",
                                                      url="sqlite:///{scratch}/absent.db"),
    "db upgrade --revision deadbeef": Bad(("db", "upgrade", "--revision", "deadbeef"),
                                          "deadbeef"),
    "db upgrade --revision deadbeef on a new file": Bad(
        ("db", "upgrade", "--revision", "deadbeef"), "deadbeef",
        url="sqlite:///{scratch}/new/fresh.db"),
    "db upgrade --revision head+1": Bad(("db", "upgrade", "--revision", "head+1"), "head+1"),
    "--database-url naming a file that is not a database": Bad(
        ("audit", "verify"), "file is not a database", url="sqlite:///{scratch}/bad.yaml",
        files=NOT_A_DATABASE),
    "db upgrade on a file that is not a database": Bad(
        ("db", "upgrade"), "file is not a database", url="sqlite:///{scratch}/bad.yaml",
        files=NOT_A_DATABASE),
    "demo on a file that is not a database": Bad(
        ("demo", "--cases", "1"), "file is not a database", url="sqlite:///{scratch}/bad.yaml",
        files=NOT_A_DATABASE),
    # audit keys ----------------------------------------------------------------------------
    "demo with an audit key file that does not exist, new database": Bad(
        ("demo", "--cases", "1"), "no-such-keys.json not found",
        url="sqlite:///{scratch}/new/demo.db", env=NO_KEYS),
    "demo with an audit key file that does not exist": Bad(
        ("demo", "--cases", "1"), "no-such-keys.json not found", env=NO_KEYS),
    # workflow files ------------------------------------------------------------------------
    "workflows validate a file with a NUL": Bad(
        ("workflows", "validate", "{scratch}/nul.yaml"),
        "nul.yaml:3: YAML syntax error: unacceptable character #x0000", files=WORKFLOW_WITH_NUL),
    # calendar files ------------------------------------------------------------------------
    "calendar YAML with an unclosed list": Bad(
        ("calendar", "load", "{scratch}/unclosed.yaml", "--as", "{admin_user}"),
        "unclosed.yaml: line 3, column 1: not valid YAML", files=MALFORMED),
    "calendar YAML with a tab": Bad(
        ("calendar", "load", "{scratch}/tabs.yaml", "--as", "{admin_user}"),
        "tabs.yaml: line 3, column 1: not valid YAML", files=MALFORMED),
    "calendar YAML badly indented": Bad(
        ("calendar", "load", "{scratch}/indent.yaml", "--as", "{admin_user}"),
        "indent.yaml: line 2, column 7: not valid YAML", files=MALFORMED),
    "calendar YAML that is a list": Bad(
        ("calendar", "load", "{scratch}/list.yaml", "--as", "{admin_user}"), "list.yaml",
        files=MALFORMED),
    "calendar for year 0001": Bad(
        ("calendar", "load", "{scratch}/year-0001.yaml", "--as", "{admin_user}"), "year",
        files=MALFORMED),
    "calendar ten years ahead": Bad(
        ("calendar", "load", "{scratch}/year-far.yaml", "--as", "{admin_user}"),
        "is outside the years", files=MALFORMED),
    "calendar file not UTF-8": Bad(
        ("calendar", "load", "{scratch}/latin1.yaml", "--as", "{admin_user}"),
        "not UTF-8", files=MALFORMED),
    "calendar override on 0001-01-01": Bad(
        ("calendar", "override", "0001-01-01", "--reason", "typo", "--as", "{admin_user}"),
        "day: 0001-01-01 is implausibly early"),
    "calendar override ten years ahead": Bad(
        ("calendar", "override", TEN_YEARS, "--reason", "typo", "--as", "{admin_user}"),
        f"day: {TEN_YEARS} is too far ahead"),
    # dates ---------------------------------------------------------------------------------
    "date field 0001-01-01": Bad(start(verify("0001-01-01")),
                                 "clue_received_on: 0001-01-01 is implausibly early"),
    "date field ten years ahead": Bad(start(verify(TEN_YEARS)),
                                      f"clue_received_on: {TEN_YEARS} is in the future"),
    "date field given a number": Bad(start(verify(int(YESTERDAY.strftime("%Y%m%d")))),
                                     "clue_received_on: must be a date YYYY-MM-DD as a string"),
    "datetime field given a number": Bad(
        fire("{court}", "receive_preservation_application", "{judge}", {
            "preservation_kind": "property", "applied_at": int(f"{YESTERDAY:%Y%m%d}1000"),
            "prefiling": False, "goods_detained_by_customs": False}),
        "applied_at: must be a date and time"),
    "scheduled date ten years ahead": Bad(
        fire("{court}", "request_supplement", "{judge}",
             {"items_to_complete": "证据目录", "due_on": TEN_YEARS}),
        f"due_on: {TEN_YEARS} is too far ahead"),
    "datetime field in year 9999": Bad(
        fire("{court}", "receive_preservation_application", "{judge}", {
            "preservation_kind": "property", "applied_at": "9999-12-31T23:00",
            "prefiling": False, "goods_detained_by_customs": False}),
        "applied_at: 9999-12-31 is in the future"),
    "datetime field 0001-01-01T00:00": Bad(
        fire("{court}", "receive_preservation_application", "{judge}", {
            "preservation_kind": "property", "applied_at": "0001-01-01T00:00",
            "prefiling": False, "goods_detained_by_customs": False}),
        "applied_at: 0001-01-01 is implausibly early"),
    "clocks pause --on 0001-01-01": Bad(
        ("clocks", "pause", "{admin}", "filing_decision", "--reason", "testing", "--as",
         "{officer}", "--on", "0001-01-01"), "on: 0001-01-01 is implausibly early"),
    "clocks pause --on ten years ahead": Bad(
        ("clocks", "pause", "{admin}", "filing_decision", "--reason", "testing", "--as",
         "{officer}", "--on", TEN_YEARS), f"on: {TEN_YEARS} is in the future"),
    "clocks resume --on 0001-01-01": Bad(
        ("clocks", "resume", "{paused}", "filing_decision", "--as", "{paused_officer}",
         "--on", "0001-01-01"), "on: 0001-01-01 is implausibly early"),
    "clocks extend --decided-on 0001-01-01": Bad(
        ("clocks", "extend", "{admin}", "filing_decision", "--as", "{supervisor}", "--reason",
         "复杂", "--decided-on", "0001-01-01", "--participant", "甲", "--participant", "乙",
         "--participant", "丙"), "collective decision"),
    "deadline --from 0001-01-01": Bad(
        ("deadline", "--from", "0001-01-01T00:00", "--period", "3 working_days"),
        "--from: 0001-01-01 is implausibly early"),
    "deadline --from ten years ahead": Bad(
        ("deadline", "--from", f"{TEN_YEARS}T09:00", "--period", "3 days"),
        f"--from: {TEN_YEARS} is too far ahead"),
    "deadline --pause 0001-01-01": Bad(
        ("deadline", "--from", f"{TODAY}T09:00", "--period", "3 days", "--pause",
         "0001-01-01/0001-01-05"), "--pause: 0001-01-01 is implausibly early"),
    "deadline period of 99,999 days": Bad(
        ("deadline", "--from", f"{TODAY}T09:00", "--period", "99999 days"), "--period: "),
    "sweep --at 9999-12-31T23:00": Bad(("sweep", "--at", "9999-12-31T23:00"),
                                       "at: 9999-12-31 23:00 is in the future"),
    "sweep --at tomorrow": Bad(("sweep", "--at", f"{TODAY + timedelta(days=1)}T09:00"),
                               "is in the future"),
    "sweep --at 0001-01-01T00:00 (before UTC's first day)": Bad(
        ("sweep", "--at", "0001-01-01T00:00"), "--at: '0001-01-01T00:00' is out of range"),
    "sweep --at 9999-12-31T23:00-10:00 (after UTC's last day)": Bad(
        ("sweep", "--at", "9999-12-31T23:00-10:00"),
        "--at: '9999-12-31T23:00-10:00' is out of range"),
    "deadline --from 0001-01-01T00:00+14:00": Bad(
        ("deadline", "--from", "0001-01-01T00:00+14:00", "--period", "3 days"),
        "--from: '0001-01-01T00:00+14:00' is out of range"),
    "deadline --from 9999-12-31T23:00-10:00": Bad(
        ("deadline", "--from", "9999-12-31T23:00-10:00", "--period", "3 days"),
        "--from: '9999-12-31T23:00-10:00' is out of range"),
    "open-ended extension of 100,000 days": Bad(
        ("clocks", "extend", "{extended}", "decision_deadline", "--by", "100000 days",
         "--reason", "案情特别复杂", "--decided-on", "{today}", "--participant", "王建国",
         "--participant", "陈晓燕", "--participant", "刘志强", "--as", "{extended_supervisor}"),
        "by: 100000 days is too long for an open-ended extension"),
    # sizes and characters ------------------------------------------------------------------
    "reason of 30,000 characters": Bad(start(verify(), "--reason", "因" * 30_000),
                                        "reason: is too long: at most 2000"),
    "string field of 100,000 characters": Bad(start(verify(clue_no="X" * 100_000)),
                                              "clue_no: is too long: at most 500"),
    "text field of 30,000 characters": Bad(
        fire("{court}", "request_supplement", "{judge}",
             {"items_to_complete": "证" * 30_000, "due_on": TODAY.isoformat()}),
        "items_to_complete: is too long: at most 20000"),
    "NUL in a string field": Bad(raw_json("{admin}", "start_verification", "{officer}",
                                          json.dumps(verify(clue_no="XS\u00001"))),
                                 "clue_no: contains a NUL character"),
    "lone surrogate in a string field": Bad(
        raw_json("{admin}", "start_verification", "{officer}",
                 '{"clue_no": "XS\\ud800", "clue_source": "inspection", '
                 f'"clue_received_on": "{YESTERDAY}"}}'), "clue_no: is not valid Unicode"),
    "escape character in a reason": Bad(start(verify(), "--reason", "ok\x1b[2J"),
                                        "reason: contains a control character"),
    "bell character in a string field": Bad(start(verify(clue_no="XS\a1")),
                                            "clue_no: contains a control character"),
    "override reason with a control character": Bad(
        start(verify(), "--override", "x\x7f"), "override: contains a control character"),
    "clock pause note of 30,000 characters": Bad(
        ("clocks", "pause", "{admin}", "filing_decision", "--reason", "testing", "--as",
         "{officer}", "--note", "送" * 30_000), "note: is too long"),
    "extension participant of 1,000 characters": Bad(
        ("clocks", "extend", "{admin}", "filing_decision", "--as", "{supervisor}", "--reason",
         "复杂", "--participant", "王" * 1000), "participants[0]: is too long"),
    "calendar override reason with ESC": Bad(
        ("calendar", "override", TODAY.isoformat(), "--reason", "台风\x1b", "--as",
         "{admin_user}"), "reason: contains a control character"),
    "office hours reason of 30,000 characters": Bad(
        ("agency", "office-hours", "nb-customs", "16:30", "--as", "{admin_user}", "--reason",
         "因" * 30_000), "reason: is too long"),
    "migration reason with a control character": Bad(
        ("workflows", "migrate", "complaint", "--to", "2", "--from", "1", "--as",
         "{admin_user}", "--reason", "x\x08", "--clocks", "keep", "--dry-run"),
        "reason: contains a control character"),
}


# --- the prepared database ------------------------------------------------------------------

@pytest.fixture(scope="module")
def prepared(backend: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A demo database (one case of every type) and the names the cases refer to."""
    root = tmp_path_factory.mktemp(f"bad-{backend['name']}")
    url = _fresh_url(backend, root)
    keys = root / "audit-keys.json"
    settings = replace(Settings.from_env(), database_url=url, evidence_dir=root / "evidence",
                       workflows_dir=PROJECT_ROOT / "workflows", audit_keys_path=keys,
                       audit_keys_configured=False, checkpoint_dir=root / "checkpoints")
    REGISTRY.clear()
    app = bootstrap(settings)
    app.load_workflows()
    run_demo(app, per_type=1, seed=2026, echo=lambda *a, **k: None)
    engine = app.engine
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.id, c.workflow_key, c.status, u.username, s.username FROM cases c "
            "LEFT JOIN users u ON u.id = c.assignee_id "
            "LEFT JOIN users s ON s.id = u.supervisor_id ORDER BY c.id")).all()

    def people_of(case_id: int) -> tuple[str, str]:
        with engine.connect() as conn:
            return tuple(conn.execute(text(
                "SELECT u.username, s.username FROM cases c JOIN users u ON u.id = "
                "c.assignee_id LEFT JOIN users s ON s.id = u.supervisor_id WHERE c.id = :i"),
                {"i": case_id}).one())

    def case_in(key: str, status: str, skip: int = 0,
                path: tuple[str, ...] = ()) -> tuple[str, str, str]:
        """The demo's ``skip``-th case of ``key`` in ``status``; the demo's walk depends on
        today's date, so where it did not get there one is opened and taken along ``path``."""
        found = [(str(r[0]), r[3], r[4]) for r in rows if r[1] == key and r[2] == status]
        while len(found) <= skip:
            walked = open_walked(app, key, list(path), seed=2026 + len(found))
            assert walked.status == status, (key, path, walked.status)
            found.append((str(walked.id), *people_of(walked.id)))
        return found[skip]

    mediation, mediator, _ = case_in("mediation", "agreement_signed", path=(
        "accept_application", "hold_session", "sign_settlement"))
    services.fire(app.uow(), int(mediation), "skip_judicial_confirmation", actor=mediator)
    admin, officer, supervisor = case_in("admin_enforcement", "clue_received")
    paused, paused_officer, _ = case_in("admin_enforcement", "clue_received", 1)
    pause_clock(app.uow(), int(paused), "filing_decision", actor=paused_officer,
                reason="testing")
    extended = _filed_and_extended(app, officer, supervisor)
    court, judge, _ = case_in("court_litigation", "complaint_received")
    names = {"mediation": mediation, "mediator": mediator, "admin": admin, "officer": officer,
             "paused": paused, "paused_officer": paused_officer, "court": court,
             "judge": judge, "supervisor": supervisor, "admin_user": "admin",
             "extended": extended, "extended_supervisor": supervisor,
             # Beijing's date after the extension was approved (not at import: a run may
             # cross midnight, and the collective decision cannot predate that approval)
             "today": datetime.now(TZ).date().isoformat()}
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_")}
    env.update(CASEFLOW_AUDIT_KEYS=str(keys), CASEFLOW_CHECKPOINT_DIR=str(root / "checkpoints"),
               CASEFLOW_EVIDENCE_DIR=str(root / "evidence"), PYTHONPATH=str(PROJECT_ROOT))
    yield {"url": url, "names": names, "env": env, "keys": keys}


def _filed_and_extended(app, officer: str, supervisor: str) -> str:  # type: ignore[no-untyped-def]
    """An administrative case filed yesterday whose decision period had its ordinary
    extension: the next one is open-ended (the heads' collective decision sets its length)."""
    case = services.open_case(
        app.uow(), actor=officer, case_type="admin_enforcement", assignee=officer,
        received_on=YESTERDAY, title="恒达服饰商行涉嫌销售假冒注册商标服装",
        parties=[{"role": "rights_holder", "name": "露米埃时装有限公司"},
                 {"role": "alleged_infringer", "name": "宁波市恒达服饰商行"}],
        ip_rights=[{"kind": "trademark", "number": "G1234567", "title": "LUMIÈRE"}])
    for trigger, actor, payload in [
        ("start_verification", officer, verify(clue_no="XS-EXT")),
        ("submit_filing_proposal", officer, {"proposal": "file",
                                             "verification_summary": "经核查，线索属实"}),
        ("approve_filing", supervisor, {"filing_no": "甬市监立〔2026〕1号",
                                        "filed_on": YESTERDAY.isoformat(),
                                        "case_cause": "销售侵犯注册商标专用权的商品",
                                        "investigators": ["李明", "张伟"]}),
    ]:
        services.fire(app.uow(), case.id, trigger, actor=actor, payload=payload)
    extend_clock(app.uow(), case.id, "decision_deadline", actor=supervisor, reason="案情复杂")
    return str(case.id)


def snapshot(prepared: dict) -> dict:
    """Every table's rows (as a digest), the cases' versions and `audit verify`'s answer."""
    engine = create_engine(normalise_url(prepared["url"]))
    tables = {}
    with engine.connect() as conn:
        for table in sorted(inspect(engine).get_table_names()):
            rows = sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{table}"')))
            tables[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        versions = dict(conn.execute(text("SELECT number, version FROM cases")).all())
    engine.dispose()
    old = {k: os.environ.get(k) for k in ("CASEFLOW_AUDIT_KEYS", "CASEFLOW_CHECKPOINT_DIR")}
    os.environ["CASEFLOW_AUDIT_KEYS"] = str(prepared["keys"])
    os.environ["CASEFLOW_CHECKPOINT_DIR"] = prepared["env"]["CASEFLOW_CHECKPOINT_DIR"]
    try:
        audit = CliRunner().invoke(main, ["--database-url", prepared["url"], "audit", "verify"])
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return {"tables": tables, "versions": versions, "audit": (audit.exit_code, audit.output)}


def _fill(arg: str, names: dict[str, str]) -> str:
    for key, value in names.items():
        arg = arg.replace("{" + key + "}", value)
    return arg


def _tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input_is_refused_in_one_line_and_writes_nothing(case: Bad, prepared: dict,
                                                             tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for name, content in (case.files or {}).items():
        (scratch / name).write_bytes(content)
    before_files = _tree(scratch)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    fill = {**prepared["names"], "scratch": str(scratch)}
    args = [_fill(a, fill) for a in case.args]
    url = _fill(case.url or prepared["url"], fill)
    before = snapshot(prepared)
    assert before["audit"][0] == 0, before["audit"]
    env = {**prepared["env"], **{k: _fill(v, fill) for k, v in (case.env or {}).items()}}
    proc = subprocess.run(
        [sys.executable, "-m", "caseflow.entrypoints.cli", "--database-url", url, *args],
        capture_output=True, cwd=cwd, env=env, timeout=120)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    assert proc.returncode != 0, (proc.stdout, stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert case.says in lines[0], lines[0]
    assert snapshot(prepared) == before
    assert _tree(scratch) == before_files, "files were created"
    assert _tree(cwd) == [], "files were created in the working directory"


def test_the_matrix_has_at_least_50_bad_inputs() -> None:
    assert len(CASES) >= 50


def test_sweep_in_the_past_still_works(prepared: dict, tmp_path: Path) -> None:
    """The refusal is only of the future: a sweep as of an earlier time runs (tests and
    catching up use it) and a plain sweep runs as of now."""
    for extra in (("--at", f"{TODAY - timedelta(days=2)}T09:00"), ()):
        proc = subprocess.run(
            [sys.executable, "-m", "caseflow.entrypoints.cli", "--database-url",
             prepared["url"], "sweep", *extra], capture_output=True, text=True, cwd=tmp_path,
            env=prepared["env"], timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("sweep: "), proc.stdout


def test_db_upgrade_and_demo_may_create_their_database(tmp_path: Path) -> None:
    """A command whose job is to make the database makes it, directory and all (a fresh
    clone's default `sqlite:///var/caseflow.db` too); any other command refuses."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_")}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    cli = [sys.executable, "-m", "caseflow.entrypoints.cli"]
    refused = subprocess.run([*cli, "workflows", "list"], capture_output=True, text=True,
                             cwd=tmp_path, env=env, timeout=120)
    assert refused.returncode == 1 and refused.stderr.startswith("error: the SQLite database "
                                                                 "var/caseflow.db does not exist")
    assert _tree(tmp_path) == []
    made = subprocess.run([*cli, "demo", "--cases", "1"], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "var" / "caseflow.db").is_file()
    nested = tmp_path / "a" / "b" / "c.db"
    upgraded = subprocess.run([*cli, "--database-url", f"sqlite:///{nested}", "db", "upgrade"],
                              capture_output=True, text=True, cwd=tmp_path, env=env,
                              timeout=120)
    assert upgraded.returncode == 0, upgraded.stderr
    assert nested.is_file()

