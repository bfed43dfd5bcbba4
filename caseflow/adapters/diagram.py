"""Draw a workflow version as SVG: transitions' GraphMachine builds the graph, a Graphviz
layout engine that ``pip install`` brings (``graphviz-pure``, a self-contained port of
``dot``) lays it out; Graphviz's own ``dot`` is used when that is what the machine has.

Built on demand, never per request in a loop (LIBRARY-NOTES: graph memory growth).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from transitions.extensions import GraphMachine

from caseflow.domain.definitions import WorkflowDefinition
from caseflow.domain.errors import CaseflowError

ENGINES = ("graphviz-pure", "dot")


class DiagramUnavailable(CaseflowError):
    http_status = 503


class _Marker:
    """Stands in for a case so GraphMachine can highlight its current state."""

    def __init__(self, status: str) -> None:
        self.status = status


def layout_engine() -> str | None:
    """The first layout program found: on PATH, or beside this Python (a venv's scripts)."""
    for name in ENGINES:
        found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
        if found:
            return found
    return None


def dot_source(definition: WorkflowDefinition, current_state: str | None = None,
               language: str | None = None) -> str:
    """The graph in the DOT language, ``current_state`` (a case's state) highlighted.

    Without ``language`` (the API's, the CLI's diagram) a state reads in both languages with
    its code and an edge by its trigger; with ``language`` ("zh" or "en", a page's) states and
    edges read by their titles in that language alone, laid out top to bottom so a long
    workflow grows down a scrollable page rather than thousands of points wide."""
    model = _Marker(current_state or definition.initial)

    def edge_label(t: Any) -> str:
        if language is None:
            return str(t.trigger)
        title = t.title_zh if language == "zh" else t.title_en
        return str(title or t.trigger)

    machine = GraphMachine(
        model=model,
        states=list(definition.states),
        transitions=[
            {"trigger": edge_label(t), "source": list(t.sources), "dest": t.dest}
            for t in definition.transitions
        ],
        initial=model.status,
        auto_transitions=False,
        model_attribute="status",
        graph_engine="graphviz",
        title=(f"{definition.title_zh} / {definition.title_en} (v{definition.version})"
               if language is None else
               f"{definition.title_zh if language == 'zh' else definition.title_en}"
               f" (v{definition.version})"),
        show_conditions=False,
        show_state_attributes=False,
    )
    graph = model.get_graph()  # type: ignore[attr-defined]
    if language is not None:  # a page's: top to bottom, steps merged on an edge one a line
        graph.graph_attr.update(rankdir="TB", nodesep="0.6", ranksep="0.7")
        graph.node_attr["margin"] = "0.3,0.08"  # the layout measures CJK text short
        graph.body[:] = [line.replace(" | ", "\\n") for line in graph.body]
    for name, state in definition.states.items():
        label = (f"{state.title_zh}\\n{state.title_en}\\n[{name}]" if language is None
                 else state.title_zh if language == "zh" else state.title_en)
        graph.node(name, label=label, **({"peripheries": "2"} if state.final else {}))
    del machine
    return graph.source


def draw_svg(definition: WorkflowDefinition, current_state: str | None = None,
             language: str | None = None) -> bytes:
    """SVG of the state machine; ``current_state`` (a case's state) is highlighted;
    ``language`` as for :func:`dot_source`."""
    engine = layout_engine()
    if engine is None:
        raise DiagramUnavailable("drawing a diagram needs a Graphviz layout engine: "
                                 "pip install graphviz-pure (or install Graphviz's dot)")
    try:
        source = dot_source(definition, current_state, language)
        done = subprocess.run([engine, "-Tsvg"], input=source.encode("utf-8"),
                              capture_output=True, timeout=60,
                              env={**os.environ, "LC_ALL": "C.UTF-8"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiagramUnavailable(f"{Path(engine).name} could not draw the diagram: "
                                 f"{exc}") from None
    if done.returncode != 0 or not done.stdout.lstrip().startswith(b"<?xml"):
        problem = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiagramUnavailable(f"{Path(engine).name} could not draw the diagram: "
                                 f"{problem[-1] if problem else f'exit {done.returncode}'}")
    return done.stdout
