"""A writer process for the process probes (tests/e2e/test_probes_processes.py).

    python tests/e2e/_probe_worker.py write URL NAME CASES SECONDS SEED [START_AT]
        fires transitions, assigns and pauses/resumes clocks on the given cases (comma-separated
        ids) through the service layer for SECONDS, starting at the epoch START_AT; prints one
        JSON line per outcome, flushed as soon as the change is committed (or refused):
        {"token": …, "case": …, "op": …, "ok": true, "version": …} or
        {"token": …, "case": …, "op": …, "ok": false, "error": "ConflictError"}.
        The token is in the reason / note of the change, so the test finds it in the audit trail.
    python tests/e2e/_probe_worker.py hold-pg URL CASE SLEEP
        locks the case row (SELECT … FOR UPDATE) through the engine, prints "locked PID", idles
        SLEEP seconds in the transaction, then tries to go on and prints how that ended.

The engine's timeouts come from the environment (CASEFLOW_LOCK_TIMEOUT_S …), as in the CLI.
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback
from dataclasses import replace


def _out(record: dict) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def write(url: str, name: str, cases: str, seconds: str, seed: str, start_at: str = "0") -> int:
    from caseflow import services
    from caseflow.bootstrap import bootstrap
    from caseflow.config import Settings
    from caseflow.domain.errors import CaseflowError
    from caseflow.services.clocks import pause_clock, resume_clock

    app = bootstrap(replace(Settings.from_env(), database_url=url))
    ids = [int(c) for c in cases.split(",")]
    rng = random.Random(int(seed))
    officers = ["li.officer", "zhang.officer"]
    _out({"ready": name})
    while time.time() < float(start_at):
        time.sleep(0.01)
    deadline = time.monotonic() + float(seconds)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        token = f"probe-{name}-{n}"
        case = rng.choice(ids)
        op = rng.choice(["appraisal", "appraisal", "done", "done", "assign", "pause", "resume"])
        record: dict = {"token": token, "case": case, "op": op}
        try:
            if op == "appraisal":
                view = services.fire(app.uow("cli"), case, "send_for_appraisal",
                                     actor="li.officer", reason=token)
                record["version"] = view.version
            elif op == "done":
                view = services.fire(app.uow("cli"), case, "appraisal_done",
                                     actor="li.officer", reason=token)
                record["version"] = view.version
            elif op == "assign":
                view = services.assign(app.uow("cli"), case, rng.choice(officers),
                                       actor="chen.sup", reason=token)
                record["version"] = view.version
            elif op == "pause":
                pause_clock(app.uow("cli"), case, "filing", actor="li.officer",
                            reason="testing", note=token)
            else:
                resume_clock(app.uow("cli"), case, "filing", actor="li.officer", note=token)
            record["ok"] = True
        except CaseflowError as exc:
            record.update(ok=False, error=type(exc).__name__, message=exc.message)
        except Exception as exc:  # noqa: BLE001 - an unexpected failure fails the probe
            record.update(ok=False, error="unexpected", message=repr(exc),
                          trace=traceback.format_exc())
        _out(record)
    app.engine.dispose()
    return 0


def hold_pg(url: str, case: str, sleep: str) -> int:
    from sqlalchemy import select, text

    from caseflow.adapters.orm import Case
    from caseflow.bootstrap import bootstrap
    from caseflow.config import Settings
    from caseflow.domain.errors import CaseflowError

    app = bootstrap(replace(Settings.from_env(), database_url=url))
    conn = app.engine.connect()
    conn.begin()
    pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    conn.execute(select(Case.id).where(Case.id == int(case)).with_for_update()).all()
    print(f"locked {pid}", flush=True)
    time.sleep(float(sleep))
    try:
        conn.execute(text("UPDATE cases SET title = title WHERE id = :id"), {"id": int(case)})
        conn.commit()
        print("committed", flush=True)
    except CaseflowError as exc:
        print(f"ended {type(exc).__name__}: {exc.message}", flush=True)
    except Exception as exc:  # noqa: BLE001
        print(f"ended unexpected {exc!r}", flush=True)
    finally:
        conn.close()
        app.engine.dispose()
    return 0


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    sys.exit({"write": write, "hold-pg": hold_pg}[command](*args))
