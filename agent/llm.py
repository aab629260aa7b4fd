"""The one factory of the chat model: any OpenAI-compatible endpoint, with our own httpx clients.

openai >= 3 sends through `httpx2` by default, which respx cannot intercept and which ignores our
timeouts; passing explicit `httpx.Client`/`httpx.AsyncClient` keeps the transport visible and bounded.
Retries are done by the agent's policies (which also retry malformed answers), so the client itself does
not retry unless asked.

`PARCOURS_LLM_TIMEOUT` bounds each model call as a whole, streamed or not: the transports below give
every request a deadline; a response still arriving when it passes is cut (`CallDeadlineExceeded`), so a
server that dribbles chunks cannot hold a call open longer than the timeout.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
from langchain_openai import ChatOpenAI

from core.settings import Settings, get_settings

NO_KEY = "not-needed"
"""Placeholder key for self-hosted servers (vLLM, Ollama, llama.cpp) that accept any key."""


class CallDeadlineExceeded(httpx.ReadTimeout):
    """A model call outlived PARCOURS_LLM_TIMEOUT (it is retried, then the step falls back offline)."""


def _expired(request: httpx.Request, seconds: float) -> CallDeadlineExceeded:
    return CallDeadlineExceeded(f"the model call exceeded its {seconds:g} s deadline", request=request)


class _DeadlineStream(httpx.SyncByteStream):
    """A response body that ends in CallDeadlineExceeded once the call's deadline has passed."""

    def __init__(self, stream: Any, *, request: httpx.Request, deadline: float, seconds: float, sock: Any):
        self._stream, self._request, self._deadline, self._seconds = stream, request, deadline, seconds
        self._sock = sock
        self._cut = False
        self._closed = False
        self._timer: threading.Timer | None = None

    def _cut_connection(self) -> None:  # wakes a read blocked on a silent server
        if self._closed:  # the connection may already serve another request
            return
        self._cut = True
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __iter__(self) -> Iterator[bytes]:
        """The body's chunks, until the deadline."""
        timer = self._timer = threading.Timer(
            max(0.0, self._deadline - time.monotonic()), self._cut_connection
        )
        timer.daemon = True
        timer.start()
        try:
            for chunk in self._stream:
                if time.monotonic() > self._deadline:
                    raise _expired(self._request, self._seconds)
                yield chunk
        except httpx.TransportError as exc:
            if self._cut or time.monotonic() > self._deadline:
                raise _expired(self._request, self._seconds) from exc
            raise
        finally:
            timer.cancel()

    def close(self) -> None:
        """Close the underlying stream (and stop watching it: its connection may be reused)."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
        self._stream.close()


class _AsyncDeadlineStream(httpx.AsyncByteStream):
    """The asynchronous form of `_DeadlineStream`."""

    def __init__(self, stream: Any, *, request: httpx.Request, deadline: float, seconds: float):
        self._stream, self._request, self._deadline, self._seconds = stream, request, deadline, seconds

    async def __aiter__(self) -> AsyncIterator[bytes]:
        """The body's chunks, until the deadline."""
        chunks = self._stream.__aiter__()
        while True:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise _expired(self._request, self._seconds)
            try:
                chunk = await asyncio.wait_for(chunks.__anext__(), remaining)
            except StopAsyncIteration:
                return
            except TimeoutError as exc:
                raise _expired(self._request, self._seconds) from exc
            yield chunk

    async def aclose(self) -> None:
        """Close the underlying stream."""
        await self._stream.aclose()


def _socket_of(response: httpx.Response) -> Any:
    stream = response.extensions.get("network_stream")
    try:
        return stream.get_extra_info("socket") if stream is not None else None
    except Exception:  # a transport without sockets (tests, proxies): the per-chunk check still applies
        return None


class DeadlineTransport(httpx.HTTPTransport):
    """An HTTP transport whose every request must be over `seconds` after it was sent."""

    def __init__(self, *, seconds: float, **kwargs: Any):
        super().__init__(**kwargs)
        self.seconds = seconds

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send, then bound the body by the deadline."""
        deadline = time.monotonic() + self.seconds
        response = super().handle_request(request)
        response.stream = _DeadlineStream(
            response.stream,
            request=request,
            deadline=deadline,
            seconds=self.seconds,
            sock=_socket_of(response),
        )
        return response


class AsyncDeadlineTransport(httpx.AsyncHTTPTransport):
    """The asynchronous form of `DeadlineTransport`."""

    def __init__(self, *, seconds: float, **kwargs: Any):
        super().__init__(**kwargs)
        self.seconds = seconds

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send (within the deadline), then bound the body by it."""
        deadline = time.monotonic() + self.seconds
        try:
            response = await asyncio.wait_for(super().handle_async_request(request), self.seconds)
        except TimeoutError as exc:
            raise _expired(request, self.seconds) from exc
        response.stream = _AsyncDeadlineStream(
            response.stream, request=request, deadline=deadline, seconds=self.seconds
        )
        return response


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
        "http_client": http_client
        or httpx.Client(timeout=timeout, transport=DeadlineTransport(seconds=settings.llm_timeout)),
        "http_async_client": http_async_client
        or httpx.AsyncClient(timeout=timeout, transport=AsyncDeadlineTransport(seconds=settings.llm_timeout)),
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
