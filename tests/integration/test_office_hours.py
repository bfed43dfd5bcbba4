"""An agency's close of office hours (实施办法 art. 41(2)), set by an admin and judged on
counter submissions: the service, its audit, the ``caseflow agency office-hours`` command, and
the one-line refusals that change nothing — on SQLite and PostgreSQL.

Notified Tue 2026-09-29, the rights holder's three working days end on Fri 2026-10-09
(10/1–10/7 rest): an application handed in at the customs counter that day is due by the
close of office hours.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from caseflow.adapters.orm import Agency, SystemEvent
from caseflow.domain.errors import NotFound, PermissionDenied, ValidationFailed
from caseflow.entrypoints.cli import main
from caseflow.services.directory import office_hours, set_office_hours
from tests.integration.test_periods_agencies import application, fire, notified, refused

REASON = "海关公告：柜台受理时间调整为16:30"


def run(database_url, *args):
    return CliRunner().invoke(main, ["--database-url", database_url, *args])


def stored(app):
    """Every agency's close of office hours, and the office-hours audit rows."""
    with app.session_factory() as s:
        hours = dict(s.execute(select(Agency.code, Agency.office_closes_at)).all())
        audit = [(e.actor, e.reason, e.payload) for e in s.scalars(
            select(SystemEvent).where(SystemEvent.kind == "office_hours_set")
            .order_by(SystemEvent.id))]
    return hours, audit


# --- the period verdict -----------------------------------------------------------------------

@pytest.mark.parametrize("received_at, via, allowed", [
    ("2026-10-09T16:15", "in_person", True),    # at the counter before 16:30
    ("2026-10-09T16:45", "in_person", False),   # after 16:30, though before the default 17:00
    ("2026-10-09T16:45", "post", True),         # posted: 24:00 still counts
])
def test_counter_submissions_are_due_at_the_agencys_own_close_of_office_hours(
        at, people, app, uow, received_at, via, allowed):
    assert set_office_hours(uow(), "nb-customs", "16:30", actor="zhao.admin",
                            reason=REASON) == "16:30"
    case = notified(at, "2026-09-29")
    payload = application(received_at, via, "2026-10-09")
    if allowed:
        view = fire(at, "2026-10-09T18:00", case.id, "apply_and_post_security", "xu.customs",
                    **payload)
        assert view.status == "investigation"
    else:
        err = refused(app, at, "2026-10-09T18:00", case.id, "apply_and_post_security",
                      "xu.customs", "close of office hours (16:30) on 2026-10-09", "第四十一条",
                      "15 min late", **payload)
        assert "17:00" not in str(err)


def test_another_agencys_office_hours_do_not_count(at, people, app, uow):
    # nb-amr closes at 16:00; the customs case is judged on nb-customs' default 17:00
    set_office_hours(uow(), "nb-amr", "16:00", actor="zhao.admin", reason="试行")
    case = notified(at, "2026-09-29")
    view = fire(at, "2026-10-09T18:00", case.id, "apply_and_post_security", "xu.customs",
                **application("2026-10-09T16:45", "in_person", "2026-10-09"))
    assert view.status == "investigation"


# --- the service ------------------------------------------------------------------------------

def test_an_admin_sets_office_hours_and_the_change_is_audited(at, people, app, uow):
    assert office_hours(uow(), "nb-customs") == "17:00"
    assert set_office_hours(at("2026-10-09T10:00")(), "nb-customs", " 16:30 ",
                            actor="zhao.admin", reason=f"  {REASON} ") == "16:30"
    assert office_hours(uow(), "nb-customs") == "16:30"
    hours, audit = stored(app)
    assert hours["nb-customs"] == "16:30" and hours["nb-amr"] == "17:00"
    assert audit == [("zhao.admin", REASON, {"agency": "nb-customs", "from": "17:00",
                                             "to": "16:30"})]
    with app.session_factory() as s:
        event = s.scalar(select(SystemEvent).where(SystemEvent.kind == "office_hours_set"))
    assert event.at.isoformat() == "2026-10-09T02:00:00"  # 10:00 Beijing, stored as UTC
    # setting the value it already has writes nothing more
    set_office_hours(uow(), "nb-customs", "16:30", actor="zhao.admin", reason=REASON)
    set_office_hours(uow(), "nb-customs", "17:00", actor="zhao.admin", reason="恢复")
    assert [a[2]["to"] for a in stored(app)[1]] == ["16:30", "17:00"]


