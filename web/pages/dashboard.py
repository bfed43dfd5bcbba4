"""The supervisor's dashboard (统计分析): the statutory measures from the live data, each with
its definition, its goal, an SVG chart and its table; every number drills down to the cases
behind it; a print view; every table, and every drill-down list, as CSV and XLSX.

The figures are the read side's (``caseflow.views.dashboard``): this module only reads the
filters from the address, shows what comes back in the page's language, and turns a refusal
into a message at its field. Bad filters (a year that cannot be, the first after the last,
more years than a report spans, an agency, type or officer that does not exist — or, for a
supervisor, another agency, refused exactly as an unknown one) answer 400 with the form and
the message, and no chart: an empty chart would read as "nothing happened". So does a query
parameter a page does not take (``?agncy=``), named in the message, and a drill-down the read
side refuses (another agency's row, an unknown type or count, an id no row can have).

Who: supervisors see their own agency; admins any agency, or the whole city without one, and
set the group-infringement threshold here (with a reason, recorded as a system event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from caseflow.domain.errors import CaseflowError, ValidationFailed
from caseflow.services.report_settings import GROUP_THRESHOLD_RANGE, set_group_threshold
from caseflow.views.clock_timeline import state_titles
from caseflow.views.dashboard import (
    DRILL_PARAMS,
    FIGURES,
    MAX_YEARS,
    DrillPage,
    Figure,
    ReportFilters,
    case_types,
    cluster_share,
    drill_cases,
)
from caseflow.views.directory import list_agencies, staff_members
from caseflow.views.worklist import opening_types
from web.charts import figure_chart
from web.exports import (
    CSV_TYPE,
    XLSX_TYPE,
    csv_bytes,
    disposition,
    formatted,
    xlsx_bytes,
)
from web.i18n import N_, is_chinese
from web.pages.common import actor, me, nav_entry, page_uow, refusal, render, roles_required
from web.pages.messages import field_errors

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

nav_entry("dashboard.index", N_("Statistics dashboard"), "supervisor", "admin")

EXPORT_LIMIT = 50_000  # rows of a drill-down export; the app's DASHBOARD_EXPORT_LIMIT overrides
PER_PAGE = 50
YEARS_SHOWN = 3  # the default span: this year and the two before
BEIJING = ZoneInfo("Asia/Shanghai")
ROLES = ("supervisor", "admin")

# the form's inputs, by the read side's field names (the drill-down has its own case_type)
INPUTS = {"from_year": "from_year", "to_year": "to_year", "agency": "agency",
          "case_type": "type", "officer": "officer"}

# the read side's refusal templates (caseflow/views is not extracted into the catalog):
# marked here so the pages say them in Chinese
VIEW_REFUSALS = (
    N_("must be a year from %(low)s to %(high)s"),
    N_("must not be before the first year"),
    N_("a report spans at most %(n)s years"),
    N_("unknown agency %(value)s"),
    N_("unknown case type %(value)s"),
    N_("unknown officer %(value)s"),
    N_("not a drill-down parameter"),
    N_("must be one of %(choices)s"),
    N_("must be 1 or more"),
    N_("must be from 1 to %(high)s"),
    N_("must be a whole number"),
    N_("outside the report's years"),
    N_("must be right:<id> or holder:<name>"),
)

# the address's parameters by name, to say which one a refusal is about where no form field
# shows it (a drill-down's, or one the dashboard does not take)
PARAM_TITLES = {
    "from_year": N_("From year"), "to_year": N_("To year"), "agency": N_("Agency"),
    "type": N_("Case type"), "officer": N_("Officer"), "figure": N_("Figure"),
    "year": N_("Year"), "agency_id": N_("Agency"), "case_type": N_("Case type"),
    "officer_id": N_("Officer"), "industry": N_("Industry"), "origin": N_("Rights holder's origin"),
    "clock": N_("Legal period"), "subject": N_("Right or holder"), "kind": N_("Handoff kind"),
    "part": N_("Count"), "page": N_("Page"), "per_page": N_("Rows per page"),
}
# a drill-down's values where empty says something: the cases that record no industry or
# origin (the figures' "not recorded" row), not "any"
EMPTY_MEANS = ("industry", "origin")
# what each page reads from the address besides the filters (anything else is refused: a
# misspelt filter silently ignored would show figures for a scope nobody asked for)
DRILL_EXTRA = ("of", "page")


class UnknownParameter(ValidationFailed):
    """A query parameter the page does not take (``?agncy=``, ``?year=`` on the dashboard)."""

    def __init__(self, name: str) -> None:
        super().__init__(N_("the address has a parameter this page does not take: %(name)s"),
                         params={"name": name[:60]})


# --- the filters ----------------------------------------------------------------------------

@dataclass
class Typed:
    """What the form carries: the inputs as typed, and the filters they make."""

    values: dict[str, str]
    filters: ReportFilters

    def query(self) -> dict[str, str]:
        """The inputs to carry on a link (the drill-down, an export, the print view)."""
        return {k: v for k, v in self.values.items() if v}


def this_year() -> int:
    return datetime.now(BEIJING).year


def _year(text: str, default: int) -> int:
    text = text.strip()
    if not text:
        return default
    # not a year at all: a value the read side refuses with its own words ("must be a year")
    return int(text) if text.isdigit() and len(text) <= 6 else -1


def typed_filters(source: Any = None) -> Typed:
    """The filters from the address (or from a form's hidden inputs, ``source``); an empty
    span is the last ``YEARS_SHOWN`` years."""
    args = request.args if source is None else source
    values = {name: (args.get(name) or "").strip()[:100] for name in INPUTS.values()}
    to_year = _year(values["to_year"], this_year())
    from_year = _year(values["from_year"], (to_year if to_year > 0 else this_year())
                      - YEARS_SHOWN + 1)
    values["from_year"] = values["from_year"] or str(from_year)
    values["to_year"] = values["to_year"] or str(to_year)
    return Typed(values, ReportFilters(from_year, to_year, values["agency"] or None,
                                       values["type"] or None, values["officer"] or None))


def _input_errors(exc: CaseflowError) -> dict[str, str]:
    """The read side's field error, under the form's input."""
    return {INPUTS.get(k, k): v for k, v in field_errors(exc).items()}


def _check_params(*allowed: str) -> None:
    """Refuse a query parameter the page does not read, naming it."""
    known = set(INPUTS.values()) | set(allowed)
    unknown = sorted(set(request.args) - known)
    if unknown:
        raise UnknownParameter(unknown[0])


def _field_message(exc: CaseflowError) -> str:
    """A refusal shown where no form marks its field: the field's name, then what is wrong
    with it (never "correct the marked fields" with nothing marked)."""
    fields = field_errors(exc)
    if not fields and isinstance(exc, ValidationFailed):
        # no field to mark: its own words, not the "correct the marked fields" headline
        return _(exc.template, **exc.params) if exc.params else _(exc.template)
    if not fields:
        return refusal(exc)[1]
    name, text = next(iter(fields.items()))
    title = PARAM_TITLES.get(name)
    return _("%(field)s: %(message)s", field=_(title) if title else name, message=text)


def _is_admin() -> bool:
    user = me()
    return user is not None and "admin" in user.roles


def _type_choices() -> list[dict[str, str]]:
    """The case types to filter by: the agency's for a supervisor, every one for an admin."""
    if _is_admin():
        return [{"key": t.key, "title_zh": t.title_zh, "title_en": t.title_en}
                for t in case_types(page_uow())]
    return [{"key": t.key, "title_zh": t.title_zh, "title_en": t.title_en}
            for t in opening_types(page_uow(), actor())]


def _officer_choices(agency: str | None) -> list[dict[str, str]]:
    """The officers of the agency looked at (a supervisor's own; an admin's chosen one, or
    every agency's)."""
    user = me()
    assert user is not None
    code = agency if _is_admin() else user.agency
    return [{"username": s.username, "name": s.name or s.username}
            for s in staff_members(page_uow())
            if "officer" in s.roles and (code is None or s.agency == code)]


def _choices(typed: Typed) -> dict[str, Any]:
    return {"agencies": list_agencies(page_uow(), actor=actor()) if _is_admin() else [],
            "types": _type_choices(),
            "officers": _officer_choices(typed.filters.agency)}


# --- a figure as the page shows it ----------------------------------------------------------

@dataclass
class Shown:
    key: str
    title: str
    definition: str
    goal: str | None
    chart: Markup | None
    headers: list[str]
    numeric: list[bool]
    rows: list[list[dict[str, Any]]]
    note: str | None = None
    links: dict[str, str] = field(default_factory=dict)
    empty: str = ""  # what the figure says when it has no row


def _words(zh: str, en: str) -> str:
    return zh if is_chinese() else en


def headers_of(figure: Figure) -> list[str]:
    return [_words(c.zh, c.en) for c in figure.columns]


def shown(figure: Figure, typed: Typed, *, note: str | None = None) -> Shown:
    query = typed.query()
    title = _words(figure.title_zh, figure.title_en)
    goal = _words(figure.goal.zh, figure.goal.en) if figure.goal else None
    rows = []
    for i, row in enumerate(figure.rows):
        drill = figure.drill[i] if i < len(figure.drill) else None
        href = None
        case_href = None
        if drill and "figure" in drill:
            href = url_for("dashboard.cases", **query, of=figure.key, **drill)
        elif drill and "case_id" in drill:
            case_href = url_for("case_page.show", case_id=drill["case_id"])
        cells = []
        for j, (column, value) in enumerate(zip(figure.columns, row, strict=True)):
            link = href if column.kind == "count" and value else None
            if link and column.key in figure.parts:
                # a count of its own cases (closed, on time, open past the period …)
                link = url_for("dashboard.cases", **query, of=figure.key,
                               **{**(drill or {}), "part": column.key})
            if case_href and j == 0:
                link = case_href
            cells.append({"text": formatted(value, column.kind), "href": link,
                          "num": column.kind != "text"})
        rows.append(cells)
    return Shown(figure.key, title, _words(figure.definition_zh, figure.definition_en), goal,
                 figure_chart(figure, title, goal or ""), headers_of(figure),
                 [c.kind != "text" for c in figure.columns], rows, note,
                 {fmt: url_for("dashboard.export", figure=figure.key, fmt=fmt, **query)
                  for fmt in ("csv", "xlsx")},
                 _("No IP right or rights holder has reached the warning threshold.")
                 if figure.key == "groups" else _("Nothing to count in this period."))


def _figures(typed: Typed) -> list[Shown]:
    """Every figure in the filters' scope (the first refusal stops them all)."""
    who = actor()
    out = []
    for key, make in FIGURES.items():
        note = None
        if key == "industry":
            share = cluster_share(page_uow(), who, typed.filters)
            note = _("The five industries where infringement clusters (clothing, food, home "
                     "appliances, auto parts, stationery): %(share)s of the cases.",
                     share=formatted(share, "rate"))
        out.append(shown(make(page_uow(), who, typed.filters), typed, note=note))
    return out


def _scope_words(typed: Typed) -> str:
    """The filters in a line, for the print view and an export's notes."""
    user = me()
    f = typed.filters
    parts = [_("%(low)s–%(high)s", low=f.from_year, high=f.to_year)]
    if f.agency:
        parts.append(f.agency)
    elif user is not None and "admin" not in user.roles:
        parts.append(_words(user.agency_name_zh, user.agency_name_en) or user.agency)
    else:
        parts.append(_("all agencies"))
    if f.case_type:
        parts.append(f.case_type)
    if f.officer:
        parts.append(f.officer)
    return " · ".join(parts)


# --- the pages ------------------------------------------------------------------------------

def _dashboard(typed: Typed, status: int = 200, *, threshold_form: dict[str, str] | None = None,
               threshold_errors: dict[str, str] | None = None,
               message: str | None = None) -> Response:
    errors: dict[str, str] = {}
    figures: list[Shown] = []
    try:
        _check_params()
        figures = _figures(typed)
    except CaseflowError as exc:
        code, _text, _raw = refusal(exc)
        # only a filter the form shows is marked at its input
        errors = {k: v for k, v in _input_errors(exc).items() if k in INPUTS.values()}
        status = 400 if isinstance(exc, ValidationFailed) else code
        message = message or (_("Please correct the marked filters.") if errors
                              else _field_message(exc))
    return render("dashboard/index.html", status, title=_("Statistics dashboard"),
                  typed=typed.values, query=typed.query(), errors=errors, figures=figures,
                  admin=_is_admin(), max_years=MAX_YEARS, message=message,
                  threshold_form=threshold_form or {}, threshold_errors=threshold_errors or {},
                  threshold_range=GROUP_THRESHOLD_RANGE, **_choices(typed))


@bp.get("/")
@roles_required(*ROLES)
def index() -> Response:
    return _dashboard(typed_filters())


@bp.get("/print")
@roles_required(*ROLES)
def print_view() -> Response:
    typed = typed_filters()
    try:
        _check_params()
        figures = _figures(typed)
    except CaseflowError as exc:
        return _refused(exc)
    now = datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M")
    return render("dashboard/print.html", title=_("Statistics dashboard"), figures=figures,
                  scope=_scope_words(typed), printed_at=now, query=typed.query())


def _refused(exc: CaseflowError) -> Response:
    """A refusal on a page with no form: the message names the parameter it is about."""
    status = 400 if isinstance(exc, ValidationFailed) else refusal(exc)[0]
    return render("pages/refused.html", status, title=_("Statistics dashboard"),
                  message=_field_message(exc))


def _drill_params() -> dict[str, str]:
    """The drill-down's parameters from the address: an empty one is left out (not given),
    but for an industry or origin, where empty is the "not recorded" row."""
    out = {}
    for k in DRILL_PARAMS:
        if k not in request.args:
            continue
        value = request.args[k].strip()[:200]
        if value or k in EMPTY_MEANS:
            out[k] = value
    return out


def _page_number() -> int:
    text = (request.args.get("page") or "1").strip()
    return int(text) if text.isdigit() and len(text) <= 9 else 0


def _row_words(page: DrillPage) -> list[dict[str, Any]]:
    """The drill-down's rows with the type's and the state's titles in the page's language."""
    types = {t["key"]: _words(t["title_zh"], t["title_en"]) for t in _type_choices()}
    states = state_titles(page_uow())
    out = []
    for r in page.rows:
        state = states.get(r.status)
        out.append({"id": r.case_id, "number": r.number, "title": r.title,
                    "type": types.get(r.case_type, r.case_type),
                    "state": _words(*state) if state else r.status,
                    "agency": _words(r.agency_zh, r.agency_en), "officer": r.officer or "",
                    "received": r.received_on, "closed": r.closed_on or "",
                    "on_time": r.on_time})
    return out


def _of(typed: Typed) -> tuple[str | None, str | None]:
    """The figure a drill-down came from (``of``): its key and title, for the heading and the
    way back."""
    key = (request.args.get("of") or "").strip()
    if key not in FIGURES:
        return None, None
    figure = FIGURES[key](page_uow(), actor(), typed.filters)
    return key, _words(figure.title_zh, figure.title_en)


@bp.get("/cases")
@roles_required(*ROLES)
def cases() -> Response:
    typed = typed_filters()
    params = _drill_params()
    page_no = _page_number()
    try:
        _check_params(*DRILL_PARAMS, *DRILL_EXTRA)
        of, of_title = _of(typed)
        page = drill_cases(page_uow(), actor(), typed.filters, params, page=page_no or -1,
                           per_page=PER_PAGE)
    except CaseflowError as exc:
        return _refused(exc)
    query = {**typed.query(), **params, **({"of": of} if of else {})}
    pages = max(1, -(-page.total // PER_PAGE))
    return render("dashboard/cases.html", title=_("Cases behind the figure"),
                  of_title=of_title, of=of, rows=_row_words(page), total=page.total,
                  page=page.page, pages=pages, query=query, dashboard_query=typed.query(),
                  scope=_scope_words(typed))


# --- exports --------------------------------------------------------------------------------

def export_limit() -> int:
    return int(current_app.config.get("DASHBOARD_EXPORT_LIMIT", EXPORT_LIMIT))


def _file(data: bytes, fmt: str, name: str, fallback: str) -> Response:
    response = Response(data, mimetype=CSV_TYPE if fmt == "csv" else XLSX_TYPE)
    if fmt == "csv":
        response.headers["Content-Type"] = CSV_TYPE
    response.headers["Content-Disposition"] = disposition(f"{name}.{fmt}", f"{fallback}.{fmt}")
    response.headers["Cache-Control"] = "no-store"
    return response


def _notes(title: str, definition: str, typed: Typed) -> list[tuple[str, str]]:
    return [(_("Figure"), title), (_("Definition"), definition),
            (_("Filters"), _scope_words(typed)),
            (_("Exported at"), datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M"))]


@bp.get("/export/<figure>.<any(csv, xlsx):fmt>")
@roles_required(*ROLES)
def export(figure: str, fmt: str) -> Response:
    if figure not in FIGURES:
        return render("pages/refused.html", 404, title=_("Statistics dashboard"),
                      message=_("There is no such figure."))
    typed = typed_filters()
    try:
        _check_params()
        found = FIGURES[figure](page_uow(), actor(), typed.filters)
    except CaseflowError as exc:
        return _refused(exc)
    headers = headers_of(found)
    kinds = [c.kind for c in found.columns]
    title = _words(found.title_zh, found.title_en)
    span = f"{typed.filters.from_year}-{typed.filters.to_year}"
    if fmt == "csv":
        data = csv_bytes(headers, ([formatted(v, k) if k != "text" else v
                                    for v, k in zip(row, kinds, strict=True)]
                                   for row in found.rows))
    else:
        data = xlsx_bytes(title, headers, found.rows, kinds,
                          _notes(title, _words(found.definition_zh, found.definition_en),
                                 typed))
    return _file(data, fmt, f"{title}_{span}", f"{figure}_{span}")


DRILL_HEADERS = (N_("Case number"), N_("Title"), N_("Case type"), N_("State"), N_("Agency"),
                 N_("Officer"), N_("Received"), N_("Closed"), N_("On time"))


def _on_time(value: bool | None) -> str:
    return "" if value is None else (_("yes") if value else _("no"))


@bp.get("/cases.<any(csv, xlsx):fmt>")
@roles_required(*ROLES)
def cases_export(fmt: str) -> Response:
    typed = typed_filters()
    params = _drill_params()
    limit = export_limit()
    try:
        _check_params(*DRILL_PARAMS, *DRILL_EXTRA)
        of, of_title = _of(typed)
        counted = drill_cases(page_uow(), actor(), typed.filters, params, per_page=1)
        if counted.total > limit:
            total, most = f"{counted.total:,}", f"{limit:,}"
            return render("pages/refused.html", 400, title=_("Statistics dashboard"),
                          message=_("This list has %(n)s cases, more than an export takes "
                                    "(%(limit)s). Narrow the years or add a filter, then "
                                    "export again.", n=total, limit=most))
        page = drill_cases(page_uow(), actor(), typed.filters, params, limit=limit)
    except CaseflowError as exc:
        return _refused(exc)
    rows = [[r["number"], r["title"], r["type"], r["state"], r["agency"], r["officer"],
             r["received"], r["closed"], _on_time(r["on_time"])] for r in _row_words(page)]
    headers = [_(h) for h in DRILL_HEADERS]
    span = f"{typed.filters.from_year}-{typed.filters.to_year}"
    name = _("Cases") + (f"_{of_title}" if of_title else "") + f"_{span}"
    fallback = f"cases_{of or params.get('figure', '')}_{span}"
    if fmt == "csv":
        data = csv_bytes(headers, rows)
    else:
        data = xlsx_bytes(_("Cases"), headers, rows,
                          notes=_notes(of_title or "", "", typed))
    return _file(data, fmt, name, fallback)


# --- the admin's setting --------------------------------------------------------------------

@bp.post("/threshold")
@roles_required("admin")
def threshold() -> Response:
    form = {k: (request.form.get(k) or "").strip() for k in ("value", "reason")}
    typed = typed_filters(request.form)
    low, high = GROUP_THRESHOLD_RANGE
    errors: dict[str, str] = {}
    if not (form["value"].isdigit() and low <= int(form["value"]) <= high):
        errors["value"] = _("Enter a whole number from %(low)s to %(high)s.", low=low,
                            high=high)
    if not form["reason"]:
        errors["reason"] = _("Required.")
    if not errors:
        try:
            value = set_group_threshold(page_uow(), int(form["value"]), actor=actor(),
                                        reason=form["reason"])
        except CaseflowError as exc:
            status, message, raw = refusal(exc)
            return _dashboard(typed, status, threshold_form=form, threshold_errors=raw or {},
                              message=message)
        flash(_("The group infringement threshold is now %(n)s respondents.", n=value),
              "success")
        return redirect(url_for("dashboard.index", **typed.query()) + "#groups", code=303)
    return _dashboard(typed, 422, threshold_form=form, threshold_errors=errors,
                      message=_("Please correct the marked fields."))

