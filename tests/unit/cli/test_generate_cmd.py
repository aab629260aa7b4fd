from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from cli import eval_cmd
from cli.generate_cmd import register
from core.models import Interaction
from evals.generator import Truth


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    eval_cmd.register(app)
    return app


def test_generate_writes_valid_jsonl_and_truth(tmp_path: Path) -> None:
    out, truth_path = tmp_path / "x.jsonl", tmp_path / "t.json"
    args = ["generate", "--weeks", "2", "--per-week", "60", "--seed", "5", "--tenant", "chu-test"]
    args += ["--language", "fr", "--out", str(out), "--truth", str(truth_path), "--end", "2026-11-23"]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    truth = Truth.model_validate_json(truth_path.read_text(encoding="utf-8"))
    assert len(lines) == truth.n_interactions > 100
    assert truth.weeks == ["2026-W46", "2026-W47"] and truth.tenant == "chu-test"
    for line in lines:
        record = Interaction.model_validate(json.loads(line))
        assert record.tenant == "chu-test" and record.language == "fr"
        assert record.id in truth.interaction_themes


def test_generate_same_seed_same_file(tmp_path: Path) -> None:
    runner, outputs = CliRunner(), []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.jsonl"
        args = ["generate", "--weeks", "1", "--per-week", "40", "--out", str(path), "--end", "2026-11-23"]
        assert runner.invoke(_app(), args).exit_code == 0
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]


def test_generate_refuses_bad_language_and_date(tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    bad_language = CliRunner().invoke(_app(), ["generate", "--language", "de", "--out", str(out)])
    assert bad_language.exit_code == 2 and not out.exists()
    bad_date = CliRunner().invoke(_app(), ["generate", "--end", "23/11/2026", "--out", str(out)])
    assert bad_date.exit_code == 2 and not out.exists()
