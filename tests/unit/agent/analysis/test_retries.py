"""Model calls are retried by LangChain's Runnable.with_retry, then reported as LlmUnavailable."""

from __future__ import annotations

import time

import pytest

from agent.analysis.policies import LlmUnavailable, call_with_retries


def flaky(failures: int) -> tuple[list[int], object]:
    calls: list[int] = []

    def call() -> str:
        calls.append(len(calls))
        if len(calls) <= failures:
            raise TimeoutError(f"timeout {len(calls)}")
        return "answer"

    return calls, call


def test_a_call_that_recovers_returns_its_answer() -> None:
    calls, call = flaky(2)
    assert call_with_retries(call, attempts=3, base_delay=0) == "answer"  # type: ignore[arg-type]
    assert len(calls) == 3


def test_a_call_that_keeps_failing_names_every_failure() -> None:
    calls, call = flaky(5)
    with pytest.raises(LlmUnavailable) as caught:
        call_with_retries(call, attempts=3, base_delay=0)  # type: ignore[arg-type]
    assert len(calls) == 3
    assert str(caught.value) == "TimeoutError: timeout 1; TimeoutError: timeout 2; TimeoutError: timeout 3"


def test_retries_back_off_exponentially() -> None:
    calls, call = flaky(2)
    started = time.perf_counter()
    call_with_retries(call, attempts=3, base_delay=0.05)  # type: ignore[arg-type]
    assert time.perf_counter() - started >= 0.05 + 0.1  # 0.05 s, then 0.1 s
