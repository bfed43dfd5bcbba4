"""API tokens: issued by an admin with a reason, shown once, stored as a hash, revoked and
expired; every issue and revocation a system event."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from caseflow.domain.errors import (
    NotFound,
    PayloadError,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from caseflow.entrypoints.cli import main
from caseflow.services.tokens import authenticate, create_token, list_tokens, revoke_token


def test_a_token_is_stored_only_as_its_hash_and_acts_as_its_user(app, uow, people):
    record, secret = create_token(uow(), for_user="li.officer", name="投诉举报平台",
                                  actor="zhao.admin", days=30, reason="对接投诉举报平台")
    with app.engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_sha256 FROM api_tokens")).scalar_one()
        issued = conn.execute(text("SELECT actor, reason FROM system_events WHERE kind = "
                                   "'api_token_issued'")).one()
    assert secret.startswith("cf_") and secret not in stored
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    assert tuple(issued) == ("zhao.admin", "对接投诉举报平台")
    caller = authenticate(uow(), secret)
    assert (caller.username, caller.token_id) == ("li.officer", record.id)
    assert list_tokens(uow(), actor="zhao.admin")[0].last_used_at is not None
    revoke_token(uow(), record.id, actor="zhao.admin", reason="平台下线")
    with pytest.raises(Unauthenticated):
        authenticate(uow(), secret)


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"actor": "chen.sup"}, PermissionDenied),
    ({"for_user": "nobody"}, NotFound),
    ({"days": 0}, ValidationFailed),
    ({"days": 400}, ValidationFailed),
    ({"reason": " "}, ValidationFailed),
    ({"name": "平台\x00"}, PayloadError),
])
def test_bad_token_requests_are_refused_and_write_nothing(app, uow, people, kwargs, error):
    args = {"for_user": "li.officer", "name": "平台", "actor": "zhao.admin", "days": 30,
            "reason": "对接", **kwargs}
    with pytest.raises(error):
        create_token(uow(), **args)
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM api_tokens")).scalar_one() == 0


def test_token_cli_creates_lists_and_revokes(app, uow, people, database_url):
    def cli(*args):
        return CliRunner().invoke(main, ["--database-url", database_url, "token", *args])

    made = cli("create", "li.officer", "--name", "法院系统", "--as", "zhao.admin",
               "--reason", "诉调对接")
    assert made.exit_code == 0, made.output
    body = json.loads(made.output[made.output.index("{"):made.output.rindex("}") + 1])
    assert body["secret"].startswith("cf_") and body["user"] == "li.officer"
    listed = cli("list", "--as", "zhao.admin")
    assert "secret" not in listed.output and "法院系统" in listed.output
    assert cli("revoke", str(body["id"]), "--as", "zhao.admin", "--reason", "停用").exit_code == 0
    refused = cli("revoke", "99", "--as", "zhao.admin", "--reason", "停用")
    assert refused.exit_code == 1 and refused.output == "error: unknown token 99\n"
