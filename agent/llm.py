"""The one factory of the chat model: any OpenAI-compatible endpoint, with our own httpx clients.

openai >= 3 sends through `httpx2` by default, which respx cannot intercept and which ignores our
timeouts; passing explicit `httpx.Client`/`httpx.AsyncClient` keeps the transport visible and bounded.
Retries are done by the agent's policies (which also retry malformed answers), so the client itself does
not retry unless asked.
"""

from __future__ import annotations

from typing import Any

import httpx
from langchain_openai import ChatOpenAI

from core.settings import Settings, get_settings

NO_KEY = "not-needed"
"""Placeholder key for self-hosted servers (vLLM, Ollama, llama.cpp) that accept any key."""


def make_chat_model(
    settings: Settings | None = None,
    *,
    http_client: httpx.Client | None = None,
    http_async_client: httpx.AsyncClient | None = None,
    client_retries: int = 0,
    **overrides: Any,
) -> ChatOpenAI | None:
    """The configured ChatOpenAI, or None when no model is set (PARCOURS_LLM_MODEL)."""
    settings = settings or get_settings()
    if not settings.llm_enabled:
        return None
    timeout = httpx.Timeout(settings.llm_timeout, connect=min(10.0, settings.llm_timeout))
    kwargs: dict[str, Any] = {
        "model": settings.llm_model,
        "api_key": settings.api_key_for_llm or NO_KEY,
        "timeout": settings.llm_timeout,
        "max_retries": client_retries,
        "temperature": 0,
        "http_client": http_client or httpx.Client(timeout=timeout),
        "http_async_client": http_async_client or httpx.AsyncClient(timeout=timeout),
    }
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    kwargs.update(overrides)
    return ChatOpenAI(**kwargs)


def model_name(model: Any) -> str | None:
    """The model name of a chat model, for the result's `model` field."""
    if model is None:
        return None
    return str(getattr(model, "model_name", None) or getattr(model, "model", None) or type(model).__name__)
