"""Open and closed cases in the read side's lists: ``CaseFilters.closed`` (the work lists'
待办 and 已办 ask through it) picks open or closed cases under the list's other conditions,
``None`` takes both; the API's case list does not offer it."""

from __future__ import annotations

from datetime import date

from caseflow import services
from caseflow.views.case_list import CaseFilters, list_cases
from caseflow.views.worklist import list_work
from web.api.cases import CaseListArgs

HOLDER = {"role": "rights_holder", "name": "Lumière Textiles SA", "kind": "enterprise",
          "origin": "overseas", "region": "France"}
INFRINGER = {"role": "alleged_infringer", "name": "宁波市海曙区恒达服饰商行", "kind": "enterprise",
             "origin": "local", "region": "宁波市海曙区"}


def open_inspection(uow, title: str):
    return services.open_case(uow(), actor="li.officer", case_type="inspection", title=title,
                              received_on=date(2026, 3, 2), parties=[HOLDER, INFRINGER],
                              assignee="li.officer")


def closed_and_open(uow):
    closed = open_inspection(uow, "恒达服饰商行涉嫌销售假冒注册商标服装（不予立案）")
    services.fire(uow(), closed.id, "start_check", actor="li.officer")
    services.fire(uow(), closed.id, "refuse_filing", actor="chen.sup", reason="证据不足")
    still = open_inspection(uow, "恒达服饰商行涉嫌销售假冒注册商标服装（在办）")
    return closed, still


def numbers(page) -> list[str]:
    return [item.number for item in page.items]


def test_the_closed_filter_picks_closed_or_open_cases(uow, people):
    closed, still = closed_and_open(uow)
    assert sorted(numbers(list_cases(uow(), "li.officer"))) == sorted([closed.number,
                                                                       still.number])
    only_closed = list_cases(uow(), "li.officer", CaseFilters(closed=True))
    assert numbers(only_closed) == [closed.number] and only_closed.total == 1
    only_open = list_cases(uow(), "li.officer", CaseFilters(closed=False, type="inspection"))
    assert numbers(only_open) == [still.number] and only_open.total == 1
    assert list_cases(uow(), "li.officer", CaseFilters(closed=True, state="received")).total == 0


def test_the_work_lists_split_open_from_closed(uow, people):
    closed, still = closed_and_open(uow)
    todo = list_work(uow(), "li.officer", CaseFilters(assignee="li.officer"))
    assert numbers(todo) == [still.number] and todo.total == 1
    assert todo.items[0].closed_at is None
    done = list_work(uow(), "li.officer", CaseFilters(assignee="li.officer"), closed=True)
    assert numbers(done) == [closed.number] and done.total == 1
    assert done.items[0].closed_at is not None and done.items[0].state == "not_filed"
    assert done.items[0].state_zh == "不予立案" and done.items[0].type_zh == "测试检查"


def test_the_api_case_list_refuses_a_closed_parameter():
    # the API documents (and is fuzzed against) its own parameters; ``closed`` is not one
    errors = CaseListArgs().validate({"closed": "true"})
    assert errors.get("closed") == ["Unknown field."]
