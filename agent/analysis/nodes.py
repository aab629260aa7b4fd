"""The nodes of the weekly analysis graph, in the order they run."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.runtime import Runtime

from agent.analysis import proposals
from agent.analysis.labels import name_themes
from agent.analysis.periods import default_period
from agent.analysis.policies import (
    OFFLINE_PREFIX,
    LlmUnavailable,
    llm_tool_step,
    offline_tool_calls,
)
from agent.analysis.records import action_id_for, existing_interaction_ids, new_analysis_id
from agent.analysis.state import AnalysisContext, AnalysisState
from agent.analysis.steps import step
from agent.llm import model_name
from analytics.actions import check_citations, looks_like_instruction, rank_actions
from analytics.dataset import PeriodDataset, load_dataset
from analytics.impact import measure_actions
from analytics.impact_targets import follow_frictions
from analytics.playbook import Playbook, load_playbook
from core.periods import baseline_for
from core.results import AnalysisResult, Evidence, Friction, Period
from prompts.analysis import INVESTIGATE_SYSTEM, INVESTIGATE_TASK
from store import analyses
from store.action_targets import open_targets
from tools.evidence import artifact_quotes, without_quotes

log = logging.getLogger("parcours.agent")
MAX_EVIDENCE = 8
ROUND_LIMIT, MODEL_UNAVAILABLE, OFFLINE_DONE = (
    "(round limit reached)",
    "(model unavailable)",
    "(offline investigation complete)",
)
PLACEHOLDERS = frozenset({ROUND_LIMIT, MODEL_UNAVAILABLE, OFFLINE_DONE})
"""What the graph itself says in the investigation's place: never the model's summary."""
PROGRESS = {
    "load": 0.02,
    "discover": 0.1,
    "measure": 0.35,
    "score": 0.55,
    "follow": 0.6,
    "investigate": 0.65,
    "propose": 0.85,
    "rank": 0.92,
    "report": 0.97,
}


def _enter(runtime: Runtime[AnalysisContext], state: AnalysisState, name: str) -> None:
    ctx = runtime.context
    analysis_id = state.get("analysis_id") or ctx.analysis_id
    if analysis_id:
        analyses.update(ctx.store, analysis_id, status="running", step=name, progress=PROGRESS[name])
    if ctx.on_progress is not None:
        ctx.on_progress(name, PROGRESS[name])


def _settings(ctx: AnalysisContext) -> Any:
    return ctx.settings or ctx.store.settings


def playbook_of(ctx: AnalysisContext) -> Playbook:
    """The run's playbook (context override, else the configured file)."""
    return ctx.playbook if ctx.playbook is not None else load_playbook(settings=_settings(ctx))


def dataset_of(ctx: AnalysisContext, state: AnalysisState) -> PeriodDataset:
    """The run's period dataset: loaded by `load`, or again by the first node of a resumed run."""
    if ctx.dataset is None:
        period: Period = state["period"]  # type: ignore[assignment]
        ctx.dataset = load_dataset(
            store=ctx.store,
            tenant=state["tenant"],
            period=period,
            baseline=state["baseline"],
            settings=_settings(ctx),
        )
    return ctx.dataset  # type: ignore[no-any-return]


def load_period(state: AnalysisState, runtime: Runtime[AnalysisContext]) -> dict[str, Any]:
    """Resolve the analysis id, the period (last complete week by default) and the baseline; read them."""
    ctx = runtime.context
    analysis_id = state.get("analysis_id") or ctx.analysis_id or new_analysis_id()
    notes: list[str] = []
    period = state.get("period") or ctx.period
    if period is None:
        period, notes = default_period(ctx.store, state["tenant"])
    baseline = ctx.baseline or baseline_for(period, _settings(ctx).baseline_weeks)
    # tools read the period and baseline from the context
    ctx.period = ctx.period or period
    ctx.baseline = ctx.baseline or baseline
    _enter(runtime, {"analysis_id": analysis_id}, "load")
    analyses.mark_period(ctx.store, analysis_id, period)
    ctx.dataset = None
    dataset_of(ctx, {"tenant": state["tenant"], "period": period, "baseline": baseline})
    return {
        "analysis_id": analysis_id,
        "period": period,
        "baseline": baseline,
        "notes": notes,
    }


