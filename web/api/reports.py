"""``/api/v1/reports``: the supervisor's dashboard figures (``caseflow.views.dashboard``), the
cases behind a figure's row a page at a time, and the group-infringement threshold.

Supervisors see their own agency (naming another is refused as an unknown agency: 422 on
``agency``), admins any agency or the whole city; officers get 403. The years default to this
year and the four before it (Beijing time)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from caseflow.domain.errors import NotFound
from caseflow.domain.limits import REASON_MAX
from caseflow.domain.moments import aware
from caseflow.services import report_settings
from caseflow.views import dashboard
from caseflow.views.reporting import reporting_user
from web.api import caller, uow
from web.api.common import NoArgs, Strict

blp = Blueprint("reports", __name__, description="Reports: the supervisor's dashboard figures, "
                "their cases, the group-infringement threshold")
URL_PREFIX = "/api/v1/reports"

DEFAULT_YEARS = 5  # this year and the four before it
YEAR_RANGE = validate.Range(min=dashboard.FIRST_YEAR, max=2100)
# what each figure is called, in the order the dashboard shows them (a test holds it to the
# titles the figures give themselves: listing them need not compute fifteen figures)
TITLES: dict[str, tuple[str, str]] = {
    "closure_year": ("按期结案率（按年度）", "Closure within the legal period by year"),
    "closure_agency": ("按期结案率（按机关）", "Closure within the legal period by agency"),
    "closure_case_type": ("按期结案率（按案件类型）",
                          "Closure within the legal period by case type"),
    "closure_officer": ("按期结案率（按承办人）", "Closure within the legal period by officer"),
    "clocks": ("各期限按期率", "On-time rate per clock"),
    "handling": ("平均及中位办案时长", "Average and median handling time"),
    "volume": ("各机关办案量及同比增长", "Cases handled per agency and growth"),
    "referrals": ("诉调对接（法院委派、委托调解）", "Court–mediation referrals"),
    "firms": ("获得维权援助的企业数", "Firms given rights-protection assistance"),
    "handoffs": ("跨部门移交", "Handoffs between agencies"),
    "handoff_refusals": ("被拒收或退回的移交及理由", "Handoffs refused or returned, with reasons"),
    "industry": ("按行业分布", "Cases by industry"),
    "origin": ("按权利人来源分布", "Cases by rights holder's origin"),
    "fast_track": ("专利快速预审：各环节服务目标达成及授权用时",
                   "Fast-track pre-examination: stages meeting their targets, and grant time"),
    "groups": ("群体性侵权预警", "Group infringement early warning"),
    "group_share": ("专利群体性侵权占专利案件的比例", "Group patent infringement among patent cases"),
}


# --- schemas: what comes in ---------------------------------------------------------------

class FilterArgs(Strict):
    """The dashboard's filters; an unknown parameter is refused (422 naming it)."""

    from_year = fields.Integer(validate=YEAR_RANGE,
                               metadata={"description": "the first year (default: four years "
                                                        "before to_year)"})
    to_year = fields.Integer(validate=YEAR_RANGE,
                             metadata={"description": "the last year (default: this year); "
                                                      f"at most {dashboard.MAX_YEARS} years "
                                                      "in all"})
    agency = fields.String(validate=validate.Length(min=1, max=64),
                           metadata={"description": "an agency code (a supervisor: their "
                                                    "own only; default: theirs, or for an "
                                                    "admin every agency)"})
    case_type = fields.String(validate=validate.Length(min=1, max=64),
                              metadata={"description": "a case type (workflow key)"})
    officer = fields.String(validate=validate.Length(min=1, max=64),
                            metadata={"description": "an officer's username (of the agency)"})


