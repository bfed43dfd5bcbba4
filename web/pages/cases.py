"""The case page every role opens: the header, each clock with its explanation, the
timeline, the state diagram; the steps and handoff panels come from their own areas
(``web.pages.steps``, ``web.pages.handoffs``), which re-render the page through
``render_case`` when a form fails."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from flask_babel import gettext as _
from flask_login import login_required

from caseflow.domain.errors import CaseflowError
from caseflow.views.cases import case_for
from web.pages import handoffs, steps
from web.pages.common import actor, page_uow, refusal, render

bp = Blueprint("case_page", __name__, url_prefix="/cases")


def render_case(case_id: int, *, status: int = 200, message: str | None = None,
                panel_state: dict[str, Any] | None = None) -> Response:
    """The whole case page; ``panel_state`` carries a failed form back to its panel
    (``{"steps": {...}}`` or ``{"handoffs": {...}}``: what was typed and the errors)."""
    try:
        case = case_for(page_uow(), case_id, actor()).to_dict()
    except CaseflowError as exc:
        code, text, _errors = refusal(exc)
        return render("pages/refused.html", code, title=_("Case"), message=text)
    state = panel_state or {}
    return render("cases/show.html", status, title=case.get("number") or _("Case"),
                  message=message, case=case,
                  steps_panel=steps.panel_context(case_id, case, state.get("steps")),
                  handoff_panel=handoffs.panel_context(case_id, case, state.get("handoffs")))


@bp.get("/<int:case_id>")
@login_required
def show(case_id: int) -> Response:
    """The case as the user's agency may see it (404 page if it may not, as if missing)."""
    return render_case(case_id)
