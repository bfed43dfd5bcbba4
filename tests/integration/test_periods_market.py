"""Legal periods that bind, through the real market-supervision workflow files (issue 8).

Each scenario drives a case of a shipped workflow (admin_enforcement, admin_summary,
patent_dispute, complaint, fast_track_preexam) through the service layer at fixed Beijing
times, on SQLite and PostgreSQL:

* a step the law allows only after a period, or only within it (``requires``), is refused
  outside it with the period, its last day and the article, and nothing is written; the
  exceptions the law names (a written waiver, the party's statement, an answer received, a
  legitimate reason approved by a supervisor) let it through and are audited;
* pauses run between the legal dates the steps record, not the days they are keyed in;
* clocks start on the recorded legal date (``start: {from: …}``) or after other periods
  (``start: {after: …}``).

2026 dates follow the official calendar (rest 10/1–10/7, make-up workday 10/10); 2027 dates
are provisional (weekends only) until the 2027 schedule is loaded.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Case, Event
from caseflow.domain.errors import PeriodNotMet, ValidationFailed
from caseflow.services.clocks import extend_clock
from caseflow.services.directory import create_user
from caseflow.views.clocks import case_clocks

# --- helpers --------------------------------------------------------------------------------

CLOTHING = ("宁波锦绣服饰有限公司", "宁波市江北区新潮服装店", "第45678901号", "锦绣 JINXIU")
FOOD = ("宁波甬味食品有限公司", "象山县海鲜干货批发部", "第56789012号", "甬味 YONGWEI")
APPLIANCES = ("宁波慈星电器有限公司", "余姚市明亮小家电厂", "ZL202410234567.8", "一种电热水壶防干烧结构")
AUTO_PARTS = ("宁波北仑精达汽车零部件有限公司", "宁波鄞州顺驰汽配商行", "ZL202320345678.9",
              "一种汽车雨刮器连接件")
STATIONERY = ("宁波墨香文具有限公司", "宁海县学乐文具店", "ZL202430456789.0", "笔袋（墨香M3）")


def fire(at, when, case, trigger, actor="li.officer", reason=None, override=None, **payload):
    return services.fire(at(when)(), case.id, trigger, actor=actor, payload=payload,
                         reason=reason, override=override)


def clocks(at, case, when):
    return {c.clock: c for c in case_clocks(at(when)(), case.id, "li.officer")}


def trail(app, case):
    with app.session_factory() as s:
        return list(s.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq)))


def event_count(app, case):
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.case_id == case.id))


def stored(app, case):
    """The case row as stored: its version and state."""
    with app.session_factory() as s:
        row = s.get(Case, case.id)
        return row.version, row.status


def refused(at, when, case, trigger, app, **kw):
    """Fire a step the periods forbid: PeriodNotMet, and nothing is written."""
    before = (event_count(app, case), stored(app, case))
    with pytest.raises(PeriodNotMet) as info:
        fire(at, when, case, trigger, **kw)
    assert (event_count(app, case), stored(app, case)) == before
    return str(info.value)


def open_enforcement(at, firms=CLOTHING, received="2026-09-01", kind="trademark"):
    holder, infringer, number, mark = firms
    return services.open_case(
        at(f"{received}T09:00")(), actor="li.officer", case_type="admin_enforcement",
        title=f"{infringer}涉嫌侵犯“{mark}”", received_on=date.fromisoformat(received),
        parties=[{"role": "rights_holder", "name": holder, "kind": "enterprise"},
                 {"role": "alleged_infringer", "name": infringer, "kind": "enterprise"}],
        ip_rights=[{"kind": kind, "number": number, "title": mark, "holder": holder}],
        assignee="li.officer")


def to_investigation(at, app, case, filed_on="2026-09-03"):
    """Verify the clue, file the case on ``filed_on`` (decision_deadline starts) and attach
    the inspection record."""
    fire(at, f"{filed_on}T09:10", case, "start_verification", clue_no="XS-2026-0901",
         clue_source="rights_holder_complaint", clue_received_on=filed_on)
    fire(at, f"{filed_on}T09:20", case, "submit_filing_proposal", proposal="file",
         verification_summary="现场检查发现涉嫌侵权商品，建议立案")
    fire(at, f"{filed_on}T09:30", case, "approve_filing", actor="chen.sup",
         filing_no="甬市监立〔2026〕101号", filed_on=filed_on, case_cause="涉嫌侵犯注册商标专用权",
         investigators=["李明", "张伟"])
    services.attach_evidence(at(f"{filed_on}T09:40")(), case.id, actor="li.officer",
                             filename="现场检查笔录.txt", content="现场检查笔录：涉嫌侵权商品若干".encode(),
                             media_type="text/plain", description="现场检查笔录")


def to_prior_notice(at, app, firms=CLOTHING, served_on="2026-10-20"):
    case = open_enforcement(at, firms)
    to_investigation(at, app, case)
    fire(at, f"{served_on}T10:00", case, "serve_prior_notice", notice_no="甬市监罚告〔2026〕88号",
         served_on=served_on, service_method="in_person", proposed_penalty="没收侵权商品，罚款",
         proposed_fine_amount=30000, hearing_right_notified=True)
    return case


def to_penalty_served(at, app, firms=CLOTHING, served_on="2026-12-01"):
    """A penalty decided and served on ``served_on``: fine_payment and remedy_periods start."""
    case = to_prior_notice(at, app, firms)
    fire(at, "2026-10-28T10:00", case, "close_notice_period", party_response="no_response",
         review_submitted_on="2026-10-28")
    fire(at, "2026-11-05T10:00", case, "complete_legal_review", review_opinion="agree",
         reviewer="法制科 王芳")
    fire(at, "2026-11-10T10:00", case, "decide_penalty", actor="chen.sup",
         decision_no="甬市监罚〔2026〕66号", decided_on="2026-11-10", warning=False,
         fine_amount=30000, confiscation=True, legal_basis="《商标法》第六十条第二款")
    fire(at, f"{served_on}T10:00", case, "serve_decision", service_method="in_person",
         served_on=served_on)
    return case


# --- admin_enforcement: the statement period (程序规定 art. 57) ------------------------------

def test_close_notice_period_is_refused_the_day_after_service(at, people, app):
    case = to_prior_notice(at, app)
    # served Tue 20 Oct: the 5 WD are 21, 22, 23, 26, 27 Oct
    message = refused(at, "2026-10-21T10:00", case, "close_notice_period", app,
                      party_response="no_response", review_submitted_on="2026-10-21")
    assert "statement_and_hearing_request" in message and "陈述申辩及听证申请期" in message
    assert "2026-10-27" in message and "第五十七条" in message
    assert "earliest day is 2026-10-28" in message
    # on the last day still too early
    refused(at, "2026-10-27T16:00", case, "close_notice_period", app,
            party_response="no_response", review_submitted_on="2026-10-27")
    assert stored(app, case)[1] == "prior_notice"


def test_close_notice_period_after_the_five_working_days(at, people, app):
    case = to_prior_notice(at, app, FOOD)
    view = fire(at, "2026-10-28T09:00", case, "close_notice_period",
                party_response="no_response", review_submitted_on="2026-10-28")
    assert view.status == "legal_review"
    assert not [e for e in trail(app, case) if e.kind == "period_excepted"]


def test_close_notice_period_early_with_a_written_waiver_is_audited(at, people, app):
    case = to_prior_notice(at, app, APPLIANCES)
    view = fire(at, "2026-10-22T10:00", case, "close_notice_period", party_response="waived",
                waived_on="2026-10-22", review_submitted_on="2026-10-22")
    assert view.status == "legal_review"
    excepted = [e for e in trail(app, case) if e.kind == "period_excepted"]
    assert len(excepted) == 1
    assert excepted[0].payload["clock"] == "statement_and_hearing_request"
    assert excepted[0].payload["field"] == "waived_on"
    assert excepted[0].payload["last_day"] == "2026-10-27"
    assert "第五十七条" in excepted[0].payload["source"]


def test_close_notice_period_early_once_the_party_has_stated_its_case(at, people, app):
    case = to_prior_notice(at, app, AUTO_PARTS)
    fire(at, "2026-10-23T10:00", case, "close_notice_period",
         party_response="statement_and_defence", statement_summary="当事人称系从他人处进货，已提交进货单据",
         statement_received_on="2026-10-23", review_submitted_on="2026-10-23")
    excepted = [e for e in trail(app, case) if e.kind == "period_excepted"]
    assert [e.payload["field"] for e in excepted] == ["statement_received_on"]


def test_hearing_request_only_within_the_five_working_days(at, people, app):
    case = to_prior_notice(at, app, STATIONERY)
    message = refused(at, "2026-10-29T10:00", case, "request_hearing", app,
                      requested_on="2026-10-28", hearing_ground="licence_revocation")
    assert "only within" in message and "2026-10-27" in message and "第七条" in message
    # a request made on the last day, keyed in later, counts on the day it was made
    view = fire(at, "2026-10-29T10:00", case, "request_hearing", requested_on="2026-10-27",
                hearing_ground="licence_revocation")
    assert view.status == "hearing_requested"


# --- admin_enforcement: start and pause on the recorded legal dates --------------------------

def test_legal_review_starts_on_the_day_the_reviewers_received_the_file(at, people, app):
    case = to_prior_notice(at, app)
    fire(at, "2026-10-30T10:00", case, "close_notice_period", party_response="no_response",
         review_submitted_on="2026-10-28")
    review = clocks(at, case, "2026-10-30T11:00")["legal_review_period"]
    assert review.started_at == "2026-10-28T00:00:00+08:00"
    # 10 WD from Wed 28 Oct (not counted): 29, 30 Oct, 2–6 Nov, 9, 10, 11 Nov
    assert review.last_day == "2026-11-11"


def test_closing_starts_on_the_day_the_ground_for_closing_arose(at, people, app):
    case = to_penalty_served(at, app, FOOD)
    fire(at, "2026-12-14T10:00", case, "record_payment", paid_on="2026-12-10", amount_paid=30000,
         receipt_no="浙非税0012345", closing_ground_on="2026-12-10")
    closing = clocks(at, case, "2026-12-14T11:00")["closing"]
    assert closing.started_at == "2026-12-10T00:00:00+08:00"
    # 15 WD from Thu 10 Dec: 11, 14–18, 21–25, 28–31 Dec
    assert closing.last_day == "2026-12-31"


def test_appraisal_pause_runs_between_the_recorded_dates(at, people, app):
    """Appraisal commissioned 10/19, result received 10/30, keyed 10/20 and 11/02: the
    decision period excludes 10/19..10/29 (11 days), not the 13 keyed days."""
    case = open_enforcement(at, APPLIANCES, received="2026-10-09", kind="invention_patent")
    to_investigation(at, app, case, filed_on="2026-10-13")
    before = clocks(at, case, "2026-10-13T12:00")["decision_deadline"]
    assert before.last_day == "2027-01-11"  # 90 days from Tue 13 Oct
    fire(at, "2026-10-20T10:00", case, "commission_testing", appraisal_kind="appraisal",
         institution="宁波市产品质量检验研究院", commissioned_on="2026-10-19")
    fire(at, "2026-11-02T10:00", case, "receive_testing_result", result_received_on="2026-10-30",
         conclusion="送检样品与专利权利要求1技术特征相同")
    after = clocks(at, case, "2026-11-02T11:00")["decision_deadline"]
    assert after.status == "running"
    assert after.paused_seconds == 11 * 86400
    assert after.last_day == "2027-01-22" and after.due == "2027-01-23T00:00:00+08:00"
    assert after.provisional is True
    paused = [t for t in after.timeline if t.kind == "paused"]
    assert [(p.from_, p.to) for p in paused] == [
        ("2026-10-19T00:00:00+08:00", "2026-10-30T00:00:00+08:00")]
    resumed = [e for e in trail(app, case) if e.kind == "clock_resumed"
               and e.payload["clock"] == "decision_deadline"]
    assert resumed[0].payload["recorded_as"] == "result_received_on"


def test_a_result_dated_before_the_commission_is_refused(at, people, app):
    case = open_enforcement(at, AUTO_PARTS, received="2026-10-09")
    to_investigation(at, app, case, filed_on="2026-10-13")
    fire(at, "2026-10-20T10:00", case, "commission_testing", appraisal_kind="testing",
         institution="宁波市产品质量检验研究院", commissioned_on="2026-10-19")
    with pytest.raises(ValidationFailed, match="before the pause"):
        fire(at, "2026-11-02T10:00", case, "receive_testing_result",
             result_received_on="2026-10-18", conclusion="样品为假冒产品")


def test_suspension_pauses_from_suspended_on_to_resumed_on(at, people, app):
    case = open_enforcement(at, STATIONERY, received="2026-10-09", kind="design_patent")
    to_investigation(at, app, case, filed_on="2026-10-13")
    fire(at, "2026-11-04T10:00", case, "suspend_investigation", actor="chen.sup",
         reason="涉案外观设计专利权正在无效宣告程序中", suspension_ground="right_validity_pending",
         suspended_on="2026-11-02")
    fire(at, "2026-11-20T10:00", case, "resume_investigation", actor="chen.sup",
         resumed_on="2026-11-16")
    deadline = clocks(at, case, "2026-11-20T11:00")["decision_deadline"]
    assert deadline.paused_seconds == 14 * 86400  # 2..15 Nov excluded, counting resumes 16 Nov
    assert deadline.last_day == "2027-01-25"      # 2027-01-11 + 14


def test_the_further_extension_of_the_decision_period_is_a_collective_decision(at, people, app):
    case = open_enforcement(at, CLOTHING, received="2026-10-09")
    to_investigation(at, app, case, filed_on="2026-10-13")
    extend_clock(at("2027-01-05T10:00")(), case.id, "decision_deadline", actor="chen.sup",
                 reason="案情复杂，经负责人批准延长三十日")
    with pytest.raises(ValidationFailed, match="collectively"):
        extend_clock(at("2027-02-05T10:00")(), case.id, "decision_deadline", actor="chen.sup",
                     reason="案情特别复杂", by="60 days")
    view = extend_clock(at("2027-02-05T10:00")(), case.id, "decision_deadline",
                        actor="wang.director", reason="负责人集体讨论决定继续延期六十日",
                        by="60 days", decided_on=date(2027, 2, 4),
                        participants=["王建国", "陈晓燕", "刘海涛"])
    assert len(view.extensions) == 2
    extended = [e for e in trail(app, case) if e.kind == "clock_extended"]
    assert extended[-1].payload["collective_decision"] == {
        "decided_on": "2027-02-04", "participants": ["王建国", "陈晓燕", "刘海涛"]}


# --- admin_enforcement: court enforcement (行政强制法 arts. 53–54) -----------------------------

def test_court_enforcement_window_runs_from_the_end_of_the_remedy_periods(at, people, app):
    case = to_penalty_served(at, app)
    running = clocks(at, case, "2026-12-01T11:00")
    remedy = running["remedy_periods"]
    assert remedy.period == "6 months" and remedy.last_day == "2027-06-01"
    assert remedy.started_at == "2026-12-01T00:00:00+08:00"
    window = running["court_enforcement_application"]
    # 3 months after the remedy periods' last day (Tue 1 Jun 2027, not counted)
    assert window.started_at == "2027-06-01T00:00:00+08:00"
    assert window.last_day == "2027-09-01" and window.provisional is True
    assert window.due == "2027-09-02T00:00:00+08:00"
    started = [e for e in trail(app, case) if e.kind == "clock_started"
               and e.payload["clock"] == "court_enforcement_application"]
    assert started[0].payload["basis"] == "after:fine_payment,remedy_periods"


def test_the_demand_only_after_the_time_to_pay(at, people, app):
    case = to_penalty_served(at, app, FOOD)
    # 15 days from Tue 1 Dec: last day Wed 16 Dec
    message = refused(at, "2026-12-16T10:00", case, "issue_enforcement_demand", app,
                      demand_no="甬市监催〔2026〕9号", demand_served_on="2026-12-16")
    assert "fine_payment" in message and "2026-12-16" in message and "第七十二条" in message
    view = fire(at, "2026-12-17T10:00", case, "issue_enforcement_demand",
                demand_no="甬市监催〔2026〕9号", demand_served_on="2026-12-17")
    assert view.status == "enforcement_demand"


def test_apply_court_enforcement_only_after_six_months_and_within_three_more(at, people, app):
    case = to_penalty_served(at, app)
    fire(at, "2026-12-21T10:00", case, "issue_enforcement_demand", demand_no="甬市监催〔2026〕10号",
         demand_served_on="2026-12-21")
    application = {"court": "宁波市江北区人民法院"}
    # the step's periods as the case's trigger list shows them today
    options = {o.trigger: o for o in services.available_triggers(at("2027-01-05T10:00")(),
                                                                  case.id, "chen.sup")}
    periods = {p.clocks: p for p in options["apply_court_enforcement"].periods}
    assert periods[("remedy_periods",)].met is False
    assert "2027-06-01" in periods[("remedy_periods",)].detail
    # the three months have not begun: they run from the end of the six
    assert periods[("court_enforcement_application",)].met is False
    assert "has not begun" in periods[("court_enforcement_application",)].detail
    message = refused(at, "2027-01-05T10:00", case, "apply_court_enforcement", app,
                      actor="chen.sup", applied_on="2027-01-05", **application)
    assert "remedy_periods" in message and "2027-06-01" in message and "第五十三条" in message
    assert "earliest day is 2027-06-02" in message
    # the last day of the six months is still the party's
    refused(at, "2027-06-01T10:00", case, "apply_court_enforcement", app, actor="chen.sup",
            applied_on="2027-06-01", **application)
    view = fire(at, "2027-06-02T10:00", case, "apply_court_enforcement", actor="chen.sup",
                applied_on="2027-06-02", **application)
    assert view.status == "court_enforcement"
    stopped = clocks(at, case, "2027-06-02T11:00")
    assert stopped["court_enforcement_application"].status == "stopped"
    assert stopped["remedy_periods"].status == "stopped"


def test_apply_court_enforcement_on_the_last_day_of_the_window(at, people, app):
    case = to_penalty_served(at, app, AUTO_PARTS)
    fire(at, "2026-12-21T10:00", case, "issue_enforcement_demand", demand_no="甬市监催〔2026〕11号",
         demand_served_on="2026-12-21")
    view = fire(at, "2027-09-01T10:00", case, "apply_court_enforcement", actor="chen.sup",
                court="宁波市北仑区人民法院", applied_on="2027-09-01")
    assert view.status == "court_enforcement"


def test_apply_court_enforcement_after_the_window_needs_a_legitimate_reason(at, people, app):
    case = to_penalty_served(at, app, APPLIANCES)
    fire(at, "2026-12-21T10:00", case, "issue_enforcement_demand", demand_no="甬市监催〔2026〕12号",
         demand_served_on="2026-12-21")
    message = refused(at, "2027-09-02T10:00", case, "apply_court_enforcement", app,
                      actor="chen.sup", court="余姚市人民法院", applied_on="2027-09-02")
    assert "court_enforcement_application" in message and "2027-09-01" in message
    assert "1 day(s) late" in message and "第一百五十六条" in message
    with pytest.raises(ValidationFailed, match="reason"):
        fire(at, "2027-09-02T10:00", case, "apply_court_enforcement", actor="chen.sup",
             override="  ", court="余姚市人民法院", applied_on="2027-09-02")
    view = fire(at, "2027-09-02T10:00", case, "apply_court_enforcement", actor="chen.sup",
                override="被执行人下落不明，经公安协查方于期满后查明住所（正当理由）",
                court="余姚市人民法院", applied_on="2027-09-02")
    assert view.status == "court_enforcement"
    excepted = [e for e in trail(app, case) if e.kind == "period_excepted"]
    assert [(e.payload["clock"], e.payload["exception"]) for e in excepted] == [
        ("court_enforcement_application", "override")]
    assert excepted[0].reason.startswith("被执行人下落不明")


def test_apply_court_enforcement_not_within_ten_working_days_of_the_demand(at, people, app):
    case = to_penalty_served(at, app, STATIONERY)
    fire(at, "2027-05-31T10:00", case, "issue_enforcement_demand", demand_no="甬市监催〔2027〕3号",
         demand_served_on="2027-05-31")
    # 10 WD after Mon 31 May 2027 (provisional: Dragon Boat Festival Wed 9 Jun is a rest
    # day): 1–4, 7, 8, 10, 11, 14, 15 Jun
    message = refused(at, "2027-06-15T10:00", case, "apply_court_enforcement", app,
                      actor="chen.sup", court="宁海县人民法院", applied_on="2027-06-15")
    assert "enforcement_demand_period" in message and "2027-06-15" in message
    assert "第五十四条" in message and "remedy_periods" not in message
    view = fire(at, "2027-06-16T10:00", case, "apply_court_enforcement", actor="chen.sup",
                court="宁海县人民法院", applied_on="2027-06-16")
    assert view.status == "court_enforcement"


def test_an_approved_deferral_moves_the_window(at, people, app):
    """A deferral of payment (行政处罚法 art. 66) ending after the remedy periods opens the
    window later: the chained clock follows the extended fine_payment."""
    case = to_penalty_served(at, app, CLOTHING)
    extend_clock(at("2026-12-10T10:00")(), case.id, "fine_payment", actor="chen.sup",
                 reason="当事人确有经济困难，经批准暂缓缴纳至2027年7月", by="7 months")
    window = clocks(at, case, "2026-12-10T11:00")
    assert window["fine_payment"].last_day == "2027-07-16"
    assert window["court_enforcement_application"].started_at == "2027-07-16T00:00:00+08:00"
    # 16 Oct 2027 is a Saturday: rolls to Monday 18 Oct
    assert window["court_enforcement_application"].last_day == "2027-10-18"
    assert any(e.kind == "clock_recomputed" for e in trail(app, case))
    refused(at, "2027-07-16T10:00", case, "issue_enforcement_demand", app,
            demand_no="甬市监催〔2027〕5号", demand_served_on="2027-07-16")
    fire(at, "2027-07-19T10:00", case, "issue_enforcement_demand", demand_no="甬市监催〔2027〕5号",
         demand_served_on="2027-07-19")
    view = fire(at, "2027-10-18T10:00", case, "apply_court_enforcement", actor="chen.sup",
                court="宁波市江北区人民法院", applied_on="2027-10-18")
    assert view.status == "court_enforcement"


def test_deemed_service_only_once_the_thirty_days_of_public_notice_pass(at, people, app):
    case = to_prior_notice(at, app, FOOD)
    fire(at, "2026-10-28T10:00", case, "close_notice_period", party_response="no_response",
         review_submitted_on="2026-10-28")
    fire(at, "2026-11-05T10:00", case, "complete_legal_review", review_opinion="agree",
         reviewer="法制科 王芳")
    fire(at, "2026-11-10T10:00", case, "decide_penalty", actor="chen.sup",
         decision_no="甬市监罚〔2026〕67号", decided_on="2026-11-10", warning=True,
         fine_amount=5000, confiscation=False, legal_basis="《商标法》第六十条第二款")
    fire(at, "2026-11-12T10:00", case, "serve_by_public_notice", actor="chen.sup",
         reason="当事人下落不明，无法直接送达", notice_published_on="2026-11-12",
         notice_channel="宁波市市场监督管理局门户网站")
    # 30 days from Thu 12 Nov: last day Sat 12 Dec rolls to Mon 14 Dec
    message = refused(at, "2026-12-14T10:00", case, "deem_served", app, served_on="2026-12-12")
    assert "service_by_public_notice" in message and "2026-12-14" in message
    assert "第八十一条" in message
    # keyed in later, but deemed served before the notice period ended: refused
    early = refused(at, "2026-12-15T09:00", case, "deem_served", app, served_on="2026-12-05")
    assert "served_on 2026-12-05" in early and "not before the last day" in early
    assert "2026-12-14" in early
    # nor deemed served later than that last day: the party's periods would start late
    late = refused(at, "2026-12-18T09:00", case, "deem_served", app, served_on="2026-12-16")
    assert "served_on 2026-12-16" in late and "2026-12-14" in late
    view = fire(at, "2026-12-15T09:00", case, "deem_served", served_on="2026-12-14")
    assert view.status == "awaiting_performance"
    assert clocks(at, case, "2026-12-15T10:00")["remedy_periods"].started_at == \
        "2026-12-14T00:00:00+08:00"


# --- admin_summary ----------------------------------------------------------------------------

def open_summary(at, decided_on="2026-12-01"):
    case = services.open_case(
        at(f"{decided_on}T09:00")(), actor="li.officer", case_type="admin_summary",
        title="宁波市海曙区小张服装摊位销售侵权T恤", received_on=date.fromisoformat(decided_on),
        parties=[{"role": "alleged_infringer", "name": "张小军（宁波市海曙区服装摊位经营者）",
                  "kind": "individual"}],
        assignee="li.officer")
    fire(at, f"{decided_on}T10:00", case, "decide_on_the_spot", decision_no="甬市监当罚〔2026〕31号",
         decided_on=decided_on, place="宁波市海曙区天一广场", facts="销售假冒“锦绣 JINXIU”商标T恤5件",
         legal_basis="《商标法》第六十条", warning=False, fine_amount=200, statement_heard=True,
         handed_over_on_the_spot=True, officers=["李明", "张伟"])
    fire(at, f"{decided_on}T15:00", case, "file_record", record_no="备-2026-031",
         filed_on=decided_on)
    return case


def test_summary_court_enforcement_window(at, people, app):
    case = open_summary(at)
    window = clocks(at, case, "2026-12-01T16:00")
    assert window["remedy_periods"].last_day == "2027-06-01"
    assert window["court_enforcement_application"].started_at == "2027-06-01T00:00:00+08:00"
    assert window["court_enforcement_application"].last_day == "2027-09-01"
    refused(at, "2026-12-16T10:00", case, "issue_enforcement_demand", app,
            demand_no="甬市监催〔2026〕21号", demand_served_on="2026-12-16")
    fire(at, "2026-12-21T10:00", case, "issue_enforcement_demand", demand_no="甬市监催〔2026〕21号",
         demand_served_on="2026-12-21")
    message = refused(at, "2027-01-05T10:00", case, "apply_court_enforcement", app,
                      actor="chen.sup", court="宁波市海曙区人民法院", applied_on="2027-01-05")
    assert "remedy_periods" in message and "2027-06-01" in message and "第五十三条" in message
    view = fire(at, "2027-06-02T10:00", case, "apply_court_enforcement", actor="chen.sup",
                court="宁波市海曙区人民法院", applied_on="2027-06-02")
    assert view.status == "court_enforcement"


def test_summary_court_enforcement_refused_after_the_window(at, people, app):
    case = open_summary(at)
    fire(at, "2026-12-21T10:00", case, "issue_enforcement_demand", demand_no="甬市监催〔2026〕22号",
         demand_served_on="2026-12-21")
    message = refused(at, "2027-09-02T10:00", case, "apply_court_enforcement", app,
                      actor="chen.sup", court="宁波市海曙区人民法院", applied_on="2027-09-02")
    assert "court_enforcement_application" in message and "2027-09-01" in message
    view = fire(at, "2027-09-01T10:00", case, "apply_court_enforcement", actor="chen.sup",
                court="宁波市海曙区人民法院", applied_on="2027-09-01")
    assert view.status == "court_enforcement"


# --- patent_dispute ---------------------------------------------------------------------------

def open_patent(at, firms=APPLIANCES, received="2026-11-02"):
    holder, respondent, number, title = firms
    case = services.open_case(
        at(f"{received}T09:00")(), actor="li.officer", case_type="patent_dispute",
        title=f"{holder}诉{respondent}侵犯“{title}”专利权", received_on=date.fromisoformat(received),
        parties=[{"role": "applicant", "name": holder, "kind": "enterprise"},
                 {"role": "respondent", "name": respondent, "kind": "enterprise"}],
        ip_rights=[{"kind": "utility_model", "number": number, "title": title,
                    "holder": holder}],
        assignee="li.officer")
    fire(at, f"{received}T10:00", case, "accept_request", actor="chen.sup",
         filing_no="甬知裁〔2026〕12号", filed_on=received, panel_members=["李明", "张伟", "陈晓燕"])
    return case


def adjudication(decided_on, **extra):
    return {"decision_no": "甬知裁字〔2026〕12号", "decided_on": decided_on,
            "decision_summary": "被请求人制造、销售的产品落入专利权保护范围", **extra}


def test_no_answer_only_after_the_answer_period(at, people, app):
    case = open_patent(at)
    fire(at, "2026-11-03T10:00", case, "serve_on_respondent", served_on="2026-11-03",
         service_method="mail")
    # 15 days from Tue 3 Nov: last day Wed 18 Nov
    message = refused(at, "2026-11-18T15:00", case, "record_no_answer", app,
                      evidence_notice_served_on="2026-11-18")
    assert "answer_period" in message and "2026-11-18" in message and "第二十二条" in message
    fire(at, "2026-11-19T10:00", case, "record_no_answer", evidence_notice_served_on="2026-11-19")
    evidence = clocks(at, case, "2026-11-19T11:00")["evidence_period"]
    assert evidence.started_at == "2026-11-19T00:00:00+08:00"
    assert evidence.last_day == "2026-12-04"


def test_adjudication_only_after_the_evidence_period(at, people, app):
    case = open_patent(at, AUTO_PARTS)
    fire(at, "2026-11-03T10:00", case, "serve_on_respondent", served_on="2026-11-03",
         service_method="in_person")
    fire(at, "2026-11-06T10:00", case, "record_answer", answer_received_on="2026-11-06",
         invalidation_requested=False)
    fire(at, "2026-11-09T10:00", case, "forward_answer", forwarded_on="2026-11-09",
         evidence_notice_served_on="2026-11-09")
    # evidence period: 15 days from Mon 9 Nov, last day Tue 24 Nov
    message = refused(at, "2026-11-24T10:00", case, "adjudicate_infringement", app,
                      actor="chen.sup", **adjudication("2026-11-24"))
    assert "evidence_period" in message and "2026-11-24" in message and "第五十四条" in message
    assert "answer_period" not in message  # its 15 days ended on 18 Nov
    view = fire(at, "2026-11-25T10:00", case, "adjudicate_infringement", actor="chen.sup",
                **adjudication("2026-11-25"))
    assert view.status == "infringement_found"


def test_adjudication_waits_for_the_answer_period_unless_answered(at, people, app):
    """A jurisdiction objection skips the answer step: the decision still waits for the
    foreign respondent's 30 days, unless the answer came in."""
    case = open_patent(at, STATIONERY)
    fire(at, "2026-11-03T10:00", case, "serve_on_foreign_respondent", served_on="2026-11-03",
         service_method="mail")
    fire(at, "2026-11-04T10:00", case, "raise_jurisdiction_objection",
         objection_received_on="2026-11-04")
    fire(at, "2026-11-06T10:00", case, "dismiss_jurisdiction_objection", actor="chen.sup",
         decided_on="2026-11-06", evidence_notice_served_on="2026-11-06")
    # evidence period ends Sat 21 Nov (rolls to Mon 23 Nov); answer period ends Thu 3 Dec
    message = refused(at, "2026-11-24T10:00", case, "adjudicate_no_infringement", app,
                      actor="chen.sup", reason="被控产品未落入保护范围",
                      **adjudication("2026-11-24"))
    assert "answer_period_foreign" in message and "2026-12-03" in message
    fire(at, "2026-11-24T10:00", case, "adjudicate_no_infringement", actor="chen.sup",
         reason="被控产品未落入保护范围",
         **adjudication("2026-11-24", answer_received_on="2026-11-20"))
    excepted = [e for e in trail(app, case) if e.kind == "period_excepted"]
    assert [(e.payload["clock"], e.payload["field"]) for e in excepted] == [
        ("answer_period_foreign", "answer_received_on")]


