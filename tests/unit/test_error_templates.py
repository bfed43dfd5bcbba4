"""Field refusals carry a translatable template and its values: the message the API and CLI
show is exactly the English it always was, and the pages' Chinese catalog translates each
template keeping the same placeholders."""

from __future__ import annotations

import re
from datetime import date

import pytest

from caseflow.domain import settlements
from caseflow.domain.definitions import FieldSpec, TransitionDef
from caseflow.domain.errors import N_, CaseflowError, PayloadError, ValidationFailed
from caseflow.domain.limits import (
    RECORDED,
    SCHEDULED,
    check_number,
    check_payload_size,
    check_text,
)
from caseflow.services import handoffs
from web import catalog

TODAY = date(2026, 3, 2)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def refusal(call, *args, **kwargs) -> CaseflowError:  # type: ignore[no-untyped-def]
    with pytest.raises(CaseflowError) as caught:
        call(*args, **kwargs)
    return caught.value


def spec(**fields) -> FieldSpec:  # type: ignore[no-untyped-def]
    return FieldSpec(**{"name": "amount", "type": "number", **fields})


STEP = TransitionDef(trigger="record_seizure", sources=("open",), dest="seized",
                     roles=("officer",), fields=(FieldSpec("seized_on", "date"),
                                                 FieldSpec("goods", "string")))

CASES = [
    # (the refusal, its exact message as before)
    (lambda: STEP.validate_payload({"goods": "运动鞋"}), "seized_on: is required"),
    (lambda: STEP.validate_payload({"seized_on": "2026-03-01", "goods": "鞋", "x": 1}),
     "x: is not a field of trigger 'record_seizure'"),
    (lambda: spec(min=1).coerce(0), "amount: must be at least 1, got 0"),
    (lambda: spec(min=0.5).coerce(0.25), "amount: must be at least 0.5, got 0.25"),
    (lambda: spec(max=100).coerce(250), "amount: must be at most 100, got 250"),
    (lambda: spec(type="integer").coerce("3.5"), "amount: must be an integer, got '3.5'"),
    (lambda: spec(type="integer").coerce(3.5), "amount: must be an integer, got 3.5"),
    (lambda: spec().coerce("lots"), "amount: must be a number, got 'lots'"),
    (lambda: spec().coerce([1]), "amount: must be a number"),
    (lambda: spec(name="goods", type="string").coerce("  "),
     "goods: must be a non-empty string"),
    (lambda: spec(name="urgent", type="boolean").coerce("yes"),
     "urgent: must be true or false"),
    (lambda: spec(name="seized_on", type="date").coerce("2026/03/01"),
     "seized_on: must be a date YYYY-MM-DD, got '2026/03/01'"),
    (lambda: spec(name="seized_on", type="date").coerce(20260301),
     "seized_on: must be a date YYYY-MM-DD as a string, got 20260301"),
    (lambda: spec(name="held_at", type="datetime").coerce("2026-03-01"),
     "held_at: must be a date and time such as 2026-03-01T10:00, got '2026-03-01'"),
    (lambda: spec(name="held_at", type="datetime").coerce("2026-03-01 at ten"),
     "held_at: must be an ISO 8601 date-time, got '2026-03-01 at ten'"),
    (lambda: spec(name="outcome", type="enum", values=("fined", "warned")).coerce("jailed"),
     "outcome: must be one of fined, warned; got 'jailed'"),
    (lambda: spec(name="items", type="list").coerce([1]), "items: must be a list of strings"),
    (lambda: spec(name="items", type="list", max_length=2).coerce(["a", "b", "c"]),
     "items: has too many items: at most 2, got 3"),
    (lambda: check_number(float("nan"), "amount"), "amount: must be a finite number, got nan"),
    (lambda: check_number(10**20, "amount"),
     "amount: is out of range: at most 1e+15 in magnitude"),
    (lambda: check_text("宁波某某服饰有限公司", "name", limit=5),
     "name: is too long: at most 5 characters, got 10"),
    (lambda: check_text("a\x00b", "note"), "note: contains a NUL character at position 2"),
    (lambda: check_text("ab\x07", "note"),
     "note: contains a control character '\\x07' at position 3"),
    (lambda: check_text("a\ud800", "note"),
     "note: is not valid Unicode text (a lone surrogate '\\ud800' at position 2)"),
    (lambda: check_payload_size({"x": float("inf")}),
     "payload.x: must be a finite number (NaN and Infinity are not JSON)"),
    (lambda: RECORDED.check(date(2026, 3, 3), "seized_on", TODAY),
     "seized_on: 2026-03-03 is in the future: not after 2026-03-02 (0d)"),
    (lambda: RECORDED.check(date(2001, 1, 1), "seized_on", TODAY),
     "seized_on: 2001-01-01 is implausibly early: not before 2006-03-02 (-20y)"),
    (lambda: SCHEDULED.check(date(2030, 1, 1), "due_on", TODAY),
     "due_on: 2030-01-01 is too far ahead: not after 2028-03-02 (+2y)"),
]


