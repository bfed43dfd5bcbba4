"""The authorisation matrix: every read and write a caller can make on a case, by every kind of
caller, with the answer each gets — and a case a caller may not see answered exactly like one
that does not exist (same exception, same message apart from the id).

Each cell runs on a fresh case of a small workflow declared here (a clock that pauses and
extends, a period a supervisor may override, a transfer a supervisor approves after someone
asked for it, a criminal-transfer handoff), so no cell leans on another's writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from itertools import count

import pytest
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Case, Event, Handoff
from caseflow.adapters.registry import sync_definitions
from caseflow.domain.definitions import parse_definition
from caseflow.domain.errors import (
    ConflictError,
    NotFound,
    PeriodNotMet,
    PermissionDenied,
    ValidationFailed,
)
from caseflow.services import handoffs
from caseflow.services.clocks import extend_clock, pause_clock, resume_clock
from caseflow.services.directory import create_user
from caseflow.services.evidence import download_evidence
from caseflow.services.links import link_cases
from caseflow.services.mediation.sessions import record_session
from caseflow.views.cases import case_for
from caseflow.views.clocks import case_clocks
from caseflow.views.handoffs import handoff_for

WORKFLOW = """
key: authz
version: 1
title: {zh: 授权测试, en: Authorisation test}
agency_kind: market_supervision
number_prefix: AUTHZ
initial: investigating
states:
  investigating: {zh: 调查中, en: Investigating}
  transfer_requested: {zh: 已报请移送, en: Transfer requested}
  transfer_approved: {zh: 已批准移送, en: Transfer approved}
  sent: {zh: 已移送, en: Sent}
  decided: {zh: 已决定, en: Decided, final: true}
transitions:
  - {trigger: note, source: investigating, dest: investigating, roles: [officer, supervisor],
     title: {zh: 记录, en: Note}}
  - {trigger: request_transfer, source: investigating, dest: transfer_requested,
     roles: [officer, supervisor], title: {zh: 报请移送, en: Ask for a transfer}}
  - {trigger: approve_transfer, source: transfer_requested, dest: transfer_approved,
     roles: [supervisor], title: {zh: 批准移送, en: Approve the transfer}}
  - {trigger: send_to_police, source: transfer_approved, dest: sent,
     roles: [officer, supervisor], title: {zh: 移送公安, en: Send to the police}}
  - {trigger: close_early, source: [investigating, sent], dest: decided,
     roles: [officer, supervisor], title: {zh: 提前结案, en: Close early},
     requires: [{after: statement, unless: [{override: supervisor}]}]}
clocks:
  handling:
    title: {zh: 办案期限, en: Handling}
    period: 60 days
    source: test
    start: {states: [investigating]}
    stop: {states: [decided]}
    pause_reasons: [testing]
    extensions:
      - {by: 15 days, approver: supervisor, max_times: 1}
  statement:
    title: {zh: 陈述期限, en: Statement}
    period: 10 days
    source: test
    start: {states: [investigating]}
    stop: {states: [decided]}
handoffs:
  criminal_transfer:
    title: {zh: 涉嫌犯罪案件移送, en: Transfer of a suspected crime}
    to: police
    from_states: [transfer_approved]
    fire: send_to_police
    opens: police_intake
    accept_within: 3 days
    source: 《行政执法机关移送涉嫌犯罪案件的规定》第八条
approvals:
  extension: {roles: [supervisor]}
  override: {roles: [supervisor]}
  pause: {roles: [officer, supervisor]}
  transfer:
    roles: [supervisor]
    triggers: [approve_transfer]
    requested_by: [request_transfer]
