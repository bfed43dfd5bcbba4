"""Input bounds in the domain: finite numbers, ids, text sizes and characters, date bounds
(their syntax in the workflow format included), schedules and calendar files."""

from __future__ import annotations

import re
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from caseflow.domain.definitions import FieldSpec, parse_definition
from caseflow.domain.errors import NotFound, PayloadError, ValidationFailed, WorkflowDefinitionError
from caseflow.domain.guards import GuardContext, customs_security_sufficient
from caseflow.domain.limits import (
    ID_MAX,
    PAYLOAD_MAX,
    RECORDED,
    DateBound,
    DateBounds,
    check_id,
    check_name,
    check_number,
    check_payload_size,
    check_reason,
    check_text,
    planned_deadline,
)
from caseflow.domain.schedules import CalendarFileError, parse_schedule
from caseflow.domain.settlements import check_schedule, parse_amount

TODAY = date(2026, 12, 1)

WORKFLOW = """\
key: bounded
version: 1
title: {zh: 测试, en: Test}
agency_kind: market_supervision
initial: open
states:
  open: {zh: 开, en: Open}
  done: {zh: 完, en: Done, final: true}
transitions:
  - trigger: finish
    source: open
    dest: done
    roles: [officer]
    title: {zh: 完成, en: Finish}
    fields:
      served_on: {type: date}
      hearing_on: {type: date, not_after: +1y}
      since: {type: date, not_before: 2020-01-01, not_after: today, required: false}
      at: {type: datetime, required: false}
      label: {type: string, max_length: 5, required: false}
      names: {type: list, max_length: 2, required: false}
      fine: {type: number, min: 0, required: false}
"""


def finish(**payload):
    definition = parse_definition(WORKFLOW, "bounded.v1.yaml")
    base = {"served_on": "2026-11-30", "hearing_on": "2027-03-01"}
    return definition.transitions[0].validate_payload({**base, **payload}, TODAY)


# --- numbers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), "nan", "NaN",
                                   "Infinity", "-inf", "1e999"])
def test_a_number_field_refuses_nan_and_infinity(value):
    with pytest.raises(PayloadError, match="fine: must be a finite number"):
        finish(fine=value)


def test_a_number_field_refuses_a_magnitude_beyond_any_amount():
    with pytest.raises(PayloadError, match="fine: is out of range"):
        finish(fine=10**400)
    assert finish(fine=125000.5)["fine"] == 125000.5


def test_an_integer_field_refuses_nan():
    spec = FieldSpec("count", "integer")
    with pytest.raises(PayloadError, match="count"):
        spec.coerce(float("nan"))
    assert check_number(3, "count") == 3


def test_settlement_amounts_refuse_nan_and_infinity():
    for value in (float("nan"), float("inf"), "NaN", "Infinity"):
        with pytest.raises(ValidationFailed, match="amount"):
            parse_amount(value, "amount")


def test_a_guard_treats_a_nan_amount_as_not_recorded():
    """NaN left in a case's data by older versions compares false with every threshold."""
    older = SimpleNamespace(data={"goods_value": float("nan")})
    ctx = GuardContext(case=older, user=None,  # type: ignore[arg-type]
                       payload={"security_amount": 100.0, "detention_mode": "ex_officio"})
    assert "must both be recorded" in customs_security_sufficient(ctx)


# --- ids ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, -1, ID_MAX + 1, 10**20, True])
def test_an_id_no_row_can_have_is_unknown(value):
    with pytest.raises(NotFound, match=f"unknown case id {value}"):
        check_id(value, "case id")


def test_an_id_in_range_passes():
    assert check_id(ID_MAX, "case id") == ID_MAX


# --- text ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "problem"), [
    ("a\x00b", "contains a NUL character at position 2"),
    ("ok\x1b[2J", "contains a control character '\\x1b' at position 3"),
    ("x\x7f", "contains a control character"),
    ("x\x85", "contains a control character"),
    ("bad\ud800", "is not valid Unicode text"),
])
def test_text_refuses_nul_control_characters_and_lone_surrogates(text, problem):
    with pytest.raises(PayloadError, match=re.escape(f"reason: {problem}")):
        check_reason(text)


def test_text_keeps_newlines_and_tabs_but_names_are_one_line():
    assert check_reason("第一，\n\t第二\r\n") == "第一，\n\t第二\r\n"
    with pytest.raises(PayloadError, match="name: contains a control character"):
        check_name("王\n伟")


def test_text_sizes():
    with pytest.raises(PayloadError, match="reason: is too long: at most 2000 characters, got 2001"):
        check_reason("因" * 2001)
    with pytest.raises(PayloadError, match="label: is too long: at most 5"):
        finish(label="abcdef")
    with pytest.raises(PayloadError, match="names: has too many items: at most 2"):
        finish(names=["a", "b", "c"])
    with pytest.raises(PayloadError, match=r"names\[0\]: contains a NUL"):
        finish(names=["a\x00"])
    assert check_text("x" * 10, "t", limit=10) == "x" * 10