@pytest.fixture(scope="module")
def chinese() -> dict[str, str]:
    return {m.id: m.string for m in catalog.read() if m.id and isinstance(m.id, str)}


@pytest.mark.parametrize(("raise_it", "expected"), CASES, ids=[c[1][:40] for c in CASES])
def test_each_refusal_keeps_its_english_and_has_its_chinese(raise_it, expected, chinese):
    exc = refusal(raise_it)
    assert isinstance(exc, PayloadError | ValidationFailed)
    assert str(exc) == exc.message == expected
    field = exc.field
    assert field and expected.startswith(f"{field}: ")
    # the template is the text without the field, filled in from the params
    assert (exc.template % exc.params if exc.params else exc.template) == \
        expected[len(field) + 2:]
    translation = chinese.get(exc.template)
    assert translation, f"no Chinese for {exc.template!r}"
    assert re.search(r"[\u4e00-\u9fff]", translation)
    # every value in the Chinese, except a date bound's code ("0d", "-20y"): a person says
    # 不得晚于今天（2026-03-02）, not （0d）
    dropped = set(PLACEHOLDER.findall(exc.template)) - set(PLACEHOLDER.findall(translation))
    assert dropped <= {"bound"}
    assert set(PLACEHOLDER.findall(translation)) <= set(PLACEHOLDER.findall(exc.template))
    filled = translation % exc.params if exc.params else translation
    assert filled and not re.search(r"\d[dym]）", filled)


def test_a_plain_error_keeps_its_message_and_a_template_with_params_fills_in() -> None:
    assert N_("is required") == "is required"
    plain = CaseflowError("100% of the fine is paid")
    assert plain.message == str(plain) == plain.template == "100% of the fine is paid"
    assert plain.params == {}
    filled = ValidationFailed(N_("%(day)s is in the future: not after %(high)s (%(bound)s)"),
                              params={"day": "2026-03-03", "high": "2026-03-02",
                                      "bound": "0d"}, field="seized_on")
    assert filled.message == "2026-03-03 is in the future: not after 2026-03-02 (0d)"
    payload = PayloadError("goods", "must be a non-empty string")
    assert (payload.message, payload.template, payload.field) == (
        "goods: must be a non-empty string", "must be a non-empty string", "goods")


# --- the services' refusals (issue 11): the same template + params, the same English -------

def _raise(exc: CaseflowError) -> None:
    raise exc


def _agreement(**flags):  # type: ignore[no-untyped-def]
    from types import SimpleNamespace
    return SimpleNamespace(**{"id": 7, "status": "signed", "decides_ownership": False,
                              "decides_validity": False, **flags})