def measure_kpis(state: AnalysisState, runtime: Runtime[AnalysisContext]) -> dict[str, Any]:
    """Headline KPIs against the baseline, and KPI anomalies by segment."""
    _enter(runtime, state, "measure")
    ctx = runtime.context
    notes: list[str] = []
    kpis: list[Any] = []
    anomalies: list[Any] = []
    try:
        kpis = step(ctx.steps, "headline_kpis")(
            store=ctx.store,
            tenant=state["tenant"],
            period=state["period"],
            baseline=state["baseline"],
            data=dataset_of(ctx, state),
        )
    except Exception as exc:
        log.exception("headline KPIs failed")
        notes.append(f"KPIs could not be computed: {type(exc).__name__}: {exc}")
    try:
        anomalies = step(ctx.steps, "find_anomalies")(
            store=ctx.store,
            tenant=state["tenant"],
            period=state["period"],
            baseline_weeks=_settings(ctx).baseline_weeks,
            data=dataset_of(ctx, state),
        )
    except Exception as exc:
        log.exception("anomaly detection failed")
        notes.append(f"anomalies could not be computed: {type(exc).__name__}: {exc}")
    return {"kpis": kpis, "anomalies": anomalies, "notes": notes}


def discover_themes(state: AnalysisState, runtime: Runtime[AnalysisContext]) -> dict[str, Any]:
    """Assign every interaction of the period to a stable theme (or leave it unassigned)."""
    _enter(runtime, state, "discover")
    ctx = runtime.context
    embedder = ctx.embedder
    if "assign_period_themes" not in ctx.steps:
        from store.embedder import get_theme_embedder

        embedder = get_theme_embedder(_settings(ctx), fallback=ctx.embedder)
    themes, unassigned = step(ctx.steps, "assign_period_themes")(
        store=ctx.store,
        embedder=embedder,
        tenant=state["tenant"],
        period=state["period"],
        baseline=state["baseline"],
        data=dataset_of(ctx, state),
    )
    themes, notes = name_themes(  # keyword labels of older themes rewritten; new themes named by the model
        store=ctx.store,
        tenant=state["tenant"],
        themes=list(themes),
        model=ctx.model,
        attempts=_settings(ctx).llm_max_retries + 1,
        base_delay=ctx.retry_base_delay,
    )
    return {"themes": themes, "unassigned_ids": list(unassigned), "notes": notes}


def score_frictions(state: AnalysisState, runtime: Runtime[AnalysisContext]) -> dict[str, Any]:
    """Rank the frictions of the period (themes and segments) with their statistics and evidence."""
    _enter(runtime, state, "score")
    ctx = runtime.context
    frictions = step(ctx.steps, "score_frictions")(
        store=ctx.store,
        tenant=state["tenant"],
        period=state["period"],
        baseline=state["baseline"],
        themes=state.get("themes", []),
        anomalies=state.get("anomalies", []),
        data=dataset_of(ctx, state),
    )
    return {"frictions": list(frictions), "rounds": 0}


def follow_actions(state: AnalysisState, runtime: Runtime[AnalysisContext]) -> dict[str, Any]:
    """Measure the actions in progress or done, and mark the frictions they already address."""
    _enter(runtime, state, "follow")
    ctx = runtime.context
    frictions = state.get("frictions", [])
    try:
        targets = open_targets(ctx.store, tenant=state["tenant"])
        if not targets:
            return {"impacts": []}
        period: Period = state["period"]  # type: ignore[assignment]
        impacts = measure_actions(
            store=ctx.store,
            tenant=state["tenant"],
            end=period.end,
            frictions=frictions,
            language=ctx.language,
            only_started=True,
        )
    except Exception as exc:  # the rest of the analysis stands without the impact figures
        log.exception("impact measurement failed")
        return {
            "impacts": [],
            "notes": [f"impact of adopted actions not measured: {type(exc).__name__}: {exc}"],
        }
    return {"impacts": impacts, "frictions": follow_frictions(frictions, targets)}


