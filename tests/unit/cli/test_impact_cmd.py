"""`parcours impact`: the measured impact of adopted actions, as JSON and as a table."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings
from store.analyses import save as save_result
from store.db import Store
from tests.unit.analytics.test_impact import adopt
from tests.unit.api.sample import make_result

runner = CliRunner()


def _seed() -> str:
    store = Store.from_settings(get_settings())
    try:
        return adopt(store)
    finally:
        store.close()


def test_impact_json_and_table() -> None:
    action_id = _seed()
    result = runner.invoke(app, ["impact", "--json"])
    assert result.exit_code == 0, result.output
    impacts = json.loads(result.stdout)
    assert [i["action_id"] for i in impacts] == [action_id]
    effect = impacts[0]["targets"][0]["effects"][0]
    assert effect["state"] == "improved" and effect["ci"][0] <= -0.4 <= effect["ci"][1]
    result = runner.invoke(app, ["impact", action_id, "--lang", "en"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    assert "improved" in result.stdout and "Response time" in result.stdout and "48 / 48" in result.stdout


def test_impact_of_unknown_or_not_started_actions_is_a_clear_error() -> None:
    store = Store.from_settings(get_settings())
    save_result(store, make_result())
    store.close()
    result = runner.invoke(app, ["impact", "ac-nope"])
    assert result.exit_code == 2 and "no action 'ac-nope'" in result.output
    result = runner.invoke(app, ["impact", make_result().actions[1].action_id])
    assert result.exit_code == 1 and "has not started" in result.output
    result = runner.invoke(app, ["impact", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == []
