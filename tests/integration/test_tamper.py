"""The tamper matrix: someone with full database access but no audit key changes, adds,
deletes, forges or restores records behind the engine's back; `audit verify` names each one.

One demo database per backend is built (real workflows, real service calls, a checkpoint
written part-way), and every test gets a fresh copy of it, tampers with it in one way
(straight SQL, as an attacker would) and runs the verification the CLI runs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from caseflow import services
from caseflow.adapters import schema
from caseflow.adapters.checkpoint_store import CheckpointStore
from caseflow.adapters.registry import REGISTRY, sync_definitions
from caseflow.bootstrap import App, bootstrap
from caseflow.config import Settings
from caseflow.domain.definitions import load_directory
from caseflow.entrypoints.demo import run_demo
from caseflow.services.checkpoints import verify, write_checkpoint
from caseflow.services.clocks import extend_clock
from caseflow.services.directory import create_user
from caseflow.services.mediation.sessions import record_session
from tests.conftest import PEOPLE, PG_ADMIN_URL, TEST_WORKFLOWS, _pg_url, utc
from tests.integration.test_clocks import open_timed
from tests.integration.test_mediation import settled_case

SOURCE_DB = f"caseflow_tamper_src_{uuid.uuid4().hex[:6]}"
COPY_DB = f"caseflow_tamper_{uuid.uuid4().hex[:6]}"


def _admin(sql: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


@pytest.fixture(scope="module")
def source(backend: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The demo database the tests copy, and its checkpoint store: the demo's checkpoint,
    a second one after more work, and a case that moved on after that."""
    base = tmp_path_factory.mktemp(f"tamper-{backend['name']}")
    if backend["name"] == "sqlite":
        path = base / "source.db"
        shutil.copyfile(backend["template"], path)
        url = f"sqlite:///{path}"
    else:
        _admin(f'DROP DATABASE IF EXISTS "{SOURCE_DB}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{SOURCE_DB}"')  # the shared test database holds data
        url = _pg_url(SOURCE_DB)
        schema.upgrade(url)
    store = base / "checkpoints"
    REGISTRY.clear()
    settings = replace(Settings.from_env(), database_url=url, evidence_dir=base / "evidence",
                       checkpoint_dir=store)
    app = bootstrap(settings)
    app.load_workflows()
    with app.session_factory() as session, session.begin():
        sync_definitions(session, [d for d in load_directory(TEST_WORKFLOWS) if d.version == 1])
    run_demo(app, per_type=3, seed=9, echo=lambda _line: None)
    # what the demo's walk does not reach: a settlement with instalments, an extension
    for username, name, agency, roles, boss in PEOPLE:
        create_user(app.uow(), username, name, agency, roles, supervisor=boss)

    def at(local: str):
        moment = utc(local)
        return lambda: app.uow("test", now=lambda: moment)

    settled, _agreement = settled_case(at)
    record_session(at("2026-09-16T17:00")(), settled.id, actor="wu.mediator",
                   held_on=date(2026, 9, 16), attendees=["吴芳（调解员）", "陈静", "林海"],
                   outcome="签署调解协议", notes="双方当场签字，林海承诺三日内下架全部链接。")
    timed = open_timed(at)
    extend_clock(at("2026-10-09T10:00")(), timed.id, "filing", actor="chen.sup",
                 reason="需权利人辨认，经负责人批准延长")
    write_checkpoint(app.uow("test"), CheckpointStore(store))
    with app.engine.connect() as conn:  # one case moves on after the checkpoint
        moved, who = conn.execute(text(
            "SELECT c.id, u.username FROM cases c JOIN users u ON u.id = c.assignee_id "
            "WHERE c.closed_at IS NULL ORDER BY c.id LIMIT 1")).one()
    services.attach_evidence(app.uow("test"), moved, actor=who, filename="补充照片.txt",
                             content="仓库现场补充照片说明".encode(), media_type="text/plain",
                             description="补充证据")
    app.engine.dispose()
    yield {"url": url, "store": store, "name": backend["name"], "evidence": base / "evidence"}
    if backend["name"] == "postgresql":
        _admin(f'DROP DATABASE IF EXISTS "{SOURCE_DB}" WITH (FORCE)')