"""

CALLERS = {
    "assignee": "li.officer",
    "officer": "zhang.officer",          # same agency, not assigned
    "supervisor": "chen.sup",            # the agency's supervisor, never assigned
    "self_assigned": "wang.director",    # a supervisor who assigned herself, then back
    "requester": "lin.deputy",           # officer and supervisor who asked for the transfer
    "outsider": "zhou.customs",          # another agency's officer, nothing handed to it
    "admin": "zhao.admin",               # the agency's admin, no case role
    "unknown": "nobody.at.all",
    "receiver_before": "gao.police",     # the agency a handoff went to, not yet accepted
    "receiver_after": "gao.police",      # … after its acceptance
}
RECEIVERS = ("receiver_before", "receiver_after")

ok, unknown, denied, nouser = "ok", "unknown", "denied", "nouser"
refused, conflict, invalid = "refused", "conflict", "invalid"
_AMR = {"assignee": ok, "officer": ok, "supervisor": ok, "self_assigned": ok, "requester": ok}
_READ = {**_AMR, "admin": ok, "outsider": unknown, "unknown": nouser,
         "receiver_before": ok, "receiver_after": ok}
_WRITE = {**_AMR, "admin": denied, "outsider": unknown, "unknown": nouser,
          "receiver_before": denied, "receiver_after": denied}
_TO_RECEIVER = {**{k: denied for k in _AMR}, "admin": denied, "outsider": unknown,
                "unknown": nouser, "receiver_before": ok}

EXPECTED: dict[str, dict[str, str]] = {
    "case_show": _READ,
    "case_audit_trail": {**_READ, "receiver_before": "no_events", "receiver_after": "no_events"},
    "case_triggers": _READ,
    "case_fire": _WRITE,
    "clocks_show": _READ,
    "clocks_pause": _WRITE,
    "clocks_resume": _WRITE,
    "clocks_extend": {**_WRITE, "assignee": denied, "officer": denied, "self_assigned": denied},
    "clocks_override": {**_WRITE, "assignee": refused, "officer": refused,
                        "self_assigned": refused},
    "transfer_approve": {**_WRITE, "assignee": denied, "officer": denied,
                         "self_assigned": denied, "requester": denied},
    "handoff_send": _WRITE,
    "handoff_accept": {**_TO_RECEIVER, "receiver_after": ok},
    "handoff_reject": {**_TO_RECEIVER, "receiver_after": conflict},
    "handoff_return": {**_TO_RECEIVER, "receiver_after": conflict},
    "handoff_show": _READ,
    "link": _WRITE,
    "evidence_attach": _WRITE,
    "evidence_download": _READ,
    "assign": {**_WRITE, "assignee": denied, "officer": denied},
    "claim": {**_WRITE, "assignee": denied, "officer": denied},
}


@pytest.fixture
def world(app, people, uow):
    """The workflow above loaded, and an officer-supervisor who asks for transfers."""
    with app.session_factory() as session, session.begin():
        sync_definitions(session, [parse_definition(WORKFLOW, "authz.v1.yaml")])
    create_user(uow(), "lin.deputy", "林志强", "nb-amr", ["officer", "supervisor"],
                supervisor="wang.director")
    return Scenario(uow)


class Scenario:
    """Builds a fresh subject case for one cell, as far as the operation needs it."""

    def __init__(self, uow: Callable) -> None:
        self.uow = uow
        self.keys = count(1)

    def case(self, caller: str, stage: str = "open") -> dict:
        uow = self.uow
        case = services.open_case(uow(), actor="li.officer", case_type="authz",
                                  title="余姚市精工汽配厂涉嫌假冒注册商标", assignee="li.officer")
        ev = services.attach_evidence(uow(), case.id, actor="li.officer", filename="清单.pdf",
                                      content=f"seized goods {case.id}".encode())
        if caller == "self_assigned":  # she takes the case, then hands it back: no laundering
            services.assign(uow(), case.id, "wang.director", actor="wang.director")
            services.assign(uow(), case.id, "li.officer", actor="wang.director")
        subject = {"id": case.id, "evidence": ev.id}
        if stage in ("requested", "approved", "sent") or caller in RECEIVERS:
            services.fire(uow(), case.id, "request_transfer", actor="lin.deputy")
        if stage in ("approved", "sent") or caller in RECEIVERS:
            services.fire(uow(), case.id, "approve_transfer", actor="chen.sup")
        if stage == "sent" or caller in RECEIVERS:
            sent = handoffs.hand_off(uow(), case.id, "criminal_transfer", actor="li.officer",
                                     to_agency="nb-psb", reason="涉嫌犯罪，依法移送",
                                     idempotency_key=f"authz/{case.id}")
            subject["handoff"] = sent.id
            if caller == "receiver_after":
                handoffs.accept(uow(), sent.id, actor="he.police", reason="予以接收")
        return subject


MISSING = 987_654


def _operations(world: Scenario) -> dict[str, tuple[str, Callable[[str, dict, bool], object]]]:
    """Each operation: the stage its subject needs, and how to call it as ``actor`` on the
    subject (or, with ``missing``, on an id that does not exist)."""
    uow = world.uow

    def cid(s: dict, missing: bool) -> int:
        return MISSING if missing else s["id"]

    def hid(s: dict, missing: bool) -> int:
        return MISSING if missing else s["handoff"]

    def audit(a: str, s: dict, m: bool) -> str:
        shown = case_for(uow(), cid(s, m), a).to_dict()
        return ok if shown.get("events") else "no_events"

    def resume(a: str, s: dict, m: bool) -> object:
        if not m:
            pause_clock(uow(), s["id"], "handling", actor="li.officer", reason="testing")
        return resume_clock(uow(), cid(s, m), "handling", actor=a)

    def link(a: str, s: dict, m: bool) -> object:
        other = services.open_case(uow(), actor="li.officer", case_type="authz", title="关联")
        return link_cases(uow(), cid(s, m), other.id, actor=a, reason="同一当事人")

    return {
        "case_show": ("open", lambda a, s, m: case_for(uow(), cid(s, m), a)),
        "case_audit_trail": ("open", audit),
        "case_triggers": ("open", lambda a, s, m: services.available_triggers(uow(), cid(s, m), a)),
        "case_fire": ("open", lambda a, s, m: services.fire(uow(), cid(s, m), "note", actor=a)),
        "clocks_show": ("open", lambda a, s, m: case_clocks(uow(), cid(s, m), a)),
        "clocks_pause": ("open", lambda a, s, m: pause_clock(uow(), cid(s, m), "handling",
                                                             actor=a, reason="testing")),
        "clocks_resume": ("open", resume),
        "clocks_extend": ("open", lambda a, s, m: extend_clock(uow(), cid(s, m), "handling",
                                                               actor=a, reason="案情复杂")),
        "clocks_override": ("open", lambda a, s, m: services.fire(
            uow(), cid(s, m), "close_early", actor=a, override="当事人书面放弃陈述")),
        "transfer_approve": ("requested", lambda a, s, m: services.fire(
            uow(), cid(s, m), "approve_transfer", actor=a)),
        "handoff_send": ("approved", lambda a, s, m: handoffs.hand_off(
            uow(), cid(s, m), "criminal_transfer", actor=a, to_agency="nb-psb",
            reason="涉嫌犯罪，依法移送", idempotency_key=f"cell/{next(world.keys)}")),
        "handoff_accept": ("sent", lambda a, s, m: handoffs.accept(uow(), hid(s, m), actor=a)),
        "handoff_reject": ("sent", lambda a, s, m: handoffs.reject(uow(), hid(s, m), actor=a,
                                                                   reason="不符合立案条件")),
        "handoff_return": ("sent", lambda a, s, m: handoffs.return_materials(
            uow(), hid(s, m), actor=a, reason="材料不全")),
        "handoff_show": ("sent", lambda a, s, m: handoff_for(uow(), hid(s, m), a)),
        "link": ("open", link),
        "evidence_attach": ("open", lambda a, s, m: services.attach_evidence(
            uow(), cid(s, m), actor=a, filename="补充.txt", content=f"more {a}".encode())),
        "evidence_download": ("open", lambda a, s, m: download_evidence(
            uow(), cid(s, m), MISSING if m else s["evidence"], actor=a)),
        "assign": ("open", lambda a, s, m: services.assign(uow(), cid(s, m), "zhang.officer",
                                                           actor=a)),
        "claim": ("open", lambda a, s, m: services.assign(uow(), cid(s, m), a, actor=a)),
    }


def _outcome(call: Callable[[], object]) -> tuple[str, BaseException | None]:
    try:
        result = call()
    except (NotFound, PermissionDenied, PeriodNotMet, ConflictError, ValidationFailed) as exc:
        kind = {PermissionDenied: denied, PeriodNotMet: refused, ConflictError: conflict,
                ValidationFailed: invalid}.get(type(exc))
        if isinstance(exc, NotFound):
            kind = nouser if "unknown user" in exc.message else unknown
        return kind or type(exc).__name__, exc
    return (result if result in (ok, "no_events") else ok), None


def _same_apart_from_ids(a: BaseException, b: BaseException) -> bool:
    strip = lambda e: re.sub(r"\d+", "N", e.message)  # noqa: E731
    return type(a) is type(b) and strip(a) == strip(b)


@pytest.mark.parametrize("operation", sorted(EXPECTED))
def test_authorisation_matrix(world, app, operation):
    stage, call = _operations(world)[operation]
    got: dict[str, str] = {}
    for who, expected in EXPECTED[operation].items():
        actor = CALLERS[who]
        subject = world.case(who, stage)
        outcome, error = _outcome(lambda: call(actor, subject, False))  # noqa: B023
        got[who] = outcome
        if expected in (unknown, nouser):
            # invisible == missing: the same answer for an id that does not exist
            missing, missing_error = _outcome(lambda: call(actor, subject, True))  # noqa: B023
            assert missing == expected, (operation, who, missing_error)
            assert error is not None and missing_error is not None
            assert _same_apart_from_ids(error, missing_error), (operation, who, error,
                                                                missing_error)
    assert got == EXPECTED[operation]


def test_the_matrix_covers_every_caller_of_every_operation():
    assert all(set(row) == set(CALLERS) for row in EXPECTED.values())
    assert len(EXPECTED) * len(CALLERS) == 200


def test_a_supervisor_assigned_to_the_case_may_not_approve_its_extension(world, uow, app):
    subject = world.case("supervisor")
    services.assign(uow(), subject["id"], "chen.sup", actor="wang.director")
    with pytest.raises(PermissionDenied, match="separation of duties: chen.sup is or was the "
                                               "assignee"):
        extend_clock(uow(), subject["id"], "handling", actor="chen.sup", reason="复杂")
    # handing the case back does not launder it: she was its assignee
    services.assign(uow(), subject["id"], "li.officer", actor="chen.sup")
    with pytest.raises(PermissionDenied, match="is or was the assignee"):
        extend_clock(uow(), subject["id"], "handling", actor="chen.sup", reason="复杂")
    view = extend_clock(uow(), subject["id"], "handling", actor="wang.director", reason="复杂")
    assert [e.approved_by for e in view.extensions] == ["wang.director"]


def test_the_requester_of_a_transfer_never_approves_it(world, uow, app):
    subject = world.case("requester", "requested")
    before = _events(app, subject["id"])
    with pytest.raises(PermissionDenied, match="lin.deputy asked for this transfer"):
        services.fire(uow(), subject["id"], "approve_transfer", actor="lin.deputy")
    assert _events(app, subject["id"]) == before
    assert services.fire(uow(), subject["id"], "approve_transfer",
                         actor="chen.sup").status == "transfer_approved"


def test_an_admin_without_a_case_role_cannot_pause_or_resume_a_legal_clock(world, uow, app):
    subject = world.case("admin")
    with pytest.raises(PermissionDenied, match="a pause needs role officer or supervisor; "
                                               "zhao.admin has admin"):
        pause_clock(uow(), subject["id"], "handling", actor="zhao.admin", reason="testing")
    pause_clock(uow(), subject["id"], "handling", actor="li.officer", reason="testing")
    with pytest.raises(PermissionDenied, match="a pause needs role"):
        resume_clock(uow(), subject["id"], "handling", actor="zhao.admin")


def _events(app, case_id: int) -> int:
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.case_id == case_id))


def test_a_link_never_reaches_another_agencys_case(world, uow, app):
    subject = world.case("assignee")
    customs = services.open_case(uow(), actor="zhou.customs", case_type="customs_detention",
                                 title="海关扣留", received_on=date.today())
    before = _events(app, customs.id)
    with pytest.raises(NotFound) as hidden:  # never handed over: it does not exist for nb-amr
        link_cases(uow(), subject["id"], customs.id, actor="li.officer")
    with pytest.raises(NotFound) as missing:
        link_cases(uow(), subject["id"], MISSING, actor="li.officer")
    assert _same_apart_from_ids(hidden.value, missing.value)
    assert _events(app, customs.id) == before  # nothing written into customs' audit chain
    # a case handed to nb-amr may be seen, but is still not nb-amr's to write to
    police = world.case("receiver_after")
    with app.session_factory() as s:
        police_case = s.scalar(select(Handoff.linked_case_id).where(
            Handoff.id == police["handoff"]))
    with pytest.raises(PermissionDenied, match="acts only on its own agency's cases"):
        link_cases(uow(), subject["id"], police_case, actor="li.officer")
    with app.session_factory() as s:
        assert s.get(Case, police_case).audit_seq == _events(app, police_case)


def test_mediation_records_are_the_mediation_bodys_alone(world, uow, app):
    case = services.open_case(uow(), actor="wu.mediator", case_type="mediation",
                              title="外观设计专利侵权纠纷调解",
                              parties=[{"role": "applicant", "name": "甲公司"},
                                       {"role": "respondent", "name": "乙公司"}])
    for outsider in ("li.officer", "zhao.admin", "gao.police"):
        with pytest.raises(NotFound) as hidden:
            record_session(uow(), case.id, actor=outsider, held_on=date.today(),
                           attendees=["吴芳"], outcome="continued")
        with pytest.raises(NotFound) as missing:
            record_session(uow(), MISSING, actor=outsider, held_on=date.today(),
                           attendees=["吴芳"], outcome="continued")
        assert _same_apart_from_ids(hidden.value, missing.value)
        with pytest.raises(NotFound) as shown:
            case_for(uow(), case.id, outsider)
        assert _same_apart_from_ids(shown.value, missing.value)
