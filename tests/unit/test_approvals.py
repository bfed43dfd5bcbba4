"""The `approvals:` block of the workflow format: parsed, checked with file and line, declared
by every shipped workflow that extends, overrides, pauses or transfers; and the standing rule."""

from __future__ import annotations

import pytest

from caseflow.config import PROJECT_ROOT
from caseflow.domain.approvals import ApprovalRule, separation_refusal
from caseflow.domain.definitions import load_directory, parse_definition
from caseflow.domain.errors import WorkflowDefinitionError

BASE = """
key: ap
version: 1
title: {zh: 测试, en: Test}
agency_kind: market_supervision
initial: a
states:
  a: {zh: 甲, en: A}
  b: {zh: 乙, en: B, final: true}
transitions:
  - {trigger: ask, source: a, dest: a, roles: [officer], title: {zh: 报请, en: Ask}}
  - {trigger: go, source: a, dest: b, roles: [supervisor], title: {zh: 批准, en: Approve}}
clocks:
  c:
    title: {zh: 期限, en: Period}
    period: 10 days
    source: test
    start: {states: [a]}
    stop: {states: [b]}
    pause_reasons: [testing]
    extensions:
      - {by: 5 days, approver: supervisor}
      - {by: 5 days, approver: officer, recorded: true}
"""


def parse(extra: str):
    return parse_definition(BASE + extra, "ap.v1.yaml")


def test_a_declared_block_is_parsed():
    d = parse("""approvals:
  extension: {roles: [supervisor]}
  pause: {roles: [officer]}
  transfer: {roles: [supervisor], triggers: [go], requested_by: [ask]}
""")
    assert d.approval("extension").roles == ("supervisor",)
    assert d.approval("pause").roles == ("officer",)
    transfer = d.transfer_for(trigger="go")
    assert transfer is not None and transfer.requested_by == {"ask"}
    assert d.transfer_for(trigger="ask") is None
    assert d.approval("override").declared is False  # derived: nothing to override here


def test_without_a_block_the_rules_are_derived():
    d = parse("")
    assert d.approval("extension").roles == ("supervisor",)  # the recorded one does not count
    assert d.approval("pause").roles == ("officer", "supervisor")
    assert d.approval("transfer") is None


@pytest.mark.parametrize("block, problem", [
    ("approvals:\n  extension: {roles: [boss]}\n", "line 25: approvals 'extension' names "
                                                  "unknown role 'boss'"),
    ("approvals:\n  extension: {roles: [officer]}\n", "does not name role 'supervisor'"),
    ("approvals:\n  extensions: {roles: [supervisor]}\n", "unknown approval kind 'extensions'"),
    ("approvals:\n  pause: {roles: [admin]}\n", "admin is not a case role"),
    ("approvals:\n  pause: {roles: [officer], who: me}\n", "has unknown key 'who'"),
    ("approvals:\n  pause: {}\n", "needs roles"),
    ("approvals:\n  transfer: {roles: [supervisor]}\n", "needs triggers or handoffs"),
    ("approvals:\n  transfer: {roles: [supervisor], triggers: [nope]}\n",
     "names unknown trigger 'nope'"),
    ("approvals:\n  transfer: {roles: [supervisor], triggers: [go], requested_by: [go]}\n",
     "cannot both ask and decide"),
    ("approvals:\n  transfer: {roles: [supervisor], handoffs: [criminal_transfer]}\n",
     "which this workflow does not send"),
    ("approvals:\n  extension: {roles: [supervisor], triggers: [go]}\n",
     "triggers and handoffs belong to transfer"),
])
def test_bad_declarations_name_file_and_line(block, problem):
    with pytest.raises(WorkflowDefinitionError) as info:
        parse(block)
    assert info.value.message.startswith("ap.v1.yaml: ") and problem in info.value.message


def test_the_standing_rule():
    rule = ApprovalRule("extension", ("supervisor",))
    assert separation_refusal(rule, "chen", case_number="X-1", assignees={"li"}) is None
    assert "is or was the assignee" in separation_refusal(rule, "chen", case_number="X-1",
                                                          assignees={"li", "chen"})
    assert "asked for this extension" in separation_refusal(
        rule, "chen", case_number="X-1", assignees=set(), requesters={"chen"})
    pause = ApprovalRule("pause", ("officer",))
    assert separation_refusal(pause, "li", case_number="X-1", assignees={"li"}) is None
    assert pause.role_refusal("zhao", {"admin"}) == ("a pause needs role officer; zhao has "
                                                     "admin")


def test_every_shipped_workflow_declares_what_it_approves():
    missing = []
    for d in load_directory(PROJECT_ROOT / "workflows"):
        uses = {
            "extension": any(not e.recorded for c in d.clocks.values() for e in c.extensions),
            "override": any(e.kind == "override" for t in d.transitions for r in t.requires
                            for e in r.unless),
            "pause": any(c.pause_reasons for c in d.clocks.values()),
        }
        missing += [f"{d.key} v{d.version}: {kind}" for kind, used in uses.items()
                    if used and not d.approval(kind).declared]
    assert missing == []
    transfers = {d.key: d.approval("transfer") for d in load_directory(PROJECT_ROOT / "workflows")
                 if d.approval("transfer")}
    assert transfers["criminal_transfer"].requested_by == {"submit_transfer_report"}
    assert "transfer_jurisdiction" in transfers["admin_enforcement"].triggers
