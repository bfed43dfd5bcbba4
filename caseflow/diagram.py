"""Draw a workflow version as SVG with transitions' GraphMachine (graphviz engine).

Built on demand, never per request in a loop (LIBRARY-NOTES: graph memory growth).
"""

from __future__ import annotations

from transitions.extensions import GraphMachine

from caseflow.definitions import WorkflowDefinition


class _Marker:
    """Stands in for a case so GraphMachine can highlight its current state."""

    def __init__(self, status: str) -> None:
        self.status = status


def draw_svg(definition: WorkflowDefinition, current_state: str | None = None) -> bytes:
    """SVG of the state machine; ``current_state`` (a case's state) is highlighted."""
    model = _Marker(current_state or definition.initial)
    states = list(definition.states)
    machine = GraphMachine(
        model=model,
        states=states,
        transitions=[
            {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest}
            for t in definition.transitions
        ],
        initial=model.status,
        auto_transitions=False,
        model_attribute="status",
        graph_engine="graphviz",
        title=f"{definition.title_zh} / {definition.title_en} (v{definition.version})",
        show_conditions=False,
        show_state_attributes=False,
    )
    graph = model.get_graph()  # type: ignore[attr-defined]
    for name, state in definition.states.items():
        graph.node(name, label=f"{state.title_zh}\\n{state.title_en}\\n[{name}]",
                   **({"peripheries": "2"} if state.final else {}))
    del machine
    return graph.pipe(format="svg")
