"""Both graphs end to end on generated data: real store, tools and index (fake embedder).

The LLM endpoint is scripted with respx; no test calls a real model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import chromadb
import pytest
import respx
from chromadb.config import Settings as ChromaSettings

from agent.analysis import run_analysis
from agent.chat import answer, stream_chat
from agent.llm import make_chat_model
from core.results import AnalysisResult, Period
from core.settings import Settings
from evals.generator.generation import generate
from store.db import Store
from store.embedder import FakeEmbedder
from store.ingest import ingest_records
from store.vector_index import VectorIndex
from tests.unit.agent.llm_mock import (
    BASE_URL,
    MODEL,
    Script,
    completion,
    names_aside,
    sse,
    status,
    tool_call,
)
from tools.context import ParcoursContext
from tools.registry import all_tools


class Data:
    """Generated interactions, ingested and indexed once for the module."""

    def __init__(self, home: Path) -> None:
        self.settings = Settings(home=home)
        self.store = Store(self.settings.sql_url, settings=self.settings)
        self.embedder = FakeEmbedder()
        self.index = VectorIndex(
            chromadb.EphemeralClient(ChromaSettings(anonymized_telemetry=False)), self.embedder
        )
        records, self.truth = generate(weeks=5, per_week=300, seed=11)
        self.records = list(records)
        self.ids = {r["id"] for r in self.records}
        summary = ingest_records(self.store, self.records, indexer=self.index)
        assert summary.rejected == 0
        self.period = Period(start=self.truth.end - timedelta(days=6), end=self.truth.end)

    def llm_settings(self) -> Settings:
        """The same home with the scripted model configured."""
        return self.settings.model_copy(
            update={
                "llm_base_url": BASE_URL,
                "llm_model": MODEL,
                "llm_api_key": "k",
                "llm_timeout": 5.0,
                "llm_max_retries": 1,
            }
        )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Data]:
    built = Data(tmp_path_factory.mktemp("agent-home"))
    yield built
    built.store.close()


@pytest.fixture
def llm_http() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE_URL, assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def _check(result: AnalysisResult, data: Data) -> None:
    AnalysisResult.model_validate_json(result.model_dump_json())
    frictions = {f.friction_id for f in result.frictions}
    assert result.actions and result.frictions and result.kpis and result.themes
    for action in result.actions:
        assert action.friction_ids and set(action.friction_ids) <= frictions
        assert action.evidence and {e.interaction_id for e in action.evidence} <= data.ids
    assert [a.rank for a in result.actions] == list(range(1, len(result.actions) + 1))


def test_offline_analysis_on_generated_data(data: Data) -> None:
    result = run_analysis(
        store=data.store,
        period=data.period,
        settings=data.settings,
        index=data.index,
        embedder=data.embedder,
        model=None,
    )
    _check(result, data)
    assert result.mode == "offline" and result.policies["investigate"] == "offline"
    assert any(f.signals.findings for f in result.frictions)


def _propose_from_evidence(body: dict) -> object:
    """The scripted model proposes one action citing what the propose step showed it and one invented id."""
    shown = next(m["content"] for m in body["messages"] if m["role"] == "tool")
    friction_id = re.search(r"- (\S+) \(rank 1", shown).group(1)
    interaction_id = re.search(r'<transcript id="([^"]+)">', shown).group(1)
    actions = [
        {
            "title": "Point hebdomadaire avec les équipes",
            "description": "Revue des cas la semaine suivante.",
            "friction_ids": [friction_id],
            "interaction_ids": [interaction_id, "call-invented"],
            "effort": "S",
        }
    ]
    return completion(tool_calls=[tool_call("ProposedActions", {"actions": actions}, "p1")])


def test_llm_analysis_runs_real_tools_and_checks_citations(data: Data, llm_http: respx.MockRouter) -> None:
    script = Script(
        [
            completion(
                tool_calls=[
                    tool_call("kpi_query", {"metric": "fcr", "by": "queue"}, "c1"),
                    tool_call("search_transcripts", {"query": "ordonnance renouvellement", "k": 3}, "c2"),
                    tool_call("list_themes", {}, "c3"),
                ]
            ),
            completion(
                tool_calls=[tool_call("compare_periods", {"metric": "response_time", "by": "hour"}, "c4")]
            ),
            completion(content="Findings: FCR low in some queues; waits up at 8 h."),
            _propose_from_evidence,
        ]
    )
    llm_http.post("/chat/completions").mock(side_effect=names_aside(script))
    settings = data.llm_settings()
    result = run_analysis(
        store=data.store,
        period=data.period,
        settings=settings,
        index=data.index,
        embedder=data.embedder,
        model=make_chat_model(settings),
        retry_base_delay=0,
    )
    _check(result, data)
    assert result.mode == "llm" and result.policies == {
        "investigate": "llm",
        "propose": "playbook+llm",
        "rank": "deterministic",
    }
    tool_results = [m for m in script.requests[1]["messages"] if m["role"] == "tool"]
    assert "fcr" in tool_results[0]["content"] and '<transcript id="' in tool_results[1]["content"]
    assert "Error" not in " ".join(m["content"] for m in tool_results)  # real tools accepted the arguments
    # An action citing a real and an invented id is dropped whole, and the note says which id was invented.
    assert not [a for a in result.actions if a.source == "llm"]
    assert any("dropped" in n and "call-invented" in n for n in result.notes)


def test_llm_faults_fall_back_and_the_analysis_completes(data: Data, llm_http: respx.MockRouter) -> None:
    llm_http.post("/chat/completions").mock(
        side_effect=names_aside(Script([status(429), status(500), status(500), completion("{bad")]))
    )
    settings = data.llm_settings()
    result = run_analysis(
        store=data.store,
        period=data.period,
        settings=settings,
        index=data.index,
        embedder=data.embedder,
        model=make_chat_model(settings),
        retry_base_delay=0,
    )
    _check(result, data)
    assert result.policies["investigate"].startswith("offline (fallback")
    assert result.policies["propose"].startswith("playbook (fallback")


def test_llm_chat_streams_over_real_tools(data: Data, llm_http: respx.MockRouter) -> None:
    script = Script(
        [
            sse(
                tool_calls=[
                    tool_call("kpi_query", {"metric": "fcr", "by": "queue"}),
                    tool_call("search_transcripts", {"query": "rappel", "k": 2}, "call_2"),
                ]
            ),
            sse(content_parts=["Le FCR ", "varie selon la file."]),
        ]
    )
    llm_http.post("/chat/completions").mock(side_effect=names_aside(script))
    settings = data.llm_settings()
    context = ParcoursContext(store=data.store, index=data.index, embedder=data.embedder)
    events = list(
        stream_chat(
            question="Où le FCR est-il le plus bas ?",
            thread_id="int-chat",
            context=context,
            settings=settings,
            model=make_chat_model(settings),
            retry_base_delay=0,
        )
    )
    final = events[-1]["answer"]
    assert final["mode"] == "llm" and [t["name"] for t in final["tools"]] == [
        "kpi_query",
        "search_transcripts",
    ]
    assert final["interaction_ids"] and set(final["interaction_ids"]) <= data.ids
    results = [e["content"] for e in events if e["type"] == "tool_result"]
    assert re.search(r"\d+\.\d%", results[0])


def test_offline_chat_answers_the_cardiology_question(data: Data) -> None:
    context = ParcoursContext(store=data.store, index=data.index, embedder=data.embedder)
    result = answer(
        question="Pourquoi la résolution au premier contact a baissé en cardiologie la semaine dernière ?",
        thread_id="int-offline",
        context=context,
        settings=data.settings,
        model=None,
    )
    assert result.mode == "offline" and "sans modèle de langue" in result.answer
    assert re.search(r"\d+,\d\u202f%", result.answer) and result.interaction_ids
    assert result.reply is not None and result.reply.sentence.startswith("Résolution au premier contact")
    assert set(result.interaction_ids) <= data.ids


def test_tools_registry_has_every_family() -> None:
    names = {t.name for t in all_tools()}
    assert {"kpi_query", "compare_periods", "find_anomalies", "search_transcripts", "list_themes"} <= names
    assert json.dumps(sorted(names))