@pytest.fixture
def copy(source: dict, tmp_path: Path) -> Iterator[App]:
    """A fresh copy of the demo database and of its checkpoint store, for one tamper."""
    if source["name"] == "sqlite":
        target = tmp_path / "copy.db"
        shutil.copyfile(Path(source["url"].removeprefix("sqlite:///")), target)
        url = f"sqlite:///{target}"
    else:
        _admin(f'DROP DATABASE IF EXISTS "{COPY_DB}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{COPY_DB}" TEMPLATE "{SOURCE_DB}"')
        url = _pg_url(COPY_DB)
    store = tmp_path / "checkpoints"
    shutil.copytree(source["store"], store)
    for f in store.iterdir():
        f.chmod(0o644)  # the attacker of the checkpoint cases can write the files too
    REGISTRY.clear()
    app = bootstrap(replace(Settings.from_env(), database_url=url, checkpoint_dir=store,
                            evidence_dir=source["evidence"]))
    yield app
    app.engine.dispose()
    if source["name"] == "postgresql":
        _admin(f'DROP DATABASE IF EXISTS "{COPY_DB}" WITH (FORCE)')


def one(app: App, sql: str, **params) -> object:
    with app.engine.connect() as conn:
        value = conn.execute(text(sql), params).scalar()
    if value is None:
        pytest.fail(f"the demo data has no row for: {sql}")
    return value


def run_sql(app: App, sql: str, **params) -> None:
    with app.engine.begin() as conn:
        conn.execute(text(sql), params)


def number_of(app: App, case_id: object) -> str:
    return str(one(app, "SELECT number FROM cases WHERE id = :c", c=case_id))


def findings(app: App) -> list[str]:
    report = verify(app.uow("test"), app.checkpoints)
    return [str(p) for p in report.problems]


def unkeyed_hash(ev: dict, prev: str) -> str:
    """What the chain's hash was before it was keyed: anyone can compute it."""
    body = {k: ev[k] for k in ("case_id", "seq", "kind", "actor", "channel", "source_state",
                               "target_state", "trigger", "reason", "payload")}
    body["at"], body["prev_hash"] = str(ev["at"]), prev
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":"), default=str).encode()).hexdigest()


def _events(app: App, case_id: object) -> list[dict]:
    with app.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM events WHERE case_id = :c ORDER BY seq"),
                            {"c": case_id})
        return [dict(r._mapping) for r in rows]


def _payload(ev: dict) -> dict:
    p = ev["payload"]
    return json.loads(p) if isinstance(p, str) else p


# --- the tampers: each returns (case id or None, what a finding must say) -------------------

def busiest(app: App) -> object:
    return one(app, "SELECT case_id FROM events GROUP BY case_id ORDER BY COUNT(*) DESC, "
                    "case_id LIMIT 1")


def t_event_reason(app):
    c = busiest(app)
    run_sql(app, "UPDATE events SET reason = '随意修改' WHERE case_id = :c AND seq = 2", c=c)
    return c, "event 2: altered"


def t_event_payload(app):
    c = busiest(app)
    run_sql(app, """UPDATE events SET payload = '{"fine": 1}' WHERE case_id = :c AND seq = 3""",
            c=c)
    return c, "event 3: altered"


def t_event_actor(app):
    c = busiest(app)
    run_sql(app, "UPDATE events SET actor = 'wang.director' WHERE case_id = :c AND seq = 1", c=c)
    return c, "event 1: altered"


def t_event_time(app):
    c = busiest(app)
    run_sql(app, "UPDATE events SET at = :t WHERE case_id = :c AND seq = 2", c=c,
            t="2020-01-01 08:00:00")
    return c, "event 2: altered"


