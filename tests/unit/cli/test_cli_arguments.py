"""Arguments a user gets wrong are refused with the option's name and what is expected (exit 2).

Exit codes (README "Command line"): 0 done, 1 done but not everything went in, 2 bad arguments.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings
from store.db import Store
from store.ingest import ingest_records
from tests.factories import at, interaction

runner = CliRunner()


@pytest.fixture
def loaded() -> None:
    store = Store.from_settings(get_settings())
    records = [
        interaction(started=at(16 + i % 5, 9, i), agent_ref=f"a-{i % 2}", csat=5 if i % 2 else 2)
        for i in range(10)
    ]
    records += [interaction(started=at(17, 10, i), queue="radiologie", channel="chat") for i in range(3)]
    assert ingest_records(store, records).rejected == 0
    store.close()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["kpi", "csat", "--start", "22/11/2026"], ["--start", "'22/11/2026'", "YYYY-MM-DD", "2026-W47"]),
        (["kpi", "csat", "--end", "2026-02-30"], ["--end", "not a calendar day", "YYYY-MM-DD"]),
        (["kpi", "csat", "--start", "2026-W54"], ["--start", "week 54 does not exist"]),
        (["search", "ordonnance", "--end", "yesterday"], ["--end", "YYYY-MM-DD"]),
        (["analyze", "--start", "16.11.2026", "--end", "2026-11-22"], ["--start", "YYYY-MM-DD"]),
        (["analyze", "--week", "2026-11-16"], ["--week", "2026-W47"]),
        (["generate", "--out", "x.jsonl", "--end", "soon"], ["--end", "YYYY-MM-DD"]),
    ],
)
def test_bad_dates_name_the_option_and_the_format(args: list[str], words: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    "args",
    [
        ["kpi", "csat", "--start", "2026-11-20", "--end", "2026-11-16"],
        ["kpi", "csat", "--start", "2026-W48", "--end", "2026-W47"],
        ["search", "rendez-vous", "--start", "2026-11-20", "--end", "2026-11-16"],
    ],
)
def test_a_reversed_period_is_refused(loaded: None, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "reversed" in result.output


def test_a_start_after_the_latest_data_is_refused(loaded: None) -> None:
    result = runner.invoke(app, ["kpi", "csat", "--start", "2026-12-20"])
    assert result.exit_code == 2 and "after the latest data" in result.output


def test_iso_weeks_name_whole_weeks(loaded: None) -> None:
    result = runner.invoke(app, ["kpi", "volume", "--start", "2026-W47", "--end", "2026-W47", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["start"], out["end"]) == ("2026-11-16", "2026-11-22")
    assert [(r["bucket"], r["value"]) for r in out["rows"]] == [("2026-W47", 13.0)]


@pytest.mark.parametrize(
    ("where", "allowed"),
    [
        ("channel=telephone", "allowed values: phone, chat, email, sms, portal, voicebot, other"),
        ("queue=cardio", "allowed values: cardiologie, radiologie"),
        ("hour=25", "allowed values: 0, 1, 2"),
        ("language=de", "allowed values: fr"),
    ],
)
def test_unknown_filter_values_are_refused_with_the_allowed_ones(
    loaded: None, where: str, allowed: str
) -> None:
    result = runner.invoke(app, ["kpi", "volume", "--where", where])
    assert result.exit_code == 2, result.output
    assert allowed in " ".join(result.output.split())


def test_a_value_with_brackets_is_echoed_as_typed(loaded: None) -> None:
    result = runner.invoke(app, ["kpi", "volume", "--where", "queue=[red]cardio"])
    assert result.exit_code == 2 and "unknown queue [red]cardio" in result.stderr


def test_search_refuses_unknown_filter_values_before_loading_the_model(loaded: None) -> None:
    result = runner.invoke(app, ["search", "rendez-vous", "--where", "channel=telephone"])
    assert result.exit_code == 2 and "allowed values: phone" in " ".join(result.output.split())
    result = runner.invoke(app, ["search", "rendez-vous", "--where", "speaker=doctor"])
    assert result.exit_code == 2 and "patient, agent, bot, system" in " ".join(result.output.split())


def test_an_agent_filter_matches_the_pseudonymised_agent(loaded: None) -> None:
    by_ref = runner.invoke(app, ["kpi", "volume", "--where", "agent=a-1", "--interval", "week", "--json"])
    assert by_ref.exit_code == 0, by_ref.output
    out = json.loads(by_ref.stdout)
    assert out["filters"]["agent"].startswith("ag_")
    assert sum(r["value"] for r in out["rows"]) == 8  # five cardiology calls and three chats by a-1
    again = runner.invoke(app, ["kpi", "volume", "--where", f"agent={out['filters']['agent']}", "--json"])
    assert json.loads(again.stdout)["rows"] == out["rows"]  # the pseudonym the API shows works too
    unknown = runner.invoke(app, ["kpi", "volume", "--where", "agent=a-99"])
    assert unknown.exit_code == 2 and "no agent a-99" in unknown.output


def test_kpi_table_goes_to_stdout_and_errors_to_stderr(loaded: None) -> None:
    result = runner.invoke(app, ["kpi", "csat", "--start", "2026-11-16", "--end", "2026-11-22"])
    assert result.exit_code == 0
    assert "csat (share)" in result.stdout and result.stderr == ""
    bad = runner.invoke(app, ["kpi", "csat", "--start", "nope"])
    assert bad.stdout == "" and "--start" in bad.stderr


def test_ingest_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(interaction(id="ok-1")) + "\n")
    done = runner.invoke(app, ["ingest", str(good), "--no-index"])
    assert done.exit_code == 0, done.output
    assert "accepted" in done.stdout and "1" in done.stdout  # the table is on stdout

    text = tmp_path / "notes.txt"
    text.write_text("Compte rendu de la réunion du lundi\n")
    empty = runner.invoke(app, ["ingest", str(text), "--no-index", "--json"])
    assert empty.exit_code == 1
    assert json.loads(empty.stdout)["empty_files"] == [f"{text}: no interaction record found (read as csv)"]
    assert "no interaction record found" in empty.stderr

    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(json.dumps(interaction(id="ok-2")) + "\n{broken\n")
    partly = runner.invoke(app, ["ingest", str(mixed), "--no-index"])
    assert partly.exit_code == 1
    assert "Rejected records" in partly.stdout and "1 records rejected" in partly.stderr
    both = runner.invoke(app, ["ingest", str(good), str(text), "--no-index", "--json"])
    assert both.exit_code == 1 and json.loads(both.stdout)["unchanged"] == 1  # the good file still went in


def test_progress_bars_show_on_a_terminal_only_and_never_with_json(monkeypatch: pytest.MonkeyPatch) -> None:
    from cli import common

    monkeypatch.setattr(common.err_console, "_force_terminal", True)
    assert common.progress_bar(as_json=False).disable is False
    assert common.progress_bar(as_json=True).disable is True
    monkeypatch.setattr(common.err_console, "_force_terminal", False)
    assert common.progress_bar(as_json=False).disable is True


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("PARCOURS_BASELINE_WEEKS", "four", ["PARCOURS_BASELINE_WEEKS='four'", "valid integer"]),
        (
            "PARCOURS_THEME_GRANULARITY",
            "finest",
            ["PARCOURS_THEME_GRANULARITY='finest'", "'standard' or 'fine'"],
        ),
    ],
)
def test_an_invalid_setting_is_one_line_naming_the_variable(
    tmp_path: Path, variable: str, value: str, words: list[str]
) -> None:
    """The console script, in a fresh interpreter: no traceback, the variable, what it takes, exit 2."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    env |= {"PARCOURS_HOME": str(tmp_path), variable: value}
    done = subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", "kpi", "volume"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert all(word in done.stderr for word in ["invalid setting", *words])
