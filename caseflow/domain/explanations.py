"""Every due date explains itself: where it starts, what paused it, who extended it, where
it rolled past a rest day, on which calendar and whether it is provisional.

Pure: the service layer gathers the clock's record and calls :func:`explain`; the lines come
in Chinese and English so the pages, the API and the CLI show the same reasoning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from caseflow.domain.definitions import ClockRule
from caseflow.domain.moments import TZ
from caseflow.domain.periods import DueDate


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


def _start(rule: ClockRule, basis: str | None, started: datetime,
           hours: bool) -> Explanation:
    at = _stamp(started) if hours else _day(started)
    tail_zh = "" if hours else "，当日不计入，自次日起算"
    tail_en = "" if hours else " (that day not counted; counting begins the next day)"
    if basis and basis.startswith("field:"):
        field = basis[6:]
        return Explanation("start", f"自步骤记录的法定日期 {field} = {at} 起算{tail_zh}",
                           f"counted from the legal date the step recorded, {field} = {at}"
                           f"{tail_en}")
    if basis and basis.startswith("after:"):
        names = basis[6:].replace(",", "、")
        return Explanation("start", f"自期限 {names} 届满之日 {at} 起算{tail_zh}",
                           f"counted from {at}, the day the period(s) {basis[6:]} ended"
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


def _cause(cause: str, states: Mapping[str, str]) -> tuple[str, str]:
    if cause.startswith("state:"):
        name = cause[6:]
        return f"案件处于“{states.get(name, name)}”", f"the case was in {name!r}"
    return f"依法不计入：{cause}", f"not counted by law: {cause}"


def explain(rule: ClockRule, *, period: str, basis: str | None, started: datetime,
            pauses: Sequence[PauseFact], extensions: Sequence[ExtensionFact], due: DueDate,
            states: Mapping[str, str] | None = None) -> tuple[Explanation, ...]:
    """The reasoning behind ``due``, in the order a person checks it."""
    hours = due.period.unit == "hours"
    lines = [
        _start(rule, basis, started, hours),
        Explanation("period", f"期限 {period}（{rule.source}）", f"period {period} ({rule.source})"),
    ]
    if rule.party:
        lines.append(Explanation("period", "此为当事人的期限，届满后方可进行下一步，不计入本机关超期",
                                 "this is the party's period: the next step waits for its end; "
                                 "it is not the agency's overdue work"))
    for p in pauses:
        zh_cause, en_cause = _cause(p.cause, states or {})
        if p.end is None:
            lines.append(Explanation(
                "pause", f"自 {_day(p.begin)} 起暂停，尚未恢复（{zh_cause}）",
                f"paused from {_day(p.begin)}, still paused ({en_cause})"))
            continue
        left_out = (p.end.astimezone(TZ).date() - p.begin.astimezone(TZ).date()).days
        if hours:
            span = p.end - p.begin
            lines.append(Explanation(
                "pause", f"{_stamp(p.begin)} 至 {_stamp(p.end)} 暂停 {span}（{zh_cause}）",
                f"paused {_stamp(p.begin)} to {_stamp(p.end)}, {span} ({en_cause})"))
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
            "extension", f"延长 {e.by}：{who_zh} 于 {_stamp(e.approved_at)} 批准，理由：{e.reason}",
            f"extended by {e.by}: approved by {who_en} at {_stamp(e.approved_at)}, "
            f"reason: {e.reason}"))
    legs = getattr(due, "legs", ()) or ()
    for i, leg in enumerate(legs):
        if len(legs) > 1:
            what_zh = "原期限" if i == 0 else f"第 {i} 次延长"
            what_en = "the original period" if i == 0 else f"extension {i}"
            lines.append(Explanation(
                "leg", f"{what_zh} {leg.period} 自 {_day(leg.start)} 计至 {leg.last_day}",
                f"{what_en}, {leg.period}, counted from {_day(leg.start)} to {leg.last_day}"))
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
    lines.append(Explanation(
        "calendar",
        f"按日历 {due.calendar_version} 计算" + (
            f"；{provisional} 年官方安排尚未公布，日期为暂定，公布后重新计算"
            if due.provisional else ""),
        f"counted on calendar {due.calendar_version}" + (
            f"; provisional: the official schedule for {provisional} is not yet published and "
            "the date is recomputed when it is loaded" if due.provisional else "")))
    end = _stamp(due.due) if hours else f"{due.last_day} 24:00"
    lines.append(Explanation("due", f"期限届满：{end}", f"due by {end}"))
    return tuple(lines)