def t_event_deleted_middle(app):
    c = busiest(app)
    run_sql(app, "DELETE FROM events WHERE case_id = :c AND seq = 2", c=c)
    return c, "event 2: missing"


def t_event_deleted_last(app):
    c = busiest(app)
    run_sql(app, "DELETE FROM events WHERE case_id = :c AND seq = "
                 "(SELECT MAX(seq) FROM events WHERE case_id = :c)", c=c)
    return c, "missing"


def t_event_inserted_beyond_head(app):
    c = busiest(app)
    last = _events(app, c)[-1]
    run_sql(app, "INSERT INTO events (case_id, seq, kind, actor, channel, at, reason, payload, "
                 "prev_hash, hash, key_id) VALUES (:c, :s, 'transition', 'li.officer', 'cli', "
                 ":at, '补录', '{}', :p, :h, :k)", c=c, s=last["seq"] + 1, at=last["at"],
            p=last["hash"], h="0" * 64, k=last["key_id"])
    return c, "inserted"


def t_events_swapped(app):
    c = busiest(app)
    run_sql(app, "UPDATE events SET seq = -1 WHERE case_id = :c AND seq = 2", c=c)
    run_sql(app, "UPDATE events SET seq = 2 WHERE case_id = :c AND seq = 3", c=c)
    run_sql(app, "UPDATE events SET seq = 3 WHERE case_id = :c AND seq = -1", c=c)
    return c, "event 2: inserted or reordered"


def t_event_key_id(app):
    c = busiest(app)
    run_sql(app, "UPDATE events SET key_id = 'k9' WHERE case_id = :c AND seq = 2", c=c)
    return c, "event 2: forged or unverifiable"


def t_head_altered(app):
    c = busiest(app)
    run_sql(app, "UPDATE cases SET audit_head = :h WHERE id = :c", c=c, h="f" * 64)
    return c, "cases.audit_head: altered"


def t_status_without_event(app):
    c = one(app, "SELECT id FROM cases WHERE closed_at IS NULL ORDER BY id LIMIT 1")
    run_sql(app, "UPDATE cases SET status = 'investigation' WHERE id = :c", c=c)
    return c, "cases.status: altered"


def _work_on(app: App, case_id: object) -> None:
    """A legitimate change to the case afterwards: its assignee adds evidence."""
    who = one(app, "SELECT u.username FROM cases c JOIN users u ON u.id = c.assignee_id "
                   "WHERE c.id = :c", c=case_id)
    services.attach_evidence(app.uow("test"), case_id, actor=who, filename="后补材料.txt",
                             content=f"后补材料 {case_id}".encode(), media_type="text/plain",
                             description="后补材料")


def t_status_changed_then_case_worked(app):
    """The engine's next write does not launder the tamper: the chain says where the case
    really is."""
    c = one(app, "SELECT id FROM cases WHERE closed_at IS NULL AND assignee_id IS NOT NULL "
                 "ORDER BY id LIMIT 1")
    run_sql(app, "UPDATE cases SET status = 'investigation' WHERE id = :c", c=c)
    _work_on(app, c)
    return c, "cases.status: altered"


def t_party_renamed_then_case_worked(app):
    c = one(app, "SELECT MIN(p.case_id) FROM parties p JOIN cases c ON c.id = p.case_id "
                 "WHERE c.closed_at IS NULL AND c.assignee_id IS NOT NULL")
    p = one(app, "SELECT MIN(id) FROM parties WHERE case_id = :c", c=c)
    run_sql(app, "UPDATE parties SET name = '余姚某某塑料制品厂' WHERE id = :p", p=p)
    _work_on(app, c)
    return c, f"parties#{p}: altered"


def t_closed_without_event(app):
    c = one(app, "SELECT id FROM cases WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1")
    run_sql(app, "UPDATE cases SET status = 'closed', closed_at = :t WHERE id = :c", c=c,
            t="2026-11-30 09:00:00")
    return c, "cases.status: altered"


