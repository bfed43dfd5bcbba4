"""The layer contracts (.importlinter) hold: checked by import-linter itself, not by hand."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    proc = subprocess.run([exe, "--config", str(ROOT / ".importlinter")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout and "6 kept" in proc.stdout


def test_the_domain_imports_nothing_of_the_outer_layers():
    graph = grimp.build_graph("caseflow", include_external_packages=True)
    outer = ("caseflow.adapters", "caseflow.services", "caseflow.views", "caseflow.entrypoints",
             "caseflow.bootstrap", "sqlalchemy", "flask", "apscheduler", "click")
    for module in sorted(m for m in graph.modules if m.startswith("caseflow.domain")):
        for imported in graph.find_modules_directly_imported_by(module):
            assert not imported.startswith(outer), f"{module} imports {imported}"


def test_no_module_takes_part_in_an_import_cycle():
    graph = grimp.build_graph("caseflow")
    modules = sorted(m for m in graph.modules if m.startswith("caseflow."))
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported == module or imported.startswith(module + "."):
                continue  # a package importing its own children is not a cycle
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back and not module.startswith(imported + "."):
                raise AssertionError(f"cycle: {module} -> {' -> '.join(back)}")
