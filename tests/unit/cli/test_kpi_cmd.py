from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.kpi_cmd import parse_where
from cli.main import app
from core.settings import get_settings
from store.db import Store
from store.ingest import ingest_records
from tests.factories import at, interaction


@pytest.fixture
def loaded() -> None:
    store = Store.from_settings(get_settings())
    records = [interaction(started=at(9 + i % 5, 9, i), csat=5 if i % 2 else 2) for i in range(10)]
    records += [
        interaction(started=at(16, 10, i), queue="radiologie", channel="chat", csat=5) for i in range(3)
    ]
    assert ingest_records(store, records).rejected == 0
    store.close()


def test_kpi_json_by_queue(loaded: None) -> None:
    result = CliRunner().invoke(
        app, ["kpi", "csat", "--by", "queue", "--start", "2026-11-01", "--end", "2026-11-30", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["metric"], out["by"], out["interval"]) == ("csat", ["queue"], None)
    rows = {r["group"]["queue"]: r for r in out["rows"]}
    assert rows["cardiologie"]["value"] == 0.5 and rows["cardiologie"]["n"] == 10
    assert rows["radiologie"]["value"] == 1.0 and rows["radiologie"]["too_few"] is True


def test_kpi_defaults_to_weekly_buckets_over_the_last_four_weeks(loaded: None) -> None:
    result = CliRunner().invoke(app, ["kpi", "volume", "--where", "channel=phone", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["start"], out["end"], out["interval"]) == ("2026-10-26", "2026-11-16", "week")
    assert [(r["bucket"], r["value"]) for r in out["rows"]] == [("2026-W46", 10.0)]


def test_kpi_table(loaded: None) -> None:
    result = CliRunner().invoke(
        app, ["kpi", "csat", "--by", "channel", "--interval", "week", "--start", "2026-11-09"]
    )
    assert result.exit_code == 0, result.output
    assert "2026-W46" in result.stdout and "50.0%" in result.stdout and "too few" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["kpi", "nps"], "unknown metric"),
        (["kpi", "csat", "--by", "site"], "unknown dimension"),
        (["kpi", "csat", "--interval", "year"], "unknown interval"),
        (["kpi", "csat", "--where", "site=nord"], "bad --where"),
    ],
)
def test_kpi_refuses_bad_arguments(loaded: None, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output


def test_kpi_on_an_empty_store_says_what_to_do() -> None:
    result = CliRunner().invoke(app, ["kpi", "volume"])
    assert result.exit_code == 2 and "ingest some first" in result.output


def test_repeated_where_keys_become_a_list() -> None:
    assert parse_where(["queue=a", "queue=b", "hour=8"]) == {"queue": ["a", "b"], "hour": "8"}