def test_default_string_and_text_limits():
    with pytest.raises(PayloadError, match="at most 500"):
        FieldSpec("no", "string").coerce("X" * 501)
    assert FieldSpec("claims", "text").coerce("证" * 20_000)
    with pytest.raises(PayloadError, match="at most 20000"):
        FieldSpec("claims", "text").coerce("证" * 20_001)


def test_the_whole_payload_has_a_size_limit():
    check_payload_size({"a": "x" * (PAYLOAD_MAX - 100)})
    with pytest.raises(PayloadError, match="payload: is too large"):
        check_payload_size({"a": "x" * PAYLOAD_MAX})


@pytest.mark.parametrize(("payload", "where"), [
    ({"x": float("nan")}, "data.x"),
    ({"x": float("inf")}, "data.x"),
    ({"x": [1.5, float("-inf")]}, "data.x[1]"),
    ({"x": {"y": ({"z": float("nan")},)}}, "data.x.y[0].z"),
])
def test_a_payload_holds_no_nan_or_infinity_anywhere(payload, where):
    with pytest.raises(PayloadError, match="must be a finite number") as refused:
        check_payload_size(payload, "data")
    assert refused.value.field == where and str(refused.value).startswith(f"{where}: ")
    check_payload_size({"x": [1.5, {"y": -2e300}]}, "data")  # finite numbers are fine


@pytest.mark.parametrize(("payload", "where"), [
    ({"x": "宁波\x00"}, "data.x"),
    ({"x": ["ok", "\ud800"]}, "data.x[1]"),
    ({"x": {"\udfff": 1}}, "data.x"),
    ({"\x00": 1}, "data"),
])
def test_a_payload_holds_no_nul_or_lone_surrogate_anywhere(payload, where):
    with pytest.raises(PayloadError, match="NUL characters or lone surrogates") as refused:
        check_payload_size(payload, "data")
    assert refused.value.field == where
    check_payload_size({"x": ["甬市监处罚〔2026〕12号", {"y": "第一行\n第二行"}]}, "data")


@pytest.mark.parametrize("value", [20261130, 2026.1130, True, ["2026-11-30"]])
def test_a_date_is_a_string_not_a_number(value):
    with pytest.raises(PayloadError, match="^d: must be a date YYYY-MM-DD as a string"):
        FieldSpec("d", "date").coerce(value)
    with pytest.raises(PayloadError, match="^t: must be a date and time"):
        FieldSpec("t", "datetime").coerce(value)
    with pytest.raises(PayloadError, match="^t: must be a date and time"):
        FieldSpec("t", "datetime").coerce(date(2026, 11, 30))  # a day is no moment
    assert FieldSpec("d", "date").coerce(date(2026, 11, 30)) == "2026-11-30"


# --- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "resolved"), [
    ("0d", TODAY), ("today", TODAY), ("-10y", date(2016, 12, 1)), ("+2y", date(2028, 12, 1)),
    ("-6m", date(2026, 6, 1)), ("+3m", date(2027, 3, 1)), ("+30d", date(2026, 12, 31)),
    ("-2w", date(2026, 11, 17)), ("2000-01-01", date(2000, 1, 1)), ("+9999y", date.max),
])
def test_date_bound_syntax(text, resolved):
    assert DateBound.parse(text).resolve(TODAY) == resolved


def test_a_month_offset_keeps_the_day_within_the_month():
    assert DateBound.parse("+1m").resolve(date(2027, 1, 31)) == date(2027, 2, 28)


@pytest.mark.parametrize("text", ["10y", "+2 years", "-1.5y", "yesterday", "2026-13-01", "+y"])
def test_bad_date_bounds_are_refused(text):
    if text == "10y":  # an unsigned offset is forwards
        assert DateBound.parse(text).resolve(TODAY) == date(2036, 12, 1)
        return
    with pytest.raises(ValueError, match="is not a date bound"):
        DateBound.parse(text)


def test_recorded_dates_default_to_the_last_twenty_years_up_to_today():
    assert RECORDED == DateBounds(DateBound.parse("-20y"), DateBound.parse("0d"))
    with pytest.raises(ValidationFailed, match="served_on: 2026-12-02 is in the future"):
        finish(served_on="2026-12-02")
    with pytest.raises(ValidationFailed, match="served_on: 0001-01-01 is implausibly early"):
        finish(served_on="0001-01-01")
    with pytest.raises(ValidationFailed, match="served_on: 2006-11-30 is implausibly early"):
        finish(served_on="2006-11-30")
    assert finish(served_on="2006-12-01")["served_on"] == "2006-12-01"


