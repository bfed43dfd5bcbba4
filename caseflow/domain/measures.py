"""The supervisor's measures as one case adds to them.

A case's ``CaseFacts`` say what the measures need of it — its agency, type, officer, industry
and rights holder's origin; when it opened and closed; whether every statutory clock was met;
how long it was handled with paused time left out; the IP rights and respondents it names.
``contributions`` turns them into additive tally cells (``TallyKey`` → (n, total)). A change
to a case changes the tallies by its new contributions minus its old ones, so every figure is
a sum over a few tally rows, however many cases there are. Pure: the service layer derives the
facts from the tables and keeps the tallies (``services.report_data``); the read side sums
them (``views.dashboard``), and says there what each figure means.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple

# the layout of the tallies these functions write: a change to ``contributions`` that moves
# cells bumps it, and the migration that ships it rebuilds the tallies (``report_data``)
LAYOUT = 1

# measures (ReportTally.measure)
OPENED = "opened"          # cases received, by the year received
CLOSED = "closed"          # cases closed, by the year closed; total: closed on time
OVERDUE = "overdue"        # cases still open with a statutory clock run out, by that year
HANDLING = "handling"      # closed cases by whole days handled (bucket); total: seconds
CLOCK = "clock"            # clocks ended or run out, by clock (bucket); total: met
REFERRAL = "referral"      # court–mediation referrals (诉调对接), by the year received
FIRM = "firm"              # a firm given rights-protection assistance (bucket), by year
FIRMS = "firms"            # how many distinct firms an agency (or the city) assisted a year
GRANT = "grant"            # fast-track grants by whole days from filing (bucket); total: days
PAIR = "pair"              # an IP right or holder and a respondent it is asserted against
GROUP = "group"            # an IP right or holder (bucket): n respondents, total cases
PATENT = "patent"          # cases asserting a patent, per agency and city-wide (all years)

ALL_AGENCIES = 0  # the city-wide group and firm cells, beside each agency's own
ANY_OFFICER = -1  # a roll-up over every officer (0 is "no officer")
ANY = "*"  # a roll-up over every industry or origin ("" is "not recorded")
# between a pair's subject and respondent: a control character no name may hold (names are
# checked clean text), so a "|" in a firm's name cannot move it to another group
PAIR_SEPARATOR = "\x1f"


class TallyKey(NamedTuple):
    measure: str
    year: int
    agency_id: int
    case_type: str
    officer_id: int
    industry: str
    origin: str
    bucket: str




@dataclass(frozen=True)
class ClockFact:
    """A clock of the agency's own (statutory or a service target) that has ended or run
    out: the year it did, and whether it was met (stopped by its due time, never run out)."""

    name: str
    year: int
    met: bool
    target: bool = False
    id: int = 0  # the clock's row: a change of that clock alone replaces this fact
    open: bool = False  # run out and still running: the case is open past its period


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    agency_id: int
    case_type: str
    officer_id: int | None
    industry: str  # "" when not recorded
    origin: str  # the rights holder's origin (local, other_city, overseas); "" when none
    opened_year: int
    closed_year: int | None = None
    on_time: bool | None = None  # closed with every statutory clock met; None while open
    handling_seconds: int | None = None  # received → closed, paused time left out
    overdue_year: int | None = None  # open, a statutory clock run out (the year it did)
    court_referral: bool = False
    firm: str | None = None  # the firm asking for rights-protection assistance
    assisted: bool = False  # its assistance case closed (not declined): the firm was helped
    grant_days: int | None = None  # fast track: filing date → notice of grant
    grant_year: int | None = None
    clocks: tuple[ClockFact, ...] = ()
    rights: tuple[str, ...] = ()  # the IP rights asserted (their ids)
    patent: bool = False  # one of them is a patent (the group-infringement share's cases)
    holder: str | None = None  # the rights holder (credit code, else name)
    respondents: tuple[str, ...] = ()  # alleged infringers / respondents (credit code, else name)

    @property
    def handling_days(self) -> int | None:
        return None if self.handling_seconds is None else self.handling_seconds // 86400

    def with_clocks(self, changed: Mapping[int, ClockFact | None]) -> CaseFacts:
        """These facts with the facts of the clocks in ``changed`` replaced (None: the clock
        has no fact now) — for a unit of work that changed only those clocks of an open
        case (a sweep's expiry)."""
        kept = [c for c in self.clocks if c.id not in changed]
        clocks = tuple(sorted([*kept, *(c for c in changed.values() if c is not None)],
                              key=clock_order))
        return replace(self, clocks=clocks, overdue_year=overdue_year(clocks, self.closed_year))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaseFacts:
        values = dict(data)
        values["clocks"] = tuple(ClockFact(**c) for c in values.get("clocks", ()))
        for name in ("rights", "respondents"):
            values[name] = tuple(values.get(name, ()))
        return cls(**values)


def clock_order(c: ClockFact) -> tuple[str, int, int]:
    return (c.name, c.year, c.id)


def overdue_year(clocks: Iterable[ClockFact], closed_year: int | None) -> int | None:
    """The first year an open case missed a statutory period — a clock still running past
    its due time, or one stopped after it (None: closed, or none missed)."""
    years = [c.year for c in clocks if not c.met and not c.target]
    return min(years) if years and closed_year is None else None


@dataclass
class Tallies:
    """Cells and their (n, total), added up."""

    n: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)

    def add(self, key: TallyKey, n: int, total: int = 0, sign: int = 1) -> None:
        self.n[key] += sign * n
        self.total[key] += sign * total

    def merge(self, other: Tallies, sign: int = 1) -> None:
        for key in set(other.n) | set(other.total):
            self.add(key, other.n[key], other.total[key], sign)

    def cells(self) -> dict[TallyKey, tuple[int, int]]:
        """The cells that are not zero on both counts, in key order (the order rows are
        locked in, so two writers never wait on each other in a circle)."""
        keys = sorted(k for k in set(self.n) | set(self.total) if self.n[k] or self.total[k])
        return {k: (self.n[k], self.total[k]) for k in keys}