def test_conclusion_pauses_on_the_recorded_dates(at, people, app):
    case = open_patent(at, CLOTHING)
    fire(at, "2026-11-03T10:00", case, "serve_on_respondent", served_on="2026-11-03",
         service_method="in_person")
    fire(at, "2026-11-19T10:00", case, "record_no_answer", evidence_notice_served_on="2026-11-19")
    fire(at, "2026-11-25T10:00", case, "commission_appraisal", institution="浙江省知识产权研究与服务中心",
         commissioned_on="2026-11-23")
    fire(at, "2026-12-10T10:00", case, "receive_appraisal", result_received_on="2026-12-07",
         conclusion="被控产品与专利技术方案相同")
    conclusion = clocks(at, case, "2026-12-10T11:00")["conclusion"]
    # 3 months from Mon 2 Nov end on 2 Feb 2027; 23 Nov..6 Dec (14 days) not counted
    assert conclusion.paused_seconds == 14 * 86400
    assert conclusion.last_day == "2027-02-16"


def test_mediation_declined_only_after_the_statement_period_or_in_writing(at, people, app):
    case = services.open_case(
        at("2026-11-02T09:00")(), actor="li.officer", case_type="patent_dispute",
        title="宁波甬味食品有限公司与象山县海鲜干货批发部包装外观设计纠纷调解",
        received_on=date(2026, 11, 2),
        parties=[{"role": "applicant", "name": FOOD[0]}, {"role": "respondent", "name": FOOD[1]}],
        assignee="li.officer")
    fire(at, "2026-11-02T10:00", case, "register_mediation_request",
         dispute_kind="infringement_damages", request_received_on="2026-11-02")
    fire(at, "2026-11-03T10:00", case, "serve_mediation_request", served_on="2026-11-03",
         service_method="mail")
    message = refused(at, "2026-11-10T10:00", case, "record_mediation_declined", app,
                      reason="被请求人未提交意见陈述")
    assert "mediation_statement" in message and "2026-11-18" in message
    assert "第六十五条" in message
    view = fire(at, "2026-11-10T10:00", case, "record_mediation_declined",
                reason="被请求人书面表示不同意调解", declined_on="2026-11-09")
    assert view.status == "mediation_not_held"
    assert [e.payload["field"] for e in trail(app, case) if e.kind == "period_excepted"] == [
        "declined_on"]


