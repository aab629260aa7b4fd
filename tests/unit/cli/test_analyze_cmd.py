from __future__ import annotations

import typer
from typer.testing import CliRunner

from cli import analyze_cmd, ask_cmd, chat_cmd

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    for module in (analyze_cmd, ask_cmd, chat_cmd):
        module.register(app)
    return app


def test_each_command_comes_from_the_file_named_after_it():
    names = {c.name for c in _app().registered_commands}
    assert names == {"analyze", "ask", "chat"}


def test_bad_week_is_refused_before_any_work():
    result = runner.invoke(_app(), ["analyze", "--week", "2026-47"])
    assert result.exit_code == 2 and "2026-W47" in result.output


def test_week_and_dates_together_are_refused():
    result = runner.invoke(
        _app(), ["analyze", "--week", "2026-W47", "--start", "2026-11-16", "--end", "2026-11-22"]
    )
    assert result.exit_code == 2 and "either --week or --start/--end" in result.output


def test_end_before_start_is_refused():
    result = runner.invoke(_app(), ["analyze", "--start", "2026-11-22", "--end", "2026-11-16"])
    assert result.exit_code == 2 and "before" in result.output