def test_declared_bounds_widen_or_narrow_a_field():
    assert finish(hearing_on="2027-12-01")["hearing_on"] == "2027-12-01"
    with pytest.raises(ValidationFailed, match=r"hearing_on: 2027-12-02 is too far ahead: not "
                                           r"after 2027-12-01 \(\+1y\)"):
        finish(hearing_on="2027-12-02")
    with pytest.raises(ValidationFailed, match=r"since: 2019-12-31 is implausibly early: not "
                                           r"before 2020-01-01"):
        finish(since="2019-12-31")


def test_datetime_fields_are_bounded_by_their_day():
    assert finish(at="2026-12-01T23:59")["at"] == "2026-12-01T23:59:00"
    with pytest.raises(ValidationFailed, match="at: 9999-12-31 is in the future"):
        finish(at="9999-12-31T23:00")
    with pytest.raises(ValidationFailed, match="at: 0001-01-01 is implausibly early"):
        finish(at="0001-01-01T00:00+08:00")


def test_without_today_only_the_form_is_checked():
    """Pure parsing (the demo's generators, the REST schema) does not need the clock."""
    assert FieldSpec("d", "date").coerce("0001-01-01") == "0001-01-01"
    assert FieldSpec("d", "date").coerce(datetime(2026, 1, 2, 3, 4)) == "2026-01-02"


@pytest.mark.parametrize(("spec", "problem"), [
    ("{type: date, not_after: +2 years}", "line 22: field 'd': not_after '+2 years' is not a "
                                          "date bound"),
    ("{type: date, not_before: soon}", "not_before 'soon' is not a date bound"),
    ("{type: string, not_after: +1y}", "not_before / not_after apply only to date"),
    ("{type: date, not_before: +1y, not_after: 0d}", "not_before +1y is after not_after 0d"),
    ("{type: string, max_length: 0}", "max_length must be a positive integer"),
    ("{type: number, max_length: 3}", "max_length applies only to string, text and list"),
    ("{type: number, min: .nan}", "min must be a finite number"),
    ("{type: number, max: abc}", "max must be a finite number"),
])
def test_bad_field_bounds_in_a_workflow_name_file_line_and_problem(spec, problem):
    text = WORKFLOW.replace("      fine: {type: number, min: 0, required: false}\n",
                            f"      d: {spec}\n")
    with pytest.raises(WorkflowDefinitionError) as err:
        parse_definition(text, "bounded.v1.yaml")
    message = err.value.message
    assert message.startswith("bounded.v1.yaml: ") and "\n" not in message
    assert problem in message


# --- schedules, calendar files, the calculator --------------------------------------------------

def test_instalments_may_not_fall_due_beyond_the_latest_day():
    signed = date(2026, 11, 1)
    with pytest.raises(ValidationFailed, match=r"instalments\[0\].due_on: 2040-01-01 is too far"):
        check_schedule([{"due_on": "2040-01-01", "amount": "10"}], signed, 1000,
                       latest=date(2031, 12, 1))
    with pytest.raises(ValidationFailed, match="instalments: at most 120"):
        check_schedule([{"due_on": "2027-01-01", "amount": "1"}] * 121, signed, 12100)


@pytest.mark.parametrize(("text", "where"), [
    ("year: 2027\nrest: [2027-01-01\n", "line 3, column 1: not valid YAML"),
    ("year: 2027\nrest:\n\t- 2027-01-01\n", "line 3, column 1: not valid YAML: found character"),
    ("year: 2027\n  rest: x\n", "line 2, column 7: not valid YAML: mapping values are not "
                                "allowed here"),
])
def test_a_malformed_calendar_file_is_one_line_naming_file_and_line(text, where):
    with pytest.raises(CalendarFileError) as err:
        parse_schedule(text, "2027.yaml")
    assert str(err.value).startswith(f"2027.yaml: {where}")
    assert "\n" not in str(err.value)


def test_the_deadline_calculator_refuses_implausible_dates():
    ok = planned_deadline("2026-12-01T09:00", "3 days", [], None, TODAY)
    assert ok["last_day"] == "2026-12-04"
    for start, pauses, problem in [
        ("0001-01-01T00:00", [], "--from: 0001-01-01 is implausibly early"),
        ("2036-12-01T09:00", [], "--from: 2036-12-01 is too far ahead"),
        ("2026-12-01T09:00", ["0001-01-01/0001-01-02"], "--pause: 0001-01-01"),
    ]:
        with pytest.raises(ValidationFailed, match=problem):
            planned_deadline(start, "3 days", pauses, None, TODAY)
    with pytest.raises(PayloadError, match="--period: '99999 days' from 2026-12-01 ends on"):
        planned_deadline("2026-12-01T09:00", "99999 days", [], None, TODAY)
