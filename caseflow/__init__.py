"""caseflow: a workflow engine for IP enforcement and dispute-mediation cases."""

__version__ = "0.1.0"