def test_mediation_not_held_once_the_statement_period_ran_out(at, people, app):
    case = services.open_case(
        at("2026-11-02T09:00")(), actor="li.officer", case_type="patent_dispute",
        title="宁波墨香文具有限公司与宁海县学乐文具店外观设计纠纷调解", received_on=date(2026, 11, 2),
        parties=[{"role": "applicant", "name": STATIONERY[0]},
                 {"role": "respondent", "name": STATIONERY[1]}],
        assignee="li.officer")
    fire(at, "2026-11-02T10:00", case, "register_mediation_request",
         dispute_kind="infringement_damages", request_received_on="2026-11-02")
    fire(at, "2026-11-03T10:00", case, "serve_mediation_request", served_on="2026-11-03",
         service_method="mail")
    view = fire(at, "2026-11-19T10:00", case, "record_mediation_declined",
                reason="被请求人逾期未提交意见陈述")
    assert view.status == "mediation_not_held"


# --- complaint (v2: received from 2026-04-15) ---------------------------------------------------

def open_complaint(at, received="2026-09-01"):
    return services.open_case(
        at(f"{received}T09:00")(), actor="li.officer", case_type="complaint",
        title="消费者投诉网店销售假冒“慈星”电热水壶", received_on=date.fromisoformat(received),
        parties=[{"role": "complainant", "name": "周丽华"},
                 {"role": "alleged_infringer", "name": APPLIANCES[1], "kind": "enterprise"}],
        assignee="li.officer")


