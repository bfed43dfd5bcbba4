"""The audit chain is keyed and rotated by key id; verification reads one snapshot while
writers run; checkpoints are written, chained, exported and prove one case's head."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from caseflow import services
from caseflow.adapters.audit_keys import load_keyring, rotate_keyring
from caseflow.adapters.checkpoint_store import CheckpointStore
from caseflow.adapters.registry import REGISTRY
from caseflow.bootstrap import bootstrap
from caseflow.domain.errors import NotFound, PermissionDenied, ValidationFailed
from caseflow.domain.merkle import ProofStep, root_from_proof
from caseflow.entrypoints.cli import main
from caseflow.services.audit import rotate_key
from caseflow.services.checkpoints import export_manifest, prove, verify, write_checkpoint
from tests.integration.test_engine import open_inspection


def _cases(uow, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        case = open_inspection(uow)
        services.assign(uow(), case.id, "li.officer", actor="chen.sup")
        ids.append(case.id)
    return ids


def test_verify_never_cries_wolf_under_concurrent_writers(app, uow, people):
    """Item 1 of the hardening issue: cases and events are read from one snapshot."""
    ids = _cases(uow, 6)
    stop = threading.Event()
    done = [0]
    errors: list[BaseException] = []

    def writer(case_ids: list[int]) -> None:
        who = ["zhang.officer", "li.officer"]
        i = 0
        while not stop.is_set():
            for cid in case_ids:
                try:
                    services.assign(uow(), cid, who[i % 2], actor="chen.sup")
                    done[0] += 1
                except Exception as exc:  # noqa: BLE001 - a conflict is fine, report others
                    if "changed by someone else" not in str(exc) and "busy" not in str(exc):
                        errors.append(exc)
            i += 1

    threads = [threading.Thread(target=writer, args=(ids[k::3],)) for k in range(3)]
    for t in threads:
        t.start()
    runs, false_alarms = 0, []
    deadline = time.monotonic() + 5
    try:
        while time.monotonic() < deadline or runs < 10:
            report = verify(uow(), None)
            runs += 1
            false_alarms.extend(str(p) for p in report.problems)
    finally:
        stop.set()
        for t in threads:
            t.join()
    print(f"\nverify under 3 writers: {runs} runs, {done[0]} writes, "
          f"{len(false_alarms)} findings")
    assert not errors, errors[:3]
    assert done[0] > 20 and runs >= 10
    assert false_alarms == []
    assert verify(uow(), None).problems == []


@pytest.mark.tampers  # signs with its own keyring, then loses a key on purpose
def test_events_are_keyed_and_a_rotated_key_still_verifies_the_old_ones(app, uow, people,
                                                                        tmp_path):
    keys = tmp_path / "keys.json"
    load_keyring(keys, create=True)
    REGISTRY.clear()
    keyed = bootstrap(replace(app.settings, audit_keys_path=keys, audit_keys_configured=True))
    before = open_inspection(lambda channel="test": keyed.uow(channel))
    REGISTRY.clear()
    running = bootstrap(keyed.settings)  # a scheduler or web process started before rotation
    open_inspection(lambda channel="test": running.uow(channel))
    new_id = rotate_key(keyed.uow("test"), lambda: (rotate_keyring(keys),
                                                    keyed.reload_keyring())[1],
                        actor="zhao.admin", reason="年度密钥轮换")
    assert new_id == "k2"
    after = open_inspection(lambda channel="test": keyed.uow(channel))
    later = open_inspection(lambda channel="test": running.uow(channel))  # picks up k2
    with keyed.engine.connect() as conn:
        kids = dict(conn.execute(text("SELECT case_id, key_id FROM events WHERE case_id IN "
                                      "(:a, :b) AND seq = 1"), {"a": before.id, "b": after.id}
                                 ).all())
        rotated = conn.execute(text("SELECT actor, reason, payload FROM system_events WHERE "
                                    "kind = 'audit_key_rotated'")).one()
    assert kids == {before.id: "k1", after.id: "k2"}
    with keyed.engine.connect() as conn:
        assert conn.execute(text("SELECT key_id FROM events WHERE case_id = :c"),
                            {"c": later.id}).scalar_one() == "k2"
    running.engine.dispose()
    assert rotated.actor == "zhao.admin" and rotated.reason == "年度密钥轮换"
    assert verify(keyed.uow("test"), None).problems == []
    # an old key lost: what it signed can no longer be trusted, and verify says so
    body = json.loads(keys.read_text())
    del body["keys"]["k1"]
    keys.write_text(json.dumps(body))
    keyed.reload_keyring()
    found = [str(p) for p in verify(keyed.uow("test"), None).problems]
    assert any("signed with key 'k1'" in f and f"(id {before.id})" in f for f in found)
    assert not any(f"(id {after.id})" in f for f in found)
    keyed.engine.dispose()


def test_only_an_admin_rotates_the_key_and_with_a_reason(app, uow, people):
    calls = []
    with pytest.raises(PermissionDenied):
        rotate_key(uow(), lambda: calls.append(1), actor="chen.sup", reason="轮换")
    with pytest.raises(ValidationFailed):
        rotate_key(uow(), lambda: calls.append(1), actor="zhao.admin", reason="  ")
    assert calls == []


def test_checkpoints_chain_export_and_prove_a_case(app, uow, people, tmp_path):
    ids = _cases(uow, 5)
    store = CheckpointStore(tmp_path / "cp")
    first = write_checkpoint(uow(), store)
    services.assign(uow(), ids[0], "zhang.officer", actor="chen.sup")
    second = write_checkpoint(uow(), store)
    assert (first.number, second.number) == (1, 2) and first.root != second.root
    body = json.loads((tmp_path / "cp" / "checkpoint-000002.json").read_text())
    assert body["previous"]["sha256"] == first.sha256
    assert not (Path(second.path).stat().st_mode & 0o222), "a checkpoint file is read-only"
    report = verify(uow(), store)
    assert report.problems == [] and report.checkpoint == 2

    manifest = export_manifest(store)
    raw = (tmp_path / "cp" / manifest["file"]).read_bytes()
    assert manifest["file_sha256"] == hashlib.sha256(raw).hexdigest()
    assert manifest["merkle_root"] == second.root

    proof = prove(uow(), store, ids[3], actor="li.officer")
    assert prove(uow(), store, ids[3], actor="zhao.admin") == proof
    with pytest.raises(NotFound, match=f"unknown case id {ids[3]}"):
        prove(uow(), store, ids[3], actor="zhou.customs")  # another agency's case
    assert proof["matches_checkpoint_root"] and proof["merkle_root"] == second.root
    steps = [ProofStep(p["side"], p["hash"]) for p in proof["path"]]
    assert root_from_proof(proof["leaf"], steps) == second.root
    wrong = [ProofStep(s.side, "0" * 64) for s in steps]
    assert root_from_proof(proof["leaf"], wrong) != second.root


@pytest.mark.tampers
def test_audit_cli_checkpoint_verify_export_prove(app, uow, people, database_url, tmp_path):
    ids = _cases(uow, 3)
    store = str(tmp_path / "cli-cp")

    def cli(*args):
        return CliRunner().invoke(main, ["--database-url", database_url, "audit", *args])

    made = cli("checkpoint", "--checkpoints", store)
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["cases"] == 3
    ok = cli("verify", "--checkpoints", store)
    assert ok.exit_code == 0, ok.output
    assert "every case matches checkpoint 1" in ok.output
    out = tmp_path / "manifest.json"
    exported = cli("export", "--checkpoints", store, "--out", str(out))
    assert exported.exit_code == 0 and json.loads(out.read_text())["checkpoint"] == 1
    proved = cli("prove", str(ids[1]), "--checkpoints", store, "--as", "chen.sup")
    assert proved.exit_code == 0 and json.loads(proved.output)["matches_checkpoint_root"]
    later = open_inspection(uow)  # opened after the checkpoint
    missing = cli("prove", str(later.id), "--checkpoints", store, "--as", "chen.sup")
    assert missing.exit_code == 1 and "not in checkpoint 1" in missing.output
    outsider = cli("prove", str(ids[1]), "--checkpoints", store, "--as", "zhou.customs")
    unknown = cli("prove", "999999", "--checkpoints", store, "--as", "zhou.customs")
    assert outsider.exit_code == unknown.exit_code == 1
    assert outsider.output.replace(str(ids[1]), "N") == unknown.output.replace("999999", "N")
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET status = 'closed' WHERE id = :c"), {"c": ids[2]})
    broken = cli("verify", "--checkpoints", store)
    assert broken.exit_code == 2
    assert f"(id {ids[2]}) cases.status: altered" in broken.output


@pytest.mark.tampers
def test_a_state_set_behind_the_engine_is_not_laundered_by_the_next_step(app, uow, people):
    """Someone moves a case on in the database; an officer then fires the next step from
    there. The new seal covers the new state, but the chain shows the jump."""
    case = open_inspection(uow)
    with app.engine.begin() as conn:  # received → checking with no event
        conn.execute(text("UPDATE cases SET status = 'checking' WHERE id = :c"), {"c": case.id})
    services.fire(uow(), case.id, "file_case", actor="chen.sup", payload={"filing_no": "F-9"})
    found = [str(p) for p in verify(uow(), None).problems]
    assert any(f"(id {case.id}) event 2: state jumped outside the engine" in f
               and "'received'" in f and "'checking'" in f for f in found), found


# --- a tamper followed by the engine's own write to the same row is not laundered ----------

def _findings(uow) -> list[str]:
    return [str(p) for p in verify(uow(), None).problems]


@pytest.mark.tampers
def test_case_data_tampered_then_merged_by_a_step_stays_found(app, uow, people):
    case = open_inspection(uow)
    services.fire(uow(), case.id, "start_check", actor="li.officer")
    with app.engine.begin() as conn:
        conn.execute(text("""UPDATE cases SET data = '{"forged": "2026-01-05"}' WHERE id = :c"""),
                     {"c": case.id})
    services.fire(uow(), case.id, "file_case", actor="chen.sup", payload={"filing_no": "F-7"})
    assert any(f"(id {case.id}) cases.data: altered" in f for f in _findings(uow))


@pytest.mark.tampers
def test_a_clock_tampered_then_paused_by_the_officer_stays_found(app, at, people):
    from caseflow.services.clocks import pause_clock
    from tests.integration.test_clocks import open_timed

    case = open_timed(at)
    with app.engine.begin() as conn:
        clock = conn.execute(text("SELECT id FROM clocks WHERE case_id = :c AND name = "
                                  "'filing'"), {"c": case.id}).scalar_one()
        conn.execute(text("UPDATE clocks SET started_at = '2026-09-25 02:00:00', due_at = "
                          "'2026-10-30 16:00:00', due_last_day = '2026-10-30' WHERE id = :k"),
                     {"k": clock})
    pause_clock(at("2026-09-22T09:00")(), case.id, "filing", actor="li.officer",
                reason="appraisal")
    found = _findings(lambda: at("2026-09-22T09:00")())
    assert any(f"(id {case.id}) clocks#{clock}: altered" in f for f in found), found


@pytest.mark.tampers
def test_a_handoff_tampered_then_accepted_stays_found(app, uow, people):
    from caseflow.services import handoffs
    from tests.integration.test_handoffs import approved_case, send

    case = approved_case(uow)
    sent = send(uow, case.id)
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE handoffs SET reason = '伪造', materials = '[]' WHERE id = :h"),
                     {"h": sent.id})
    handoffs.accept(uow(), sent.id, actor="gao.police", reason="材料齐全，予以接收")
    found = _findings(uow)
    assert any(f"(id {case.id}) handoffs#{sent.id}: altered" in f for f in found), found
