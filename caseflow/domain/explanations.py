"""Every due date explains itself: where it starts, what paused it, who extended it, where
it rolled past a rest day, on which calendar and whether it is provisional.

Pure: the service layer gathers the clock's record and calls :func:`explain`; the lines come
in Chinese and English so the pages, the API and the CLI show the same reasoning. Each line
names things as a reader does: the period in words (15个工作日 / 15 working days), a step's
field, a clock and a state by their titles in the workflow (:func:`explain_titles`), a legal
pause reason by its name in the law (:data:`PAUSE_REASON_TITLES`), and the calendar as the
State Council's holiday schedules it holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from caseflow.domain.definitions import ClockRule, WorkflowDefinition
from caseflow.domain.moments import TZ
from caseflow.domain.periods import DueDate, Period, period_zh

Titles = Mapping[str, tuple[str, str]]
"""(zh, en) titles keyed ``field:<name>``, ``clock:<name>`` and ``state:<name>``."""

# The legal pause reasons the workflows use (``pause_reasons``), named as the rules name them:
# 《市场监督管理行政处罚程序规定》 (听证、公告和检测、检验、检疫、鉴定、权利人辨认或者鉴别、责令退还多收价款等
# 期间不计入) and the courts' rules on trial periods (公告、鉴定、审计、评估、和解、管辖异议、延期举证).
PAUSE_REASON_TITLES: Mapping[str, tuple[str, str]] = {
    "public_notice": ("公告", "public notice"),
    "testing": ("检测", "testing"),
    "inspection": ("检验", "inspection"),
    "quarantine": ("检疫", "quarantine"),
    "appraisal": ("鉴定", "appraisal"),
    "rights_holder_identification": ("权利人辨认或者鉴别", "identification by the rights holder"),
    "price_refund_order": ("责令退还多收价款", "order to refund overcharged prices"),
    "settlement_talks": ("当事人和解", "settlement talks between the parties"),
    "audit_or_valuation": ("审计、评估", "audit or valuation"),
    "evidence_extension_requested_by_party": ("当事人申请延期举证",
                                              "more time for evidence at a party's request"),
    "jurisdiction_objection": ("审理管辖异议", "hearing an objection to jurisdiction"),
}

_UNIT_EN = {"hours": ("hour", "hours"), "days": ("day", "days"),
            "working_days": ("working day", "working days"), "months": ("month", "months")}


def period_en(period: Period | str) -> str:
    """A period in English words (15 working days, 1 day); other text as it was."""
    if not isinstance(period, Period):
        try:
            period = Period.parse(period)
        except ValueError:
            return str(period)
    one, many = _UNIT_EN[period.unit]
    return f"{period.amount} {one if period.amount == 1 else many}"


def explain_titles(definition: WorkflowDefinition) -> dict[str, tuple[str, str]]:
    """The titles the explanation lines use, from a workflow definition: its states, its
    clocks and the fields its steps record (the first titled spec of a field name wins)."""
    titles: dict[str, tuple[str, str]] = {}
    for name, st in definition.states.items():
        titles[f"state:{name}"] = (st.title_zh or name, st.title_en or name)
    for name, rule in definition.clocks.items():
        titles[f"clock:{name}"] = (rule.title_zh or name, rule.title_en or name)
    for t in definition.transitions:
        for spec in t.fields:
            key = f"field:{spec.name}"
            if key not in titles and (spec.title_zh or spec.title_en):
                titles[key] = (spec.title_zh or spec.name, spec.title_en or spec.name)
    return titles


@dataclass(frozen=True)
class Explanation:
    """One line of a due date's reasoning; ``step`` says which part it explains."""

    step: str  # start | period | pause | extension | leg | roll | calendar | due
    zh: str
    en: str

    def to_dict(self) -> dict[str, str]:
        return {"step": self.step, "zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class PauseFact:
    begin: datetime  # aware
    end: datetime | None
    cause: str  # "state:<name>" or a legal pause reason


@dataclass(frozen=True)
class ExtensionFact:
    by: str
    approved_by: str
    approved_at: datetime  # aware
    reason: str
    decision: Mapping[str, Any] | None = None


def _day(moment: datetime) -> str:
    return moment.astimezone(TZ).date().isoformat()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def _titled(titles: Titles, key: str, name: str) -> tuple[str, str]:
    return titles.get(f"{key}:{name}", (name, name))


def _start(rule: ClockRule, basis: str | None, started: datetime, hours: bool,
           titles: Titles) -> Explanation:
    at = _stamp(started) if hours else _day(started)
    tail_zh = "" if hours else "，当日不计入，自次日起算"
    tail_en = "" if hours else " (that day not counted; counting begins the next day)"
    if basis and basis.startswith("field:"):
        zh, en = _titled(titles, "field", basis[6:])
        return Explanation("start", f"自步骤记录的法定日期“{zh}”（{at}）起算{tail_zh}",
                           f"counted from the legal date the step recorded, {en} = {at}"
                           f"{tail_en}")
    if basis and basis.startswith("after:"):
        named = [_titled(titles, "clock", n) for n in basis[6:].split(",") if n]
        names_zh = "、".join(f"“{zh}”" for zh, _en in named)
        names_en = ", ".join(en for _zh, en in named)
        return Explanation("start", f"自期限{names_zh}届满之日 {at} 起算{tail_zh}",
                           f"counted from {at}, the day the period(s) {names_en} ended"
                           f"{tail_en}")
    if basis == "received_on":
        return Explanation("start", f"自案件收到之日 {at} 起算{tail_zh}",
                           f"counted from the case's receipt date {at}{tail_en}")
    if basis == "handoff":
        return Explanation("start", f"自移交收到之时 {_stamp(started)} 起算{tail_zh}",
                           f"counted from the handoff's receipt at {_stamp(started)}{tail_en}")
    if basis == "agreed":
        return Explanation("start", f"自约定之时 {_stamp(started)} 起算至约定履行日",
                           f"counted from {_stamp(started)} to the agreed date")
    why_zh = f"（{rule.keyed_start}）" if rule.keyed_start else ""
    why_en = f" ({rule.keyed_start})" if rule.keyed_start else ""
    return Explanation("start", f"自该步骤录入之时 {_stamp(started)} 起算{why_zh}{tail_zh}",
                       f"counted from when the step was keyed in, {_stamp(started)}{why_en}"
                       f"{tail_en}")


def _cause(cause: str, titles: Titles) -> tuple[str, str]:
    """A pause's cause in words: the state the case was in, or the legal reason (with the
    note recorded with it, ``reason: note``)."""
    if cause.startswith("state:"):
        zh, en = _titled(titles, "state", cause[6:])
        return f"案件处于“{zh}”", f"the case was in {en!r}"
    code, _sep, note = cause.partition(":")
    zh, en = PAUSE_REASON_TITLES.get(code.strip(), (code.strip(), code.strip()))
    note = note.strip()
    return (f"依法不计入：{zh}" + (f"，{note}" if note else ""),
            f"not counted by law: {en}" + (f", {note}" if note else ""))


def _span(span: timedelta) -> tuple[str, str]:
    minutes = int(span.total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    zh = f"{hours}小时" + (f"{mins}分钟" if mins else "")
    en = f"{hours} hour{'' if hours == 1 else 's'}" + (
        f" {mins} minute{'' if mins == 1 else 's'}" if mins else "")
    return zh, en


def _calendar(version: str) -> tuple[str, str]:
    """Which days counted as rest days: the State Council General Office's published holiday
    schedules (国务院办公厅关于部分节假日安排的通知) held in the calendar data, plus any
    rest days and workdays an administrator recorded (``overrides:`` in the version)."""
    extra_zh = "及管理员登记的休息日、工作日调整" if "overrides:" in version else ""
    extra_en = (" and the rest days and workdays an administrator recorded"
                if "overrides:" in version else "")
    return (f"按国务院办公厅公布的节假日安排{extra_zh}计算（日历数据版本 {version}）",
            f"counted on the State Council General Office's published holiday schedules"
            f"{extra_en} (calendar data {version})")


def explain(rule: ClockRule, *, period: str, basis: str | None, started: datetime,
            pauses: Sequence[PauseFact], extensions: Sequence[ExtensionFact], due: DueDate,
            states: Mapping[str, str] | None = None,
            titles: Titles | None = None) -> tuple[Explanation, ...]:
    """The reasoning behind ``due``, in the order a person checks it. ``titles`` (from
    :func:`explain_titles`) names fields, clocks and states; ``states`` (zh titles only) is
    the older form and is used where ``titles`` gives no state."""
    named: dict[str, tuple[str, str]] = {f"state:{k}": (v, k) for k, v in (states or {}).items()}
    named.update(titles or {})
    hours = due.period.unit == "hours"
    lines = [
        _start(rule, basis, started, hours, named),
        Explanation("period", f"期限 {period_zh(period)}（{rule.source}）",
                    f"period {period_en(period)} ({rule.source})"),
    ]
    if rule.party:
        lines.append(Explanation("period", "此为当事人的期限，届满后方可进行下一步，不计入本机关超期",
                                 "this is the party's period: the next step waits for its end; "
                                 "it is not the agency's overdue work"))
    for p in pauses:
        zh_cause, en_cause = _cause(p.cause, named)
        if p.end is None:
            lines.append(Explanation(
                "pause", f"自 {_day(p.begin)} 起暂停，尚未恢复（{zh_cause}）",
                f"paused from {_day(p.begin)}, still paused ({en_cause})"))
            continue
        left_out = (p.end.astimezone(TZ).date() - p.begin.astimezone(TZ).date()).days
        if hours:
            span_zh, span_en = _span(p.end - p.begin)
            lines.append(Explanation(
                "pause", f"{_stamp(p.begin)} 至 {_stamp(p.end)} 暂停 {span_zh}（{zh_cause}）",
                f"paused {_stamp(p.begin)} to {_stamp(p.end)}, {span_en} ({en_cause})"))
        elif left_out <= 0:  # paused and resumed on one day: no whole day is left out
            lines.append(Explanation(
                "pause", f"{_day(p.begin)} 暂停并于当日恢复计算，不扣除任何一日（{zh_cause}）",
                f"paused and resumed on {_day(p.begin)}: no day left out ({en_cause})"))
        else:
            last = p.end.astimezone(TZ).date() - timedelta(days=1)
            lines.append(Explanation(
                "pause", f"{_day(p.begin)} 至 {_day(p.end)} 暂停：{_day(p.begin)}…"
                f"{last.isoformat()} 共 {left_out} 日不计入，{_day(p.end)} 恢复计算（{zh_cause}）",
                f"paused {_day(p.begin)} to {_day(p.end)}: {left_out} day(s) "
                f"{_day(p.begin)}..{last.isoformat()} not counted, counting resumed on "
                f"{_day(p.end)} ({en_cause})"))
    for e in extensions:
        who_zh, who_en = e.approved_by, e.approved_by
        if e.decision:
            names = "、".join(e.decision.get("participants", []))
            who_zh = f"{e.decision.get('decided_on')} 集体讨论决定（{names}），{e.approved_by} 登记"
            who_en = (f"a collective decision of {e.decision.get('decided_on')} "
                      f"({', '.join(e.decision.get('participants', []))}), recorded by "
                      f"{e.approved_by}")
        lines.append(Explanation(
            "extension", f"延长 {period_zh(e.by)}：{who_zh} 于 {_stamp(e.approved_at)} 批准，"
            f"理由：{e.reason}",
            f"extended by {period_en(e.by)}: approved by {who_en} at {_stamp(e.approved_at)}, "
            f"reason: {e.reason}"))
    legs = getattr(due, "legs", ()) or ()
    for i, leg in enumerate(legs):
        if len(legs) > 1:
            what_zh = "原期限" if i == 0 else f"第 {i} 次延长"
            what_en = "the original period" if i == 0 else f"extension {i}"
            lines.append(Explanation(
                "leg", f"{what_zh} {period_zh(leg.period)} 自 {_day(leg.start)} 计至 "
                f"{leg.last_day}",
                f"{what_en}, {period_en(leg.period)}, counted from {_day(leg.start)} to "
                f"{leg.last_day}"))
        if leg.rolled_from:
            lines.append(Explanation(
                "roll", f"{leg.rolled_from} 为休息日，顺延至 {leg.last_day}（民法典第二百零三条）",
                f"{leg.rolled_from} is a rest day, so the period ends on the next working day "
                f"{leg.last_day} (民法典 art. 203)"))
    if not legs and due.rolled_from:
        lines.append(Explanation(
            "roll", f"{due.rolled_from} 为休息日，顺延至 {due.last_day}（民法典第二百零三条）",
            f"{due.rolled_from} is a rest day, so the period ends on the next working day "
            f"{due.last_day} (民法典 art. 203)"))
    provisional = ", ".join(str(y) for y in due.provisional_years)
    calendar_zh, calendar_en = _calendar(due.calendar_version)
    lines.append(Explanation(
        "calendar",
        calendar_zh + (
            f"；{provisional} 年官方安排尚未公布，日期为暂定，公布后重新计算"
            if due.provisional else ""),
        calendar_en + (
            f"; provisional: the official schedule for {provisional} is not yet published and "
            "the date is recomputed when it is loaded" if due.provisional else "")))
    end = _stamp(due.due) if hours else f"{due.last_day} 24:00"
    lines.append(Explanation("due", f"期限届满：{end}", f"due by {end}"))
    return tuple(lines)
