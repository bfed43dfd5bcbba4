"""The case page every role opens: the header, each clock with its explanation, the
timeline, the state diagram; the steps and handoff panels come from their own areas
(``web.pages.steps``, ``web.pages.handoffs``), which re-render the page through
``render_case`` when a form fails."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from flask_login import login_required

from caseflow.domain.errors import CaseflowError, NotFound
from caseflow.domain.explanations import PAUSE_REASON_TITLES, period_en
from caseflow.domain.periods import period_zh
from caseflow.views.audit import case_events
from caseflow.views.cases import case_for
from caseflow.views.clock_timeline import (
    agency_names,
    case_diagram_svg,
    case_workflow,
    clock_timeline,
    handoff_titles,
    linked_case_numbers,
    people_names,
    state_titles,
)
from caseflow.views.clocks import case_clocks
from caseflow.views.extension_requests import case_asks
from web.formatting import titled
from web.i18n import N_, is_chinese
from web.pages import handoffs, steps
from web.pages.approval_requests import ASKING
from web.pages.common import actor, me, page_uow, refusal, render
from web.pages.work import (
    FIRST_ROLES,
    IP_KIND_TITLES,
    ORIGIN_TITLES,
    PARTY_KIND_TITLES,
    SECOND_ROLES,
    industry_titles,
)

bp = Blueprint("case_page", __name__, url_prefix="/cases")

SOON = timedelta(days=3)
TRAIL_MAX = 500  # events shown on the page (the API pages through the rest)

PARTY_ROLE_TITLES = {**FIRST_ROLES, **SECOND_ROLES, "assisted_firm": N_("Assisted firm")}
LINK_TITLES = {"parent_child": N_("Parent / child case"), "related": N_("Related case")}
CLOCK_STATUS_TITLES = {"running": N_("Running"), "paused": N_("Paused"),
                       "stopped": N_("Stopped"), "met": N_("Met"), "overdue": N_("Overdue"),
                       "late": N_("Stopped late"), "ended": N_("Ended (the party's period)")}
EVENT_TITLES = {
    "case_opened": N_("Case opened"), "assigned": N_("Assigned"),
    "case_linked": N_("Case linked"), "evidence_attached": N_("Evidence attached"),
    "clock_started": N_("Clock started"), "clock_paused": N_("Clock paused"),
    "clock_resumed": N_("Clock resumed"), "clock_extended": N_("Clock extended"),
    "clock_stopped": N_("Clock stopped"), "clock_expired": N_("Clock ran out"),
    "clock_recomputed": N_("Clock recounted"), "handoff_sent": N_("Handoff sent"),
    "handoff_received": N_("Handoff received"), "handoff_accepted": N_("Handoff accepted"),
    "handoff_outcome": N_("Handoff outcome"), "handoff_rejected": N_("Handoff rejected"),
    "handoff_returned": N_("Handoff returned"), "settlement_recorded": N_("Settlement recorded"),
    "instalment_paid": N_("Instalment paid"), "mediation_session": N_("Mediation session"),
    "mediator_conflict_declared": N_("Conflict of interest declared"),
    "workflow_migrated": N_("Moved to a new workflow version"),
    "period_excepted": N_("Period set aside"),
    "extension_requested": N_("Extension asked for"),
    "extension_request_refused": N_("Extension request refused"),
    "extension_request_withdrawn": N_("Extension request withdrawn"),
    "override_requested": N_("Override asked for"),
    "override_approved": N_("Override approved"),
    "override_request_refused": N_("Override request refused"),
    "override_request_withdrawn": N_("Override request withdrawn"),
}
VISIBILITY_NOTES = {
    "shared": N_("Shared with your agency through a handoff: only what the handoff shares "
                 "is shown."),
    "outcome": N_("Opened on your agency's handoff: only how the case stands is shown."),
    "mediation": N_("A confidential mediation record: only its outcome is shown."),
}

# Who did it when no person did: the engine ("system") and its jobs ("system:<job>").
SYSTEM_ACTORS = {
    "system": N_("System"), "system:dispatch": N_("System (handoff dispatch)"),
    "system:sweep": N_("System (deadline sweep)"),
    "system:calendar": N_("System (calendar update)"),
}
# The reasons the services write themselves (caseflow/services: clocks, handoffs, mediation,
# workflow_migration), in English, matched whole; each group becomes a parameter.
SYSTEM_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message) for pattern, message in (
        (r"handoff accepted", N_("The handoff was accepted")),
        (r"handoff rejected", N_("The handoff was rejected")),
        (r"handoff returned", N_("The handoff was returned")),
        (r"official (?P<year>\d{4}) schedule loaded",
         N_("The official %(year)s holiday schedule was loaded")),
        (r"step reached", N_("The step that ends it was taken")),
        (r"calendar override (?P<day>[\d-]+): rest",
         N_("The calendar made %(day)s a rest day")),
        (r"calendar override (?P<day>[\d-]+): work",
         N_("The calendar made %(day)s a working day")),
        (r"case closed", N_("The case was closed")),
        (r"the periods it runs after now end later or earlier",
         N_("The periods it runs after now end on other days")),
        (r"calendar data now (?P<version>.+)", N_("The calendar data changed (now %(version)s)")),
        (r"agreement #(?P<old>\d+) superseded by #(?P<new>\d+)",
         N_("Agreement #%(old)s was superseded by #%(new)s")),
        (r"instalment (?P<seq>\d+) paid on (?P<day>[\d-]+)",
         N_("Instalment %(seq)s paid on %(day)s")),
        (r"(?P<reason>.+) \(closed by migration\)", N_("%(reason)s (closed by migration)")),
        (r"(?P<reason>.+) \(recomputed under v(?P<version>\d+)\)",
         N_("%(reason)s (recounted under version %(version)s)")),
    ))


def _title(table: dict[str, str], key: str | None) -> str:
    return _(table[key]) if key in table else (key or "")


def _now() -> datetime:
    return datetime.now(UTC)


def period_words(text: str) -> str:
    """A period as the page's language writes it (15个工作日 / 15 working days)."""
    return period_zh(text) if is_chinese() else period_en(text)


