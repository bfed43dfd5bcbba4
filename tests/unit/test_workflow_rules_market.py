"""Rules the market-supervision workflow files must keep (issue 8: legal periods that bind).

For admin_enforcement, admin_summary, complaint v1/v2, rights_assistance, patent_dispute and
fast_track_preexam: every clock starts from a recorded legal date, after other periods, in the
initial state, or says why it starts when keyed in; every ``requires`` names clocks that exist
and cites its article; every state pause runs between dates the steps record.

Each file is parsed on its own, so a file another engineer is editing does not hide a problem
here.
"""

from __future__ import annotations

import re

import pytest

from caseflow.config import PROJECT_ROOT
from caseflow.domain.definitions import (
    WorkflowDefinition,
    parse_definition,
    unexplained_keyed_starts,
)

FILES = ["admin_enforcement.v1.yaml", "admin_summary.v1.yaml", "complaint.v1.yaml",
         "complaint.v2.yaml", "rights_assistance.v1.yaml", "patent_dispute.v1.yaml",
         "fast_track_preexam.v1.yaml"]
ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇]+条")


def load(name: str) -> WorkflowDefinition:
    path = PROJECT_ROOT / "workflows" / name
    return parse_definition(path.read_text(encoding="utf-8"), str(path))


@pytest.fixture(params=FILES)
def definition(request: pytest.FixtureRequest) -> WorkflowDefinition:
    return load(request.param)


def test_no_clock_starts_at_keying_time_without_a_reason(definition):
    assert unexplained_keyed_starts(definition) == []


def test_every_requirement_names_clocks_that_exist_and_cites_its_article(definition):
    for t in definition.transitions:
        fields = {f.name: f for f in t.fields}
        for req in t.requires:
            assert req.kind in ("after", "within")
            assert req.clocks, t.trigger
            for name in req.clocks:
                assert name in definition.clocks, (t.trigger, name)
            assert ARTICLE.search(req.source), (t.trigger, req.source)
            if req.on is not None:  # judged on a legal date the step must record
                assert fields[req.on].type in ("date", "datetime")
                assert fields[req.on].required, (t.trigger, req.on)
            for alt in req.unless:
                if alt.kind == "field":
                    assert not fields[alt.field].required, (t.trigger, alt.field)
                else:
                    assert alt.role == "supervisor"


def _stops(definition: WorkflowDefinition, rule, t) -> bool:
    return (t.dest in rule.stop_states or t.trigger in rule.stop_triggers
            or t.dest in definition.final_states)


def test_every_state_pause_runs_between_recorded_dates(definition):
    """A step into a not-counted state records the day the pause began (pause_from); a step
    out of it that does not stop the clock records the day it ended (resume_from)."""
    for rule in definition.clocks.values():
        if not rule.paused_in:
            continue
        assert rule.pause_from and rule.resume_from, rule.name
        for t in definition.transitions:
            names = {f.name for f in t.fields if f.required and f.type in ("date", "datetime")}
            outside = [s for s in t.sources if s not in rule.paused_in]
            inside = [s for s in t.sources if s in rule.paused_in]
            if t.dest in rule.paused_in and outside:
                assert names & set(rule.pause_from), (rule.name, t.trigger)
            if inside and t.dest not in rule.paused_in and not _stops(definition, rule, t):
                assert names & set(rule.resume_from), (rule.name, t.trigger)


def test_clocks_that_start_from_a_field_have_it_on_every_starting_step(definition):
    for rule in definition.clocks.values():
        if not rule.start_from:
            continue
        for t in definition.transitions:
            starts = t.trigger in rule.start_triggers or (
                t.dest in rule.start_states and any(s != t.dest for s in t.sources))
            if starts:
                assert rule.start_from in {f.name for f in t.fields}, (rule.name, t.trigger)


def test_the_binding_periods_of_issue_8_are_declared():
    admin = load("admin_enforcement.v1.yaml")
    close = admin.transition("close_notice_period", "prior_notice")
    (statement,) = close.requires
    assert (statement.kind, statement.clocks) == ("after", ("statement_and_hearing_request",))
    assert {a.field for a in statement.unless} == {"waived_on", "statement_received_on"}
    for key in ("admin_enforcement.v1.yaml", "admin_summary.v1.yaml"):
        d = load(key)
        apply = d.transition("apply_court_enforcement", "enforcement_demand")
        assert [(r.kind, r.clocks, r.on) for r in apply.requires] == [
            ("after", ("remedy_periods",), "applied_on"),
            ("after", ("enforcement_demand_period",), "applied_on"),
            ("within", ("court_enforcement_application",), "applied_on")]
        window = d.clocks["court_enforcement_application"]
        assert window.start_after == ("fine_payment", "remedy_periods")
        assert str(window.period) == "3 months"
        remedy = d.clocks["remedy_periods"]
        assert str(remedy.period) == "6 months" and not remedy.escalate and not remedy.target
        assert remedy.alert == ("assignee",)
    decision = admin.clocks["decision_deadline"]
    assert [e.collective for e in decision.extensions] == [False, True]
    assert decision.pause_from[0] == "commissioned_on"
    assert decision.resume_from[0] == "result_received_on"
    assert admin.clocks["legal_review_period"].start_from == "review_submitted_on"
    assert admin.clocks["closing"].start_from == "closing_ground_on"
    patent = load("patent_dispute.v1.yaml")
    for trigger in ("adjudicate_infringement", "adjudicate_no_infringement"):
        for source in ("examination", "hearing_held"):
            reqs = patent.transition(trigger, source).requires
            assert {r.clocks for r in reqs} == {("answer_period", "answer_period_foreign"),
                                                ("evidence_period",)}
    # the next level's approval of the last extension is not a collective decision (art. 37)
    assert not any(e.collective for e in patent.clocks["conclusion"].extensions)
    for key in ("complaint.v1.yaml", "complaint.v2.yaml"):
        assert load(key).clocks["clue_verification_period"].start_from == "clue_found_on"
