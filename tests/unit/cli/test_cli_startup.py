"""`parcours` starts light: --help, keys and kpi import neither torch, Chroma nor sentence-transformers.

Each check runs a fresh interpreter (the test process itself has imported everything) and reads its
`sys.modules` after the command: what a user pays at every call, not a timing that a busy machine could fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import get_settings
from store.db import Store
from store.ingest import ingest_records
from tests.factories import at, interaction

HEAVY = ("torch", "chromadb", "sentence_transformers", "transformers")

RUN = """
import json, sys
HEAVY = ("torch", "chromadb", "sentence_transformers", "transformers")
from cli.main import app
try:
    app(sys.argv[1:], prog_name="parcours")
except SystemExit as exit:
    code = exit.code
else:
    code = 0
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))
sys.stderr.write("\\nRESULT " + json.dumps({"code": code, "heavy": heavy}) + "\\n")
"""


def _run(*args: str) -> tuple[dict, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    env["PARCOURS_HOME"] = os.environ["PARCOURS_HOME"]
    done = subprocess.run(
        [sys.executable, "-c", RUN, *args], capture_output=True, text=True, env=env, timeout=120
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("RESULT ")]
    assert line, done.stderr
    return json.loads(line[-1][len("RESULT ") :]), done.stdout


def test_importing_the_command_line_loads_no_model_nor_index() -> None:
    code = f"import sys, cli.main; print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_importing_the_command_line_leaves_pydantic_to_the_commands() -> None:
    # the periods and the models are read inside the commands; `parcours --help` needs neither
    code = "import sys, cli.main; print('pydantic' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("args", [["--help"], ["keys", "--help"], ["kpi", "--help"], ["ingest", "--help"]])
def test_help_loads_no_model_nor_index(args: list[str]) -> None:
    result, stdout = _run(*args)
    assert result == {"code": 0, "heavy": []}
    assert "Usage: parcours" in stdout


def test_kpi_and_keys_run_without_the_model_or_the_index() -> None:
    store = Store.from_settings(get_settings())
    records = [interaction(started=at(16 + i % 5, 9 + i % 3, i), csat=1 + i % 5) for i in range(12)]
    assert ingest_records(store, records).rejected == 0
    store.close()
    result, stdout = _run("kpi", "csat", "--json")
    assert result == {"code": 0, "heavy": []}
    assert json.loads(stdout)["rows"][0]["n"] == 12
    result, stdout = _run("keys", "list", "--json")
    assert result == {"code": 0, "heavy": []}
    assert json.loads(stdout) == []


def test_the_help_lists_every_metric_dimension_and_suite() -> None:
    from analytics.kpi_defs import DIMENSIONS, METRIC_NAMES
    from cli import eval_cmd, kpi_cmd, search_cmd
    from evals.runner import SUITES
    from store.parsers import FORMATS
    from store.retrieval import FILTER_FIELDS

    assert kpi_cmd.METRIC_HELP.split(", ") == METRIC_NAMES
    assert kpi_cmd.DIMENSION_HELP.split(", ") == list(DIMENSIONS)
    assert eval_cmd.SUITE_NAMES == SUITES
    from cli.ingest_cmd import FORMAT_NAMES

    assert FORMAT_NAMES == FORMATS
    assert set(search_cmd.FILTER_HELP.split(", ")) <= set(FILTER_FIELDS)


def test_every_command_lives_in_a_module_named_after_it() -> None:
    from cli.main import COMMAND_MODULES

    cli_dir = Path(__file__).resolve().parents[3] / "cli"
    for name in ("eval", "reindex", "search", "kpi", "ingest", "generate"):
        assert f"cli.{name}_cmd" in COMMAND_MODULES
        assert (cli_dir / f"{name}_cmd.py").is_file()


def test_each_command_lives_in_the_file_named_after_it() -> None:
    from cli.main import app

    for command in app.registered_commands:
        assert command.callback is not None
        assert command.callback.__module__ == f"cli.{command.name}_cmd", command.name
    for group in app.registered_groups:
        assert group.typer_instance is not None and group.name is not None
        for command in group.typer_instance.registered_commands:
            assert command.callback is not None
            assert command.callback.__module__ == f"cli.{group.name}_cmd", group.name