def _clock_rows(case_id: int, definition: Any) -> list[dict[str, Any]]:
    now = _now()
    rows = []
    for view in case_clocks(page_uow(), case_id, actor()):
        clock = view.to_dict()
        left = clock["remaining_seconds"]
        if clock["status"] == "stopped":
            shown = "met" if left >= 0 or clock["party"] else "late"
            urgency = "none"
        elif clock["overdue"]:
            shown, urgency = "overdue", "overdue"
        elif clock["party"] and left < 0:  # the party's own period ran out: no one is late
            shown, urgency = "ended", "none"
        elif clock["status"] == "paused":
            shown, urgency = "paused", "paused"
        else:
            shown = "running"
            urgency = "soon" if left < SOON.total_seconds() else "fine"
        clock["period_text"] = period_words(clock["period"])
        for ext in clock["extensions"]:
            ext["by_text"] = period_words(ext["by"])
        for mark in clock["timeline"]:  # the drawing labels its extensions with their length
            if mark["kind"] == "extended":
                mark["by"] = period_words(mark["by"])
        rows.append({**clock, "shown_status": shown, "status_title": _(CLOCK_STATUS_TITLES[shown]),
                     "urgency": urgency, "left": timedelta(seconds=abs(left)),
                     "late": left < 0, "drawing": clock_timeline(clock, now)})
    return rows


def _trigger_titles(definition: Any) -> dict[str, str]:
    titles: dict[str, str] = {}
    for t in definition.transitions:
        if t.trigger not in titles and (t.title_zh or t.title_en):
            titles[t.trigger] = titled(t)
    return titles


def actor_title(username: str, names: dict[str, str]) -> str:
    """A trail's actor as people read it: the person's name, or what the system did."""
    if username in SYSTEM_ACTORS:
        return _(SYSTEM_ACTORS[username])
    if username.startswith("system:"):
        return _("System (%(job)s)", job=username[7:])
    return names.get(username, username)


