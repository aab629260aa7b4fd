"""`parcours analyze`, `parcours ask` and `parcours chat`: the weekly analysis and the managers' chat."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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


def _context(tenant: str) -> Any:
    from core.settings import get_settings
    from tools.context import ParcoursContext

    settings = get_settings()
    store = open_store(settings)
    index = open_index(settings)
    return ParcoursContext(store=store, tenant=tenant, index=index, embedder=index.embedder), settings


def ask(
    question: Annotated[str, typer.Argument(help="A question in French or English.")],
    thread: Annotated[str | None, typer.Option(help="Conversation id, to ask follow-up questions.")] = None,
    tenant: Annotated[str, typer.Option(help="Tenant.")] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Ask one question about the KPIs, themes, frictions or transcripts."""
    from agent.chat import answer

    context, settings = _context(tenant)
    result = answer(
        question=question,
        thread_id=thread or f"ask-{uuid.uuid4().hex[:8]}",
        context=context,
        settings=settings,
    )
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        out_console().print(result.answer, markup=False, highlight=False)
        for note in result.notes:
            err_console.print(f"note: {note}", markup=False)


def chat(
    thread: Annotated[str | None, typer.Option(help="Conversation id (continue an earlier chat).")] = None,
    tenant: Annotated[str, typer.Option(help="Tenant.")] = "default",
) -> None:
    """Chat with Parcours: one question per line, until an empty 'exit' or end of input."""
    from agent.chat import chat_context, stream_chat
    from agent.chat.tables import call_words

    base, settings = _context(tenant)
    context = chat_context(base, settings=settings)
    thread_id = thread or f"chat-{uuid.uuid4().hex[:8]}"
    console = out_console()
    mode = "LLM " + str(settings.llm_model) if context.model is not None else "offline, no language model"
    console.print(f"[bold]Parcours chat[/bold] ({mode}) thread {thread_id}. Type 'exit' to leave.")
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            console.print("[bold cyan]?[/bold cyan] ", end="")
        line = sys.stdin.readline()
        if not line:
            break
        question = line.strip()
        if question.lower() in ("exit", "quit", "q", ":q"):
            break
        if not question:
            continue
        for event in stream_chat(question=question, thread_id=thread_id, context=context):
            if event["type"] == "tool_call":  # what the assistant looks at, in words, on stderr
                step = call_words(event["name"], event.get("args") or {}, settings.language)
                err_console.print(f"→ {step}", style="dim", markup=False, highlight=False)
            elif event["type"] == "token":
                console.print(event["text"], end="", markup=False, highlight=False)
        console.print()


def register(app: typer.Typer) -> None:
    """Add analyze, ask and chat to the parcours command."""
    app.command("analyze")(analyze)
    app.command("ask")(ask)
    app.command("chat")(chat)
