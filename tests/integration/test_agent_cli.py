"""`parcours ask` offline on generated data, through the real command line."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings
from evals.generator.generation import generate
from store.db import Store
from store.ingest import ingest_records

QUESTION = "Pourquoi la résolution au premier contact a baissé en cardiologie la semaine dernière ?"


@pytest.fixture
def generated_home(settings):
    records, _truth = generate(weeks=5, per_week=300, seed=5)
    records = list(records)
    store = Store.from_settings(settings)
    ingest_records(store, records)  # store only: the search falls back to exact words
    store.close()
    get_settings.cache_clear()
    return {r["id"] for r in records}


@pytest.mark.slow
def test_ask_answers_offline_with_numbers_and_evidence(generated_home):
    runner = CliRunner()
    result = runner.invoke(app, ["ask", QUESTION, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["mode"] == "offline"
    assert [t["name"] for t in payload["tools"]] == [
        "compare_periods",
        "compare_periods",
        "search_transcripts",
    ]
    # the generator has no cardiology queue: "cardiologie" is searched for in the patients' words
    assert "cardiologie" in payload["tools"][2]["args"]["query"]
    assert re.search(r"\d+,\d\u202f%", payload["answer"])  # French question, French numbers
    assert payload["interaction_ids"] and set(payload["interaction_ids"]) <= generated_home
    text = runner.invoke(app, ["ask", QUESTION])
    assert text.exit_code == 0 and "sans modèle de langue" in text.stdout


@pytest.mark.slow
def test_chat_reads_questions_until_exit(generated_home):
    runner = CliRunner()
    result = runner.invoke(
        app, ["chat", "--thread", "cli-chat"], input="Quel est le taux de satisfaction ?\n\nexit\n"
    )
    assert result.exit_code == 0, result.output
    assert "offline, no language model" in result.stdout
    assert "sans modèle de langue" in result.stdout and re.search(r"\d+,\d\u202f%", result.stdout)
    # the steps go to stderr, in words: no tool names nor raw arguments
    assert "→ Indicateur : Satisfaction (CSAT)" in result.stderr and "kpi_query" not in result.output


@pytest.mark.slow
def test_analyze_json_prints_a_valid_result_and_writes_the_report(generated_home, tmp_path):
    from core.results import AnalysisResult

    runner = CliRunner()
    result = runner.invoke(app, ["analyze", "--json", "--report", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    analysis = AnalysisResult.model_validate_json(result.stdout)
    assert analysis.mode == "offline" and analysis.actions and analysis.frictions
    assert {e.interaction_id for a in analysis.actions for e in a.evidence} <= generated_home
    assert (tmp_path / "report").is_dir() and any((tmp_path / "report").iterdir())
