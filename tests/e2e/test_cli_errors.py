"""Usage errors of the `caseflow` command: one line on stderr, ``error: …``, exit code 2.

Click's default is four lines (usage, a hint, a blank and the error); scripts and people read
the one line every other failure prints. Parsing fails before any database is touched.
"""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from caseflow import __version__
from caseflow.entrypoints.cli import main


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["case", "show", "1"], "Missing option '--as'."),
        (["case", "show", "--as", "someone"], "Missing argument 'CASE_ID'."),
        (["case", "show", "x", "--as", "someone"],
         "Invalid value for 'CASE_ID': 'x' is not a valid integer."),
        (["case", "show", "1", "--as"], "Option '--as' requires an argument."),
        (["levitate"], "No such command 'levitate'."),  # no command is close to it
        (["case", "teleport"], "No such command 'teleport'."),
        (["--bogus"], "No such option '--bogus'."),
        (["demo", "--cases", "many"], "Invalid value for '--cases': 'many' is not a valid integer."),
    ],
)
def test_usage_error_is_one_line_on_stderr_with_exit_code_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == ""


def _all_command_paths(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _all_command_paths(command, (*prefix, name))


@pytest.mark.parametrize("path", list(_all_command_paths(main)), ids=" ".join)
def test_every_command_reports_an_unknown_option_in_one_line(path):
    result = invoke(*path, "--no-such-option")
    assert result.exit_code == 2, result.output
    assert result.stderr == "error: No such option '--no-such-option'.\n"


def test_help_and_version_are_unchanged():
    top = invoke("--help")
    assert top.exit_code == 0 and top.output.startswith("Usage: ") and "Commands:" in top.output
    sub = invoke("case", "show", "--help")
    assert sub.exit_code == 0 and sub.output.startswith("Usage: ") and "--as" in sub.output
    version = invoke("--version")
    assert version.exit_code == 0 and version.output == f"caseflow, version {__version__}\n"


def test_real_process_prints_one_line_and_exits_2(tmp_path):
    env = {**os.environ, "CASEFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"}
    proc = subprocess.run([sys.executable, "-m", "caseflow.entrypoints.cli", "case", "show", "1"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == "error: Missing option '--as'.\n"
    assert proc.stdout == ""