def accept(at, case, on="2026-09-02"):
    fire(at, f"{on}T10:00", case, "accept_complaint", accepted_on=on, channel="platform_12315",
         ecommerce=True, platform_name="某电商平台", complainant_told_on=on)


def test_settlement_only_within_the_mediation_period(at, people, app):
    case = open_complaint(at)
    assert case.workflow_version == 2
    accept(at, case)
    # 45 WD from Wed 2 Sep (rest 25–27 Sep and 1–7 Oct; make-up 20 Sep and 10 Oct): 10 Nov
    period = clocks(at, case, "2026-09-02T11:00")["mediation_period"]
    assert period.last_day == "2026-11-10"
    message = refused(at, "2026-11-12T10:00", case, "record_settlement", app,
                      agreement_date="2026-11-11", terms="退一赔三")
    assert "only within" in message and "mediation_period" in message
    assert "2026-11-10" in message and "第二十一条" in message
    view = fire(at, "2026-11-12T10:00", case, "record_settlement", agreement_date="2026-11-10",
                settlement_amount=796, terms="经营者退还货款并赔偿三倍价款")
    assert view.status == "settled"


def test_settlement_within_the_mediation_period_under_the_interim_measures(at, people, app):
    """complaint v1 (received before 2026-04-15) binds the same way."""
    case = open_complaint(at, received="2026-03-02")
    assert case.workflow_version == 1
    accept(at, case, on="2026-03-03")
    last = date.fromisoformat(clocks(at, case, "2026-03-03T11:00")["mediation_period"].last_day)
    late = (last + timedelta(days=1)).isoformat()
    message = refused(at, f"{late}T10:00", case, "record_settlement", app, agreement_date=late,
                      terms="经营者退货退款")
    assert last.isoformat() in message and "暂行办法》第二十一条" in message
    view = fire(at, f"{late}T10:00", case, "record_settlement", agreement_date=last.isoformat(),
                terms="经营者退货退款并赔偿交通费")
    assert view.status == "settled"


