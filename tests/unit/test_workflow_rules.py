"""Rules every shipped workflow file keeps (issue 8): no clock starts at keying time without
a reason written next to it, every state pause names the dates that begin and end it, and
every period precondition names clocks the workflow has."""

from __future__ import annotations

import pytest

from caseflow.config import PROJECT_ROOT
from caseflow.domain.definitions import load_directory, unexplained_keyed_starts

SHIPPED = load_directory(PROJECT_ROOT / "workflows")


@pytest.mark.parametrize("definition", SHIPPED, ids=lambda d: f"{d.key}.v{d.version}")
def test_every_keyed_start_is_explained(definition):
    assert unexplained_keyed_starts(definition) == []


@pytest.mark.parametrize("definition", SHIPPED, ids=lambda d: f"{d.key}.v{d.version}")
def test_every_state_pause_runs_from_recorded_dates(definition):
    missing = [name for name, rule in definition.clocks.items()
               if rule.paused_in and not (rule.pause_from and rule.resume_from)]
    assert missing == []


@pytest.mark.parametrize("definition", SHIPPED, ids=lambda d: f"{d.key}.v{d.version}")
def test_every_period_precondition_names_a_clock_and_an_article(definition):
    for t in definition.transitions:
        for req in t.requires:
            assert set(req.clocks) <= set(definition.clocks), t.trigger
            assert req.source.strip(), t.trigger


def test_the_binding_periods_the_issue_names_are_declared():
    by_key = {(d.key, d.version): d for d in SHIPPED}
    customs = by_key[("customs_detention", 1)]

    def kinds(d, trigger):
        return {(r.kind, c) for t in d.transitions if t.trigger == trigger
                for r in t.requires for c in r.clocks}

    assert ("within", "application_and_security") in kinds(customs, "apply_and_post_security")
    assert ("after", "release_ex_officio") in kinds(customs, "release_no_court_notice")
    assert ("after", "release_on_application") in kinds(customs, "release_no_court_notice")
    assert ("after", "security_return") in kinds(customs, "return_security")
    enforcement = by_key[("admin_enforcement", 1)]
    assert any(k == "after" for k, _ in kinds(enforcement, "close_notice_period"))
    assert ("after", "remedy_periods") in kinds(enforcement, "apply_court_enforcement")
    assert ("within", "court_enforcement_application") in kinds(enforcement,
                                                                "apply_court_enforcement")
    assert enforcement.clocks["court_enforcement_application"].start_after
    summary = by_key[("admin_summary", 1)]
    assert ("after", "remedy_periods") in kinds(summary, "apply_court_enforcement")