def _task_messages(state: AnalysisState, ctx: AnalysisContext) -> list[Any]:
    period, baseline = state["period"], state["baseline"]
    assert period is not None
    system = INVESTIGATE_SYSTEM.format(
        tenant=state["tenant"],
        period_start=period.start,
        period_end=period.end,
        baseline_start=baseline.start,
        baseline_end=baseline.end,
        max_steps=ctx.max_rounds,
    )
    frictions = state.get("frictions", [])[: ctx.top_frictions]
    task = INVESTIGATE_TASK.format(
        frictions="\n".join(proposals.friction_line(f) for f in frictions) or "(none)",
        anomalies="\n".join(
            f"- {a.metric} {a.segment}: {a.value:.3g} vs {a.expected:.3g} (score {a.score:.2f})"
            for a in state.get("anomalies", [])[:10]
        )
        or "(none)",
    )
    return [SystemMessage(system), HumanMessage(task)]


def make_investigate(tools: dict[str, BaseTool]) -> Any:
    """The investigate node over these tools (the same ones the ToolNode runs)."""

    def investigate(state: AnalysisState, runtime: Runtime[AnalysisContext]) -> dict[str, Any]:
        """One round of the tool-calling loop: the LLM policy chooses calls, or the offline policy does."""
        _enter(runtime, state, "investigate")
        ctx = runtime.context
        dataset_of(ctx, state)  # the tools compute from it (read again when the run resumed here)
        rounds = state.get("rounds", 0)
        update: dict[str, Any] = {"rounds": rounds + 1}
        messages = list(state.get("messages", []))
        if rounds == 0:
            messages = _task_messages(state, ctx)
            update["messages"] = list(messages)
        policy = state.get("policies", {}).get("investigate")
        offline_calls = offline_tool_calls(
            frictions=state.get("frictions", []),
            themes=state.get("themes", []),
            anomalies=state.get("anomalies", []),
            tools=tools,
            top=ctx.top_frictions,
        )
        if ctx.model is not None and (policy is None or policy == "llm"):
            if rounds >= ctx.max_rounds:
                update["notes"] = [f"investigation stopped after {ctx.max_rounds} rounds of tool calls"]
                reply = AIMessage(content="(round limit reached)")
            else:
                try:
                    reply = llm_tool_step(
                        ctx.model,
                        tools,
                        messages,
                        attempts=_settings(ctx).llm_max_retries + 1,
                        base_delay=ctx.retry_base_delay,
                    )
                    update["policies"] = {"investigate": "llm"}
                except LlmUnavailable as exc:
                    reason = str(exc)[:300]
                    update["policies"] = {"investigate": f"offline (fallback: {reason})"}
                    update["notes"] = [f"investigate: the model failed ({reason}); offline policy used"]
                    reply = offline_calls if rounds == 0 else AIMessage(content=MODEL_UNAVAILABLE)
                    if rounds > 0:
                        update["policies"] = {"investigate": f"llm, then stopped ({reason})"}
        elif rounds == 0:
            update["policies"] = {"investigate": policy or "offline"}
            reply = offline_calls
        else:
            reply = AIMessage(content=OFFLINE_DONE)
        update["messages"] = [*update.get("messages", []), reply]
        return update

    return investigate


def route_investigation(state: AnalysisState) -> Literal["tools", "propose"]:
    """Run the tool calls of the last message, or move on to proposals."""
    messages = state.get("messages", [])
    last = messages[-1] if messages else None
    if isinstance(last, AIMessage) and last.tool_calls:
        return "tools"
    return "propose"


def _step(name: str, args: Any, message: ToolMessage) -> dict[str, Any]:
    """A tool step of the investigation: the tool, its arguments, how many rows it returned or its error."""
    artifact = message.artifact if isinstance(message.artifact, dict) else {}
    step: dict[str, Any] = {"tool": name, "args": dict(args) if isinstance(args, dict) else {}}
    if artifact.get("kind") == "error" or message.status == "error":
        step["error"] = str(artifact.get("error") or "")[:200]
    elif isinstance(artifact.get("rows"), list):
        step["rows"] = len(artifact["rows"])
    return step


