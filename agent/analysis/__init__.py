"""The weekly analysis: `run_analysis` runs (or resumes) the checkpointed graph and persists its result."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.tools import BaseTool

from agent.analysis.graph import build_analysis_graph
from agent.analysis.records import new_analysis_id
from agent.analysis.state import AnalysisContext
from agent.checkpoint import open_checkpointer
from core.results import AnalysisResult, Period
from core.settings import Settings
from store import analyses
from store.db import Store

__all__ = ["resume_analysis", "run_analysis"]

log = logging.getLogger("parcours.agent")
AUTO: Any = object()
"""Default of `model`: build the configured model (None when no LLM is configured)."""
RECURSION_LIMIT = 80


def run_analysis(
    *,
    store: Store,
    tenant: str = "default",
    period: Period | None = None,
    settings: Settings | None = None,
    index: Any | None = None,
    embedder: Any | None = None,
    thread_id: str | None = None,
    analysis_id: str | None = None,
    on_progress: Callable[..., None] | None = None,
    model: Any = AUTO,
    tools: Sequence[BaseTool] | None = None,
    steps: dict[str, Callable[..., Any]] | None = None,
    playbook: Any | None = None,
    language: str | None = None,
    retry_base_delay: float = 1.0,
) -> AnalysisResult:
    """Run the analysis of a period (default: the last complete week) and persist it; returns the result.

    The thread id (default: the analysis id) keys the checkpoints: calling again with the thread id of an
    interrupted run resumes it after its last completed node; with a finished one, returns its result.
    """
    settings = settings or store.settings
    analysis_id = analysis_id or thread_id or new_analysis_id()
    thread_id = thread_id or analysis_id
    if model is AUTO:
        from agent.llm import make_chat_model

        model = make_chat_model(settings)
    context = AnalysisContext(
        store=store,
        tenant=tenant,
        index=index,
        embedder=embedder,
        settings=settings,
        model=model,
        playbook=playbook,
        steps=dict(steps or {}),
        analysis_id=analysis_id,
        on_progress=on_progress,
        language=language or settings.language,
        retry_base_delay=retry_base_delay,
    )
    config: Any = {"configurable": {"thread_id": thread_id}, "recursion_limit": RECURSION_LIMIT}
    with open_checkpointer(store, settings) as saver:
        graph = build_analysis_graph(tools=tools, checkpointer=saver)
        snapshot = graph.get_state(config)
        values = snapshot.values or {}
        try:
            if values and not snapshot.next and "result" in values:
                log.info("analysis %s already finished", analysis_id)
                return values["result"]  # type: ignore[no-any-return]
            if values and snapshot.next:
                log.info("resuming analysis %s before %s", analysis_id, snapshot.next)
                context.period, context.baseline = values.get("period"), values.get("baseline")
                context.analysis_id = values.get("analysis_id", analysis_id)
                output = graph.invoke(None, config, context=context, durability="sync")
            else:
                if analyses.load_result(store, analysis_id) is None:
                    analyses.start(store=store, tenant=tenant, period=period, analysis_id=analysis_id)
                context.period = period
                output = graph.invoke(
                    {"tenant": tenant, "period": period}, config, context=context, durability="sync"
                )
        except BaseException as exc:
            message = f"{type(exc).__name__}: {exc}"[:2000]
            analyses.update(store, analysis_id, status="failed", error=message, finished_at=analyses.now())
            raise
    return output["result"]  # type: ignore[no-any-return]


def resume_analysis(*, store: Store, analysis_id: str, **kwargs: Any) -> AnalysisResult:
    """Resume an interrupted analysis from its last checkpoint (its id is the thread id)."""
    from store.schema import AnalysisRow

    with store.session() as session:
        row = session.get(AnalysisRow, analysis_id)
        tenant = row.tenant if row is not None else kwargs.pop("tenant", "default")
    kwargs.pop("tenant", None)
    return run_analysis(store=store, tenant=tenant, analysis_id=analysis_id, thread_id=analysis_id, **kwargs)
