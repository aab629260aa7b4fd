"""The model-call deadline on a real socket: a local server that dribbles, or stalls, is cut on time."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from langchain_core.messages import HumanMessage

from agent.llm import make_chat_model
from core.settings import Settings

CHUNK = {
    "id": "c",
    "object": "chat.completion.chunk",
    "created": 0,
    "model": "slow",
    "choices": [{"index": 0, "delta": {"content": "mot "}, "finish_reason": None}],
}


def _serve(listener: socket.socket, *, gap: float, stall: bool, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            )
            data = f"data: {json.dumps(CHUNK)}\n\n".encode()
            try:
                for n in range(200):
                    conn.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                    if stall and n == 5:  # 1.45 s of chunks, then silence: a read timeout ends at 2.95 s
                        stop.wait(30)
                        break
                    time.sleep(gap)
            except OSError:
                pass


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    gap, stall = request.param
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()
    thread = threading.Thread(
        target=_serve, args=(listener,), kwargs={"gap": gap, "stall": stall, "stop": stop}
    )
    thread.daemon = True
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    stop.set()
    listener.close()


@pytest.mark.parametrize("server", [(0.3, False), (0.29, True)], ids=["dribble", "stall"], indirect=True)
def test_the_whole_call_is_bounded_by_the_timeout(server: str) -> None:
    settings = Settings(llm_base_url=server, llm_model="slow", llm_api_key="k", llm_timeout=1.5)
    model = make_chat_model(settings)
    started = time.monotonic()
    with pytest.raises(Exception, match="(?i)timed out|deadline"):
        for _ in model.stream([HumanMessage("Bonjour")]):
            pass
    assert time.monotonic() - started < 1.5 + 1.0  # slack for a busy machine; a read timeout: 2.95 s


def _serve_keep_alive(listener: socket.socket, stop: threading.Event) -> None:
    data = f"data: {json.dumps(CHUNK)}\n\ndata: [DONE]\n\n".encode()
    answer = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        + f"content-length: {len(data)}\r\n\r\n".encode()
        + data
    )
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            try:
                while conn.recv(65536):  # one answer per request, on the same connection
                    conn.sendall(answer)
            except OSError:
                pass


def test_a_finished_call_never_cuts_the_next_one_on_a_reused_connection() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()
    threading.Thread(target=_serve_keep_alive, args=(listener, stop), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
        settings = Settings(llm_base_url=url, llm_model="slow", llm_api_key="k", llm_timeout=1.0)
        model = make_chat_model(settings)
        first = "".join(str(c.content) for c in model.stream([HumanMessage("a")]))
        time.sleep(0.9)  # the first call's deadline passes while the second one runs on the same socket
        second = "".join(str(c.content) for c in model.stream([HumanMessage("b")]))
        assert first == second == "mot "
    finally:
        stop.set()
        listener.close()
