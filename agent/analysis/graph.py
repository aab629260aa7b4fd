"""The weekly analysis graph, wired here and nowhere else.

load -> discover -> measure -> score -> follow -> investigate <-> tools -> propose -> rank -> report
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode

from agent.analysis import nodes
from agent.analysis.state import AnalysisContext, AnalysisState, InputState, OutputState


def build_analysis_graph(
    *,
    tools: Sequence[BaseTool] | None = None,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    context_schema: type[AnalysisContext] = AnalysisContext,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled analysis graph over these tools (all of tools/ by default)."""
    if tools is None:
        from tools.registry import all_tools

        tools = all_tools()
    by_name = {t.name: t for t in tools}
    graph = StateGraph(
        AnalysisState, context_schema=context_schema, input_schema=InputState, output_schema=OutputState
    )
    graph.add_node("load", nodes.load_period)
    graph.add_node("measure", nodes.measure_kpis)
    graph.add_node("discover", nodes.discover_themes)
    graph.add_node("score", nodes.score_frictions)
    graph.add_node("follow", nodes.follow_actions)
    graph.add_node("investigate", nodes.make_investigate(by_name))
    graph.add_node("tools", ToolNode(list(tools), handle_tool_errors=True))
    graph.add_node("propose", nodes.propose_actions)
    graph.add_node("rank", nodes.rank_actions_node)
    graph.add_node("report", nodes.write_report)
    graph.add_edge(START, "load")
    # themes first: FCR and repeat contacts count a return on the same theme, so KPIs are measured once
    # every contact of the period has its theme (measured before, they fell back on any contact)
    graph.add_edge("load", "discover")
    graph.add_edge("discover", "measure")
    graph.add_edge("measure", "score")
    graph.add_edge("score", "follow")  # actions already adopted: their impact, and no new action for them
    graph.add_edge("follow", "investigate")
    graph.add_conditional_edges("investigate", nodes.route_investigation)
    graph.add_edge("tools", "investigate")
    graph.add_edge("propose", "rank")
    graph.add_edge("rank", "report")
    graph.add_edge("report", END)
    return graph.compile(checkpointer=checkpointer, name="parcours-analysis")


@dataclass
class StudioAnalysisContext(AnalysisContext):
    """The context under `langgraph dev` / LangGraph Studio: the store comes from the settings."""

    store: Any = None

    def __post_init__(self) -> None:
        """Open the configured store and model when the platform gives none."""
        from agent.studio import fill_studio_context

        fill_studio_context(self)


def make_graph() -> CompiledStateGraph[Any, Any, Any, Any]:
    """Factory for `langgraph dev` / LangGraph Studio (the platform supplies the checkpointer)."""
    return build_analysis_graph(context_schema=StudioAnalysisContext)
