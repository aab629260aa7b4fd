"""What both graphs need under `langgraph dev` / LangGraph Studio, where the platform supplies no store."""

from __future__ import annotations

from typing import Any


def fill_studio_context(context: Any) -> None:
    """Open the configured store and model on a graph context that has none."""
    from agent.llm import make_chat_model

    if context.store is None:
        from store.db import Store

        context.store = Store.from_settings()
    if context.model is None:
        context.model = make_chat_model(context.settings or context.store.settings)
