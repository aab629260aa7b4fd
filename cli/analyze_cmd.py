"""`parcours analyze`: the weekly analysis of a period, its frictions and ranked actions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import err_console, fail, open_index, open_store, out_console, print_json, progress_bar
from cli.dates import parse_period, parse_week

if TYPE_CHECKING:
    from rich.console import Console

    from core.results import AnalysisResult, Period


def _period(week: str | None, start: str | None, end: str | None) -> Period | None:
    from core.results import Period

    if week and (start or end):
        raise fail("give either --week or --start/--end, not both")
    if week:
        return parse_week(week)
    if start or end:
        if not (start and end):
            raise fail("give both --start and --end")
        first, last = parse_period(start, end)
        assert first is not None and last is not None
        return Period(start=first, end=last)
    return None


def _print_result(result: AnalysisResult, console: Console) -> None:
    from rich.table import Table

    console.print(
        f"[bold]Analysis {result.analysis_id}[/bold] {result.period.start} → {result.period.end} "
        f"({result.mode}{', ' + result.model if result.model else ''})"
    )
    frictions = Table(title="Top frictions")
    for column in ("#", "friction", "volume", "share", "score"):
        frictions.add_column(column)
    for f in result.frictions[:5]:
        frictions.add_row(str(f.rank), f.title, str(f.volume), f"{f.share:.1%}", f"{f.score:.2f}")
    console.print(frictions)
    actions = Table(title="Ranked actions")
    for column in ("#", "action", "effort", "patients", "confidence", "score"):
        actions.add_column(column)
    for a in result.actions[:8]:
        actions.add_row(
            str(a.rank),
            a.title,
            a.effort,
            str(a.expected_impact.patients_affected),
            f"{a.confidence:.2f}",
            f"{a.score:.2f}",
        )
    console.print(actions)
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")


def analyze(
    week: Annotated[str | None, typer.Option(help="ISO week, YYYY-Www (e.g. 2026-W47).")] = None,
    start: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD or an ISO week (its Monday), with --end.")
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="Last day, YYYY-MM-DD or an ISO week (its Sunday), with --start.")
    ] = None,
    tenant: Annotated[str, typer.Option(help="Tenant to analyse.")] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Print the AnalysisResult as JSON.")] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the report (html, md, json) here.")
    ] = None,
) -> None:
    """Run the weekly analysis (default: the last complete week) and show the frictions and actions."""
    period = _period(week, start, end)
    from agent.analysis import run_analysis
    from core.settings import get_settings

    settings = get_settings()
    store = open_store(settings)
    index = open_index(settings)
    with progress_bar(as_json=as_json, counts="percent") as progress:
        task = progress.add_task("analysing", total=1.0)
        try:
            result = run_analysis(
                store=store,
                tenant=tenant,
                period=period,
                settings=settings,
                index=index,
                embedder=index.embedder,
                on_progress=lambda step, fraction: progress.update(
                    task, description=f"analysing: {step}", completed=fraction
                ),
            )
        except ValueError as exc:
            raise fail(str(exc)) from exc
    if report is not None:
        from api.report import write_report

        path = write_report(result, report, store=store, language=settings.language)
        err_console.print(f"report written: {path}")
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        _print_result(result, out_console())


def register(app: typer.Typer) -> None:
    """Add analyze to the parcours command."""
    app.command("analyze")(analyze)