@pytest.mark.parametrize("closes_at, expected", [
    ("25:00", "is not a 24-hour time HH:MM"),
    ("24:00", "is not a 24-hour time HH:MM"),
    ("17:60", "is not a 24-hour time HH:MM"),
    ("5pm", "is not a 24-hour time HH:MM"),
    ("17:0", "is not a 24-hour time HH:MM"),
    ("7:00", "is not a 24-hour time HH:MM"),
    ("17:00:00", "is not a 24-hour time HH:MM"),
    ("17.00", "is not a 24-hour time HH:MM"),
    ("１７:００", "is not a 24-hour time HH:MM"),  # full-width digits
    ("17:00\n", None),                           # surrounding whitespace is trimmed
    ("", "is not a 24-hour time HH:MM"),
    ("00:00", "implausible"),
    ("05:59", "implausible"),
])
def test_bad_times_are_refused_and_nothing_changes(people, app, uow, closes_at, expected):
    before = stored(app)
    if expected is None:
        assert set_office_hours(uow(), "nb-customs", closes_at, actor="zhao.admin",
                                reason=REASON) == "17:00"
    else:
        with pytest.raises(ValidationFailed, match=expected) as err:
            set_office_hours(uow(), "nb-customs", closes_at, actor="zhao.admin", reason=REASON)
        assert err.value.field == "closes_at" and "\n" not in err.value.message
    assert stored(app) == before


@pytest.mark.parametrize("closes_at", ["06:00", "23:59", "16:30"])
def test_plausible_times_are_accepted(people, uow, closes_at):
    assert set_office_hours(uow(), "nb-customs", closes_at, actor="zhao.admin",
                            reason=REASON) == closes_at
    assert office_hours(uow(), "nb-customs") == closes_at


def test_only_an_admin_with_a_reason_sets_known_agencies_office_hours(people, app, uow):
    before = stored(app)
    for actor in ("xu.customs", "zhou.customs"):
        with pytest.raises(PermissionDenied, match="only an admin"):
            set_office_hours(uow(), "nb-customs", "16:30", actor=actor, reason=REASON)
    with pytest.raises(NotFound, match="unknown user"):
        set_office_hours(uow(), "nb-customs", "16:30", actor="nobody", reason=REASON)
    for reason in ("", "   "):
        with pytest.raises(ValidationFailed, match="requires a reason") as err:
            set_office_hours(uow(), "nb-customs", "16:30", actor="zhao.admin", reason=reason)
        assert err.value.field == "reason"
    with pytest.raises(ValidationFailed, match="unknown agency 'nb-nowhere'") as err:
        set_office_hours(uow(), "nb-nowhere", "16:30", actor="zhao.admin", reason=REASON)
    assert err.value.field == "agency"
    with pytest.raises(ValidationFailed, match="unknown agency") as err:
        office_hours(uow(), "nb-nowhere")
    assert err.value.field == "agency"
    assert stored(app) == before


# --- the command ------------------------------------------------------------------------------

def test_the_command_prints_and_sets_office_hours(database_url, people, app):
    shown = run(database_url, "agency", "office-hours", "nb-customs")
    assert shown.exit_code == 0 and shown.output == "17:00\n"
    result = run(database_url, "agency", "office-hours", "nb-customs", "16:30",
                 "--as", "zhao.admin", "--reason", REASON)
    assert result.exit_code == 0, result.output
    assert result.output == "nb-customs: office hours close at 16:30\n"
    assert run(database_url, "agency", "office-hours", "nb-customs",
               "--as", "xu.customs").output == "16:30\n"
    assert stored(app)[1] == [("zhao.admin", REASON, {"agency": "nb-customs", "from": "17:00",
                                                      "to": "16:30"})]


@pytest.mark.parametrize("args, expected", [
    (["nb-customs", "16:30", "--as", "xu.customs", "--reason", REASON], "only an admin"),
    (["nb-customs", "16:30", "--as", "zhou.customs", "--reason", REASON], "only an admin"),
    (["nb-customs", "16:30", "--as", "zhao.admin"], "requires a reason"),
    (["nb-customs", "16:30", "--as", "zhao.admin", "--reason", " "], "requires a reason"),
    (["nb-customs", "16:30", "--reason", REASON], "--as"),
    (["nb-customs", "25:00", "--as", "zhao.admin", "--reason", REASON], "'25:00' is not"),
    (["nb-customs", "5pm", "--as", "zhao.admin", "--reason", REASON], "'5pm' is not"),
    (["nb-customs", "17:0", "--as", "zhao.admin", "--reason", REASON], "'17:0' is not"),
    (["nb-customs", "", "--as", "zhao.admin", "--reason", REASON], "'' is not"),
    (["nb-customs", "04:00", "--as", "zhao.admin", "--reason", REASON], "implausible"),
    (["nb-nowhere", "16:30", "--as", "zhao.admin", "--reason", REASON], "unknown agency"),
    (["nb-nowhere"], "unknown agency 'nb-nowhere'"),
    (["nb-customs", "--reason", REASON], "--reason"),
])
def test_the_command_refuses_in_one_line_and_changes_nothing(database_url, people, app,
                                                             args, expected):
    before = stored(app)
    result = run(database_url, "agency", "office-hours", *args)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1, \
        result.output
    assert expected in result.output
    assert stored(app) == before


def test_the_command_needs_an_agency(database_url, app):
    result = run(database_url, "agency", "office-hours")
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
