"""Field refusals carry a translatable template and its values: the message the API and CLI
show is exactly the English it always was, and the pages' Chinese catalog translates each
template keeping the same placeholders."""

from __future__ import annotations

import re
from datetime import date

import pytest

from caseflow.domain.definitions import FieldSpec, TransitionDef
from caseflow.domain.errors import N_, CaseflowError, PayloadError, ValidationFailed
from caseflow.domain.limits import (
    RECORDED,
    SCHEDULED,
    check_number,
    check_payload_size,
    check_text,
)
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
    assert sorted(PLACEHOLDER.findall(translation)) == sorted(PLACEHOLDER.findall(exc.template))
    assert (translation % exc.params if exc.params else translation)


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