def _service_cases():  # type: ignore[no-untyped-def]
    from caseflow.domain.passwords import check_password
    from caseflow.domain.vocabulary import AGENCY_KINDS, ROLES
    from caseflow.services import directory, signin, tokens
    from caseflow.services.access import require_reason
    from web.pages.messages import typed_date

    signed = date(2026, 3, 2)
    return [
        (lambda: check_password("Ab1", "li"), "new_password: at least 10 characters, got 3"),
        (lambda: check_password("x" * 300, "li", field="password"),
         "password: at most 256 characters, got 300"),
        (lambda: check_password(5, "li"), "new_password: must be text"),
        (lambda: check_password("abcdefgh\x07ij", "li"),
         "new_password: contains a control character or a lone surrogate at position 9"),
        (lambda: check_password("li.officer2026", "li.officer"),
         "new_password: must not be or contain the username"),
        (lambda: check_password("abcdefghijkl", "li"),
         "new_password: mix at least two kinds of characters (lower case, upper case, "
         "digits, other signs)"),
        (lambda: check_password("abab1212ab12", "li"),
         "new_password: at least 5 different characters"),
        (lambda: check_password("Password123", "li"),
         "new_password: is one of the most common passwords"),
        (lambda: directory._line("  ", "name", 64), "name: is required"),
        (lambda: directory._check_agency("nb-x", "bank", "某", "X", "宁波"),
         f"kind: 'bank' is not one of {', '.join(AGENCY_KINDS)}"),
        (lambda: directory._check_roles("officer"), "roles: a list of roles, not one string"),
        (lambda: directory._check_roles(["officer", "boss"]),
         f"roles: 'boss' is not one of {', '.join(ROLES)}"),
        (lambda: directory._check_roles([]), "roles: at least one role is required"),
        (lambda: directory._closing_time("5pm"),
         "closes_at: '5pm' is not a 24-hour time HH:MM (e.g. 17:00, 16:30)"),
        (lambda: directory._closing_time("04:30"),
         "closes_at: 04:30 is implausible as the close of office hours: it must be between "
         "06:00 and 23:59"),
        (lambda: tokens.create_token(None, for_user="li.officer", name="x", actor="a",
                                     days=0, reason="r"),
         f"days: between 1 and {tokens.MAX_DAYS}, got 0"),
        (lambda: require_reason(" ", "issuing an API token"),
         "issuing an API token requires a reason"),
        (lambda: signin.set_locale(None, "li.officer", "fr"),
         "locale: must be one of zh_Hans_CN, en"),
        (lambda: signin.change_password(None, "li", "Secret-2026x", "Secret-2026x"),
         "new_password: must differ from the current password"),
        (lambda: handoffs.hand_off(None, 1, "referral", actor="a", to_agency="b", reason="r",
                                   idempotency_key=" "),
         "idempotency_key: is required"),
        (lambda: settlements.parse_date("2026-02-30", "paid_on"),
         "paid_on: must be a date YYYY-MM-DD, got '2026-02-30'"),
        (lambda: settlements.parse_amount("lots", "amount"),
         "amount: must be an amount in yuan like '85000.00', got 'lots'"),
        (lambda: settlements.parse_amount("-5", "amount"), "amount: must not be negative, got -5"),
        (lambda: settlements.parse_amount("1.005", "amount"),
         "amount: at most 2 decimal places (fen), got 1.005"),
        (lambda: settlements.check_currency("RMB"), "currency: 'RMB' is not an ISO 4217 code; use CNY"),
        (lambda: settlements.check_currency("XYZ"), "currency: 'XYZ' is not an ISO 4217 currency code"),
        (lambda: settlements.check_terms(["cease_infringing", "cease_infringing"]),
         "terms[1]: cease_infringing is listed twice"),
        (lambda: settlements.check_schedule([{"due_on": "2026-03-01", "amount": "1"}], signed, 100),
         "instalments[0].due_on: 2026-03-01 is due before signing (2026-03-02)"),
        (lambda: settlements.check_schedule([{"due_on": "2026-04-01", "amount": "0"}], signed, 100),
         "instalments[0].amount: must be more than zero"),
        (lambda: settlements.check_schedule([{"due_on": "2026-04-01", "amount": "250"}], signed, 30000),
         "instalments: the instalments add up to 250.00, not the agreed amount 300.00"),
        (lambda: typed_date("2026-02-30", "held_on"),
         "held_on: 2026-02-30 is not a valid date (year-month-day)"),
        (lambda: typed_date("", "held_on"), "held_on: is required"),
    ]


