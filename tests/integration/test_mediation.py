"""Mediation: sessions with confidential notes, settlement agreements with instalment clocks,
judicial confirmation refusals, conflicts of interest and who sees what."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import (
    Alert,
    Case,
    Clock,
    Event,
    Instalment,
    MediationSession,
    SettlementAgreement,
    SystemEvent,
    User,
)
from caseflow.domain.errors import NotFound, PermissionDenied, ValidationFailed
from caseflow.domain.settlements import check_confirmable, normalise_name
from caseflow.services.audit import verify_all
from caseflow.services.directory import create_user
from caseflow.services.mediation.conflicts import check_mediator_conflict, declare_conflict
from caseflow.services.mediation.sessions import record_session
from caseflow.services.mediation.settlements import (
    confirmable_agreement,
    record_payment,
    record_settlement,
)
from caseflow.services.sweep import sweep
from caseflow.views.mediation import instalment_statuses, mediation_view
from tests.conftest import utc
from tests.integration.test_clocks import open_timed

APPLICANT = "宁波晨曦文具股份有限公司"
RESPONDENT = "宁海县佳美文具厂"
NOTES = "背对背调解：佳美文具厂承认2026年6月起在拼多多店铺销售仿冒“晨曦”笔袋约4200件，同意赔偿但要求分期。"
SCHEDULE = [
    {"due_on": date(2026, 10, 10), "amount": "30000.00"},  # Sat, but a 调休 make-up workday
    {"due_on": date(2026, 10, 31), "amount": "30000.00"},  # Sat → rolls to Mon 2 Nov
    {"due_on": date(2026, 11, 30), "amount": "25000.00"},
]
SETTLEMENT = {
    "parties": [APPLICANT, RESPONDENT], "amount": "85000.00", "currency": "CNY",
    "terms": ["cease_infringing", "destroy_stock", "withdraw_listings"],
    "signed_on": date(2026, 9, 15), "instalments": SCHEDULE,
}


def open_mediation(at, when="2026-09-01T09:30", **extra):
    return services.open_case(
        at(when)(), actor="wu.mediator", case_type="mediation",
        title=f"{APPLICANT}与{RESPONDENT}外观设计专利侵权纠纷调解",
        parties=[{"role": "applicant", "name": APPLICANT},
                 {"role": "respondent", "name": RESPONDENT}], **extra)


def accept_and_hold(at, case_id):
    services.fire(at("2026-09-02T10:00")(), case_id, "accept_application", actor="wu.mediator",
                  payload={"mediation_type": "peoples", "accepted_on": "2026-09-02",
                           "mediator_names": ["吴芳"], "dispute_subject": "笔袋外观设计专利侵权",
                           "respondent_agreed": True})
    services.fire(at("2026-09-08T16:00")(), case_id, "hold_session", actor="wu.mediator",
                  payload={"session_date": "2026-09-08", "attendees": ["吴芳", APPLICANT,
                                                                        RESPONDENT],
                           "session_mode": "in_person"})


def settled_case(at, **override):
    case = open_mediation(at)
    accept_and_hold(at, case.id)
    agreement = record_settlement(at("2026-09-16T10:00")(), case.id, actor="wu.mediator",
                                  **{**copy.deepcopy(SETTLEMENT), **override})
    return case, agreement


def events(app, case_id, kind=None):
    with app.session_factory() as s:
        query = select(Event).where(Event.case_id == case_id).order_by(Event.seq)
        if kind:
            query = query.where(Event.kind == kind)
        return s.scalars(query).all()


def counts(app):
    with app.session_factory() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (SettlementAgreement, Instalment, Clock, Event, MediationSession))


def assert_chain_intact(app):
    with app.engine.connect() as conn:
        assert list(verify_all(conn, app.keyring())) == []


# --- sessions ---------------------------------------------------------------------------------

def test_sessions_are_recorded_and_notes_never_reach_the_audit_trail(at, people, app):
    case = open_mediation(at)
    accept_and_hold(at, case.id)
    first = record_session(at("2026-09-08T17:00")(), case.id, actor="wu.mediator",
                           held_on=date(2026, 9, 8),
                           attendees=["吴芳（调解员）", f"{APPLICANT} 法务 陈静",
                                      f"{RESPONDENT} 负责人 林海"],
                           outcome="双方同意继续协商赔偿金额", notes=NOTES, reason="首次调解")
    second = record_session(at("2026-09-14T17:00")(), case.id, actor="wu.mediator",
                            held_on=date(2026, 9, 14), attendees=["吴芳（调解员）", "陈静", "林海"],
                            outcome="就赔偿85000元及分三期支付达成一致",
                            notes="林海同意下架全部链接，库存笔袋由双方共同见证销毁。")
    assert first.notes_sha256 == hashlib.sha256(NOTES.encode()).hexdigest()
    assert "notes" not in first.to_dict() and not hasattr(first, "notes")
    assert second.held_on == "2026-09-14"
    recorded = events(app, case.id, "mediation_session")
    assert [(e.actor, e.payload["held_on"], e.payload["outcome"]) for e in recorded] == [
        ("wu.mediator", "2026-09-08", "双方同意继续协商赔偿金额"),
        ("wu.mediator", "2026-09-14", "就赔偿85000元及分三期支付达成一致")]
    assert recorded[0].reason == "首次调解"
    assert recorded[0].payload["notes_sha256"] == first.notes_sha256
    for event in events(app, case.id):
        text = json.dumps(event.payload, ensure_ascii=False) + (event.reason or "")
        assert "notes" not in event.payload
        assert "仿冒" not in text and "共同见证销毁" not in text
    with app.session_factory() as s:
        rows = s.scalars(select(MediationSession).order_by(MediationSession.id)).all()
        assert [r.notes for r in rows][0] == NOTES and rows[0].recorded_by == "wu.mediator"
    assert_chain_intact(app)


def test_session_refusals_name_the_problem_and_change_nothing(at, people, app):
    case = open_mediation(at)
    before = counts(app)
    good = {"held_on": date(2026, 9, 8), "attendees": ["吴芳"], "outcome": "未达成一致"}
    uow = at("2026-09-08T17:00")
    for bad, field in [({"held_on": date(2026, 9, 9)}, "held_on"),
                       ({"held_on": date(2026, 8, 31)}, "held_on"),
                       ({"held_on": "2026/09/08"}, "held_on"),
                       ({"attendees": []}, "attendees"),
                       ({"attendees": ["吴芳", " "]}, "attendees[1]"),
                       ({"outcome": " "}, "outcome")]:
        with pytest.raises(ValidationFailed) as info:
            record_session(uow(), case.id, actor="wu.mediator", **{**good, **bad})
        assert info.value.field == field
    with pytest.raises(NotFound, match="unknown case id"):  # never handed to market supervision
        record_session(uow(), case.id, actor="li.officer", **good)
    timed = open_timed(at, "2026-09-08T10:00")
    with pytest.raises(ValidationFailed, match="not a mediation case"):
        record_session(uow(), timed.id, actor="li.officer", **good)
    assert counts(app)[0:2] == before[0:2] and counts(app)[4] == before[4]
    services.fire(at("2026-09-08T18:00")(), case.id, "refuse_application", actor="wu.mediator",
                  payload={"refusal_ground": "other_party_refuses"}, reason="被申请人拒绝调解")
    with pytest.raises(ValidationFailed, match="closed") as info:
        record_session(at("2026-09-09T10:00")(), case.id, actor="wu.mediator", **good)
    assert info.value.field == "case_id"


# --- settlement agreements --------------------------------------------------------------------

def test_settlement_is_recorded_with_one_clock_per_instalment(at, people, app):
    case, agreement = settled_case(at)
    assert agreement.amount == "85000.00" and agreement.amount_fen == 8_500_000
    assert agreement.terms == ("cease_infringing", "destroy_stock", "withdraw_listings")
    assert agreement.decides_ownership is False and agreement.decides_validity is False
    due = {i.seq: (i.clock, i.last_day, i.due) for i in agreement.instalments}
    aid = agreement.id
    assert due == {
        # Sat 10 Oct 2026 is an official make-up workday: no roll
        1: (f"instalment.{aid}.1", "2026-10-10", "2026-10-11T00:00:00+08:00"),
        # Sat 31 Oct → Mon 2 Nov: falls due at the end of the next working day
        2: (f"instalment.{aid}.2", "2026-11-02", "2026-11-03T00:00:00+08:00"),
        3: (f"instalment.{aid}.3", "2026-11-30", "2026-12-01T00:00:00+08:00"),
    }
    with app.session_factory() as s:
        row = s.get(SettlementAgreement, aid)
        assert (row.amount_fen, row.currency, row.signed_on, row.status) == (
            8_500_000, "CNY", date(2026, 9, 15), "signed")
        assert row.parties == [APPLICANT, RESPONDENT]
        assert [(i.seq, i.amount_fen, i.status) for i in row.instalments] == [
            (1, 3_000_000, "due"), (2, 3_000_000, "due"), (3, 2_500_000, "due")]
        clocks = {c.id: c for c in s.scalars(select(Clock).where(Clock.case_id == case.id))}
        inst_clocks = [clocks[i.clock_id] for i in row.instalments]
        assert [(c.name, c.period, c.status) for c in inst_clocks] == [
            (f"instalment.{aid}.1", "25 days", "running"),
            (f"instalment.{aid}.2", "46 days", "running"),
            (f"instalment.{aid}.3", "76 days", "running")]
        assert inst_clocks[1].due_at == utc("2026-11-03T00:00")
        assert inst_clocks[0].started_at == utc("2026-09-15T00:00")
    recorded = events(app, case.id, "settlement_recorded")
    assert len(recorded) == 1 and recorded[0].actor == "wu.mediator"
    assert recorded[0].payload["amount"] == "85000.00"
    assert [r["due_on"] for r in recorded[0].payload["schedule"]] == [
        "2026-10-10", "2026-10-31", "2026-11-30"]
    started = events(app, case.id, "clock_started")
    assert [e.payload["clock"] for e in started] == [f"instalment.{aid}.{n}" for n in (1, 2, 3)]
    assert started[1].payload["last_day"] == "2026-11-02"
    assert_chain_intact(app)


def _schedule(index, **change):
    items = copy.deepcopy(SCHEDULE)
    items[index] = {**items[index], **change}
    return items


@pytest.mark.parametrize(("override", "field", "message"), [
    ({"parties": [APPLICANT, "宁波某某贸易有限公司"]}, "parties[1]", "is not a party"),
    ({"parties": [APPLICANT]}, "parties", "at least two"),
    ({"amount": "-85000.00"}, "amount", "must not be negative"),
    ({"amount": "85000.005"}, "amount", "2 decimal places"),
    ({"amount": "捌万伍仟元"}, "amount", "amount in yuan"),
    ({"currency": "RMB"}, "currency", "use CNY"),
    ({"currency": "XYZ"}, "currency", "ISO 4217"),
    ({"terms": ["cease_infringing", "pay_damages"]}, "terms[1]", "unknown term"),
    ({"signed_on": date(2026, 9, 17)}, "signed_on", "in the future"),
    ({"instalments": _schedule(1, due_on=date(2026, 9, 10))}, "instalments[1].due_on",
     "due before signing"),
    ({"instalments": _schedule(2, due_on=date(2026, 10, 20))}, "instalments[2].due_on",
     "in order"),
    ({"instalments": _schedule(2, amount="20000.00")}, "instalments", "add up to 80000.00"),
    ({"instalments": _schedule(0, amount="0")}, "instalments[0].amount", "more than zero"),
    ({"instalments": _schedule(0, when="2026-10-10")}, "instalments[0]", "unknown field"),
])
def test_settlement_validation_names_the_field_and_changes_nothing(at, people, app, override,
                                                                   field, message):
    case = open_mediation(at)
    accept_and_hold(at, case.id)
    before = counts(app)
    with pytest.raises(ValidationFailed, match=message) as info:
        record_settlement(at("2026-09-16T10:00")(), case.id, actor="wu.mediator",
                          **{**copy.deepcopy(SETTLEMENT), **override})
    assert info.value.field == field
    assert counts(app) == before


def test_settlement_needs_an_accepted_case_and_a_mediator(at, people, app):
    case = open_mediation(at)
    with pytest.raises(ValidationFailed, match="a settlement is recorded in") as info:
        record_settlement(at("2026-09-16T10:00")(), case.id, actor="wu.mediator",
                          **copy.deepcopy(SETTLEMENT))
    assert info.value.field == "case_id"
    accept_and_hold(at, case.id)
    with pytest.raises(NotFound):  # customs never received this mediation
        record_settlement(at("2026-09-16T10:00")(), case.id, actor="zhou.customs",
                          **copy.deepcopy(SETTLEMENT))


def test_terms_only_agreement_and_other_amount_forms(at, people, app):
    case, agreement = settled_case(at, amount=0, terms=["withdraw_listings", "public_apology"],
                                   instalments=[])
    assert agreement.amount == "0.00" and agreement.instalments == ()
    assert agreement.to_dict()["instalments"] == []
    with app.session_factory() as s:
        assert instalment_statuses(s, case.id) == []
        assert s.scalar(select(func.count()).select_from(Clock)
                        .where(Clock.case_id == case.id)) == 0
    again = record_settlement(at("2026-09-17T10:00")(), case.id, actor="wu.mediator",
                              parties=[f" {RESPONDENT}", APPLICANT], amount=Decimal("12000.5"),
                              currency="usd", signed_on="2026-09-16",
                              instalments=[{"due_on": "2026-10-16", "amount": 12000.5}])
    assert (again.amount_fen, again.currency, again.parties) == (
        1_200_050, "USD", (RESPONDENT, APPLICANT))
    assert again.supersedes == (agreement.id,)


# --- performance ------------------------------------------------------------------------------

def test_missed_instalment_raises_an_overdue_alert_and_a_paid_one_none(at, people, app):
    case, agreement = settled_case(at)
    aid = agreement.id
    paid = record_payment(at("2026-10-09T15:00")(), case.id, actor="wu.mediator",
                          agreement_id=aid, seq=1, paid_on=date(2026, 10, 9))
    assert paid.on_time is True and paid.all_paid is False
    when = "2026-11-03T10:00"  # the second instalment fell due at the end of Mon 2 Nov
    report = sweep(at(when), now=utc(when))
    assert report.expired == 1
    with app.session_factory() as s:
        by_name = {c.name: c for c in s.scalars(select(Clock).where(Clock.case_id == case.id))}
        raised = {(a.clock_id, a.kind) for a in s.scalars(select(Alert))}
        statuses = instalment_statuses(s, case.id, utc(when))
    assert (by_name[f"instalment.{aid}.2"].id, "overdue") in raised
    assert not {kind for clock_id, kind in raised if clock_id == by_name[f"instalment.{aid}.1"].id}
    assert not {kind for clock_id, kind in raised if clock_id == by_name[f"instalment.{aid}.3"].id}
    assert [(i.seq, i.status, i.paid_on) for i in statuses] == [
        (1, "paid", "2026-10-09"), (2, "late", None), (3, "due", None)]
    assert statuses[1].last_day == "2026-11-02" and statuses[1].amount == "30000.00"
    late = record_payment(at("2026-11-05T11:00")(), case.id, actor="wu.mediator",
                          agreement_id=aid, seq=2, paid_on=date(2026, 11, 5),
                          reason="被申请人逾期三日付款")
    assert late.on_time is False
    stops = {e.payload["clock"]: e.payload["on_time"]
             for e in events(app, case.id, "clock_stopped")}
    assert stops == {f"instalment.{aid}.1": True, f"instalment.{aid}.2": False}
    with pytest.raises(ValidationFailed, match="already paid") as info:
        record_payment(at("2026-11-06T11:00")(), case.id, actor="wu.mediator",
                       agreement_id=aid, seq=2, paid_on=date(2026, 11, 5))
    assert info.value.field == "seq"
    with app.session_factory() as s:
        statuses = instalment_statuses(s, case.id, utc("2026-11-06T11:00"))
    assert [i.status for i in statuses] == ["paid", "late", "due"]
    assert_chain_intact(app)


def test_payment_on_the_rolled_last_day_is_on_time(at, people, app):
    case, agreement = settled_case(at)
    done = record_payment(at("2026-11-04T09:00")(), case.id, actor="wu.mediator",
                          agreement_id=agreement.id, seq=2, paid_on=date(2026, 11, 2))
    assert done.on_time is True  # due 31 Oct (Saturday): Monday 2 Nov is still in time
    with app.session_factory() as s:
        assert instalment_statuses(s, case.id, utc("2026-11-04T09:00"))[1].status == "paid"


def test_payment_refusals(at, people, app):
    case, agreement = settled_case(at)
    uow = at("2026-10-09T15:00")
    for kwargs, field, error in [
            ({"seq": 4, "paid_on": date(2026, 10, 9)}, "seq", ValidationFailed),
            ({"seq": 1, "paid_on": date(2026, 10, 10)}, "paid_on", ValidationFailed),
            ({"seq": 1, "paid_on": date(2026, 9, 14)}, "paid_on", ValidationFailed),
            # an agreement id that names nothing on this case: unknown, like a missing id
            ({"seq": 1, "paid_on": date(2026, 10, 9), "agreement_id": 999}, "agreement_id",
             NotFound)]:
        with pytest.raises(error) as info:
            record_payment(uow(), case.id, actor="wu.mediator",
                           **{"agreement_id": agreement.id, **kwargs})
        assert info.value.field == field
    with app.session_factory() as s:
        assert [i.status for i in instalment_statuses(s, case.id, utc("2026-10-09T15:00"))] \
            == ["due", "due", "due"]


# --- judicial confirmation --------------------------------------------------------------------

def test_check_confirmable_refuses_an_agreement_deciding_ownership(at, people, app):
    case, first = settled_case(
        at, terms=["cease_infringing", "decides_ip_ownership"],
        instalments=[{"due_on": date(2026, 9, 15), "amount": "85000.00"}])
    assert first.decides_ownership is True
    assert first.instalments[0].due == "2026-09-16T00:00:00+08:00"  # due on signing day
    with app.session_factory() as s:
        agreement = confirmable_agreement(s, case.id)
        assert agreement.id == first.id
        with pytest.raises(ValidationFailed) as info:
            check_confirmable(agreement)
    assert info.value.field == "terms"
    assert str(info.value).startswith(
        "a court will not confirm an agreement that decides IP ownership or validity "
        "(民诉法解释 art. 355); ")
    second = record_settlement(at("2026-09-17T10:00")(), case.id, actor="wu.mediator",
                               **copy.deepcopy(SETTLEMENT), reason="删除权属条款后重新签订")
    assert second.supersedes == (first.id,)
    with app.session_factory() as s:
        current = confirmable_agreement(s, case.id)
        assert current.id == second.id
        check_confirmable(current)  # accepted: no exception
        old = s.get(SettlementAgreement, first.id)
        assert old.status == "superseded"
        with pytest.raises(ValidationFailed, match="superseded"):
            check_confirmable(old)
        old_clock = s.scalar(select(Clock).where(Clock.name == f"instalment.{first.id}.1"))
        assert old_clock.status == "stopped"
    other = open_mediation(at, "2026-09-17T11:00")
    with app.session_factory() as s, pytest.raises(ValidationFailed, match="no settlement"):
        confirmable_agreement(s, other.id)
    assert_chain_intact(app)


# --- conflicts of interest --------------------------------------------------------------------

def test_mediator_from_a_partys_organisation_is_refused(at, people, app, uow):
    create_user(uow(), "zheng.mediator", "郑敏", "nb-mediation", ["mediator"],
                organisation="宁海县佳美文具厂")
    case = open_mediation(at)
    with app.session_factory() as s:
        zheng = s.scalar(select(User).where(User.username == "zheng.mediator"))
        wu = s.scalar(select(User).where(User.username == "wu.mediator"))
        row = s.get(Case, case.id)
        with pytest.raises(ValidationFailed) as info:
            check_mediator_conflict(s, zheng, row)
        check_mediator_conflict(s, wu, row)  # no link: no exception
    assert info.value.field == "assignee"
    assert str(info.value) == ("conflict of interest: mediator 郑敏 (zheng.mediator) is linked "
                               "to party 宁海县佳美文具厂 (same organisation)")
    with pytest.raises(ValidationFailed, match="conflict of interest"):
        record_session(at("2026-09-02T10:00")(), case.id, actor="zheng.mediator",
                       held_on=date(2026, 9, 2), attendees=["郑敏"], outcome="首次接触")
    assert normalise_name(" 宁海县佳美文具厂（普通合伙） ") == normalise_name("宁海县佳美文具厂(普通合伙)")
    assert normalise_name("Ningbo ACME  Co., Ltd.") == normalise_name("ningbo acme co., ltd.")


def test_declared_conflict_refuses_the_mediator(at, people, app, uow):
    case = open_mediation(at, assignee="wu.mediator")
    with pytest.raises(PermissionDenied, match="mediator or a supervisor"):
        declare_conflict(uow(), mediator="wu.mediator", party_name=APPLICANT, reason="x",
                         actor="li.officer")
    with pytest.raises(ValidationFailed) as info:
        declare_conflict(uow(), mediator="wu.mediator", party_name=APPLICANT, reason=" ",
                         actor="wu.mediator")
    assert info.value.field == "reason"
    declared = declare_conflict(at("2026-09-01T11:00")(), mediator="wu.mediator",
                                party_name=f" {APPLICANT} ",
                                reason="2023–2025年曾任该公司常年法律顾问", actor="wu.mediator")
    assert declared.party_name == APPLICANT
    assert declared.assigned_cases == (case.number,)  # needs reassigning
    with pytest.raises(ValidationFailed, match="already declared") as info:
        declare_conflict(uow(), mediator="wu.mediator", party_name=APPLICANT, reason="重复",
                         actor="wu.mediator")
    assert info.value.field == "party_name"
    with app.session_factory() as s:
        wu = s.scalar(select(User).where(User.username == "wu.mediator"))
        with pytest.raises(ValidationFailed) as info:
            check_mediator_conflict(s, wu, s.get(Case, case.id))
        audit = s.scalars(select(SystemEvent).where(
            SystemEvent.kind == "mediator_conflict_declared")).all()
    assert info.value.field == "assignee"
    assert str(info.value) == (f"conflict of interest: mediator 吴芳 (wu.mediator) is linked to "
                               f"party {APPLICANT} (declared: 2023–2025年曾任该公司常年法律顾问)")
    assert [(e.actor, e.payload["party"]) for e in audit] == [("wu.mediator", APPLICANT)]
    on_case = events(app, case.id, "mediator_conflict_declared")
    assert [(e.actor, e.reason) for e in on_case] == [
        ("wu.mediator", "2023–2025年曾任该公司常年法律顾问")]
    # a supervisor of the mediation body may declare for one of its mediators
    create_user(uow(), "jiang.min", "蒋敏", "nb-mediation", ["supervisor", "mediator"])
    create_user(uow(), "dong.lei", "董磊", "nb-mediation", ["mediator"], supervisor="jiang.min")
    by_boss = declare_conflict(uow(), mediator="dong.lei", party_name=RESPONDENT,
                               reason="其配偶为该厂股东", actor="jiang.min")
    assert by_boss.declared_by == "jiang.min" and by_boss.assigned_cases == ()
    with app.session_factory() as s:
        dong = s.scalar(select(User).where(User.username == "dong.lei"))
        with pytest.raises(ValidationFailed, match="declared: 其配偶为该厂股东"):
            check_mediator_conflict(s, dong, s.get(Case, case.id))
    assert_chain_intact(app)


# --- who sees what ----------------------------------------------------------------------------

def test_mediation_body_sees_everything_others_only_the_outcome(at, people, app):
    case, agreement = settled_case(at)
    record_session(at("2026-09-16T11:00")(), case.id, actor="wu.mediator",
                   held_on=date(2026, 9, 14), attendees=["吴芳", "陈静", "林海"],
                   outcome="达成调解协议", notes=NOTES)
    services.fire(at("2026-09-16T12:00")(), case.id, "sign_settlement", actor="wu.mediator",
                  payload={"agreement_no": "甬知调〔2026〕第118号", "agreement_date": "2026-09-15",
                           "parties": [APPLICANT, RESPONDENT], "settlement_amount": 85000,
                           "performance_schedule": "分三期支付", "final_performance_date":
                           "2026-11-30", "cease_infringement": True,
                           "decides_ip_ownership_or_validity": False})
    with app.session_factory() as s:
        row = s.get(Case, case.id)
        before = mediation_view(s, row, "market_supervision")
    assert before.confirmation == "not_requested"
    services.fire(at("2026-09-17T10:00")(), case.id, "request_judicial_confirmation",
                  actor="wu.mediator",
                  payload={"court": "宁波市中级人民法院", "applied_on": "2026-09-17"})
    with app.session_factory() as s:
        row = s.get(Case, case.id)
        full = mediation_view(s, row, "mediation", now=utc("2026-09-17T10:00"))
        amr = mediation_view(s, row, "market_supervision")
        court = mediation_view(s, row, "court")
        with pytest.raises(ValidationFailed):
            mediation_view(s, row, "mediaton")
    assert full.visibility == "full"
    assert full.sessions[0].notes == NOTES
    assert full.agreement.amount == "85000.00"
    assert [i.status for i in full.schedule] == ["due", "due", "due"]
    expected = {"id": case.id, "visibility": "outcome", "case": case.number,
                "status": "confirmation_requested", "settled": True, "confirmation": "requested"}
    assert amr.to_dict() == expected and court.to_dict() == expected
    shown = json.dumps(amr.to_dict(), ensure_ascii=False)
    assert NOTES not in shown and "85000" not in shown and "林海" not in shown
    unsettled = open_mediation(at, "2026-09-17T11:00")
    with app.session_factory() as s:
        view = mediation_view(s, s.get(Case, unsettled.id), "customs")
    assert view.to_dict() == {"id": unsettled.id, "visibility": "outcome",
                              "case": unsettled.number, "status": "application_received",
                              "settled": False, "confirmation": "not_requested"}