class DrillArgs(FilterArgs):
    """A figure row's ``drill`` parameters, with the same filters, a page at a time."""

    figure = fields.String(required=True, validate=validate.OneOf(dashboard.DRILL_FIGURES),
                           metadata={"description": "the kind of drill-down, as a row's "
                                                    "drill says"})
    year = fields.Integer(validate=validate.Range(min=dashboard.FIRST_YEAR - 1, max=2100))
    agency_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    officer_id = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1),
                                metadata={"description": "0: cases with no officer"})
    industry = fields.String(validate=validate.Length(max=64))
    origin = fields.String(validate=validate.Length(max=64))
    clock = fields.String(validate=validate.Length(min=1, max=64))
    subject = fields.String(validate=validate.Length(min=1, max=300),
                            metadata={"description": "right:<id> or holder:<name>"})
    kind = fields.String(validate=validate.Length(min=1, max=64),
                         metadata={"description": "a handoff kind"})
    part = fields.String(validate=validate.OneOf(
        sorted({*dashboard.CLOSURE_PARTS, *dashboard.HANDOFF_PARTS})), metadata={
        "description": "which count of the row: closure closed / on_time / overdue_open; "
                       "handoff sent / open / accepted / refused (the figure's parts)"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50,
                              validate=validate.Range(min=1, max=dashboard.MAX_PER_PAGE))


class ThresholdBody(Strict):
    value = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=report_settings.GROUP_THRESHOLD_RANGE[0], max=report_settings.GROUP_THRESHOLD_RANGE[1]),
        metadata={"description": "how many different respondents flag a right or holder"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))


# --- schemas: what goes out ---------------------------------------------------------------

class FiltersOut(Schema):
    from_year = fields.Integer(required=True)
    to_year = fields.Integer(required=True)
    agency = fields.String(required=True, allow_none=True)
    case_type = fields.String(required=True, allow_none=True)
    officer = fields.String(required=True, allow_none=True)


class ColumnOut(Schema):
    key = fields.String(required=True)
    zh = fields.String(required=True)
    en = fields.String(required=True)
    kind = fields.String(required=True, metadata={
        "description": "text, count, rate (0–1), days, change (a fraction), months"})


class GoalOut(Schema):
    value = fields.Float(required=True)
    zh = fields.String(required=True)
    en = fields.String(required=True)


class FigureOut(Schema):
    key = fields.String(required=True)
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)
    definition_zh = fields.String(required=True)
    definition_en = fields.String(required=True)
    columns = fields.List(fields.Nested(ColumnOut), required=True)
    rows = fields.List(fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True)),
                       required=True,
                       metadata={"description": "one object per row, keyed by the columns' "
                                                "keys"})
    drill = fields.List(fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True),
                                    allow_none=True), required=True,
                        metadata={"description": "per row, the parameters of "
                                                 "GET /reports/cases listing its cases (or "
                                                 "case_id: the one case), or null"})
    goal = fields.Nested(GoalOut, required=True, allow_none=True)
    chart = fields.String(required=True, allow_none=True,
                          metadata={"description": "bar or line"})
    chart_label = fields.String(required=True, allow_none=True)
    chart_value = fields.String(required=True, allow_none=True)
    parts = fields.List(fields.String(), required=True,
                        metadata={"description": "count columns whose cells list their own "
                                                 "cases (GET /reports/cases with part=)"})


class FigureReportOut(Schema):
    filters = fields.Nested(FiltersOut, required=True)
    figure = fields.Nested(FigureOut, required=True)


class DashboardOut(Schema):
    filters = fields.Nested(FiltersOut, required=True)
    figures = fields.List(fields.Nested(FigureOut), required=True)


class FigureItemOut(Schema):
    key = fields.String(required=True)
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)


class DrillRowOut(Schema):
    case_id = fields.Integer(required=True)
    number = fields.String(required=True)
    title = fields.String(required=True)
    case_type = fields.String(required=True)
    status = fields.String(required=True)
    agency_zh = fields.String(required=True)
    agency_en = fields.String(required=True)
    officer = fields.String(required=True, allow_none=True)
    received_on = fields.String(required=True, metadata={"description": "YYYY-MM-DD"})
    closed_on = fields.String(required=True, allow_none=True,
                              metadata={"description": "YYYY-MM-DD (Beijing)"})
    on_time = fields.Boolean(required=True, allow_none=True)


