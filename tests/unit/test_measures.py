"""The pure parts of the supervisor's measures, each against an answer worked out by hand:
the tally cells one case adds to, handling time less pauses (overlapping ones once, an open
one to the end), a pair cell's crossing, the group counts, and the histogram median."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from caseflow.domain import measures
from caseflow.domain.measures import (
    ALL_AGENCIES,
    ANY,
    ANY_OFFICER,
    CaseFacts,
    ClockFact,
    Tallies,
    TallyKey,
    contributions,
    crossing,
    group_counts,
    handled_seconds,
    pair_bucket,
)
from caseflow.views.dashboard import _histogram_median

DAY = 86400
T0 = datetime(2025, 3, 1)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


# --- handled_seconds ---------------------------------------------------------------------------

def test_no_pause_is_the_whole_span():
    assert handled_seconds(day(0), day(10), []) == 10 * DAY


def test_two_overlapping_pauses_are_counted_once():
    # pauses 1–3 and 2–4 cover days 1–4 once: 10 − 3 = 7 days
    assert handled_seconds(day(0), day(10), [(day(1), day(3)), (day(2), day(4))]) == 7 * DAY
    # the same, given the other way round
    assert handled_seconds(day(0), day(10), [(day(2), day(4)), (day(1), day(3))]) == 7 * DAY


def test_a_pause_inside_another_is_not_taken_off_again():
    # 1–6 holds 2–3: 10 − 5 = 5 days
    assert handled_seconds(day(0), day(10), [(day(1), day(6)), (day(2), day(3))]) == 5 * DAY


def test_separate_pauses_each_come_off():
    # 1–2 and 5–7: 10 − 1 − 2 = 7 days
    assert handled_seconds(day(0), day(10), [(day(5), day(7)), (day(1), day(2))]) == 7 * DAY


def test_an_open_pause_runs_to_the_end():
    # paused from day 8, never resumed: 8 days counted
    assert handled_seconds(day(0), day(10), [(day(8), None)]) == 8 * DAY
    # and with an overlapping closed pause 7–9: counted from 0 to 7 only
    assert handled_seconds(day(0), day(10), [(day(7), day(9)), (day(8), None)]) == 7 * DAY


def test_pauses_outside_the_span_are_clipped():
    # a pause from before the start to day 2, and one from day 9 past the end: 10 − 2 − 1
    assert handled_seconds(day(0), day(10), [(day(-3), day(2)), (day(9), day(14))]) == 7 * DAY
    # wholly after the end: nothing comes off
    assert handled_seconds(day(0), day(10), [(day(11), day(12))]) == 10 * DAY


def test_half_days_are_seconds():
    # 0 → 2.5 days less 0.25 day = 2.25 days = 194,400 s
    assert handled_seconds(day(0), day(2.5), [(day(1), day(1.25))]) == 194_400


# --- contributions -----------------------------------------------------------------------------

def facts(**kw) -> CaseFacts:
    base = dict(case_id=1, agency_id=7, case_type="admin_enforcement", officer_id=3,
                industry="clothing", origin="overseas", opened_year=2024)
    base.update(kw)
    return CaseFacts(**base)


def key(measure, year, *, officer=3, industry="clothing", origin="overseas", bucket="",
        agency=7, case_type="admin_enforcement") -> TallyKey:
    return TallyKey(measure, year, agency, case_type, officer, industry, origin, bucket)


def rolled(measure, year, **kw):
    """A count's own cell and its roll-ups: the officer's over every industry and origin;
    every officer's over every industry and origin, or every origin of the industry, or
    every industry of the origin."""
    industry, origin = kw.pop("industry", "clothing"), kw.pop("origin", "overseas")
    return [key(measure, year, industry=industry, origin=origin, **kw),
            key(measure, year, industry=ANY, origin=ANY, **kw),
            key(measure, year, officer=ANY_OFFICER, industry=ANY, origin=ANY, **kw),
            key(measure, year, officer=ANY_OFFICER, industry=industry, origin=ANY, **kw),
            key(measure, year, officer=ANY_OFFICER, industry=ANY, origin=origin, **kw)]


def unsplit(measure, year, **kw):
    """A count not split by industry or origin: the officer's cell and all officers'."""
    return [key(measure, year, industry=ANY, origin=ANY, **kw),
            key(measure, year, officer=ANY_OFFICER, industry=ANY, origin=ANY, **kw)]


def test_an_open_case_adds_one_opened_cell_and_its_group_cells():
    cells = contributions(facts(rights=("11",), respondents=("A", "B"))).cells()
    g7 = TallyKey(measures.GROUP, 0, 7, "", 0, "", "", "right:11")
    g0 = g7._replace(agency_id=ALL_AGENCIES)
    assert cells == {
        **{k: (1, 0) for k in rolled(measures.OPENED, 2024)},
        # one case naming the right, in its agency and city-wide (respondents come from pairs)
        g7: (0, 1), g0: (0, 1),
        g7._replace(measure=measures.PAIR, bucket=pair_bucket("right:11", "A")): (1, 0),
        g7._replace(measure=measures.PAIR, bucket=pair_bucket("right:11", "B")): (1, 0),
        g0._replace(measure=measures.PAIR, bucket=pair_bucket("right:11", "A")): (1, 0),
        g0._replace(measure=measures.PAIR, bucket=pair_bucket("right:11", "B")): (1, 0),
    }


def test_a_closed_case_adds_closed_on_time_handling_and_clocks():
    f = facts(closed_year=2025, on_time=True, handling_seconds=10 * DAY + 5,
              clocks=(ClockFact("filing", 2024, True), ClockFact("decision", 2025, False)))
    cells = contributions(f).cells()
    assert all(cells[k] == (1, 0) for k in rolled(measures.OPENED, 2024))
    # closed in 2025, on time: n 1, total (on time) 1, in its cell and each roll-up
    assert all(cells[k] == (1, 1) for k in rolled(measures.CLOSED, 2025))
    # 10 whole days → bucket 00010, total the seconds; not split by industry or origin
    assert all(cells[k] == (1, 10 * DAY + 5)
               for k in unsplit(measures.HANDLING, 2025, bucket="00010"))
    # a clock per year it ended: met 1 / 1, missed 1 / 0
    assert all(cells[k] == (1, 1) for k in unsplit(measures.CLOCK, 2024, bucket="filing"))
    assert all(cells[k] == (1, 0) for k in unsplit(measures.CLOCK, 2025, bucket="decision"))
    # nothing else but the opening's roll-ups
    assert len(cells) == 5 + 5 + 2 + 2 + 2
    assert not any(k.measure == measures.OVERDUE for k in cells)


def test_a_late_closed_case_counts_closed_but_not_on_time():
    cells = contributions(facts(closed_year=2025, on_time=False, handling_seconds=DAY)).cells()
    assert cells[key(measures.CLOSED, 2025)] == (1, 0)


def test_an_open_overdue_case_is_overdue_in_the_year_its_clock_ran_out():
    cells = contributions(facts(overdue_year=2025)).cells()
    assert cells[key(measures.OVERDUE, 2025)] == (1, 0)
    # once closed the overdue cell is gone (the closure counts it, late)
    closed = contributions(facts(overdue_year=2025, closed_year=2026, on_time=False,
                                 handling_seconds=DAY)).cells()
    assert not any(k.measure == measures.OVERDUE for k in closed)


def test_a_referral_firm_and_grant_are_counted_by_officer_without_place():
    referral = contributions(facts(case_type="mediation", court_referral=True)).cells()
    assert all(referral[k] == (1, 0)
               for k in unsplit(measures.REFERRAL, 2024, case_type="mediation"))
    helped = contributions(facts(case_type="rights_assistance", firm="9133", assisted=True,
                                 closed_year=2025, on_time=True, handling_seconds=DAY)).cells()
    firm = key(measures.FIRM, 2025, industry=ANY, origin=ANY, bucket="9133",
               case_type="rights_assistance")
    # the officer's, the agency's and the city's cell of the firm (the last two counted
    # distinct into FIRMS cells as they change)
    assert helped[firm] == (1, 0)
    assert helped[firm._replace(officer_id=ANY_OFFICER)] == (1, 0)
    assert helped[firm._replace(officer_id=ANY_OFFICER, agency_id=ALL_AGENCIES)] == (1, 0)
    assert measures.counted_in(firm) is None
    assert measures.counted_in(firm._replace(officer_id=ANY_OFFICER)) == firm._replace(
        officer_id=ANY_OFFICER, measure=measures.FIRMS, bucket="")
    declined = contributions(facts(case_type="rights_assistance", firm="9133", assisted=False,
                                   closed_year=2025, on_time=True,
                                   handling_seconds=DAY)).cells()
    assert not any(k.measure == measures.FIRM for k in declined)
    grant = contributions(facts(case_type="fast_track_preexam", grant_days=120,
                                grant_year=2025)).cells()
    assert all(grant[k] == (1, 120) for k in unsplit(
        measures.GRANT, 2025, bucket="00120", case_type="fast_track_preexam"))


def test_the_new_less_the_old_moves_a_case_between_years():
    old = contributions(facts(closed_year=2024, on_time=True, handling_seconds=DAY))
    new = contributions(facts(closed_year=2025, on_time=True, handling_seconds=DAY))
    delta = Tallies()
    delta.merge(new)
    delta.merge(old, sign=-1)
    assert delta.cells() == {
        **{k: (-1, -1) for k in rolled(measures.CLOSED, 2024)},
        **{k: (1, 1) for k in rolled(measures.CLOSED, 2025)},
        **{k: (-1, -DAY) for k in unsplit(measures.HANDLING, 2024, bucket="00001")},
        **{k: (1, DAY) for k in unsplit(measures.HANDLING, 2025, bucket="00001")},
    }


# --- crossing and group_counts -----------------------------------------------------------------

@pytest.mark.parametrize("new_n, delta, step", [
    (1, 1, 1),    # named for the first time
    (2, 1, 0),    # a second case names the same pair
    (1, -1, 0),   # one of two cases no longer names it
    (0, -1, -1),  # no case names it any more
    (0, 0, 0),
    (3, 3, 1),    # three at once from none
])
def test_crossing(new_n, delta, step):
    assert crossing(new_n, delta) == step


def test_group_counts_one_respondent_per_pair_any_case_names():
    def pair(bucket, agency=7):
        return TallyKey(measures.PAIR, 0, agency, "", 0, "", "", bucket)
    out = group_counts({
        pair(pair_bucket("right:1", "A")): 2,  # two cases naming A: one respondent
        pair(pair_bucket("right:1", "B")): 1,
        pair(pair_bucket("right:1", "C")): 0,  # no longer named
        pair(pair_bucket("holder:H", "A")): 1,
        pair(pair_bucket("right:1", "A"), agency=0): 2,
    }).cells()
    group = TallyKey(measures.GROUP, 0, 7, "", 0, "", "", "right:1")
    assert out == {group: (2, 0), group._replace(bucket="holder:H"): (1, 0),
                   group._replace(agency_id=0): (1, 0)}


def test_bars_in_a_holder_or_respondent_name_keep_the_pair_in_its_subject():
    bucket = pair_bucket("holder:甬|华", "恒|达")
    assert measures.group_of(TallyKey(measures.PAIR, 0, 7, "", 0, "", "", bucket)
                             ).bucket == "holder:甬|华"


# --- the histogram median ----------------------------------------------------------------------

@pytest.mark.parametrize("buckets, expected", [
    ({}, None),
    ({4: 1}, 4),
    ({1: 1, 2: 1, 9: 1}, 2),           # odd: the middle one
    ({1: 1, 3: 1}, 2.0),               # even: the mean of the two middle ones
    ({1: 2, 5: 2}, 3.0),               # even, the middle two in different buckets
    ({1: 1, 5: 3}, 5),                 # even, both middle ones in bucket 5
    ({10: 2, 0: 1, 3: 1}, 6.5),        # keys unordered: 0, 3, 10, 10 → (3 + 10) / 2
    ({2: 0, 7: 1}, 7),                 # an empty bucket is no case
])
def test_histogram_median(buckets, expected):
    assert _histogram_median(buckets) == expected