SERVICE_CASES = _service_cases()


@pytest.mark.parametrize(("raise_it", "expected"), SERVICE_CASES,
                         ids=[c[1][:50] for c in SERVICE_CASES])
def test_each_service_refusal_keeps_its_english_and_has_its_chinese(raise_it, expected,
                                                                    chinese):
    exc = refusal(raise_it)
    assert str(exc) == exc.message == expected
    filled = exc.template % exc.params if exc.params else exc.template
    field = exc.field
    assert field
    assert filled == (expected[len(field) + 2:] if expected.startswith(f"{field}: ")
                      else expected)
    translation = chinese.get(exc.template)
    assert translation, f"no Chinese for {exc.template!r}"
    assert re.search(r"[\u4e00-\u9fff]", translation)
    # the Chinese may leave out an English word (the reason's "what"), never add a value
    assert set(PLACEHOLDER.findall(translation)) <= set(PLACEHOLDER.findall(exc.template))
    assert translation % exc.params if exc.params else translation


@pytest.mark.parametrize(("raise_it", "expected"), [
    (lambda: _raise(handoffs._unknown_handoff(999)), "unknown handoff 999"),
    (lambda: settlements.check_confirmable(_agreement(decides_ownership=True)),
     "a court will not confirm an agreement that decides IP ownership or validity (民诉法解释 "
     "art. 355); agreement #7 decides IP ownership — track its performance without "
     "confirmation, or record a new agreement without those terms"),
    (lambda: settlements.check_confirmable(_agreement(decides_ownership=True,
                                                       decides_validity=True)),
     "a court will not confirm an agreement that decides IP ownership or validity (民诉法解释 "
     "art. 355); agreement #7 decides IP ownership and validity — track its performance "
     "without confirmation, or record a new agreement without those terms"),
])
def test_a_refusal_naming_a_thing_translates_with_the_thing_in_it(raise_it, expected, chinese):
    exc = refusal(raise_it)
    assert str(exc) == exc.message == expected
    assert exc.template % exc.params == expected
    translation = chinese[exc.template]
    assert re.search(r"[\u4e00-\u9fff]", translation)
    assert str(next(iter(exc.params.values()))) in translation % exc.params


def _templates_in(package: str) -> list[str]:
    """Every ``N_`` template marked in ``package``'s Python files."""
    return [m.id for m in catalog.extracted_catalog()
            if m.id and any(loc[0].startswith(package) for loc in m.locations)]


def test_every_service_template_has_chinese_with_no_placeholder_of_its_own(chinese) -> None:
    templates = _templates_in("caseflow/services/")
    assert len(templates) > 50
    for template in templates:
        translation = chinese.get(template)
        assert translation, f"no Chinese for {template!r}"
        assert set(PLACEHOLDER.findall(translation)) <= set(PLACEHOLDER.findall(template)), \
            template


def test_a_not_found_on_a_chinese_page_names_its_thing_in_chinese_and_leaks_no_english() -> None:
    from flask import Flask

    from caseflow.domain.errors import NotFound
    from web.i18n import COOKIE, init_i18n
    from web.pages.messages import message_of

    app = Flask(__name__)
    init_i18n(app)
    with app.test_request_context("/"):
        shown = message_of(handoffs._unknown_handoff(999))
        assert "未知的移送 999" in shown and "unknown" not in shown
        # a refusal without a template: its English words stay behind the headline
        assert not re.search(r"[A-Za-z]", message_of(NotFound("unknown widget 5")))
    with app.test_request_context("/", headers={"Cookie": f"{COOKIE}=en"}):
        assert message_of(handoffs._unknown_handoff(999)).endswith("unknown handoff 999")


