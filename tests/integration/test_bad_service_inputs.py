"""Bad input at the service boundary (what the REST API will call): each refused with a
field-level error, nothing written — the inputs the CLI matrix cannot reach."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from caseflow import services
from caseflow.domain.errors import NotFound, PayloadError
from caseflow.entrypoints.cli import main
from caseflow.services import handoffs
from caseflow.services.links import link_cases
from tests.integration.test_engine import open_inspection
from tests.integration.test_handoffs import approved_case, counts, send


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