def _call_target(
    call_id: str,
    args: Any,
    quotes: list[tuple[str, str]],
    frictions: list[Friction],
    owner_of: dict[str, str],
) -> str | None:
    """The friction a tool call was about, whoever made it (the offline policy or the model).

    The offline policy names it in the call id; otherwise the call's theme filter or theme id, then a
    segment filter equal to a segment friction's, then the friction most of the returned quotes belong to.
    """
    if call_id.startswith(OFFLINE_PREFIX):
        return call_id[len(OFFLINE_PREFIX) :].rsplit(":", 1)[0]
    args = args if isinstance(args, dict) else {}
    filters = args.get("filters") if isinstance(args.get("filters"), dict) else {}
    theme = filters.get("theme") or args.get("theme_id")
    if theme:
        found = next((f.friction_id for f in frictions if f.theme_id == theme), None)
        if found:
            return found
    for friction in frictions:
        named = {k: v for k, v in friction.segment.items() if k != "hours"}
        if named and all(str(filters.get(k)) == str(v) for k, v in named.items()):
            return friction.friction_id
    owners = Counter(owner_of[i] for i, _q in quotes if i in owner_of)
    if owners:
        best, count = owners.most_common(1)[0]
        if count * 2 > len(quotes):
            return best
    return None


def model_summary(messages: list[Any]) -> str | None:
    """The model's closing words on its investigation (its last answer without tool calls), if it gave any."""
    for message in reversed(messages):
        if isinstance(message, ToolMessage):
            return None
        if isinstance(message, AIMessage) and not message.tool_calls:
            text = message.content.strip() if isinstance(message.content, str) else ""
            return None if text in PLACEHOLDERS else text or None
    return None


def enrich_frictions(frictions: list[Friction], messages: list[Any]) -> tuple[list[Friction], list[str]]:
    """Add the investigation's evidence and findings to the frictions, whichever policy made the calls.

    A tool result attaches to the friction it was about (`_call_target`); each quote it returned also goes to
    the friction its interaction belongs to. The model's summary is a finding of its own, and a finding of
    every friction it names.
    """
    by_id = {f.friction_id: f.model_copy(deep=True) for f in frictions}
    owner_of = {i: f.friction_id for f in frictions for i in f.interaction_ids}
    calls = {c["id"]: c for m in messages if isinstance(m, AIMessage) for c in m.tool_calls}
    findings: list[str] = []
    for message in messages:
        if not isinstance(message, ToolMessage):
            continue
        call_id = message.tool_call_id or ""
        content = message.content if isinstance(message.content, str) else str(message.content)
        first_line = " / ".join(without_quotes(content)[:4])[:300]
        call: dict[str, Any] = dict(calls.get(call_id) or {})
        name = str(call.get("name") or message.name or "tool")
        quotes = artifact_quotes(message.artifact)  # the quotes as data: never read back from the text
        target = _call_target(call_id, call.get("args"), quotes, frictions, owner_of)
        if target in by_id:
            friction = by_id[target]
            friction.signals.findings.append(f"{name}: {first_line}")
            # the same step as data, so the report can say it in its reader's language
            friction.signals.steps.append(_step(name, call.get("args"), message))
        findings.append(f"{target}: {name}: {first_line}" if target else f"{name}: {first_line}")
        for interaction_id, quote in quotes:
            owner = target if target in by_id else owner_of.get(interaction_id)
            if owner is None or looks_like_instruction(quote):
                continue
            friction = by_id[owner]
            if len(friction.evidence) < MAX_EVIDENCE and all(
                e.interaction_id != interaction_id for e in friction.evidence
            ):
                friction.evidence.append(Evidence(interaction_id=interaction_id, quote=quote.strip()))
    summary = model_summary(messages)
    if summary:
        findings.append(f"model: {summary[:600]}")
        for friction_id, friction in by_id.items():
            if friction_id in summary:
                friction.signals.findings.append(f"model: {summary[:300]}")
    return [by_id[f.friction_id] for f in frictions], findings


