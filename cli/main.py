"""The `parcours` command: one Typer app, each command family in its own module."""

from __future__ import annotations

import importlib
import os

import typer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

app = typer.Typer(
    name="parcours",
    help="Parcours finds the friction in patient communication.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module defines `register(app)` adding its commands.
COMMAND_MODULES = [
    "cli.ingest_cmd",
    "cli.search_cmd",
    "cli.kpi_cmd",
    "cli.generate_cmd",
    "cli.analyze_cmd",
    "cli.serve_cmd",
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
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
