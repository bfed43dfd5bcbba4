"""Cross-agency handoffs through the service layer: exactly once, linked cases, outcomes,
refusals that change nothing, and who may see what."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Case, CaseLink, Event, Evidence, Handoff
from caseflow.domain.errors import (
    ConflictError,
    InvalidTrigger,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from caseflow.entrypoints.cli import main
from caseflow.services import handoffs
from caseflow.services.alerts import inbox
from caseflow.services.sweep import sweep
from caseflow.views.cases import case_for
from caseflow.views.clocks import case_clocks

HOLDER = {"role": "rights_holder", "name": "Nordhaus Automotive GmbH", "kind": "enterprise",
          "origin": "overseas", "region": "Germany"}
INFRINGER = {"role": "alleged_infringer", "name": "余姚市精工汽配厂", "kind": "enterprise",
             "origin": "local", "region": "宁波市余姚市"}


def approved_case(uow):
    case = services.open_case(
        uow(), actor="li.officer", case_type="transfer_src", title="余姚市精工汽配厂涉嫌假冒注册商标罪",
        parties=[HOLDER, INFRINGER], assignee="li.officer",
        ip_rights=[{"kind": "trademark", "number": "G1398765", "title": "NORDHAUS"}])
    services.attach_evidence(uow(), case.id, actor="li.officer", filename="扣押清单.pdf",
                             content=b"%PDF seized 1,200 brake pads", media_type="application/pdf")
    services.fire(uow(), case.id, "approve_transfer", actor="chen.sup", reason="涉案金额超过立案追诉标准")
    return case


def send(uow, case_id, key="nb-amr/transfer/1", **kw):
    args = dict(actor="li.officer", to_agency="nb-psb", reason="涉嫌假冒注册商标罪，货值52万元",
                idempotency_key=key)
    args.update(kw)
    return handoffs.hand_off(uow(), case_id, kw.pop("kind", "criminal_transfer"),
                             **{k: v for k, v in args.items() if k != "kind"})


def counts(app):
    with app.session_factory() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (Handoff, Case, Event, CaseLink, Evidence))


def test_criminal_transfer_end_to_end(uow, people, app, database_url):
    case = approved_case(uow)
    sent = send(uow, case.id)
    assert sent.status == "sent" and sent.to_agency == "nb-psb"
    assert sent.materials[0].filename == "扣押清单.pdf"
    with app.session_factory() as s:
        assert s.get(Case, case.id).status == "sent_to_police"  # fired in the same transaction
    clock = {c.clock: c for c in case_clocks(uow(), case.id, "li.officer")}["handoff.criminal_transfer"]
    assert clock.period == "3 days" and clock.status == "running"

    assert handoffs.dispatch(uow()) == 1
    assert handoffs.dispatch(uow()) == 0
    assert [n.kind for n in inbox(uow(), "he.police")] == ["handoff"]

    accepted = handoffs.accept(uow(), sent.id, actor="gao.police", reason="材料齐全，予以接收")
    again = handoffs.accept(uow(), sent.id, actor="gao.police")
    assert accepted.status == "accepted" and again.linked_case_id == accepted.linked_case_id
    police_case_id = accepted.linked_case_id
    with app.session_factory() as s:
        police_case = s.get(Case, police_case_id)
        assert police_case.agency.code == "nb-psb" and police_case.case_type == "police_intake"
        assert {p.name for p in police_case.parties} == {HOLDER["name"], INFRINGER["name"]}
        assert [r.number for r in police_case.ip_rights] == ["G1398765"]
        assert [e.filename for e in police_case.evidence] == ["扣押清单.pdf"]
        link = s.scalar(select(CaseLink).where(CaseLink.to_case_id == police_case_id))
        assert (link.from_case_id, link.kind) == (case.id, "parent_child")
    clocks = {c.clock: c for c in case_clocks(uow(), case.id, "li.officer")}
    assert clocks["handoff.criminal_transfer"].status == "stopped"
    assert {c.clock for c in case_clocks(uow(), police_case_id, "gao.police")} == {"review"}

    services.fire(uow(), police_case_id, "file_case", actor="gao.police")
    with app.session_factory() as s:
        assert s.get(Handoff, sent.id).outcome == "filed"
        source_events = s.scalars(select(Event.kind).where(Event.case_id == case.id)
                                  .order_by(Event.seq)).all()
        linked_events = s.scalars(select(Event.kind).where(Event.case_id == police_case_id)
                                  .order_by(Event.seq)).all()
    assert source_events[-1] == "handoff_outcome"
    assert {"handoff_sent", "handoff_received", "handoff_accepted"} <= set(source_events)
    assert linked_events[-1] == "handoff_outcome" and "handoff_accepted" in linked_events
    verify = CliRunner().invoke(main, ["--database-url", database_url, "audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_a_retried_send_is_one_handoff(uow, people, app):
    case = approved_case(uow)
    first = send(uow, case.id)
    before = counts(app)
    retry = send(uow, case.id)
    assert retry == first and counts(app) == before
    with pytest.raises(ValidationFailed, match="different handoff") as info:
        send(uow, case.id, to_agency="nb-customs")
    assert info.value.field == "idempotency_key"
    # keys are the sending agency's own: another agency's caller with the same key learns
    # nothing of this send — the case is as unknown to it as one that does not exist
    with pytest.raises(NotFound) as outsider:
        send(uow, case.id, actor="zhou.customs")
    with pytest.raises(NotFound) as missing:
        send(uow, 987654, actor="zhou.customs")
    assert outsider.value.message.replace(str(case.id), "N") == \
        missing.value.message.replace("987654", "N")
    assert counts(app) == before


@pytest.mark.parametrize("kwargs, error, text", [
    ({"to_agency": "nb-amr", "kind": "jurisdiction_transfer"}, ValidationFailed, "agency that sends"),
    ({"to_agency": "nb-nowhere"}, NotFound, "unknown agency"),
    ({"to_agency": "nb-customs"}, ValidationFailed, "goes to a police body"),
    ({"kind": "judicial_confirmation"}, InvalidTrigger, "cannot send a 'judicial_confirmation'"),
    ({"reason": "  "}, ValidationFailed, "needs a reason"),
    ({"to_user": "zhou.customs"}, ValidationFailed, "not in nb-psb"),
    ({"evidence_ids": [999]}, ValidationFailed, "not evidence"),
])
def test_bad_handoffs_change_nothing(uow, people, app, kwargs, error, text):
    case = approved_case(uow)
    if kwargs.get("kind") == "jurisdiction_transfer":
        case = services.open_case(uow(), actor="li.officer", case_type="transfer_src", title="管辖")
    before = counts(app)
    with pytest.raises(error, match=text):
        send(uow, case.id, **kwargs)
    assert counts(app) == before


def test_kind_not_allowed_from_the_current_state(uow, people, app):
    case = services.open_case(uow(), actor="li.officer", case_type="transfer_src", title="尚在调查")
    before = counts(app)
    with pytest.raises(InvalidTrigger, match="from state 'investigating'"):
        send(uow, case.id)
    assert counts(app) == before


def test_reject_and_return_need_reasons_and_are_final(uow, people, app):
    case = approved_case(uow)
    sent = send(uow, case.id)
    with pytest.raises(ValidationFailed, match="reason"):
        handoffs.reject(uow(), sent.id, actor="gao.police", reason="")
    # a third agency learns nothing of the handoff: it is as unknown as a missing one
    with pytest.raises(NotFound, match=f"^unknown handoff {sent.id}$"):
        handoffs.reject(uow(), sent.id, actor="zhou.customs", reason="不属于本机关")
    with pytest.raises(PermissionDenied, match="another agency"):  # the sender may not decide
        handoffs.reject(uow(), sent.id, actor="chen.sup", reason="不属于本机关")
    rejected = handoffs.reject(uow(), sent.id, actor="gao.police", reason="未达到刑事立案追诉标准")
    assert rejected.status == "rejected" and rejected.status_reason == "未达到刑事立案追诉标准"
    before = counts(app)
    with pytest.raises(ConflictError, match="was rejected"):
        handoffs.accept(uow(), sent.id, actor="gao.police")
    with pytest.raises(ConflictError):
        handoffs.return_materials(uow(), sent.id, actor="gao.police", reason="退回")
    assert counts(app) == before
    clock = {c.clock: c for c in case_clocks(uow(), case.id, "li.officer")}["handoff.criminal_transfer"]
    assert clock.status == "stopped"


def test_returned_handoff_lists_the_materials_sent_back(uow, people, app):
    case = approved_case(uow)
    sent = send(uow, case.id)
    handoffs.return_materials(uow(), sent.id, actor="gao.police", reason="鉴定意见缺失，退回补充")
    with app.session_factory() as s:
        event = s.scalar(select(Event).where(Event.kind == "handoff_returned"))
    assert event.reason == "鉴定意见缺失，退回补充"
    assert event.payload["materials_returned"][0]["filename"] == "扣押清单.pdf"


def test_reconsideration_refers_to_the_linked_police_case(uow, people, app):
    case = approved_case(uow)
    sent = send(uow, case.id)
    accepted = handoffs.accept(uow(), sent.id, actor="gao.police")
    services.fire(uow(), accepted.linked_case_id, "refuse_filing", actor="gao.police",
                  reason="证据不足")
    request = send(uow, case.id, key="nb-amr/reconsider/1", kind="reconsideration_request",
                   reason="认为不予立案决定有误，提请复议")
    assert request.target_case_id == accepted.linked_case_id
    other = services.open_case(uow(), actor="li.officer", case_type="transfer_src", title="另案")
    services.fire(uow(), other.id, "approve_transfer", actor="chen.sup")
    services.fire(uow(), other.id, "send_to_police", actor="li.officer")
    with pytest.raises(ValidationFailed, match="there is none"):
        send(uow, other.id, key="nb-amr/reconsider/2", kind="reconsideration_request")


def test_overdue_acceptance_is_escalated(uow, people, app):
    case = approved_case(uow)
    sent = send(uow, case.id)
    with app.session_factory() as s:
        due = s.scalar(select(func.max(Event.at)).where(Event.kind == "handoff_sent"))
    from datetime import timedelta

    report = sweep(lambda: app.uow("test", now=lambda: due + timedelta(days=10)),
                   now=due + timedelta(days=10))
    assert report.alerts_raised == 2  # overdue to the sender's assignee, escalation to supervisor
    kinds = {n.kind for n in inbox(uow(), "chen.sup")}
    assert "escalation" in kinds
    assert sent.status == "sent"


def test_a_crash_after_sending_loses_nothing(uow, people, app, settings):
    from caseflow.bootstrap import bootstrap

    case = approved_case(uow)
    sent = send(uow, case.id)
    app.engine.dispose()  # the process dies before anything is dispatched
    restarted = bootstrap(settings)
    try:
        assert handoffs.dispatch(restarted.uow("scheduler")) == 1
        with restarted.session_factory() as s:
            assert s.get(Handoff, sent.id).status == "received"
    finally:
        restarted.engine.dispose()


def test_two_officers_accepting_at_once_open_one_case(uow, people, app, is_postgres):
    case = approved_case(uow)
    sent = send(uow, case.id)
    results: list[object] = []

    def accept(who):
        try:
            results.append(handoffs.accept(uow(), sent.id, actor=who))
        except Exception as exc:  # noqa: BLE001
            results.append(exc)

    threads = [threading.Thread(target=accept, args=(w,)) for w in ("gao.police", "he.police")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    linked = {r.linked_case_id for r in results if isinstance(r, handoffs.HandoffView)}
    assert len(linked) == 1, results
    with app.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Case)
                        .where(Case.case_type == "police_intake")) == 1


def test_visibility_follows_handoffs(uow, people, app):
    case = approved_case(uow)
    private = services.open_case(uow(), actor="li.officer", case_type="transfer_src", title="内部案件")
    with pytest.raises(NotFound):
        case_for(uow(), private.id, "zhou.customs")  # never handed to customs
    with pytest.raises(NotFound):
        case_for(uow(), case.id, "gao.police")  # not yet handed to the police
    sent = send(uow, case.id)
    shared = case_for(uow(), case.id, "gao.police")
    assert shared.visibility == "shared"
    assert [p.name for p in shared.parties] == [HOLDER["name"], INFRINGER["name"]]
    assert shared.materials[0].filename == "扣押清单.pdf"
    assert "events" not in shared.to_dict() and "data" not in shared.to_dict()
    with pytest.raises(NotFound):
        case_for(uow(), case.id, "zhou.customs")
    accepted = handoffs.accept(uow(), sent.id, actor="gao.police")
    outcome = case_for(uow(), accepted.linked_case_id, "li.officer")
    assert outcome.visibility == "outcome" and set(outcome.to_dict()) == {
        "visibility", "id", "number", "type", "status", "closed", "agency"}
    full = case_for(uow(), case.id, "li.officer")
    assert full.visibility == "full" and full.events
    # the police act only through their own workflow's triggers
    with pytest.raises(PermissionDenied, match="acts only on its own agency's cases"):
        services.fire(uow(), case.id, "close", actor="he.police")
    with pytest.raises(NotFound, match="unknown case id"):  # customs learns nothing of it
        services.fire(uow(), case.id, "close", actor="zhou.customs")
    assert services.available_triggers(uow(), case.id, "gao.police") == []  # sees, not acts
    with pytest.raises(NotFound, match="unknown case id"):
        services.available_triggers(uow(), case.id, "zhou.customs")


def test_jurisdiction_transfer_shares_only_what_its_rule_says(uow, people, app):
    case = services.open_case(uow(), actor="li.officer", case_type="transfer_src",
                              title="属地管辖移送", parties=[HOLDER, INFRINGER])
    services.attach_evidence(uow(), case.id, actor="li.officer", filename="a.txt", content=b"a")
    handoffs.hand_off(uow(), case.id, "jurisdiction_transfer", actor="li.officer",
                      to_agency="nb-amr-yinzhou", reason="违法行为发生地在鄞州区",
                      idempotency_key="nb-amr/jurisdiction/1")
    shared = case_for(uow(), case.id, "sun.yz")
    shown = shared.to_dict()
    assert "parties" in shown and "materials" not in shown and "ip_rights" not in shown


def test_supervisor_view_of_handoffs(uow, people, app):
    from datetime import datetime, timedelta

    from caseflow.views.handoffs import acceptance_times, open_handoffs, refused_handoffs

    first = approved_case(uow)
    second = approved_case(uow)
    third = approved_case(uow)
    t0 = datetime(2026, 9, 21, 2, 0)  # 10:00 Beijing time
    at = {"now": t0}
    timed = lambda: app.uow("test", now=lambda: at["now"])  # noqa: E731
    a = handoffs.hand_off(timed(), first.id, "criminal_transfer", actor="li.officer",
                          to_agency="nb-psb", reason="移送", idempotency_key="k-a")
    b = handoffs.hand_off(timed(), second.id, "criminal_transfer", actor="li.officer",
                          to_agency="nb-psb", reason="移送", idempotency_key="k-b")
    handoffs.hand_off(timed(), third.id, "criminal_transfer", actor="li.officer",
                      to_agency="nb-psb", reason="移送", idempotency_key="k-c")
    at["now"] = t0 + timedelta(hours=6)
    handoffs.accept(timed(), a.id, actor="gao.police")
    at["now"] = t0 + timedelta(hours=30)
    handoffs.reject(timed(), b.id, actor="gao.police", reason="不构成犯罪")
    pending = open_handoffs(uow(), "he.police", t0 + timedelta(days=4), agency_code="nb-psb")
    assert [(p.case, p.overdue) for p in pending] == [(third.number, True)]
    assert pending[0].to_dict() == {
        "handoff": pending[0].handoff, "kind": "criminal_transfer", "status": pending[0].status,
        "case": third.number, "from": "nb-amr", "to": "nb-psb",
        "sent_at": "2026-09-21T10:00:00+08:00", "due": pending[0].due,
        "remaining_seconds": pending[0].remaining_seconds, "overdue": True}
    assert pending[0].remaining_seconds < 0 and pending[0].status in ("sent", "received")
    # nothing addressed to nb-amr
    assert open_handoffs(uow(), "chen.sup", t0, agency_code="nb-amr") == ()
    assert len(open_handoffs(uow(), "chen.sup", t0, agency_code="nb-amr", incoming=False)) == 1
    refused = refused_handoffs(uow(), "chen.sup", agency_code="nb-amr")
    assert [(r.case, r.reason) for r in refused] == [(second.number, "不构成犯罪")]
    assert refused[0].to_dict() == {
        "handoff": b.id, "kind": "criminal_transfer", "status": "rejected",
        "case": second.number, "to": "nb-psb", "reason": "不构成犯罪",
        "decided_by": refused[0].decided_by, "decided_at": "2026-09-22T16:00:00+08:00"}
    times = acceptance_times(uow(), "zhao.admin")
    assert times.to_dict() == {"criminal_transfer": {"accepted": 1, "average_hours": 6.0,
                                                     "fastest_hours": 6.0, "slowest_hours": 6.0}}
    assert times.by_kind["criminal_transfer"].average_hours == 6.0
    with pytest.raises(NotFound):
        open_handoffs(uow(), "chen.sup", t0, agency_code="nb-nowhere")

    # only a supervisor or an admin runs these reports
    for report in (lambda who: open_handoffs(uow(), who, t0),
                   lambda who: refused_handoffs(uow(), who),
                   lambda who: acceptance_times(uow(), who)):
        for officer in ("li.officer", "gao.police"):
            with pytest.raises(PermissionDenied, match="supervisor or admin"):
                report(officer)
    # a supervisor sees their own agency only: another agency is as unknown as none
    for report in (lambda code: open_handoffs(uow(), "chen.sup", t0, agency_code=code),
                   lambda code: refused_handoffs(uow(), "chen.sup", agency_code=code),
                   lambda code: acceptance_times(uow(), "chen.sup", agency_code=code)):
        for code in ("nb-customs", "nb-psb"):
            with pytest.raises(NotFound, match=f"unknown agency '{code}'"):
                report(code)
    # without an agency: the supervisor's own (incoming to nb-amr: none; nb-psb: the third)
    assert open_handoffs(uow(), "chen.sup", t0) == ()
    assert [p.case for p in open_handoffs(uow(), "he.police", t0)] == [third.number]
    assert acceptance_times(uow(), "chen.sup").by_kind == {}  # nb-amr accepted nothing
    assert acceptance_times(uow(), "he.police").to_dict() == times.to_dict()
    assert [r.case for r in refused_handoffs(uow(), "he.police")] == [second.number]
    assert refused_handoffs(uow(), "zheng.court") == ()
    # an admin sees every agency, or any one of them
    assert [p.case for p in open_handoffs(uow(), "zhao.admin", t0)] == [third.number]
    assert [p.case for p in open_handoffs(uow(), "zhao.admin", t0, agency_code="nb-psb")] == [
        third.number]
    assert [r.case for r in refused_handoffs(uow(), "zhao.admin")] == [second.number]
    assert acceptance_times(uow(), "zhao.admin", agency_code="nb-customs").to_dict() == {}


def test_handoff_commands(uow, people, app, database_url):
    case = approved_case(uow)
    run = lambda *a: CliRunner().invoke(main, ["--database-url", database_url, *a])  # noqa: E731
    to_self = run("handoff", "send", str(case.id), "criminal_transfer", "--to", "nb-amr",
                  "--as", "li.officer", "--reason", "移送", "--key", "cli-0")
    assert to_self.exit_code == 1 and to_self.output.startswith("error: ")
    sent = run("handoff", "send", str(case.id), "criminal_transfer", "--to", "nb-psb",
               "--as", "li.officer", "--reason", "移送", "--key", "cli-1")
    assert sent.exit_code == 0 and ": sent" in sent.output
    listed = run("handoff", "list", "--as", "gao.police")
    assert "criminal_transfer" in listed.output and "nb-amr -> nb-psb" in listed.output
    handoff_id = listed.output.split()[0]
    hidden = run("case", "view", str(case.id), "--as", "zhou.customs")
    assert hidden.exit_code == 1 and "unknown case id" in hidden.output
    accepted = run("handoff", "accept", handoff_id, "--as", "gao.police")
    assert accepted.exit_code == 0 and "accepted; linked case PTEST-" in accepted.output
    refused = run("handoff", "reject", handoff_id, "--as", "gao.police", "--reason", "迟了")
    assert refused.exit_code == 1 and "was accepted already" in refused.output
