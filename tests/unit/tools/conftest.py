"""Helpers shared by the tool tests: one tool call run the way the agent graphs run it."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode

from tools.context import ParcoursContext
from tools.registry import all_tools


def call_tool(context: ParcoursContext, name: str, **args: Any) -> ToolMessage:
    """Run one tool call through a real ToolNode, as the agent graphs do (runtime context injected)."""
    graph = StateGraph(MessagesState, context_schema=ParcoursContext)
    graph.add_node("tools", ToolNode(all_tools()))
    graph.add_edge(START, "tools")
    graph.add_edge("tools", END)
    message = AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": "call-1"}])
    out = graph.compile().invoke({"messages": [message]}, context=context)
    result = out["messages"][-1]
    assert isinstance(result, ToolMessage)
    return result


def call(context: ParcoursContext, name: str, **args: Any) -> str:
    """The text the model reads from one tool call."""
    return str(call_tool(context, name, **args).content)
