"""Loading workflow YAML: every kind of mistake is named with file, line and problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from caseflow.domain.definitions import load_directory, parse_definition
from caseflow.domain.errors import WorkflowDefinitionError
from caseflow.entrypoints.cli import main
from tests.conftest import TEST_WORKFLOWS

GOOD = (TEST_WORKFLOWS / "inspection.v1.yaml").read_text(encoding="utf-8")


def broken(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize(
    "text, expected",
    [
        (broken("    dest: filed\n", "    dest: filedd\n"),
         r"bad\.yaml: line \d+: transition 'file_case' goes to unknown state 'filedd'"),
        (broken("source: checking\n    dest: filed", "source: checkin\n    dest: filed"),
         "unknown source state 'checkin'"),
        (broken("initial: received", "initial: start"), "initial state 'start' is not a declared state"),
        (broken("  - trigger: close\n    source: decided", "  - trigger: close\n    source: received"),
         "state 'decided' is a dead end but not marked final"),
        (broken("  - trigger: start_check\n    source: received\n    dest: checking",
                "  - trigger: start_check\n    source: received\n    dest: received"),
         "state 'checking' is unreachable from 'received'"),
        (broken("  - trigger: refuse_filing\n", "  - trigger: file_case\n"),
         r"duplicate trigger 'file_case' from state 'checking' \(first at line \d+\)"),
        (broken("guards: [has_alleged_infringer]", "guards: [has_aleged_infringer]"),
         "unknown guard 'has_aleged_infringer'"),
        (broken("roles: [supervisor]", "roles: [boss]"), "unknown role 'boss'"),
        (broken("transitions:", "trasitions:"), "missing required key 'transitions'"),
        (broken("    reason_required: true", "    reason_requird: true"), "unknown key 'reason_requird'"),
        (broken("filing_no: {type: string}", "filing_no: {type: strng}"), "unknown type 'strng'"),
        (broken("  received: {zh: 已登记, en: Received}", "  received: {zh: 已登记}"),
         "state 'received' needs a title with both zh and en"),
        (broken("version: 1", "version: one"), "version must be a positive integer"),
        (broken("agency_kind: market_supervision", "agency_kind: tax_bureau"),
         "unknown agency_kind 'tax_bureau'"),
        (broken("states:\n", "states:\n  received: {zh: x, en: y}\n"), r"line \d+: duplicate key 'received'"),
        (broken("title: {zh: 测试检查, en: Test inspection}", "title: {zh: 测试检查, en: [Test"),
         r"bad\.yaml:\d+: YAML syntax error"),
    ],
)
def test_mistakes_are_named(text, expected):
    with pytest.raises(WorkflowDefinitionError, match=expected) as info:
        parse_definition(text, "bad.yaml")
    assert info.value.message.startswith("bad.yaml")


def test_line_numbers_point_at_the_transition():
    text = broken("    dest: filed\n", "    dest: filedd\n")
    with pytest.raises(WorkflowDefinitionError) as info:
        parse_definition(text, "bad.yaml")
    line = int(info.value.message.split("line ")[1].split(":")[0])
    assert text.splitlines()[line - 1].strip() == "- trigger: file_case"


def test_good_definition_parses():
    d = parse_definition(GOOD, "inspection.v1.yaml")
    assert (d.key, d.version, d.initial) == ("inspection", 1, "received")
    assert d.final_states == {"not_filed", "closed"}
    assert d.transition("file_case", "checking").guards == ("has_alleged_infringer",)
    assert d.transition("file_case", "received") is None


def test_duplicate_versions_across_files(tmp_path: Path):
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError, match="inspection version 1 is also defined in"):
        load_directory(tmp_path)


def test_validate_cli_reports_typo_and_exits_nonzero(tmp_path: Path):
    bad = tmp_path / "typo.yaml"
    bad.write_text(broken("    dest: filed\n", "    dest: filedd\n"), encoding="utf-8")
    result = CliRunner().invoke(main, ["workflows", "validate", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {bad}: line ")
    good = CliRunner().invoke(main, ["workflows", "validate",
                                     str(TEST_WORKFLOWS / "inspection.v1.yaml")])
    assert good.exit_code == 0 and "ok  inspection v1: 6 states, 5 transitions" in good.output


def test_a_clock_starting_from_a_date_needs_that_date_on_every_starting_step():
    timed = (TEST_WORKFLOWS / "timed.v1.yaml").read_text(encoding="utf-8")
    unknown = timed.replace("start: {triggers: [start_check]}",
                            "start: {triggers: [start_check], from: handed_over_on}")
    with pytest.raises(WorkflowDefinitionError, match="starts from unknown field 'handed_over_on'"):
        parse_definition(unknown, "t.yaml")
    with_field = unknown.replace(
        "  - trigger: decide\n", "  - trigger: decide\n").replace(
        "    title: {zh: 送鉴定, en: Send for appraisal}\n",
        "    title: {zh: 送鉴定, en: Send for appraisal}\n    fields:\n"
        "      handed_over_on: {type: date}\n")
    with pytest.raises(WorkflowDefinitionError,
                       match="transition 'start_check' starts clock 'handover' but does not "
                             "record 'handed_over_on'"):
        parse_definition(with_field, "t.yaml")
