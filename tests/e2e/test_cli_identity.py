"""Every read of the CLI takes an identity, and answers a case (or handoff) the user may not see
exactly as one that does not exist: the same stderr apart from the id, the same exit code, no
output — run as real processes."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from caseflow.services import handoffs
from tests.integration.test_engine import open_inspection
from tests.integration.test_handoffs import approved_case, send

MISSING = "987654"


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "caseflow.entrypoints.cli", "--database-url",
                           database_url, *args], capture_output=True, text=True, timeout=120)


def _ids_out(text: str) -> str:
    return re.sub(r"\d+", "N", text)


@pytest.mark.parametrize("command", [("case", "triggers"), ("case", "show"), ("case", "view"),
                                     ("clocks", "show")])
def test_an_outsider_and_a_missing_case_get_the_same_answer(uow, people, database_url, command):
    case = open_inspection(uow)
    hidden = cli(database_url, *command, str(case.id), "--as", "gao.police")
    missing = cli(database_url, *command, MISSING, "--as", "gao.police")
    assert hidden.returncode == missing.returncode == 1
    assert hidden.stdout == missing.stdout == ""
    assert hidden.stderr == f"error: unknown case id {case.id}\n"
    assert _ids_out(hidden.stderr) == _ids_out(missing.stderr)
    # an unknown user learns nothing either: the same answer whether the case exists or not
    nobody = cli(database_url, *command, str(case.id), "--as", "nobody.at.all")
    nobody_missing = cli(database_url, *command, MISSING, "--as", "nobody.at.all")
    assert nobody.returncode == nobody_missing.returncode == 1
    assert nobody.stderr == nobody_missing.stderr == "error: unknown user 'nobody.at.all'\n"
    # and the agency's own officer does see it
    own = cli(database_url, *command, str(case.id), "--as", "li.officer")
    assert own.returncode == 0 and own.stdout and own.stderr == ""


def test_reads_need_an_identity(database_url):
    for command in (("case", "show"), ("case", "triggers"), ("clocks", "show"),
                    ("handoff", "show")):
        result = cli(database_url, *command, "1")
        assert result.returncode == 2 and "--as" in result.stderr
        assert result.stderr.count("\n") == 1


def test_a_handoff_is_shown_only_to_the_two_agencies(uow, people, database_url):
    case = approved_case(uow)
    sent = send(uow, case.id)
    hidden = cli(database_url, "handoff", "show", str(sent.id), "--as", "zhou.customs")
    missing = cli(database_url, "handoff", "show", MISSING, "--as", "zhou.customs")
    assert hidden.returncode == missing.returncode == 1 and hidden.stdout == missing.stdout == ""
    assert hidden.stderr == f"error: unknown handoff {sent.id}\n"
    assert _ids_out(hidden.stderr) == _ids_out(missing.stderr)
    declined = cli(database_url, "handoff", "reject", str(sent.id), "--as", "zhou.customs",
                   "--reason", "不属于本机关")
    declined_missing = cli(database_url, "handoff", "reject", MISSING, "--as", "zhou.customs",
                           "--reason", "不属于本机关")
    assert declined.returncode == declined_missing.returncode == 1
    assert _ids_out(declined.stderr) == _ids_out(declined_missing.stderr)
    for who in ("li.officer", "gao.police"):
        shown = cli(database_url, "handoff", "show", str(sent.id), "--as", who)
        assert shown.returncode == 0 and f'"id": {sent.id}' in shown.stdout
    assert handoffs.accept(uow(), sent.id, actor="gao.police").status == "accepted"