def t_case_data(app):
    c = one(app, "SELECT id FROM cases ORDER BY id LIMIT 1")
    run_sql(app, """UPDATE cases SET data = '{"fine": 0}' WHERE id = :c""", c=c)
    return c, "cases.data: altered"


def t_case_agency(app):
    c = one(app, "SELECT id FROM cases ORDER BY id LIMIT 1")
    other = one(app, "SELECT a.id FROM agencies a, cases c WHERE c.id = :c AND "
                     "a.id <> c.agency_id ORDER BY a.id LIMIT 1", c=c)
    run_sql(app, "UPDATE cases SET agency_id = :a WHERE id = :c", c=c, a=other)
    return c, "cases.agency_id: altered"


def t_case_assignee(app):
    c = one(app, "SELECT id FROM cases WHERE assignee_id IS NOT NULL ORDER BY id LIMIT 1")
    other = one(app, "SELECT u.id FROM users u, cases c WHERE c.id = :c AND "
                     "u.id <> c.assignee_id ORDER BY u.id LIMIT 1", c=c)
    run_sql(app, "UPDATE cases SET assignee_id = :u WHERE id = :c", c=c, u=other)
    return c, "cases.assignee_id: altered"


def t_case_title(app):
    c = one(app, "SELECT id FROM cases ORDER BY id LIMIT 1")
    run_sql(app, "UPDATE cases SET title = '无关案件' WHERE id = :c", c=c)
    return c, "cases.title: altered"


def t_party_renamed(app):
    p = one(app, "SELECT id FROM parties ORDER BY id LIMIT 1")
    c = one(app, "SELECT case_id FROM parties WHERE id = :p", p=p)
    run_sql(app, "UPDATE parties SET name = '宁波某某贸易有限公司' WHERE id = :p", p=p)
    return c, f"parties#{p}: altered"


def t_party_deleted(app):
    p = one(app, "SELECT MAX(id) FROM parties")
    c = one(app, "SELECT case_id FROM parties WHERE id = :p", p=p)
    run_sql(app, "DELETE FROM parties WHERE id = :p", p=p)
    return c, f"parties#{p}: deleted"


def t_party_added(app):
    c = one(app, "SELECT id FROM cases ORDER BY id LIMIT 1")
    run_sql(app, "INSERT INTO parties (case_id, role, name, kind, origin) VALUES "
                 "(:c, 'respondent', '慈溪某电器厂', 'enterprise', 'local')", c=c)
    return c, "added outside the engine"


def t_case_deleted(app):
    c = one(app, "SELECT id FROM cases ORDER BY id LIMIT 1")
    for sql in (
        "DELETE FROM clock_segments WHERE clock_id IN (SELECT id FROM clocks WHERE case_id = :c)",
        "DELETE FROM clock_extensions WHERE clock_id IN (SELECT id FROM clocks WHERE case_id = :c)",
        "DELETE FROM notifications WHERE alert_id IN (SELECT id FROM alerts WHERE case_id = :c "
        "OR clock_id IN (SELECT id FROM clocks WHERE case_id = :c))",
        "DELETE FROM alerts WHERE case_id = :c OR clock_id IN "
        "(SELECT id FROM clocks WHERE case_id = :c)",
        "DELETE FROM instalments WHERE agreement_id IN "
        "(SELECT id FROM settlement_agreements WHERE case_id = :c)",
        "DELETE FROM settlement_agreements WHERE case_id = :c",
        "DELETE FROM mediation_sessions WHERE case_id = :c",
        "UPDATE clocks SET handoff_id = NULL WHERE handoff_id IN "
        "(SELECT id FROM handoffs WHERE case_id = :c OR linked_case_id = :c OR target_case_id = :c)",
        "DELETE FROM handoffs WHERE case_id = :c OR linked_case_id = :c OR target_case_id = :c",
        "DELETE FROM clocks WHERE case_id = :c",
        "DELETE FROM events WHERE case_id = :c",
        "DELETE FROM evidence WHERE case_id = :c",
        "DELETE FROM case_links WHERE from_case_id = :c OR to_case_id = :c",
        "DELETE FROM case_ip_rights WHERE case_id = :c",
        "DELETE FROM parties WHERE case_id = :c",
        "DELETE FROM case_facts WHERE case_id = :c",
        "DELETE FROM cases WHERE id = :c",
    ):
        run_sql(app, sql, c=c)
    return c, "cases: deleted (checkpoint 2"


