"""Rules the agencies' workflow files keep (issue 8): customs, criminal transfer, police, court
litigation, judicial confirmation and mediation.

* every clock starts on a recorded legal date (``from``), after other periods (``after``), in
  the initial state, or says why it starts when its step is keyed in (``keyed_start``);
* every clock paused in a state pauses and resumes on the dates the steps record;
* every period a step requires names its article and is judged on a date the step must record.
"""

from __future__ import annotations

import re

import pytest

from caseflow.config import PROJECT_ROOT
from caseflow.domain.definitions import load_directory, unexplained_keyed_starts

AGENCY_WORKFLOWS = ("customs_detention", "criminal_transfer", "police_case", "court_litigation",
                    "court_confirmation", "mediation")
ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇\d]+条")

DEFINITIONS = [d for d in load_directory(PROJECT_ROOT / "workflows") if d.key in AGENCY_WORKFLOWS]


def test_all_six_agency_workflows_are_shipped():
    assert {d.key for d in DEFINITIONS} == set(AGENCY_WORKFLOWS)


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: f"{d.key}.v{d.version}")
def test_no_clock_starts_at_keying_time_without_a_reason(definition):
    assert unexplained_keyed_starts(definition) == []


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: f"{d.key}.v{d.version}")
def test_state_pauses_run_between_recorded_dates(definition):
    for rule in definition.clocks.values():
        if rule.paused_in:
            assert rule.pause_from and rule.resume_from, rule.name
            entering = [t for t in definition.transitions
                        if t.dest in rule.paused_in and not set(t.sources) & rule.paused_in]
            leaving = [t for t in definition.transitions
                       if set(t.sources) & rule.paused_in and t.dest not in rule.paused_in
                       and t.dest not in definition.final_states]
            for t in entering:
                assert {f.name for f in t.fields if f.required} & set(rule.pause_from), \
                    (rule.name, t.trigger)
            for t in leaving:
                assert {f.name for f in t.fields if f.required} & set(rule.resume_from), \
                    (rule.name, t.trigger)


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: f"{d.key}.v{d.version}")
def test_every_required_period_cites_its_article_and_is_judged_on_a_recorded_date(definition):
    for t in definition.transitions:
        fields = {f.name: f for f in t.fields}
        for req in t.requires:
            assert ARTICLE.search(req.source), (t.trigger, req.source)
            assert req.on is not None and fields[req.on].required, (t.trigger, req.on)
            if req.in_person:
                assert fields[req.in_person].required, (t.trigger, req.in_person)
            for name in req.clocks:
                assert name in definition.clocks, (t.trigger, name)


def test_the_periods_the_law_makes_preconditions_are_declared():
    found = {(d.key, t.trigger, tuple(t.sources)): {(r.kind, c) for r in t.requires
                                                    for c in r.clocks}
             for d in DEFINITIONS for t in d.transitions if t.requires}

    def requires(key, trigger, kind, clock, source=None):
        matches = [v for (k, trig, src), v in found.items()
                   if k == key and trig == trigger and (source is None or source in src)]
        assert matches and all((kind, clock) in v for v in matches), (key, trigger, clock)

    requires("customs_detention", "apply_and_post_security", "within", "application_and_security")
    requires("customs_detention", "release_no_application", "after", "application_and_security")
    requires("customs_detention", "release_no_court_notice", "after", "release_ex_officio")
    requires("customs_detention", "release_no_court_notice", "after", "release_on_application")
    requires("customs_detention", "return_security", "after", "security_return")
    requires("customs_detention", "record_patent_suit", "within", "patent_suit_proof")
    requires("customs_detention", "return_counter_security", "after", "patent_suit_proof")
    requires("customs_detention", "record_suit_filed", "within", "presuit_suit_period")
    requires("customs_detention", "release_preservation_lapsed", "after", "presuit_suit_period")
    requires("court_litigation", "record_suit_filed", "within", "presuit_suit_period")
    requires("court_litigation", "lift_presuit_preservation", "after", "presuit_suit_period")
    requires("criminal_transfer", "request_reconsideration", "within", "reconsideration_request")
    requires("criminal_transfer", "request_procuratorate_supervision", "within",
             "direct_supervision_request", "police_not_filed")
    requires("criminal_transfer", "request_procuratorate_supervision", "within",
             "procuratorate_request", "reconsideration_refused")
    requires("police_case", "receive_reconsideration_request", "within",
             "sender_reconsideration_window")
    requires("police_case", "close_not_filed", "after", "sender_supervision_window")
    requires("police_case", "return_for_administrative_handling", "after",
             "sender_reconsideration_window", "not_filed")
    requires("police_case", "continue_without_supplement", "after", "supplement")
    requires("mediation", "request_judicial_confirmation", "within", "confirmation_application")
    for clock in ("court_referred_prefiling", "court_entrusted_ordinary", "court_entrusted_simple"):
        requires("mediation", "sign_settlement", "within", clock, "court_mediation_in_session")
        requires("mediation", "hold_session", "within", clock, "court_mediation_accepted")


def test_the_police_remedy_guard_gave_way_to_declared_periods():
    police = next(d for d in DEFINITIONS if d.key == "police_case")
    assert not any("sender_remedy_period_over" in t.guards for t in police.transitions)