def reason_text(kind: str, reason: str | None, states: dict[str, str],
                handoff_english: dict[str, str]) -> str:
    """A trail's reason in the page's language where the system wrote it (a clock paused by
    the case's state or a legal reason, the services' own English reasons, the Chinese
    title a handoff's opened case was given); what a person typed stays as typed."""
    if not reason:
        return ""
    if kind == "clock_paused":
        if reason.startswith("state:"):
            return _("The case is in “%(state)s”: not counted by law",
                     state=states.get(reason[6:], reason[6:]))
        code, _sep, note = reason.partition(":")
        if code.strip() in PAUSE_REASON_TITLES:
            zh, en = PAUSE_REASON_TITLES[code.strip()]
            shown = zh if is_chinese() else en
            return _("Not counted by law: %(reason)s", reason=shown + (
                ("，" if is_chinese() else ", ") + note.strip() if note.strip() else ""))
    for pattern, message in SYSTEM_REASONS:
        m = pattern.fullmatch(reason)
        if m:
            return _(message, **m.groupdict())
    if kind in ("case_opened", "handoff_accepted") and not is_chinese():
        for zh, en in handoff_english.items():  # "<kind title_zh>：<case number>"
            if reason.startswith(f"{zh}："):
                return f"{en}: {reason[len(zh) + 1:]}"
    return reason


def _trail(case_id: int, definition: Any) -> list[dict[str, Any]]:
    trail = case_events(page_uow(), case_id, actor(), page=1, per_page=TRAIL_MAX)
    names = people_names(page_uow(), {e.actor for e in trail.items})
    assigned = people_names(page_uow(), {str((e.payload or {}).get("to") or "")
                                         for e in trail.items if e.kind == "assigned"})
    triggers = _trigger_titles(definition)
    clocks = {name: titled(rule) for name, rule in definition.clocks.items()}
    everywhere = handoff_titles(page_uow())
    kind_titles: dict[str, tuple[str, str]] = {}
    for kind, zh, en in everywhere:  # this workflow's own titles first, then the others'
        kind_titles.setdefault(kind, (zh, en))
    kind_titles.update({name: (rule.title_zh or name, rule.title_en or name)
                        for name, rule in definition.handoffs.items()})
    handoff_kinds = {name: zh if is_chinese() else en for name, (zh, en) in kind_titles.items()}
    english_of = {zh: en for _kind, zh, en in everywhere}
    states = {name: titled(st) for name, st in definition.states.items()}
    rows = []
    for e in reversed(trail.items):  # newest first
        payload = e.payload or {}
        if e.kind == "transition" and e.trigger:
            what = triggers.get(e.trigger, e.trigger)
        else:
            what = _title(EVENT_TITLES, e.kind)
        detail = []
        if payload.get("clock"):
            detail.append(clocks.get(payload["clock"], payload["clock"]))
        if e.kind == "clock_extended" and payload.get("by"):
            detail.append(_("by %(period)s", period=period_words(str(payload["by"]))))
        if e.kind.startswith("handoff") and payload.get("kind"):
            detail.append(handoff_kinds.get(payload["kind"], payload["kind"]))
        if e.kind == "evidence_attached" and payload.get("filename"):
            detail.append(str(payload["filename"]))
        if e.kind == "assigned" and payload.get("to"):
            detail.append(_("to %(name)s", name=assigned.get(str(payload["to"]),
                                                          str(payload["to"]))))
        rows.append({"seq": e.seq, "at": e.at, "actor": e.actor,
                     "actor_name": actor_title(e.actor, names), "what": what,
                     "system": e.actor == "system" or e.actor.startswith("system:"),
                     "detail": detail,
                     "reason": reason_text(e.kind, e.reason, states, english_of),
                     "from": states.get(e.from_state or "", e.from_state),
                     "to": states.get(e.to_state or "", e.to_state)})
    return rows


def _refused(exc: CaseflowError) -> Response:
    code, text, _errors = refusal(exc)
    if isinstance(exc, NotFound):  # an invisible case answers as an unknown one
        text = _("There is no such case.")
    return render("pages/refused.html", code, title=_("Case"), message=text)


