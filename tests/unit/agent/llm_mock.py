"""A scripted OpenAI-compatible endpoint for respx: JSON completions, SSE streams and faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

BASE_URL = "http://llm.test/v1"
MODEL = "scripted-model"


def tool_call(name: str, args: dict[str, Any] | str, call_id: str = "call_1") -> dict[str, Any]:
    """One tool call as the API returns it (args may be a raw, possibly malformed, string)."""
    arguments = args if isinstance(args, str) else json.dumps(args)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def completion(content: str | None = None, tool_calls: list[dict[str, Any]] | None = None) -> httpx.Response:
    """A chat.completion response."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }
    return httpx.Response(200, json=body)


def sse(
    content_parts: list[str] | None = None, tool_calls: list[dict[str, Any]] | None = None
) -> httpx.Response:
    """A streamed chat.completion (text/event-stream, `data: {...}` chunks then `data: [DONE]`)."""
    chunks: list[dict[str, Any]] = []
    base = {"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 0, "model": MODEL}
    if tool_calls:
        for i, call in enumerate(tool_calls):
            chunks.append(
                {
                    **base,
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"role": "assistant", "tool_calls": [{"index": i, **call}]},
                            "finish_reason": None,
                        }
                    ],
                }
            )
        chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    else:
        for part in content_parts or []:
            chunks.append(
                {**base, "choices": [{"index": 0, "delta": {"content": part}, "finish_reason": None}]}
            )
        chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())


class Script:
    """Answers each request with the next scripted step; records the request bodies."""

    def __init__(self, steps: list[Callable[[dict[str, Any]], httpx.Response] | httpx.Response | Exception]):
        self.steps = list(steps)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """respx side effect."""
        body = json.loads(request.content)
        self.requests.append(body)
        if not self.steps:
            raise AssertionError(f"unscripted LLM call #{len(self.requests)}")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(body)


def status(code: int) -> httpx.Response:
    """An HTTP error from the endpoint."""
    return httpx.Response(code, json={"error": {"message": f"status {code}", "type": "server_error"}})


def malformed() -> httpx.Response:
    """A 200 whose body is not JSON."""
    return httpx.Response(200, headers={"content-type": "application/json"}, content=b"{not json")


def names_aside(script: Script) -> Callable[[httpx.Request], httpx.Response]:
    """A respx side effect that answers the theme-naming call itself (no new names) and scripts the rest."""

    def effect(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if any(t.get("function", {}).get("name") == "ThemeNames" for t in body.get("tools", [])):
            return completion(tool_calls=[tool_call("ThemeNames", {"names": []}, "names")])
        return script(request)

    return effect
