"""`parcours chat`: an interactive conversation with the managers' assistant."""

from __future__ import annotations

import sys
import uuid
from typing import Annotated

import typer

from cli.common import err_console, out_console, tool_context


def chat(
    thread: Annotated[str | None, typer.Option(help="Conversation id (continue an earlier chat).")] = None,
    tenant: Annotated[str, typer.Option(help="Tenant.")] = "default",
) -> None:
    """Chat with Parcours: one question per line, until an empty 'exit' or end of input."""
    from agent.chat import chat_context, stream_chat
    from agent.chat.tables import call_words

    base, settings = tool_context(tenant)
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
    """Add chat to the parcours command."""
    app.command("chat")(chat)