def test_an_outsider_gets_the_very_refusal_of_a_missing_case_id() -> None:
    """Every "unknown case id" is the same untemplated refusal (services.cases and the views
    raise it too): a Chinese page shows the headline alone for a missing case and for one of
    another agency, so nothing tells them apart."""
    from flask import Flask

    from caseflow.services.access import get_case, refuse_outsider
    from web.i18n import init_i18n
    from web.pages.messages import message_of

    class NoRows:
        def scalar(self, _query):  # type: ignore[no-untyped-def]
            return None

        def get(self, _model, _id):  # type: ignore[no-untyped-def]
            return None

    class Uow:
        session = NoRows()

    outsider = refusal(refuse_outsider, NoRows(), "he.police", 3, 5, "甬市监〔2026〕5号")
    missing = refusal(get_case, Uow(), 5)
    facts = [(type(x).__name__, x.message, x.template, x.params) for x in (outsider, missing)]
    assert facts[0] == facts[1] == ("NotFound", "unknown case id 5", "unknown case id 5", {})
    app = Flask(__name__)
    init_i18n(app)
    with app.test_request_context("/"):
        assert message_of(outsider) == message_of(missing)
        assert not re.search(r"[A-Za-z0-9]", message_of(outsider))


# --- the engine's step refusals (review defects 1, 9, 14): periods, guards, triggers ----------

def _chinese_app():  # type: ignore[no-untyped-def]
    from flask import Flask

    from web.i18n import init_i18n

    app = Flask(__name__)
    init_i18n(app)
    return app


def _period_refusals():  # type: ignore[no-untyped-def]
    from datetime import datetime

    from caseflow.domain.moments import TZ
    from caseflow.domain.requirements import (
        ClockFacts,
        Exception_,
        Override,
        PeriodRequirement,
        check,
    )

    clock = ClockFacts("answer", "陈述申辩期", "Answer period", "程序规定 第五十七条", "running",
                       datetime(2026, 9, 29, tzinfo=TZ), datetime(2026, 10, 10, tzinfo=TZ),
                       date(2026, 10, 9), True)
    within = PeriodRequirement("within", ("answer",), "条例 第十六条", on="received_at")
    after = PeriodRequirement("after", ("answer",), "程序规定 第五十七条")
    overridable = PeriodRequirement("within", ("answer",), "条例 第十六条", unless=(
        Exception_("override", role="supervisor", title_zh="上级批准",
                   title_en="a supervisor's override"),))
    now = datetime(2026, 10, 14, 10, 30, tzinfo=TZ)
    late, _ = check([within], [clock], {"received_at": "2026-10-14"}, now=now)
    early, _ = check([after], [clock], {}, now=datetime(2026, 10, 5, 9, tzinfo=TZ))
    refused, _ = check([overridable], [clock], {}, now=now,
                       override=Override("", frozenset({"officer"}), True))
    missing, _ = check([within], [], {}, now=now)
    return [
        (late[0].message,
         "only within the period 陈述申辩期 (answer), which ended at 24:00 on 2026-10-09 "
         "(provisional); received_at 2026-10-14 is 5 day(s) late (条例 第十六条)",
         "只能在期限“陈述申辩期”内进行，该期限已于 2026-10-09 24时 届满（暂定）；"
         "所记日期 2026-10-14 已逾期 5 天（条例 第十六条）"),
        (early[0].message,
         "not before the period 陈述申辩期 (answer) has run out: it ends at 24:00 on "
         "2026-10-09 (provisional), 4 day(s) 15 h remain at now, 2026-10-05 09:00; the "
         "earliest day is 2026-10-10 (程序规定 第五十七条)",
         "须待期限“陈述申辩期”届满后才能进行：该期限至 2026-10-09 24时届满（暂定），"
         "现在（2026-10-05 09:00） 尚余 4 天 15 小时；最早可在 2026-10-10 进行（程序规定 第五十七条）"),
        (refused[0].message,
         "only within the period 陈述申辩期 (answer), which ended at 24:00 on 2026-10-09 "
         "(provisional); now, 2026-10-14 10:30 is 4 day(s) 10 h late (条例 第十六条); unless "
         "a supervisor's override — override refused: an override needs a reason",
         "只能在期限“陈述申辩期”内进行，该期限已于 2026-10-09 24时 届满（暂定）；"
         "现在（2026-10-14 10:30） 已逾期 4 天 10 小时（条例 第十六条）；除非上级批准——"
         "不能越过期限：越过期限须说明理由"),
        (missing[0].message,
         "period answer has not started on this case; the step is allowed only within it "
         "(条例 第十六条)",
         "本案尚未开始计算此期限，此步骤只能在期限内进行（条例 第十六条）"),
    ]


