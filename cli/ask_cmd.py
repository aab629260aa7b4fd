"""`parcours ask`: one question to the managers' assistant."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from cli.common import err_console, out_console, print_json, tool_context


def ask(
    question: Annotated[str, typer.Argument(help="A question in French or English.")],
    thread: Annotated[str | None, typer.Option(help="Conversation id, to ask follow-up questions.")] = None,
    tenant: Annotated[str, typer.Option(help="Tenant.")] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Ask one question about the KPIs, themes, frictions or transcripts."""
    from agent.chat import answer

    context, settings = tool_context(tenant)
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


def register(app: typer.Typer) -> None:
    """Add ask to the parcours command."""
    app.command("ask")(ask)
