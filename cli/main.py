"""The `parcours` command: one Typer app, each command in a module named after it.

Starting `parcours` imports only Typer, Rich and the command modules, whose heavy imports (the store, the
KPI engine, the agent, the embedding model) happen inside the commands: `parcours --help`, `keys` and
`kpi` never import torch or Chroma, and the model loads only for commands that embed.
"""

from __future__ import annotations

import importlib
import os

import typer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# No "Loading weights 0%…100%" bars or advisory logs when the embedding model loads.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

app = typer.Typer(
    name="parcours",
    help="Parcours finds the friction in patient communication.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: Rich's help renderer alone costs ~0.4 s at every start
)

# Each module defines `register(app)` adding its commands.
COMMAND_MODULES = [
    "cli.ingest_cmd",
    "cli.search_cmd",
    "cli.reindex_cmd",
    "cli.kpi_cmd",
    "cli.generate_cmd",
    "cli.eval_cmd",
    "cli.analyze_cmd",
    "cli.ask_cmd",
    "cli.chat_cmd",
    "cli.serve_cmd",
    "cli.keys_cmd",
    "cli.demo_cmd",
    "cli.migrate_cmd",
    "cli.worker_cmd",
    "cli.erase_cmd",
    "cli.purge_cmd",
    "cli.impact_cmd",
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    """Entry point of the console script; an invalid PARCOURS_ setting is a one-line error, exit 2."""
    try:
        app()
    except Exception as exc:
        message = settings_error(exc)
        if message is None:
            raise
        from cli.common import EXIT_USAGE, fail

        raise SystemExit(fail(message, EXIT_USAGE).exit_code) from None


def settings_error(exc: BaseException) -> str | None:
    """What is wrong with the environment's settings, when `exc` is their validation error (else None)."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError) or exc.title != "Settings":
        return None
    problems = [
        f"PARCOURS_{'_'.join(map(str, error['loc'])).upper()}={error.get('input')!r}: {error['msg']}"
        for error in exc.errors()
    ]
    return "invalid setting " + "; ".join(problems)


if __name__ == "__main__":
    main()
