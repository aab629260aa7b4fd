"""Property-based run over the OpenAPI schema (schemathesis): no generated request may answer 5xx.

The real app on SQLite (a temporary home) with two seeded tenants; requests carry an admin key of one of
them. Every operation gets a bounded number of generated examples, valid (positive) and invalid (negative).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

EXAMPLES = 15


def test_no_generated_request_answers_5xx(world: Any, capsys: pytest.CaptureFixture[str]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    headers = world.headers("alpha", "admin")
    statuses: dict[str, Counter[int]] = {}
    failures: list[str] = []
    runs = [(r.ok(), mode) for r in schema.get_all_operations() for mode in GenerationMode]
    for operation, mode in runs:
        statuses.setdefault(f"{operation.method.upper()} {operation.path}", Counter())

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            statuses[f"{case.method.upper()} {case.path}"][response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")
            elif "event: error" in response.text:  # the chat streams its failures as an event, not a 5xx
                failures.append(f"{case.method} {case.formatted_path} -> error event: {response.text[-300:]}")

        try:
            run()
        except Unsatisfiable:
            pass
    calls = sum(sum(c.values()) for c in statuses.values())
    with capsys.disabled():
        print(f"\nschemathesis: {len(statuses)} operations, {calls} calls, {len(failures)} x 5xx")
        for name, counts in sorted(statuses.items()):
            print(f"  {name}: {dict(sorted(counts.items()))}")
    assert len(statuses) >= 15 and calls >= 12 * len(statuses)
    assert not failures, "\n".join(failures[:20])