def test_complaint_testing_pauses_on_the_recorded_dates(at, people, app):
    case = open_complaint(at)
    accept(at, case)
    fire(at, "2026-09-10T10:00", case, "start_testing", institution="宁波市产品质量检验研究院",
         commissioned_on="2026-09-08")
    fire(at, "2026-09-18T10:00", case, "testing_completed", result_received_on="2026-09-15")
    period = clocks(at, case, "2026-09-18T11:00")["mediation_period"]
    # 8..14 Sep excluded: five working days, so the 45 WD end five working days later
    assert period.paused_seconds == 7 * 86400
    assert period.last_day == "2026-11-17"


def test_the_clue_period_runs_from_the_day_the_clue_was_found(at, people, app):
    case = open_complaint(at)
    accept(at, case)
    fire(at, "2026-09-16T10:00", case, "refer_as_clue", clue_no="XS-2026-0916",
         referred_on="2026-09-16", clue_found_on="2026-09-14", real_name_report=False)
    clue = clocks(at, case, "2026-09-16T11:00")["clue_verification_period"]
    assert clue.started_at == "2026-09-14T00:00:00+08:00"
    # 15 WD from Mon 14 Sep: 15–18, 20 (make-up), 21–24, 28–30 Sep, 8, 9, 10 (make-up) Oct
    assert clue.last_day == "2026-10-10"


