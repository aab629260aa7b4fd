from __future__ import annotations

import importlib
import json
from pathlib import Path

import httpx

from agent.llm import make_chat_model
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def test_no_model_configured_means_no_llm(settings):
    assert make_chat_model(settings) is None


def test_factory_uses_settings_and_explicit_httpx_clients(monkeypatch):
    monkeypatch.setenv("PARCOURS_LLM_MODEL", "qwen2.5:7b")
    monkeypatch.setenv("PARCOURS_LLM_BASE_URL", "http://ollama.local:11434/v1")
    monkeypatch.setenv("PARCOURS_LLM_TIMEOUT", "12")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-openai-env")
    model = make_chat_model(Settings())
    assert model is not None and model.model_name == "qwen2.5:7b"
    assert model.openai_api_base == "http://ollama.local:11434/v1"
    assert model.openai_api_key.get_secret_value() == "sk-from-openai-env"
    assert model.request_timeout == 12 and model.max_retries == 0
    assert isinstance(model.http_client, httpx.Client) and isinstance(
        model.http_async_client, httpx.AsyncClient
    )
    assert model.http_client.timeout.read == 12


def test_self_hosted_servers_need_no_key(monkeypatch):
    monkeypatch.setenv("PARCOURS_LLM_MODEL", "mistral")
    model = make_chat_model(Settings())
    assert model is not None and model.openai_api_key.get_secret_value() == "not-needed"


def test_langgraph_json_exposes_both_graphs():
    config = json.loads((ROOT / "langgraph.json").read_text())
    assert set(config["graphs"]) == {"analysis", "chat"}
    for target in config["graphs"].values():
        path, attribute = target.split(":")
        module = importlib.import_module(path.removeprefix("./").removesuffix(".py").replace("/", "."))
        graph = getattr(module, attribute)()
        assert hasattr(graph, "invoke") and hasattr(graph, "stream")
