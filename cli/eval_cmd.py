"""`parcours eval`: quality suites scored through the product path (ingest, analysis, chat routing)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import EXIT_INCOMPLETE, err_console, fail, print_json, progress_bar

SUITE_NAMES = ("synthetic", "dstc11-insurance", "banking77", "chat", "impact")


def eval_command(
    suite: Annotated[
        str, typer.Option(help=f"{', '.join(SUITE_NAMES)} or all (chat: routing of managers' questions).")
    ] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")] = False,
    weeks: Annotated[int, typer.Option(help="Synthetic suite: weeks generated.")] = 6,
    per_week: Annotated[
        int, typer.Option("--per-week", help="Synthetic suite: interactions per week.")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Synthetic suite: random seed.")] = 7,
    fake_embedder: Annotated[
        bool,
        typer.Option("--fake-embedder", help="Use the hashing embedder instead of the real model (fast)."),
    ] = False,
    index: Annotated[
        bool,
        typer.Option(
            "--index/--no-index",
            help="Synthetic suite: index the transcripts (default), or ingest without the vector index "
            "(search matches words only; the same analysis, far quicker).",
        ),
    ] = True,
    labelled: Annotated[
        Path | None,
        typer.Option(
            "--labelled",
            help="Score theme discovery on your own labelled JSONL ({text, label[, language, date]}) "
            "through ingest and the analysis, instead of the suites.",
        ),
    ] = None,
) -> None:
    """Score theme discovery, frictions, anomalies, actions and the assistant against known answers."""
    if suite not in (*SUITE_NAMES, "all"):
        raise fail(f"--suite must be one of {', '.join(SUITE_NAMES)} or all, not {suite!r}")
    if labelled is not None and not labelled.is_file():
        raise fail(f"--labelled: no such file: {labelled}")
    from evals.runner import print_table, run_eval

    with progress_bar(as_json=as_json) as progress:
        task = progress.add_task("evaluating", total=None)

        def on_step(what: str, done: int, total: int) -> None:
            progress.update(task, description=what, completed=done, total=total)

        try:
            report = run_eval(
                suite=suite,
                weeks=weeks,
                per_week=per_week,
                seed=seed,
                fake_embedder=fake_embedder,
                with_index=index,
                labelled=labelled,
                on_step=on_step,
            )
        except ValueError as exc:
            raise fail(str(exc)) from exc
    if as_json:
        print_table(report, err_console)
        print_json(report)
    else:
        print_table(report)
    if any(s.get("error") for s in report["suites"].values()):
        raise typer.Exit(EXIT_INCOMPLETE)


def register(app: typer.Typer) -> None:
    """Add the eval command."""
    app.command("eval")(eval_command)
