"""`parcours erase` and `parcours purge` through the real command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings
from tests.factories import at, interaction
from tests.leaks import files_holding


def _ingest(tmp_path) -> None:
    path = tmp_path / "in.jsonl"
    records = [
        interaction(id="keep-1"),
        interaction(id="gone-1", patient_ref="IPP-77", text="Ma carte vitale xénomorphe est bloquée."),
        interaction(id="gone-2", patient_ref="IPP-77", started=at(1, 9, year=2020)),
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    result = CliRunner().invoke(app, ["ingest", str(path), "--no-index", "--json"])
    assert result.exit_code == 0, result.output


def test_erase_needs_a_confirmation_then_erases_and_reports(tmp_path) -> None:
    _ingest(tmp_path)
    runner = CliRunner()
    refused = runner.invoke(app, ["erase", "--patient", "IPP-77"])
    assert refused.exit_code == 2 and "--yes" in refused.output
    both = runner.invoke(app, ["erase", "--patient", "IPP-77", "--interaction", "x", "--yes"])
    assert both.exit_code == 2 and "exactly one" in both.output
    done = runner.invoke(app, ["erase", "--patient", "IPP-77", "--yes", "--json", "--reason", "RGPD art. 17"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["interactions"] == 2 and report["complete"] and report["scope"] == "patient"
    assert files_holding(get_settings().home_dir, ["IPP-77", "gone-1", "gone-2", "xénomorphe"]) == {}
    again = runner.invoke(app, ["erase", "--patient", "IPP-77", "--yes"])
    assert again.exit_code == 1 and "nothing to erase" in again.output
    one = runner.invoke(app, ["erase", "--interaction", "keep-1", "--tenant", "default", "--yes", "--json"])
    assert one.exit_code == 0 and json.loads(one.stdout)["interactions"] == 1


def test_purge_uses_the_retention_settings(tmp_path, monkeypatch) -> None:
    _ingest(tmp_path)
    monkeypatch.setenv("PARCOURS_RETENTION_DAYS", "365")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["purge", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"]["interactions"] == 1 and report["cutoffs"]["interactions"]
    assert files_holding(get_settings().home_dir, ["gone-2"]) == {}