class DrillPageOut(Schema):
    items = fields.List(fields.Nested(DrillRowOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class ThresholdOut(Schema):
    value = fields.Integer(required=True)
    default = fields.Integer(required=True)
    min = fields.Integer(required=True)
    max = fields.Integer(required=True)


# --- helpers ------------------------------------------------------------------------------

FILTER_NAMES = ("from_year", "to_year", "agency", "case_type", "officer")


def _query(schema: type[Strict]):  # type: ignore[no-untyped-def]
    return blp.arguments(schema, location="query", unknown=RAISE)


def _filters(args: dict[str, Any]) -> dashboard.ReportFilters:
    """The filters asked for, the years defaulting to this year and the four before it."""
    to_year = args.get("to_year")
    if to_year is None:
        to_year = aware(uow().now()).year
    from_year = args.get("from_year")
    if from_year is None:
        from_year = max(to_year - DEFAULT_YEARS + 1, dashboard.FIRST_YEAR)
    return dashboard.ReportFilters(from_year, to_year, args.get("agency"),
                                   args.get("case_type"), args.get("officer"))


def _filters_out(f: dashboard.ReportFilters) -> dict[str, Any]:
    return {name: getattr(f, name) for name in FILTER_NAMES}


def _figure(key: str, filters: dashboard.ReportFilters) -> dict[str, Any]:
    return dashboard.FIGURES[key](uow(), caller().username, filters).to_dict()


def _threshold(value: int) -> dict[str, int]:
    low, high = report_settings.GROUP_THRESHOLD_RANGE
    return {"value": value, "default": report_settings.GROUP_THRESHOLD_DEFAULT,
            "min": low, "max": high}


# --- resources ----------------------------------------------------------------------------

@blp.route("/figures")
class FiguresResource(MethodView):
    @_query(NoArgs)
    @blp.response(200, FigureItemOut(many=True))
    def get(self, _args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """The figures there are, by key, with their titles (supervisors and admins)."""
        work = uow()
        with work:
            reporting_user(work, caller().username)
        return [{"key": key, "title_zh": zh, "title_en": en}
                for key, (zh, en) in TITLES.items()]


@blp.route("/figures/<key>")
class FigureResource(MethodView):
    @_query(FilterArgs)
    @blp.response(200, FigureReportOut)
    def get(self, args: dict[str, Any], key: str):  # type: ignore[no-untyped-def]
        """One figure: its table (columns in Chinese and English, a row object per row), its
        definition, goal and chart hint, and each row's drill-down; 404 for an unknown key."""
        if key not in dashboard.FIGURES:
            work = uow()
            with work:  # who may not run reports is told so before what exists
                reporting_user(work, caller().username)
            raise NotFound(f"unknown figure {key!r}; the figures are "
                           f"{', '.join(dashboard.FIGURES)}")
        filters = _filters(args)
        return {"filters": _filters_out(filters), "figure": _figure(key, filters)}


@blp.route("/dashboard")
class DashboardResource(MethodView):
    @_query(FilterArgs)
    @blp.response(200, DashboardOut)
    def get(self, args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Every figure for the same filters, in the dashboard's order."""
        filters = _filters(args)
        return {"filters": _filters_out(filters),
                "figures": [_figure(key, filters) for key in dashboard.FIGURES]}


@blp.route("/cases")
class DrillResource(MethodView):
    @_query(DrillArgs)
    @blp.response(200, DrillPageOut)
    def get(self, args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """The cases behind one row of a figure (its ``drill`` parameters), within the
        filters, the latest received first, a page at a time."""
        filters = _filters(args)
        params = {name: args[name] for name in dashboard.DRILL_PARAMS
                  if name in args and name != "case_type"}  # the filter says the type
        page = dashboard.drill_cases(uow(), caller().username, filters, params,
                                     page=args["page"], per_page=args["per_page"])
        return {"items": [r.to_dict() for r in page.rows], "total": page.total,
                "page": page.page, "per_page": page.per_page}


@blp.route("/settings/group-threshold")
class ThresholdResource(MethodView):
    @_query(NoArgs)
    @blp.response(200, ThresholdOut)
    def get(self, _args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """How many different respondents one IP right (or rights holder) is asserted
        against before the group-infringement figure lists it."""
        work = uow()
        with work:
            reporting_user(work, caller().username)
            value = report_settings.group_threshold_of(work)
        return _threshold(value)

    @_query(NoArgs)
    @blp.arguments(ThresholdBody)
    @blp.response(200, ThresholdOut)
    def put(self, _args: dict[str, Any], body: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Set the threshold (admin, with a reason); recorded as a system event."""
        value = report_settings.set_group_threshold(uow(), body["value"],
                                                    actor=caller().username,
                                                    reason=body["reason"])
        return _threshold(value)