def test_a_period_refusal_keeps_its_english_and_says_itself_in_chinese() -> None:
    from caseflow.domain.errors import PeriodNotMet
    from web.i18n import COOKIE
    from web.pages.messages import message_of, say

    app = _chinese_app()
    cases = _period_refusals()
    for message, english, _zh in cases:
        assert message == english
    refusal_ = PeriodNotMet("accept", [c[0] for c in cases[:2]], ["answer", "answer"])
    assert str(refusal_) == refusal_.message == \
        f"cannot 'accept': {cases[0][1]}; {cases[1][1]}"
    with app.test_request_context("/"):
        for message, _en, chinese in cases:
            assert say(message) == chinese
        shown = message_of(refusal_)
        assert shown == f"法定期限目前不允许进行此步骤。 {cases[0][2]}；{cases[1][2]}"
    with app.test_request_context("/", headers={"Cookie": f"{COOKIE}=en"}):
        assert say(cases[0][0]) == cases[0][1]
        assert message_of(refusal_).endswith(refusal_.message)


def test_a_guard_refusal_and_a_trigger_refusal_keep_their_english_and_say_chinese() -> None:
    import pickle
    from copy import deepcopy

    from caseflow.domain.errors import GuardRefused, InvalidTrigger
    from caseflow.domain.guards import has_assignee, has_evidence
    from caseflow.domain.said import Said
    from web.pages.messages import message_of, say

    class Ctx:
        class case:  # noqa: N801 - the one attribute a guard reads
            assignee_id = None
            evidence_count = 0

    why = has_assignee(Ctx)  # type: ignore[arg-type]
    assert why == "the case has no assigned officer"
    assert pickle.loads(pickle.dumps(why)) == deepcopy(why) == why
    assert pickle.loads(pickle.dumps(why)).template == why.template  # type: ignore[union-attr]
    guard = GuardRefused("has_assignee", why)  # type: ignore[arg-type]
    assert str(guard) == "guard 'has_assignee' refused: the case has no assigned officer"
    trigger = InvalidTrigger(
        N_("cannot %(trigger)r case %(number)s in state %(state)r (%(state_title)s); "
           "triggers from here: %(allowed)s"),
        params={"trigger": "start_verification", "number": "XZCF-2026-000015",
                "state": "verification", "state_title": "线索核查", "allowed": "a, b"})
    assert str(trigger) == ("cannot 'start_verification' case XZCF-2026-000015 in state "
                            "'verification' (线索核查); triggers from here: a, b")
    with _chinese_app().test_request_context("/"):
        assert message_of(guard) == "不满足流程对此步骤的条件。 案件尚未指派承办人"
        assert say(has_evidence(Ctx)) == "案件尚未添加任何证据"  # type: ignore[arg-type]
        assert message_of(trigger) == ("案件当前状态下不能进行此步骤。 案件 XZCF-2026-000015 "
                                       "当前处于“线索核查”，不能进行此步骤")
        assert say(Said.both("Answer period", "陈述申辩期")) == "陈述申辩期"