def propose_actions(state: AnalysisState, runtime: Runtime[AnalysisContext]) -> dict[str, Any]:
    """Playbook actions matched to the frictions, plus (LLM mode) the model's grounded proposals."""
    _enter(runtime, state, "propose")
    ctx = runtime.context
    frictions, findings = enrich_frictions(state.get("frictions", []), state.get("messages", []))
    playbook = playbook_of(ctx)
    # a friction an action in progress already addresses is followed, not proposed again
    fresh = [f for f in frictions if not f.followed_by]
    actions = proposals.playbook_actions(state, fresh, playbook, ctx.language)
    summary = model_summary(state.get("messages", []))
    kept = [f"investigation summary (model): {summary[:1000]}"] if summary else []
    update: dict[str, Any] = {"frictions": frictions, "findings": findings, "notes": kept}
    if ctx.model is None:
        update["policies"] = {"propose": "playbook"}
    else:
        try:
            extra = proposals.llm_actions(
                ctx.model,
                frictions=fresh[: ctx.top_frictions],
                playbook_actions=actions,
                findings=findings,
                language=ctx.language,
                max_actions=ctx.max_llm_actions,
                attempts=_settings(ctx).llm_max_retries + 1,
                base_delay=ctx.retry_base_delay,
            )
            actions += extra[0]
            update["policies"] = {"propose": "playbook+llm"}
            update["notes"] = kept + extra[1]
        except LlmUnavailable as exc:
            reason = str(exc)[:300]
            update["policies"] = {"propose": f"playbook (fallback: {reason})"}
            update["notes"] = [*kept, f"propose: the model failed ({reason}); playbook actions only"]
    update["actions"] = actions
    return update


def rank_actions_node(state: AnalysisState, runtime: Runtime[AnalysisContext]) -> dict[str, Any]:
    """Drop actions whose citations do not exist, then rank by the deterministic score."""
    _enter(runtime, state, "rank")
    ctx = runtime.context
    frictions = state.get("frictions", [])
    actions = state.get("actions", [])
    cited = {e.interaction_id for a in actions for e in a.evidence}
    held = cited & set(dataset_of(ctx, state).cols["ext_id"].tolist())  # the rest may be older interactions
    known = held | existing_interaction_ids(ctx.store, state["tenant"], cited - held)
    kept, notes = check_citations(actions, frictions=frictions, known_interaction_ids=known)
    ranked = rank_actions(
        kept,
        frictions=frictions,
        playbook=playbook_of(ctx),
        themes=state.get("themes", []),
        anomalies=state.get("anomalies", []),
    )
    analysis_id = state["analysis_id"]
    ranked = [
        a.model_copy(update={"action_id": action_id_for(analysis_id, a.playbook_id or a.action_id)})
        for a in ranked
    ]
    return {"actions": ranked, "notes": notes, "policies": {"rank": "deterministic"}}


def write_report(state: AnalysisState, runtime: Runtime[AnalysisContext]) -> dict[str, Any]:
    """Assemble the AnalysisResult and persist it with its actions."""
    _enter(runtime, state, "report")
    ctx = runtime.context
    policies = dict(state.get("policies", {}))
    used_llm = any(p == "llm" or p.startswith("llm,") or p.endswith("+llm") for p in policies.values())
    notes = list(state.get("notes", []))
    if ctx.model is not None and not used_llm:
        notes.append(
            f"the model {model_name(ctx.model)} failed at every step: the whole analysis ran offline"
        )
    period: Period = state["period"]  # type: ignore[assignment]
    result = AnalysisResult(
        analysis_id=state["analysis_id"],
        tenant=state["tenant"],
        mode="llm" if used_llm else "offline",
        model=model_name(ctx.model) if used_llm else None,
        period=period,
        baseline=state.get("baseline"),
        kpis=state.get("kpis", []),
        themes=state.get("themes", []),
        unassigned_ids=state.get("unassigned_ids", []),
        frictions=state.get("frictions", []),
        anomalies=state.get("anomalies", []),
        actions=state.get("actions", []),
        policies=policies,
        notes=notes,
        impacts=state.get("impacts", []),
    )
    analyses.save(ctx.store, result)
    if ctx.on_progress is not None:
        ctx.on_progress("done", 1.0)
    return {"result": result}
