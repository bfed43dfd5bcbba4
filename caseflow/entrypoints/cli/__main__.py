"""``python -m caseflow.entrypoints.cli``."""

from caseflow.entrypoints.cli import main

main()