def test_calendar_file_and_duplicate_evidence_refusals_keep_their_english() -> None:
    from caseflow.domain.schedules import CalendarFileError, parse_schedule
    from web.pages.messages import message_of, say

    bad = refusal(parse_schedule, "year: 2027\nrest: ['2027-02-30']\n", "2027.yaml")
    assert isinstance(bad, CalendarFileError)
    assert str(bad) == "2027.yaml: rest[0]: '2027-02-30' is not a valid date"
    assert bad.problem == "rest[0]: '2027-02-30' is not a valid date"
    outside = refusal(parse_schedule, "year: 2027\nrest: ['2028-01-01']\n", "")
    assert str(outside) == "rest[0]: '2028-01-01' is outside year 2027"
    with _chinese_app().test_request_context("/"):
        assert say(bad.problem) == "rest[0]：“2027-02-30”不是有效的日期"
        assert message_of(bad) == "rest[0]：“2027-02-30”不是有效的日期"
        assert message_of(outside) == "rest[0]：“2028-01-01”不在 2027 年内"


def test_a_guard_refusal_with_values_keeps_its_english_and_says_chinese() -> None:
    from caseflow.domain.guards import (
        ActorFacts,
        CaseFacts,
        GuardContext,
        PartyFacts,
        summary_fine_within_limit,
    )
    from web.pages.messages import say

    case = CaseFacts(id=1, number="XZCF-2026-000001", workflow_key="w", status="s",
                     assignee_id=1, parties=(PartyFacts("alleged_infringer", "某厂"),))
    ctx = GuardContext(case=case, payload={"fine_amount": 5000}, user=ActorFacts(1, "li"))
    why = summary_fine_within_limit(ctx)
    assert why == ("a fine of 5000 yuan exceeds the summary-procedure limit of 3000 yuan for "
                   "a party of kind enterprise; use the ordinary procedure")
    with _chinese_app().test_request_context("/"):
        assert say(why) == "罚款 5000 元超过了简易程序对此类当事人的限额 3000 元，请适用普通程序"


def test_a_step_without_its_reason_keeps_its_english_and_asks_in_chinese() -> None:
    from caseflow.domain.errors import ReasonRequired
    from web.pages.messages import field_errors, message_of

    exc = ReasonRequired("close_case")
    assert str(exc) == exc.message == "trigger 'close_case' requires a reason"
    with _chinese_app().test_request_context("/"):
        assert field_errors(exc) == {"reason": "请在“理由”栏中写明理由"}
        assert message_of(exc).endswith("请在“理由”栏中写明理由")
        assert "requires" not in message_of(exc)


def test_extension_refusals_keep_their_english_and_say_the_length_in_chinese() -> None:
    from types import SimpleNamespace

    from caseflow.domain.definitions import ExtensionRule
    from caseflow.domain.periods import Period
    from caseflow.services.clocks import extension_amount, next_extension
    from web.pages.messages import field_errors

    clock = SimpleNamespace(name="filing_decision", extensions=[])
    rule = ExtensionRule(by=Period.parse("15 working_days"), approver="supervisor",
                         max_times=1)
    with pytest.raises(ValidationFailed) as too_long:
        extension_amount(clock, rule, Period.parse("20 working_days"))  # type: ignore[arg-type]
    assert str(too_long.value) == ("clock 'filing_decision': by: at most 15 working_days for "
                                   "this extension")
    used = SimpleNamespace(name="filing_decision", extensions=[SimpleNamespace(rule_index=0)])
    with pytest.raises(ValidationFailed) as none_left:
        next_extension(used, SimpleNamespace(extensions=[rule]))  # type: ignore[arg-type]
    assert str(none_left.value) == "clock 'filing_decision': no extension is left"
    with _chinese_app().test_request_context("/"):
        assert field_errors(too_long.value) == {"by": "本次延长最多 15个工作日"}
        assert field_errors(none_left.value) == {"by": "该期限的延长次数已经用完"}
