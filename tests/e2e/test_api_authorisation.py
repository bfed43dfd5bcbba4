"""The engine's authorisation matrix again, through HTTP: every operation by every kind of
caller, each with its own bearer token, against a live server — one test per operation
(rule), the same answers as the service layer gives in
``tests/integration/test_authorisation.py``, translated to HTTP statuses. A case or handoff
the caller may not see is answered exactly like an id that does not exist (same status, same
problem detail apart from the ids), and a refusal writes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from caseflow.adapters.orm import Case, Event, Handoff
from caseflow.adapters.registry import sync_definitions
from caseflow.domain.definitions import parse_definition
from caseflow.services.directory import create_user
from caseflow.services.tokens import create_token
from tests.e2e.http import call, multipart
from tests.integration.test_authorisation import CALLERS, EXPECTED, MISSING, WORKFLOW, Scenario

# the engine's outcomes as HTTP answers; the trail's "no_events" (an agency a case was handed
# to sees the case, not its trail) is a 403 from the trail endpoint
STATUS = {"ok": {200, 201}, "no_events": {403}, "unknown": {404}, "nouser": {401},
          "denied": {403}, "refused": {409}, "conflict": {409}, "invalid": {422}}


@pytest.fixture
def world(app, people, uow) -> Scenario:
    """The engine matrix's workflow and its officer-supervisor who asks for transfers."""
    with app.session_factory() as session, session.begin():
        sync_definitions(session, [parse_definition(WORKFLOW, "authz.v1.yaml")])
    create_user(uow(), "lin.deputy", "林志强", "nb-amr", ["officer", "supervisor"],
                supervisor="wang.director")
    return Scenario(uow)


@pytest.fixture
def tokens(world, uow) -> dict[str, str]:
    """One bearer token per caller; the caller with no account gets a made-up secret."""
    out = {}
    for who, username in CALLERS.items():
        if who == "unknown":
            out[who] = "cf_" + "x" * 43
            continue
        _record, out[who] = create_token(uow(), for_user=username, name=f"矩阵测试 {who}",
                                         actor="zhao.admin", days=7, reason="授权矩阵测试")
    return out


def _version(app, case_id: int) -> int:
    with app.session_factory() as s:
        return s.scalar(select(Case.version).where(Case.id == case_id)) or 1


def _writes(app) -> tuple[int, int]:
    with app.session_factory() as s:
        return (s.scalar(select(func.count()).select_from(Event)) or 0,
                s.scalar(select(func.count()).select_from(Handoff)) or 0)


Request = tuple[str, str, dict | None, dict[str, str], bytes | None]