def render_case(case_id: int, *, status: int = 200, message: str | None = None,
                panel_state: dict[str, Any] | None = None) -> Response:
    """The whole case page; ``panel_state`` carries a failed form back to its panel
    (``{"steps": {...}}`` or ``{"handoffs": {...}}``: what was typed and the errors)."""
    try:
        case = case_for(page_uow(), case_id, actor()).to_dict()
        shown = case_workflow(page_uow(), case_id, actor())
        definition = shown.definition
        full = case["visibility"] == "full"
        clocks = _clock_rows(case_id, definition) if case["visibility"] in ("full",
                                                                             "shared") else []
        trail = _trail(case_id, definition) if full else []
        asks = case_asks(page_uow(), actor(), case_id) if full else {}
        assignee = case.get("assignee")
        approvers = [str(e.get("approved_by") or "") for c in clocks for e in c["extensions"]]
        names = people_names(page_uow(), ([assignee] if assignee else []) + approvers)
        agencies = agency_names(page_uow(), [case.get("agency") or ""])
        others = [link["to"] if link["from"] == case_id else link["from"]
                  for link in case.get("links", [])]
        numbers = linked_case_numbers(page_uow(), case_id, actor(), others)
    except CaseflowError as exc:
        return _refused(exc)
    state_def = definition.states.get(shown.state)
    state = panel_state or {}
    parties = [{**p, "role_title": _title(PARTY_ROLE_TITLES, p.get("role")),
                "kind_title": _title(PARTY_KIND_TITLES, p.get("kind")),
                "origin_title": _title(ORIGIN_TITLES, p.get("origin"))}
               for p in case.get("parties", [])]
    rights = [{**r, "kind_title": _title(IP_KIND_TITLES, r.get("kind"))}
              for r in case.get("ip_rights", [])]
    links = [{"kind_title": _title(LINK_TITLES, link["kind"]), "other": other,
              "number": numbers.get(other), "outgoing": link["from"] == case_id}
             for link, other in zip(case.get("links", []), others, strict=True)]
    for clock in clocks:  # who approved an extension, by name
        for ext in clock["extensions"]:
            ext["approved_by_name"] = names.get(ext.get("approved_by") or "",
                                                ext.get("approved_by"))
    agency = agencies.get(case.get("agency") or "")
    agency_name = (agency[0] if is_chinese() else agency[1]) if agency else case.get("agency")
    return render("cases/show.html", status, title=case.get("number") or _("Case"),
                  message=message, case=case, visibility=case["visibility"],
                  visibility_note=(_(VISIBILITY_NOTES[case["visibility"]])
                                   if case["visibility"] in VISIBILITY_NOTES else None),
                  workflow_title=titled(definition),
                  state_title=titled(state_def) if state_def else shown.state,
                  final=bool(state_def and state_def.final),
                  assignee_name=names.get(assignee, assignee) if assignee else None,
                  agency_name=agency_name,
                  industry_title=industry_titles().get(case.get("industry") or ""),
                  parties=parties, ip_rights=rights, links=links, clocks=clocks, trail=trail,
                  now=_now(), asks=asks,
                  outcome_titles=state_titles(page_uow()) if case.get("outcomes") else {}, may_ask=bool(me() and set(me().roles) & set(ASKING)),
                  steps_panel=steps.panel_context(case_id, case, state.get("steps")),
                  handoff_panel=handoffs.panel_context(case_id, case, state.get("handoffs")))


@bp.get("/<int:case_id>")
@login_required
def show(case_id: int) -> Response:
    """The case as the user's agency may see it (404 page if it may not, as if missing)."""
    return render_case(case_id)


@bp.get("/<int:case_id>/diagram.svg")
@login_required
def diagram(case_id: int) -> Response:
    """The case's workflow as SVG with its state highlighted, in the page's language: titles,
    not the codes and triggers the API's diagram shows."""
    try:
        svg = case_diagram_svg(page_uow(), case_id, actor(), "zh" if is_chinese() else "en")
    except CaseflowError as exc:
        return _refused(exc)
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/<int:case_id>/clocks/<string(maxlength=64):name>/timeline.svg")
@login_required
def clock_svg(case_id: int, name: str) -> Response:
    """One clock's timeline as a standalone SVG (the same drawing the page shows inline)."""
    try:
        case_for(page_uow(), case_id, actor())
        rows = {c["clock"]: c for c in _clock_rows(case_id, None)}
    except CaseflowError as exc:
        return _refused(exc)
    if name not in rows:
        return _refused(NotFound(f"no clock {name!r}"))
    return render_svg(rows[name])


def render_svg(clock: dict[str, Any]) -> Response:
    svg = render_template("cases/_clock_timeline_svg.html", clock=clock, standalone=True)
    return Response(svg, mimetype="image/svg+xml")