def t_events_wiped_head_reset(app):
    c = busiest(app)
    run_sql(app, "DELETE FROM events WHERE case_id = :c", c=c)
    run_sql(app, "UPDATE cases SET audit_seq = 0, audit_head = '' WHERE id = :c", c=c)
    return c, "chain cut back"


def t_chain_truncated_head_back(app):
    c = busiest(app)
    events = _events(app, c)
    keep = events[len(events) // 2 - 1]
    run_sql(app, "DELETE FROM events WHERE case_id = :c AND seq > :s", c=c, s=keep["seq"])
    run_sql(app, "UPDATE cases SET audit_seq = :s, audit_head = :h WHERE id = :c", c=c,
            s=keep["seq"], h=keep["hash"])
    return c, "cases.audit_seq: altered"


def t_event_forged_head_moved(app):
    c = busiest(app)
    last = _events(app, c)[-1]
    forged = {**last, "seq": last["seq"] + 1, "kind": "transition", "actor": "wang.director",
              "reason": "撤销立案", "payload": {}, "trigger": "close", "source_state": None,
              "target_state": "closed"}
    h = unkeyed_hash(forged, last["hash"])
    run_sql(app, "INSERT INTO events (case_id, seq, kind, actor, channel, at, trigger, "
                 "target_state, reason, payload, prev_hash, hash, key_id) VALUES (:c, :s, "
                 "'transition', 'wang.director', 'cli', :at, 'close', 'closed', '撤销立案', '{}', "
                 ":p, :h, :k)", c=c, s=forged["seq"], at=last["at"], p=last["hash"], h=h,
            k=last["key_id"])
    run_sql(app, "UPDATE cases SET audit_seq = :s, audit_head = :h WHERE id = :c", c=c,
            s=forged["seq"], h=h)
    return c, f"event {forged['seq']}: altered or forged"


def t_chain_recomputed_unkeyed(app):
    c = busiest(app)
    prev = "0" * 64
    with app.engine.begin() as conn:
        for ev in _events(app, c):
            if ev["seq"] == 2:
                ev["reason"] = "改写的理由"
            ev["payload"] = _payload(ev)
            h = unkeyed_hash(ev, prev)
            conn.execute(text("UPDATE events SET reason = :r, prev_hash = :p, hash = :h "
                              "WHERE id = :i"), {"r": ev["reason"], "p": prev, "h": h,
                                                 "i": ev["id"]})
            prev = h
        conn.execute(text("UPDATE cases SET audit_head = :h WHERE id = :c"), {"h": prev, "c": c})
    return c, "event 1: altered or forged"


def t_clock_due(app):
    k = one(app, "SELECT id FROM clocks ORDER BY id LIMIT 1")
    c = one(app, "SELECT case_id FROM clocks WHERE id = :k", k=k)
    run_sql(app, "UPDATE clocks SET due_at = :d, due_last_day = :day WHERE id = :k", k=k,
            d="2030-01-01 15:59:59", day="2030-01-01")
    return c, f"clocks#{k}: altered"


def t_clock_status(app):
    k = one(app, "SELECT id FROM clocks WHERE status = 'running' ORDER BY id LIMIT 1")
    c = one(app, "SELECT case_id FROM clocks WHERE id = :k", k=k)
    run_sql(app, "UPDATE clocks SET status = 'stopped', stopped_at = started_at WHERE id = :k",
            k=k)
    return c, f"clocks#{k}: altered"


def t_pause_removed(app):
    s = one(app, "SELECT MIN(id) FROM clock_segments")
    c = one(app, "SELECT k.case_id FROM clocks k JOIN clock_segments s ON s.clock_id = k.id "
                 "WHERE s.id = :s", s=s)
    run_sql(app, "DELETE FROM clock_segments WHERE id = :s", s=s)
    return c, f"clock_segments#{s}: deleted"


def t_extension_approver(app):
    e = one(app, "SELECT MIN(id) FROM clock_extensions")
    c = one(app, "SELECT k.case_id FROM clocks k JOIN clock_extensions e ON e.clock_id = k.id "
                 "WHERE e.id = :e", e=e)
    run_sql(app, "UPDATE clock_extensions SET approved_by = 'wang.director' WHERE id = :e", e=e)
    return c, f"clock_extensions#{e}: altered"


def t_mediation_notes(app):
    m = one(app, "SELECT MIN(id) FROM mediation_sessions")
    c = one(app, "SELECT case_id FROM mediation_sessions WHERE id = :m", m=m)
    run_sql(app, "UPDATE mediation_sessions SET notes = '双方未到场' WHERE id = :m", m=m)
    return c, f"mediation_sessions#{m}: altered"


def t_settlement_amount(app):
    a = one(app, "SELECT MIN(id) FROM settlement_agreements")
    c = one(app, "SELECT case_id FROM settlement_agreements WHERE id = :a", a=a)
    run_sql(app, "UPDATE settlement_agreements SET amount_fen = 1 WHERE id = :a", a=a)
    return c, f"settlement_agreements#{a}: altered"


def t_instalment_paid(app):
    i = one(app, "SELECT MIN(id) FROM instalments")
    c = one(app, "SELECT s.case_id FROM settlement_agreements s JOIN instalments i ON "
                 "i.agreement_id = s.id WHERE i.id = :i", i=i)
    run_sql(app, "UPDATE instalments SET status = 'paid', paid_on = due_on WHERE id = :i", i=i)
    return c, f"instalments#{i}: altered"


def t_handoff_status(app):
    h = one(app, "SELECT MIN(id) FROM handoffs")
    c = one(app, "SELECT case_id FROM handoffs WHERE id = :h", h=h)
    run_sql(app, "UPDATE handoffs SET status = 'rejected', status_reason = '材料不全' "
                 "WHERE id = :h", h=h)
    return c, f"handoffs#{h}: altered"


def t_evidence_digest(app):
    e = one(app, "SELECT MIN(id) FROM evidence")
    c = one(app, "SELECT case_id FROM evidence WHERE id = :e", e=e)
    run_sql(app, "UPDATE evidence SET sha256 = :h WHERE id = :e", e=e, h="a" * 64)
    return c, f"evidence#{e}: altered"


def t_ip_right_number(app):
    r = one(app, "SELECT MIN(ip_right_id) FROM case_ip_rights")
    c = one(app, "SELECT MIN(case_id) FROM case_ip_rights WHERE ip_right_id = :r", r=r)
    run_sql(app, "UPDATE ip_rights SET number = 'ZL000000000' WHERE id = :r", r=r)
    return c, f"ip_rights#{r}: altered"


def t_link_removed(app):
    link = one(app, "SELECT MIN(id) FROM case_links")
    c = one(app, "SELECT from_case_id FROM case_links WHERE id = :k", k=link)
    run_sql(app, "DELETE FROM case_links WHERE id = :k", k=link)
    return c, f"case_links#{link}: deleted"


def t_seal_removed(app):
    c = one(app, "SELECT id FROM cases ORDER BY id LIMIT 1")
    run_sql(app, "UPDATE cases SET seal = NULL WHERE id = :c", c=c)
    return c, "cases.seal: missing"


def t_seal_copied(app):
    a = one(app, "SELECT MIN(id) FROM cases")
    b = one(app, "SELECT MAX(id) FROM cases")
    run_sql(app, "UPDATE cases SET seal = (SELECT seal FROM cases WHERE id = :a) "
                 "WHERE id = :b", a=a, b=b)
    return b, "cases.seal: forged"


def t_seal_digest_rewritten(app):
    c = one(app, "SELECT id FROM cases ORDER BY id LIMIT 1")
    with app.engine.connect() as conn:
        seal = conn.execute(text("SELECT seal FROM cases WHERE id = :c"), {"c": c}).scalar()
    seal = json.loads(seal) if isinstance(seal, str) else seal
    seal["rows"]["cases.status"] = "0" * 32
    run_sql(app, "UPDATE cases SET seal = :s WHERE id = :c", c=c,
            s=json.dumps(seal, ensure_ascii=False))
    return c, "cases.seal: forged"


def t_checkpoint_edited(app):
    path = app.settings.checkpoint_dir / "checkpoint-000001.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body["leaves"][0][2] = 1
    path.write_text(json.dumps(body), encoding="utf-8")
    return None, "checkpoint 1: altered"


def t_checkpoint_deleted(app):
    (app.settings.checkpoint_dir / "checkpoint-000001.json").unlink()
    return None, "checkpoint 1: missing"


def t_checkpoint_case_dropped_and_recomputed(app):
    """Without the key, a checkpoint rewritten to forget a case fails its MAC."""
    from caseflow.domain.merkle import leaf_hash, merkle_root

    path = app.settings.checkpoint_dir / "checkpoint-000001.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body["leaves"] = body["leaves"][1:]
    body["root"] = merkle_root([leaf_hash(*leaf) for leaf in body["leaves"]])
    body["cases"] -= 1
    path.write_text(json.dumps(body), encoding="utf-8")
    return None, "checkpoint 1: altered (its MAC"


TAMPERS: dict[str, Callable[[App], tuple[object, str]]] = {
    name.removeprefix("t_"): fn for name, fn in sorted(globals().items())
    if name.startswith("t_") and callable(fn)
}


def _evidence_file(app: App) -> tuple[object, object, Path]:
    e, c, digest = None, None, None
    with app.engine.connect() as conn:
        e, c, digest = conn.execute(text("SELECT id, case_id, sha256 FROM evidence "
                                         "ORDER BY id LIMIT 1")).one()
    return e, c, app.uow().evidence.path_for(digest)


@pytest.mark.parametrize("how", ["altered", "missing"])
def test_evidence_bytes_changed_on_disk_are_found_by_verify_evidence(source, tmp_path, how):
    REGISTRY.clear()
    evidence = tmp_path / "evidence"
    shutil.copytree(source["evidence"], evidence)
    url = source["url"]
    app = bootstrap(replace(Settings.from_env(), database_url=url, evidence_dir=evidence,
                            checkpoint_dir=source["store"]))
    try:
        assert verify(app.uow("test"), None, evidence=True).problems == []
        e, c, path = _evidence_file(app)
        path.chmod(0o644)
        if how == "altered":
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
        else:
            path.unlink()
        found = [str(p) for p in verify(app.uow("test"), None, evidence=True).problems]
        assert any(f"(id {c}) evidence#{e}: file {how}" in f for f in found), found
        assert verify(app.uow("test"), None).problems == []  # without --evidence: rows only
    finally:
        app.engine.dispose()


def test_the_untouched_copy_verifies_against_its_checkpoint(copy):
    report = verify(copy.uow("test"), copy.checkpoints)
    assert report.problems == [], [str(p) for p in report.problems[:5]]
    # the demo's own checkpoint, then the one written after the settlement and extension
    assert report.checkpoint == 2 and report.cases > 20 and report.events > 100


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_tampering_is_detected_with_case_row_and_difference(copy, tamper):
    case_id, expected = TAMPERS[tamper](copy)
    found = findings(copy)
    assert found, f"{tamper}: not detected"
    matching = [f for f in found if expected in f]
    assert matching, f"{tamper}: expected {expected!r} in {found[:6]}"
    if case_id is not None:
        assert any(f"(id {case_id})" in f for f in matching), (tamper, matching[:3])