# --- fast_track_preexam ------------------------------------------------------------------------

def test_preexamination_target_pauses_while_the_applicant_corrects(at, people, app):
    create_user(app.uow(), "ye.ippc", "叶青", "nb-ippc", ["officer"])
    case = services.open_case(
        at("2026-11-02T09:00")(), actor="ye.ippc", case_type="fast_track_preexam",
        title="宁波北仑精达汽车零部件有限公司“一种汽车雨刮器连接件”预审", received_on=date(2026, 11, 2),
        parties=[{"role": "applicant", "name": AUTO_PARTS[0]}], assignee="ye.ippc")
    fire(at, "2026-11-02T10:00", case, "confirm_record", actor="ye.ippc", record_no="BA-2026-077",
         industry_field="汽车零部件", recorded_on="2026-11-02")
    fire(at, "2026-11-02T11:00", case, "submit_preexam_request", actor="ye.ippc",
         patent_kind="utility_model", title_of_invention="一种汽车雨刮器连接件",
         requested_on="2026-11-02")
    fire(at, "2026-11-03T10:00", case, "start_preexamination", actor="ye.ippc", examiner="叶青")
    fire(at, "2026-11-05T10:00", case, "request_correction", actor="ye.ippc",
         correction_notes="权利要求2引用关系不清", correction_requested_on="2026-11-04")
    fire(at, "2026-11-11T10:00", case, "submit_correction", actor="ye.ippc",
         corrected_on="2026-11-09")
    target = {c.clock: c for c in case_clocks(at("2026-11-11T11:00")(), case.id, "ye.ippc")}[
        "preexamination_target"]
    # 5 WD from Mon 2 Nov: 3–6, 9 Nov; 4..8 Nov not counted (3 working days) → 12 Nov
    assert target.paused_seconds == 5 * 86400
    assert target.last_day == "2026-11-12"
