"""A case's industry (所属行业) through the service layer: one of the vocabulary's codes or
not recorded, anything else refused with nothing written; stored on the case, in the
case-opened event, in the case's views and the list's filter; a case a handoff opens keeps
the sending case's industry; the demo opens its cases with theirs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Case, CaseFactsRow, Event
from caseflow.domain.errors import ValidationFailed
from caseflow.domain.vocabulary import INDUSTRIES, INDUSTRY_TITLES
from caseflow.entrypoints import demo
from caseflow.services import handoffs
from caseflow.views.case_list import CaseFilters, list_cases
from caseflow.views.cases import case_for
from tests.integration.test_engine import open_inspection
from tests.integration.test_handoffs import HOLDER, INFRINGER, send


def rows(app) -> tuple[int, int]:
    with app.session_factory() as s:
        return (s.scalar(select(func.count()).select_from(Case)),
                s.scalar(select(func.count()).select_from(Event)))


def test_an_industry_is_stored_in_the_case_its_event_and_its_views(uow, people, app):
    case = open_inspection(uow, industry="clothing")
    assert case.industry == "clothing" and case.to_dict()["industry"] == "clothing"
    with app.session_factory() as s:
        assert s.get(Case, case.id).industry == "clothing"
        opened = s.scalar(select(Event).where(Event.case_id == case.id,
                                              Event.kind == "case_opened"))
        assert opened.payload["industry"] == "clothing"
        # the report facts the dashboard counts by industry see it in the same transaction
        assert s.get(CaseFactsRow, case.id).industry == "clothing"
    detail = case_for(uow(), case.id, "li.officer")
    assert detail.industry == "clothing" and detail.to_dict()["industry"] == "clothing"
    # a later write answers with it too (the transition's own read of the case)
    fired = services.fire(uow(), case.id, "start_check", actor="li.officer")
    assert fired.industry == "clothing"


def test_without_an_industry_it_is_not_recorded(uow, people, app):
    case = open_inspection(uow)
    assert case.industry is None
    with app.session_factory() as s:
        assert s.get(Case, case.id).industry is None
        opened = s.scalar(select(Event).where(Event.case_id == case.id))
        assert opened.payload["industry"] is None
    assert case_for(uow(), case.id, "li.officer").to_dict()["industry"] is None


@pytest.mark.parametrize("bad", ["jewellery", "", "Clothing", "服装", 7, ["food"]])
def test_an_unknown_industry_is_refused_and_nothing_is_written(uow, people, app, bad):
    before = rows(app)
    with pytest.raises(ValidationFailed) as caught:
        open_inspection(uow, industry=bad)
    refusal = caught.value
    assert refusal.field == "industry" and refusal.http_status == 422
    assert refusal.message.startswith(f"industry: {bad!r} is not one of the industries ")
    assert all(code in refusal.message for code in INDUSTRIES)
    assert rows(app) == before


def test_the_refusal_names_the_choices_in_chinese_on_a_page(uow, people):
    """The template and its params: a Chinese page says the industries by their titles."""
    with pytest.raises(ValidationFailed) as caught:
        open_inspection(uow, industry="jewellery")
    choices = caught.value.params["industries"]
    assert [part.zh for part in choices.parts] == [INDUSTRY_TITLES[c][0] for c in INDUSTRIES]
    assert str(choices) == ", ".join(INDUSTRIES)


def test_the_case_list_filters_by_industry_and_refuses_an_unknown_one(uow, people):
    food = open_inspection(uow, title="宁波北仑小陈食品经营部涉嫌销售假冒海鲜礼盒", industry="food")
    open_inspection(uow, title="恒达服饰商行涉嫌销售假冒注册商标服装", industry="clothing")
    open_inspection(uow, title="某商行涉嫌销售侵权商品")
    found = list_cases(uow(), "li.officer", CaseFilters(industry="food"))
    assert [item.id for item in found.items] == [food.id] and found.total == 1
    assert list_cases(uow(), "li.officer", CaseFilters(industry="stationery")).total == 0
    assert list_cases(uow(), "li.officer").total == 3
    with pytest.raises(ValidationFailed) as caught:
        list_cases(uow(), "li.officer", CaseFilters(industry="jewellery"))
    assert caught.value.field == "industry"


def _transfer_case(uow, industry):  # type: ignore[no-untyped-def]
    case = services.open_case(
        uow(), actor="li.officer", case_type="transfer_src",
        title="余姚市精工汽配厂涉嫌假冒注册商标罪", parties=[HOLDER, INFRINGER],
        assignee="li.officer", industry=industry,
        ip_rights=[{"kind": "trademark", "number": "G1398765", "title": "NORDHAUS"}])
    services.fire(uow(), case.id, "approve_transfer", actor="chen.sup",
                  reason="涉案金额超过立案追诉标准")
    return case


@pytest.mark.parametrize("industry", ["auto_parts", None])
def test_a_case_opened_by_a_handoff_keeps_the_sending_cases_industry(uow, people, app,
                                                                      industry):
    case = _transfer_case(uow, industry)
    sent = send(uow, case.id, key=f"nb-amr/transfer/{industry}")
    handoffs.dispatch(uow())
    accepted = handoffs.accept(uow(), sent.id, actor="gao.police", reason="材料齐全，予以接收")
    with app.session_factory() as s:
        linked = s.get(Case, accepted.linked_case_id)
        assert linked.agency.code == "nb-psb" and linked.industry == industry
        opened = s.scalar(select(Event).where(Event.case_id == linked.id,
                                              Event.kind == "case_opened"))
        assert opened.payload["industry"] == industry


def test_each_demo_industry_is_a_vocabulary_industry():
    assert {i.name: i.code for i in demo.INDUSTRIES} == {
        "服装": "clothing", "食品": "food", "家电": "home_appliances", "汽配": "auto_parts",
        "文具": "stationery"}


def test_the_demo_opens_its_cases_with_their_industry(uow, people, app):
    case = demo.open_walked(app, "inspection", [])
    with app.session_factory() as s:
        stored = s.get(Case, case.id)
        assert stored.industry in {i.code for i in demo.INDUSTRIES}
        names = {p.name for p in stored.parties}
    industry = next(i for i in demo.INDUSTRIES if i.code == stored.industry)
    assert names & {h[0] for h in industry.holders}  # the parties of that industry
