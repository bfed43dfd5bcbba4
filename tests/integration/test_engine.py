"""The engine through its service layer: opening, firing, refusals, assignment, evidence, links."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Case, Event
from caseflow.domain.errors import (
    ConflictError,
    GuardRefused,
    InvalidTrigger,
    NotFound,
    PayloadError,
    PermissionDenied,
    ReasonRequired,
    ValidationFailed,
)

INFRINGER = {"role": "alleged_infringer", "name": "宁波市海曙区恒达服饰商行", "kind": "enterprise",
             "origin": "local", "region": "宁波市海曙区"}
HOLDER = {"role": "rights_holder", "name": "Lumière Textiles SA", "kind": "enterprise",
          "origin": "overseas", "region": "France"}


def open_inspection(uow, **overrides):
    args = dict(actor="li.officer", case_type="inspection", title="恒达服饰商行涉嫌销售假冒注册商标服装",
                received_on=date(2026, 3, 2), parties=[HOLDER, INFRINGER],
                ip_rights=[{"kind": "trademark", "number": "G1234567", "title": "LUMIÈRE"}])
    args.update(overrides)
    return services.open_case(uow(), **args)


def count(app, model) -> int:
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_open_case_numbers_and_audits(uow, people, app):
    first = open_inspection(uow)
    second = open_inspection(uow)
    assert first.number == "TEST-2026-000001"
    assert second.number == "TEST-2026-000002"
    assert first.status == "received" and first.workflow_version == 1
    with app.session_factory() as s:
        events = s.scalars(select(Event).where(Event.case_id == first.id)).all()
        assert [e.kind for e in events] == ["case_opened"]
        assert events[0].actor == "li.officer" and events[0].target_state == "received"
        assert events[0].payload["parties"][1]["name"] == INFRINGER["name"]


def test_fire_walks_the_workflow_and_records_each_step(uow, people, app):
    case = open_inspection(uow)
    services.fire(uow(), case.id, "start_check", actor="li.officer", reason="线索核查")
    services.fire(uow(), case.id, "file_case", actor="chen.sup", payload={"filing_no": "甬市监立〔2026〕12号"})
    services.attach_evidence(uow(), case.id, actor="li.officer", filename="现场照片.jpg",
                             content=b"\xff\xd8photo", media_type="image/jpeg")
    view = services.fire(uow(), case.id, "decide", actor="li.officer",
                         payload={"fine_amount": "5000", "decided_on": "2026-05-20"})
    assert view.status == "decided"
    view = services.fire(uow(), case.id, "close", actor="chen.sup")
    assert view.closed
    with app.session_factory() as s:
        stored = s.get(Case, case.id)
        assert stored.closed_at is not None
        assert stored.data == {"filing_no": "甬市监立〔2026〕12号", "fine_amount": 5000.0,
                               "decided_on": "2026-05-20"}
        kinds = s.scalars(select(Event.kind).where(Event.case_id == case.id).order_by(Event.seq)).all()
        assert kinds == ["case_opened", "transition", "transition", "evidence_attached",
                         "transition", "transition"]
        steps = s.execute(select(Event.source_state, Event.target_state, Event.actor, Event.reason)
                          .where(Event.case_id == case.id, Event.kind == "transition")
                          .order_by(Event.seq)).all()
        assert steps[0] == ("received", "checking", "li.officer", "线索核查")
        assert steps[-1] == ("decided", "closed", "chen.sup", None)


def _snapshot(app, case_id):
    with app.session_factory() as s:
        case = s.get(Case, case_id)
        events = s.scalar(select(func.count()).where(Event.case_id == case_id))
        return (case.status, case.version, dict(case.data), events)


@pytest.mark.parametrize(
    "trigger, actor, payload, reason, error",
    [
        ("no_such_trigger", "li.officer", None, None, InvalidTrigger),
        ("close", "chen.sup", None, None, InvalidTrigger),  # exists, but not from 'checking'
        ("file_case", "li.officer", {"filing_no": "X"}, None, PermissionDenied),  # officer role
        ("file_case", "sun.yz", {"filing_no": "X"}, None, NotFound),  # other agency: unseen
        ("file_case", "chen.sup", {}, None, PayloadError),  # missing field
        ("file_case", "chen.sup", {"filing_no": 12}, None, PayloadError),  # wrong type
        ("file_case", "chen.sup", {"filing_no": "X", "extra": 1}, None, PayloadError),
        ("refuse_filing", "chen.sup", None, "  ", ReasonRequired),
        ("file_case", "nobody", {"filing_no": "X"}, None, NotFound),
    ],
)
def test_refused_triggers_change_nothing(uow, people, app, trigger, actor, payload, reason, error):
    case = open_inspection(uow)
    services.fire(uow(), case.id, "start_check", actor="li.officer")
    before = _snapshot(app, case.id)
    with pytest.raises(error) as info:
        services.fire(uow(), case.id, trigger, actor=actor, payload=payload, reason=reason)
    assert info.value.message  # a one-line, human message
    assert "\n" not in info.value.message
    assert _snapshot(app, case.id) == before


def test_guard_refusal_is_specific_and_changes_nothing(uow, people, app):
    case = open_inspection(uow, parties=[HOLDER])  # no alleged infringer
    services.fire(uow(), case.id, "start_check", actor="li.officer")
    before = _snapshot(app, case.id)
    with pytest.raises(GuardRefused) as info:
        services.fire(uow(), case.id, "file_case", actor="chen.sup", payload={"filing_no": "X"})
    assert info.value.guard == "has_alleged_infringer"
    assert "alleged infringer" in info.value.message
    assert _snapshot(app, case.id) == before


def test_payload_field_errors_name_the_field(uow, people):
    case = open_inspection(uow)
    services.fire(uow(), case.id, "start_check", actor="li.officer")
    services.fire(uow(), case.id, "file_case", actor="chen.sup", payload={"filing_no": "F1"})
    services.attach_evidence(uow(), case.id, actor="li.officer", filename="a.pdf", content=b"%PDF")
    with pytest.raises(PayloadError) as info:
        services.fire(uow(), case.id, "decide", actor="li.officer",
                      payload={"fine_amount": -5, "decided_on": "2026-05-20"})
    assert info.value.field == "fine_amount"
    with pytest.raises(PayloadError) as info:
        services.fire(uow(), case.id, "decide", actor="li.officer",
                      payload={"fine_amount": 100, "decided_on": "2026-02-30"})
    assert info.value.field == "decided_on"
    with pytest.raises(GuardRefused) as info:
        services.fire(uow(), case.id, "decide", actor="li.officer", payload={"decided_on": "2026-05-20"})
    assert info.value.guard == "penalty_has_amount_or_warning"


def test_available_triggers_follow_state_and_role(uow, people):
    case = open_inspection(uow)
    assert [t.trigger for t in services.available_triggers(uow(), case.id, "li.officer")] == ["start_check"]
    assert services.available_triggers(uow(), case.id, "chen.sup") == []
    services.fire(uow(), case.id, "start_check", actor="li.officer")
    sup = {t.trigger: t for t in services.available_triggers(uow(), case.id, "chen.sup")}
    assert set(sup) == {"file_case", "refuse_filing"}
    assert sup["refuse_filing"].reason_required
    assert sup["file_case"].fields[0].name == "filing_no"
    assert services.available_triggers(uow(), case.id, "li.officer") == []
    # another agency may fire nothing, and learns nothing of a case never shared with it
    with pytest.raises(NotFound, match=f"unknown case id {case.id}"):
        services.available_triggers(uow(), case.id, "zhou.customs")


def test_available_triggers_report_blocking_guards(uow, people):
    case = open_inspection(uow, parties=[HOLDER])
    services.fire(uow(), case.id, "start_check", actor="li.officer")
    options = {t.trigger: t for t in services.available_triggers(uow(), case.id, "chen.sup")}
    assert options["file_case"].blocked_by == ("the case names no alleged infringer",)


def test_unknown_case_and_bad_ids(uow, people):
    with pytest.raises(NotFound, match="unknown case id 999"):
        services.fire(uow(), 999, "start_check", actor="li.officer")
    with pytest.raises(ValidationFailed):
        services.fire(uow(), "7; drop table cases", "start_check", actor="li.officer")


def test_open_case_refusals_write_nothing(uow, people, app):
    with pytest.raises(NotFound, match="unknown case type"):
        open_inspection(uow, case_type="no_such_type")
    with pytest.raises(PermissionDenied):
        open_inspection(uow, actor="zhou.customs")  # customs cannot open a market-supervision type
    with pytest.raises(ValidationFailed) as info:
        open_inspection(uow, parties=[{**INFRINGER, "origin": "mars"}])
    assert info.value.field == "parties[0].origin"
    with pytest.raises(ValidationFailed) as info:
        open_inspection(uow, ip_rights=[{"kind": "patent", "number": "ZL1"}])
    assert info.value.field == "ip_rights[0].kind"
    assert count(app, Case) == 0 and count(app, Event) == 0


def test_stale_expected_version_is_a_conflict(uow, people, app):
    case = open_inspection(uow)
    services.fire(uow(), case.id, "start_check", actor="li.officer", expected_version=case.version)
    before = _snapshot(app, case.id)
    with pytest.raises(ConflictError):
        services.fire(uow(), case.id, "refuse_filing", actor="chen.sup", reason="无违法事实",
                      expected_version=case.version)
    assert _snapshot(app, case.id) == before


def test_assignment_rules(uow, people, app):
    case = open_inspection(uow)
    with pytest.raises(PermissionDenied):
        services.assign(uow(), case.id, "zhang.officer", actor="li.officer")
    view = services.assign(uow(), case.id, "li.officer", actor="li.officer", reason="本人承办")
    assert view.version == case.version + 1
    with pytest.raises(ValidationFailed):
        services.assign(uow(), case.id, "zhou.customs", actor="chen.sup")
    services.assign(uow(), case.id, "zhang.officer", actor="chen.sup", reason="工作量调整")
    with app.session_factory() as s:
        payloads = s.scalars(select(Event.payload).where(Event.kind == "assigned")
                             .order_by(Event.seq)).all()
    assert payloads == [{"from": None, "to": "li.officer"}, {"from": "li.officer", "to": "zhang.officer"}]


def test_evidence_is_content_addressed(uow, people, app, settings):
    case = open_inspection(uow)
    content = "商标侵权现场检查笔录".encode()
    stored = services.attach_evidence(uow(), case.id, actor="li.officer", filename="笔录.txt",
                                      content=content, media_type="text/plain")
    import hashlib

    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    path = settings.evidence_dir / stored.sha256[:2] / stored.sha256[2:4] / stored.sha256
    assert path.read_bytes() == content
    with pytest.raises(ValidationFailed, match="already evidence"):
        services.attach_evidence(uow(), case.id, actor="li.officer", filename="copy.txt",
                                 content=content)
    with pytest.raises(NotFound):  # customs was never handed the case: it does not exist for them
        services.attach_evidence(uow(), case.id, actor="zhou.customs", filename="x", content=b"x")


def test_links_are_audited_on_both_cases_and_refuse_cycles(uow, people, app):
    a = open_inspection(uow)
    b = open_inspection(uow)
    c = open_inspection(uow)
    services.link_cases(uow(), a.id, b.id, actor="li.officer", kind="parent_child", reason="拆分")
    services.link_cases(uow(), b.id, c.id, actor="li.officer", kind="parent_child")
    with pytest.raises(ValidationFailed, match="cycle"):
        services.link_cases(uow(), c.id, a.id, actor="li.officer", kind="parent_child")
    with pytest.raises(ValidationFailed, match="already linked"):
        services.link_cases(uow(), b.id, a.id, actor="li.officer", kind="parent_child")
    with pytest.raises(ValidationFailed, match="itself"):
        services.link_cases(uow(), a.id, a.id, actor="li.officer")
    with pytest.raises(ValidationFailed):
        services.link_cases(uow(), a.id, c.id, actor="li.officer", kind="cousin")
    with app.session_factory() as s:
        linked = s.scalars(select(Event.case_id).where(Event.kind == "case_linked")).all()
    assert sorted(linked) == sorted([a.id, b.id, b.id, c.id])


def test_machine_is_shared_per_definition_version(uow, people, app):
    from caseflow.adapters.registry import REGISTRY

    a = open_inspection(uow)
    b = open_inspection(uow)
    services.fire(uow(), a.id, "start_check", actor="li.officer")
    services.fire(uow(), b.id, "start_check", actor="li.officer")
    with app.session_factory() as s:
        m1 = REGISTRY.compiled(s, "inspection", 1).machine
        m2 = REGISTRY.compiled(s, "inspection", 1).machine
    assert m1 is m2
    assert m1.models == []  # cases are never attached to the shared machine


def test_offered_triggers_are_blocked_exactly_when_firing_is_refused(at, people):
    """available_triggers counts on the unit of work's time and the stored calendar, as fire
    does: the sender's 3 days to ask for reconsideration (310号 art. 9) run from the refusal
    notice served on Fri 2026-10-09 until the end of Mon 10-12."""
    case = services.open_case(at("2026-10-10T09:00")(), actor="gao.police",
                              case_type="remedy_wait", title="宁波某汽配公司涉嫌假冒注册商标案",
                              data={"refusal_notice_served_on": "2026-10-09"})

    def offered(when):
        return {t.trigger: t for t in services.available_triggers(at(when)(), case.id,
                                                                  "gao.police")}

    waiting = offered("2026-10-12T16:00")["close_not_filed"]
    assert len(waiting.blocked_by) == 1 and "until 2026-10-12" in waiting.blocked_by[0]
    with pytest.raises(GuardRefused, match="until 2026-10-12"):
        services.fire(at("2026-10-12T16:00")(), case.id, "close_not_filed", actor="gao.police")
    assert offered("2026-10-13T09:00")["close_not_filed"].blocked_by == ()
    closed = services.fire(at("2026-10-13T09:00")(), case.id, "close_not_filed",
                           actor="gao.police")
    assert closed.status == "closed_not_filed" and closed.closed