def _requests(world: Scenario, app) -> dict[str, Callable[[dict, bool], Request]]:
    """Each operation as an HTTP request on the subject (or, with ``missing``, on an id that
    does not exist): method, path, JSON body, headers, raw body."""
    counter = iter(range(1, 10**6))

    def cid(s: dict, m: bool) -> int:
        return MISSING if m else s["id"]

    def hid(s: dict, m: bool) -> int:
        return MISSING if m else s["handoff"]

    def match(s: dict) -> dict[str, str]:
        return {"If-Match": f'"{_version(app, s["id"])}"'}

    def post(path: str, body: dict | None = None):  # type: ignore[no-untyped-def]
        return lambda s, m: ("POST", path.format(c=cid(s, m)), body or {}, match(s), None)

    def get(path: str):  # type: ignore[no-untyped-def]
        return lambda s, m: ("GET", path.format(c=cid(s, m)), None, {}, None)

    def handoff(verb: str, body: dict | None):  # type: ignore[no-untyped-def]
        return lambda s, m: ("POST", f"/api/v1/handoffs/{hid(s, m)}/{verb}", body or {}, {},
                             None)

    def resume(s: dict, m: bool) -> Request:
        if not m:  # paused by the assignee through the engine; the caller resumes it
            from caseflow.services.clocks import pause_clock
            pause_clock(world.uow(), s["id"], "handling", actor="li.officer", reason="testing")
        return ("POST", f"/api/v1/cases/{cid(s, m)}/clocks/handling/resume", {}, match(s),
                None)

    def link(s: dict, m: bool) -> Request:
        from caseflow import services
        other = services.open_case(world.uow(), actor="li.officer", case_type="authz",
                                   title="关联")
        return ("POST", f"/api/v1/cases/{cid(s, m)}/links",
                {"to_case_id": other.id, "reason": "同一当事人"}, match(s), None)

    def send(s: dict, m: bool) -> Request:
        headers = {**match(s), "Idempotency-Key": f"http-cell/{next(counter)}"}
        return ("POST", f"/api/v1/cases/{cid(s, m)}/handoffs",
                {"kind": "criminal_transfer", "to_agency": "nb-psb",
                 "reason": "涉嫌犯罪，依法移送"}, headers, None)

    def attach(s: dict, m: bool) -> Request:
        raw, kind = multipart({"description": "补充材料"},
                              {"file": ("补充.txt", "text/plain", "现场检查补充记录".encode())})
        return ("POST", f"/api/v1/cases/{cid(s, m)}/evidence", None,
                {**match(s), "Content-Type": kind}, raw)

    def download(s: dict, m: bool) -> Request:
        return ("GET", f"/api/v1/cases/{cid(s, m)}/evidence/{MISSING if m else s['evidence']}",
                None, {}, None)

    return {
        "case_show": get("/api/v1/cases/{c}"),
        "case_audit_trail": get("/api/v1/cases/{c}/events"),
        "case_triggers": get("/api/v1/cases/{c}/triggers"),
        "case_fire": post("/api/v1/cases/{c}/fire/note"),
        "clocks_show": get("/api/v1/cases/{c}/clocks"),
        "clocks_pause": post("/api/v1/cases/{c}/clocks/handling/pause", {"reason": "testing"}),
        "clocks_resume": resume,
        "clocks_extend": post("/api/v1/cases/{c}/clocks/handling/extend",
                              {"reason": "案情复杂"}),
        "clocks_override": post("/api/v1/cases/{c}/fire/close_early",
                                {"override": "当事人书面放弃陈述"}),
        "transfer_approve": post("/api/v1/cases/{c}/fire/approve_transfer"),
        "handoff_send": send,
        "handoff_accept": handoff("accept", None),
        "handoff_reject": handoff("reject", {"reason": "不符合立案条件"}),
        "handoff_return": handoff("return", {"reason": "材料不全"}),
        "handoff_show": lambda s, m: ("GET", f"/api/v1/handoffs/{hid(s, m)}", None, {}, None),
        "link": link,
        "evidence_attach": attach,
        "evidence_download": download,
        "assign": post("/api/v1/cases/{c}/assign", {"assignee": "zhang.officer"}),
        "claim": post("/api/v1/cases/{c}/claim"),
    }


STAGES = {"transfer_approve": "requested", "handoff_send": "approved",
          "handoff_accept": "sent", "handoff_reject": "sent", "handoff_return": "sent",
          "handoff_show": "sent"}


def _send(server: str, token: str, request: Request) -> tuple[int, object]:
    method, path, body, headers, raw = request
    status, _headers, answer = call(server, method, path, token, body=body, headers=headers,
                                    raw=raw)
    return status, answer


def _detail(answer: object) -> str:
    detail = answer.get("detail", "") if isinstance(answer, dict) else ""
    return re.sub(r"\d+", "N", str(detail))


@pytest.mark.parametrize("operation", sorted(EXPECTED))
def test_authorisation_matrix_over_http(world, app, server, tokens, operation):
    build = _requests(world, app)[operation]
    got: dict[str, str] = {}
    for who, expected in EXPECTED[operation].items():
        subject = world.case(who, STAGES.get(operation, "open"))
        request = build(subject, False)
        before = _writes(app)
        status, answer = _send(server, tokens[who], request)
        got[who] = next((k for k, codes in STATUS.items() if status in codes and k == expected),
                        f"HTTP {status}: {answer!r}"[:300])
        if status >= 400:
            assert _writes(app) == before, (operation, who, "a refusal wrote something")
            assert isinstance(answer, dict) and answer.get("status") == status
        if expected in ("unknown", "nouser"):
            missing_status, missing = _send(server, tokens[who], build(subject, True))
            assert missing_status == status, (operation, who, missing)
            assert _detail(missing) == _detail(answer), (operation, who, answer, missing)
    assert got == EXPECTED[operation]


def test_every_operation_of_the_matrix_has_its_http_request(world, app):
    assert set(_requests(world, app)) == set(EXPECTED)