def days_bucket(days: int) -> str:
    return f"{max(days, 0):05d}"


def pair_bucket(subject: str, respondent: str) -> str:
    return f"{subject}{PAIR_SEPARATOR}{respondent}"


def group_of(pair_key: TallyKey) -> TallyKey:
    """The group cell a pair cell counts a respondent for."""
    return pair_key._replace(measure=GROUP, bucket=pair_key.bucket.split(PAIR_SEPARATOR, 1)[0])


def _levels(officer: int, industry: str, origin: str, split: bool
            ) -> tuple[tuple[int, str, str], ...]:
    """The cells one count goes to: its own (the officer's, and where the measure is split
    by them, the industry's and origin's) and the roll-ups a figure sums instead — the
    officer's over all industries and origins (``ANY``), all officers' (``ANY_OFFICER``),
    and all officers' per industry or per origin. A figure then sums a few rows however many
    officers, industries and origins there are."""
    if not split:
        return ((officer, ANY, ANY), (ANY_OFFICER, ANY, ANY))
    return ((officer, industry, origin), (officer, ANY, ANY), (ANY_OFFICER, ANY, ANY),
            (ANY_OFFICER, industry, ANY), (ANY_OFFICER, ANY, origin))


def contributions(f: CaseFacts) -> Tallies:
    """The tally cells one case adds to. The counts of distinct things (a right's
    respondents, a year's assisted firms) are not here: a respondent or firm counts once
    however many cases name it, which only the sums of their own cells tell
    (``distinct_counts``, and ``crossing`` as they change). Every per-year count names the
    case's officer, so the dashboard's officer filter holds for each figure."""
    out = Tallies()
    officer = f.officer_id or 0

    def add(measure: str, year: int, n: int, total: int = 0, *, split: bool = False,
            bucket: str = "") -> None:
        for who, industry, origin in _levels(officer, f.industry, f.origin, split):
            out.add(TallyKey(measure, year, f.agency_id, f.case_type, who, industry, origin,
                             bucket), n, total)

    add(OPENED, f.opened_year, 1, split=True)
    if f.court_referral:
        add(REFERRAL, f.opened_year, 1)
    if f.closed_year is not None:
        add(CLOSED, f.closed_year, 1, 1 if f.on_time else 0, split=True)
        if f.handling_seconds is not None:
            add(HANDLING, f.closed_year, 1, f.handling_seconds,
                bucket=days_bucket(f.handling_seconds // 86400))
        if f.firm and f.assisted:
            firm = TallyKey(FIRM, f.closed_year, f.agency_id, f.case_type, officer, ANY, ANY,
                            f.firm)
            out.add(firm, 1)  # the officer's, then the agency's and the city's (distinct)
            out.add(firm._replace(officer_id=ANY_OFFICER), 1)
            out.add(firm._replace(officer_id=ANY_OFFICER, agency_id=ALL_AGENCIES), 1)
    elif f.overdue_year is not None:
        add(OVERDUE, f.overdue_year, 1, split=True)
    for c in f.clocks:
        add(CLOCK, c.year, 1, 1 if c.met else 0, bucket=c.name)
    if f.grant_days is not None and f.grant_year is not None:
        add(GRANT, f.grant_year, 1, f.grant_days, bucket=days_bucket(f.grant_days))
    subjects = [f"right:{r}" for r in f.rights] + ([f"holder:{f.holder}"] if f.holder else [])
    if f.patent:
        for agency in (f.agency_id, ALL_AGENCIES):
            out.add(TallyKey(PATENT, 0, agency, "", 0, "", "", ""), 1)
    for agency in (f.agency_id, ALL_AGENCIES):
        for subject in subjects:
            group = TallyKey(GROUP, 0, agency, "", 0, "", "", subject)
            out.add(group, 0, 1)  # one case more naming the subject
            for respondent in f.respondents:
                out.add(group._replace(measure=PAIR, bucket=pair_bucket(subject, respondent)), 1)
    return out


def counted_in(key: TallyKey) -> TallyKey | None:
    """The cell counting distinct values that ``key``'s cell is one value of: a pair's
    group (its respondents), an agency's or the city's assisted firm's year (its firms);
    None for every other cell."""
    if key.measure == PAIR:
        return group_of(key)
    if key.measure == FIRM and key.officer_id == ANY_OFFICER:
        return key._replace(measure=FIRMS, bucket="")
    return None


def distinct_counts(cells: Mapping[TallyKey, int]) -> Tallies:
    """The distinct-value counts from their cells' case counts: one per value that any case
    still names (a respondent of a right, a firm assisted in a year)."""
    out = Tallies()
    for key, n in cells.items():
        target = counted_in(key)
        if target is not None and n > 0:
            out.add(target, 1)
    return out


def group_counts(pairs: Mapping[TallyKey, int]) -> Tallies:
    """The group cells' respondent counts from the pair cells' (``distinct_counts``)."""
    return distinct_counts({k: n for k, n in pairs.items() if k.measure == PAIR})


def crossing(new_n: int, delta: int) -> int:
    """How a pair cell moving by ``delta`` to ``new_n`` moves its group's respondent count:
    +1 when the pair is named for the first time, −1 when no case names it any more."""
    return int(new_n > 0) - int(new_n - delta > 0)


def handled_seconds(start: datetime, end: datetime,
                    paused: Iterable[tuple[datetime, datetime | None]]) -> int:
    """Seconds from ``start`` to ``end`` less the time inside any pause (overlapping pauses
    of several clocks counted once; an open pause runs to ``end``)."""
    spans = sorted((max(s, start), min(e or end, end)) for s, e in paused)
    left, cursor = (end - start).total_seconds(), start
    for s, e in spans:
        s = max(s, cursor)
        if e > s:
            left -= (e - s).total_seconds()
            cursor = e
    return max(int(left), 0)
