"""Bad input at the service boundary (what the REST API will call): each refused with a
field-level error, nothing written — the inputs the CLI matrix cannot reach."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from caseflow import services
from caseflow.adapters.orm import Agency, Case, Clock, ClockExtension, Event, Notification, User
from caseflow.domain.errors import ConflictError, NotFound, PayloadError, ValidationFailed
from caseflow.entrypoints.cli import main
from caseflow.services import handoffs
from caseflow.services.alerts import acknowledge, inbox, mark_read
from caseflow.services.clocks import extend_clock, pause_clock
from caseflow.services.directory import create_user, ensure_agency
from caseflow.services.links import link_cases
from caseflow.services.sweep import sweep
from tests.conftest import utc
from tests.integration.test_clocks import open_timed
from tests.integration.test_engine import open_inspection
from tests.integration.test_handoffs import approved_case, counts, send
from tests.integration.test_period_requirements import open_gate


@pytest.mark.parametrize(("field", "bad"), [
    ("idempotency_key", {"key": "k" * 101}),
    ("idempotency_key", {"key": "nb-amr/transfer/\x00"}),
    ("reason", {"reason": "涉嫌犯罪" * 600}),
    ("reason", {"reason": "涉嫌犯罪\x1b[31m"}),
    ("documents[0]", {"documents": ["移送书" * 100]}),
])
def test_a_handoff_with_bad_text_is_refused_and_writes_nothing(uow, people, app, field, bad):
    case = approved_case(uow)
    before = counts(app)
    kwargs = {k: v for k, v in bad.items() if k != "key"}
    with pytest.raises(PayloadError) as refused:
        send(uow, case.id, key=bad.get("key", "nb-amr/transfer/ok"), **kwargs)
    assert refused.value.field == field
    assert counts(app) == before


def test_a_handoff_id_beyond_the_column_is_unknown(uow, people):
    with pytest.raises(NotFound, match="unknown handoff 99999999999"):
        handoffs.accept(uow(), 99_999_999_999, actor="gao.police")
    with pytest.raises(NotFound, match="unknown case id 99999999999"):
        send(uow, 99_999_999_999)


@pytest.mark.parametrize(("field", "kwargs"), [
    ("filename", {"filename": "笔录" * 200 + ".txt"}),
    ("filename", {"filename": "笔录\x00.txt"}),
    ("description", {"description": "现场" * 10_001}),
    ("media_type", {"media_type": "text/plain\n"}),
])
def test_evidence_with_bad_text_is_refused(uow, people, app, field, kwargs):
    case = open_inspection(uow)
    before = counts(app)
    args = {"filename": "笔录.txt", "content": b"x", "media_type": "text/plain", **kwargs}
    with pytest.raises(PayloadError) as refused:
        services.attach_evidence(uow(), case.id, actor="li.officer", **args)
    assert refused.value.field == field and counts(app) == before


def test_a_link_reason_with_a_nul_is_refused(uow, people, app):
    a, b = open_inspection(uow), open_inspection(uow)
    before = counts(app)
    with pytest.raises(PayloadError, match="NUL"):
        link_cases(uow(), a.id, b.id, actor="li.officer", reason="同一当事人\x00")
    assert counts(app) == before


def test_audit_verify_of_a_huge_case_id_is_unknown(database_url):
    result = CliRunner().invoke(main, ["--database-url", database_url, "audit", "verify",
                                       "--case", "99999999999999999999"])
    assert result.exit_code == 1
    assert result.output == "error: unknown case id 99999999999999999999\n"


# --- the reviewer's service-level defects ---------------------------------------------------

def _rows(app):
    with app.session_factory() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (Case, Event, Clock, ClockExtension, User, Agency))


@pytest.mark.parametrize("served_on", [20261102, 2026.1102, ["2026-11-02"], {"d": 1}])
def test_a_date_field_given_a_number_is_refused(at, people, app, served_on):
    """20261102 is a number, not 2 Nov 2026: a date field takes a string (or a date)."""
    case = open_gate(at)
    before = _rows(app)
    with pytest.raises(PayloadError, match="must be a date YYYY-MM-DD") as refused:
        services.fire(at("2026-11-02T10:00")(), case.id, "serve_notice", actor="li.officer",
                      payload={"served_on": served_on})
    assert refused.value.field == "served_on"
    assert _rows(app) == before
    served = services.fire(at("2026-11-02T10:00")(), case.id, "serve_notice",
                           actor="li.officer", payload={"served_on": date(2026, 11, 2)})
    assert served.id == case.id  # a date object (a Python caller's) still passes


@pytest.mark.parametrize("reason", ["换人办理\x00", "换人" * 500_000, "换人\x1b[31m"])
def test_assign_checks_its_reason(uow, people, app, reason):
    case = open_inspection(uow)
    before = _rows(app)
    with pytest.raises(PayloadError) as refused:
        services.assign(uow(), case.id, "zhang.officer", actor="chen.sup", reason=reason)
    assert refused.value.field == "reason"
    assert _rows(app) == before


@pytest.mark.parametrize(("field", "kwargs"), [
    ("username", {"username": "u" * 65}),
    ("username", {"username": "new\x00user"}),
    ("username", {"username": "  "}),
    ("name", {"name": "王" * 101}),
    ("name", {"name": "王\n芳"}),
    ("email", {"email": "a@b.cn\x00"}),
    ("organisation", {"organisation": "公司" * 101}),
])
def test_a_user_with_bad_text_is_refused(uow, people, app, field, kwargs):
    before = _rows(app)
    args = {"username": "new.user", "name": "王芳", "agency_code": "nb-amr",
            "roles": ["officer"], **kwargs}
    with pytest.raises((PayloadError, ValidationFailed)) as refused:
        create_user(uow(), **args)
    assert refused.value.field == field
    assert _rows(app) == before


@pytest.mark.parametrize(("field", "kwargs"), [
    ("code", {"code": "c" * 65}),
    ("name_zh", {"name_zh": "局\x00"}),
    ("name_en", {"name_en": "B" * 201}),
    ("city", {"city": "宁\x1b波"}),
])
def test_an_agency_with_bad_text_is_refused(uow, app, field, kwargs):
    before = _rows(app)
    args = {"code": "nb-new", "kind": "market_supervision", "name_zh": "新局",
            "name_en": "New bureau", **kwargs}
    with pytest.raises((PayloadError, ValidationFailed)) as refused:
        ensure_agency(uow(), **args)
    assert refused.value.field == field
    assert _rows(app) == before


@pytest.mark.parametrize(("data", "field"), [
    ({"x": float("nan")}, "data.x"),
    ({"x": float("inf")}, "data.x"),
    ({"a": [1, {"b": float("-inf")}]}, "data.a[1].b"),
    ({"a": {"b": {"c": float("nan")}}}, "data.a.b.c"),
])
def test_case_data_with_nan_or_infinity_is_refused(uow, people, app, data, field):
    """SQLite stored NaN; PostgreSQL raised a DataError: neither is JSON."""
    before = _rows(app)
    with pytest.raises(PayloadError, match="must be a finite number") as refused:
        open_inspection(uow, data=data)
    assert refused.value.field == field
    assert _rows(app) == before


@pytest.mark.parametrize("by", ["100000 days", "367 days", "13 months", "251 working_days",
                                "8785 hours"])
def test_an_open_ended_extension_is_at_most_a_year(at, people, app, by):
    case = open_gate(at, "2026-10-08T09:00")
    extend_clock(at("2026-11-02T09:00")(), case.id, "handling", actor="chen.sup",
                 reason="案情复杂，需补充鉴定")  # the first, ordinary extension
    before = _rows(app)
    decision = {"decided_on": date(2026, 11, 19), "participants": ["王建国", "陈晓燕", "刘志强"]}
    with pytest.raises(ValidationFailed, match="too long for an open-ended extension") as no:
        extend_clock(at("2026-11-20T09:00")(), case.id, "handling", actor="chen.sup",
                     reason="重大复杂案件", by=by, **decision)
    assert no.value.field == "by" and str(no.value).startswith(f"by: {by} is too long")
    assert _rows(app) == before
    view = extend_clock(at("2026-11-20T09:00")(), case.id, "handling", actor="chen.sup",
                        reason="重大复杂案件", by="12 months", **decision)  # a year is fine
    assert len(view.extensions) == 2


def test_another_users_notification_is_answered_like_a_missing_one(at, people, app):
    open_timed(at)
    sweep(at("2026-10-25T09:00"), now=utc("2026-10-25T09:00"))
    mine = inbox(at("2026-10-25T10:00")(), "li.officer")[0].id
    with app.session_factory() as s:
        missing = s.scalar(select(func.max(Notification.id))) + 1000
    answers = []
    for notification_id in (mine, missing, 99_999_999_999):
        for call in (acknowledge, mark_read):
            with pytest.raises(NotFound) as refused:
                call(at("2026-10-25T10:00")(), "chen.sup", notification_id)
            answers.append(str(refused.value).replace(str(notification_id), "ID"))
    assert set(answers) == {"unknown notification ID"}
    with app.session_factory() as s:
        note = s.get(Notification, mine)
        assert note.read_at is None and note.acknowledged_at is None


# --- a lost race at an autoflush ------------------------------------------------------------

def _a_running_clock(at):
    case = open_timed(at)
    return case, "filing"


def test_a_stale_row_at_an_autoflush_is_a_conflict(at, people, app):
    """The version changed under a loaded clock; a query then autoflushes the change inside
    the block (not at ``flush``/``commit``): leaving the block it is a ConflictError, not a
    raw StaleDataError, and nothing is written."""
    case, name = _a_running_clock(at)
    before = _rows(app)
    with app.session_factory() as s:
        version = s.scalar(select(Clock.version).where(Clock.case_id == case.id,
                                                       Clock.name == name))
    work = at("2026-09-19T09:00")()
    with pytest.raises(ConflictError, match="changed by someone else"):
        with work:
            clock = work.session.scalar(select(Clock).where(Clock.case_id == case.id,
                                                            Clock.name == name))
            # someone else's change, on this transaction's own connection (SQLite lets no
            # second writer in while this one holds the lock)
            work.connection.execute(update(Clock).where(Clock.id == clock.id)
                                    .values(version=Clock.version + 1))
            clock.next_check_at = utc("2026-09-20T09:00")
            work.session.scalars(select(Event).where(Event.case_id == case.id)).all()
            pytest.fail("the autoflush should have found the row changed")  # pragma: no cover
    assert _rows(app) == before
    with app.session_factory() as s:
        assert s.scalar(select(Clock.version).where(Clock.case_id == case.id,
                                                    Clock.name == name)) == version


def test_a_rival_commit_before_an_autoflush_is_a_conflict(at, people, app, is_postgres):
    """Two units of work load the same clock; one pauses it and commits; the other changes
    it and runs a query (an autoflush): ConflictError. PostgreSQL only — on SQLite the
    second writer cannot begin while the first holds the write lock."""
    if not is_postgres:
        pytest.skip("SQLite admits one writer at a time")
    case, name = _a_running_clock(at)
    loser = at("2026-09-19T09:00")()
    with pytest.raises(ConflictError, match="changed by someone else"):
        with loser:
            clock = loser.session.scalar(select(Clock).where(Clock.case_id == case.id,
                                                             Clock.name == name))
            pause_clock(at("2026-09-19T09:00")(), case.id, name, actor="li.officer",
                        reason="testing")  # the winner commits first
            clock.next_check_at = utc("2026-09-20T09:00")
            loser.session.scalars(select(Event).where(Event.case_id == case.id)).all()
            pytest.fail("the autoflush should have found the row changed")  # pragma: no cover
    with app.session_factory() as s:
        assert s.scalar(select(Clock.status).where(Clock.case_id == case.id,
                                                   Clock.name == name)) == "paused"
