"""The chat graph, wired here and nowhere else: respond <-> tools."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode

from agent.chat import nodes
from agent.chat.state import ChatContext, ChatState


def build_chat_graph(
    *,
    tools: Sequence[BaseTool] | None = None,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    context_schema: type[ChatContext] = ChatContext,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled chat graph over these tools (all of tools/ by default)."""
    if tools is None:
        from tools.registry import all_tools

        tools = all_tools()
    graph = StateGraph(ChatState, context_schema=context_schema)
    graph.add_node("respond", nodes.make_respond({t.name: t for t in tools}))
    graph.add_node("tools", ToolNode(list(tools), handle_tool_errors=True))
    graph.add_edge(START, "respond")
    graph.add_conditional_edges("respond", nodes.route_chat)
    graph.add_edge("tools", "respond")
    return graph.compile(checkpointer=checkpointer, name="parcours-chat")


@dataclass
class StudioChatContext(ChatContext):
    """The context under `langgraph dev` / LangGraph Studio: the store comes from the settings."""

    store: Any = None

    def __post_init__(self) -> None:
        """Open the configured store and model when the platform gives none."""
        from agent.studio import fill_studio_context

        fill_studio_context(self)


def make_graph() -> CompiledStateGraph[Any, Any, Any, Any]:
    """Factory for `langgraph dev` / LangGraph Studio (the platform supplies the checkpointer)."""
    return build_chat_graph(context_schema=StudioChatContext)
