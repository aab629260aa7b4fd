"""What the propose step shows the model and how its structured answer becomes grounded actions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel, Field

from agent.analysis.policies import call_with_retries
from analytics.actions import looks_like_instruction, propose_actions
from analytics.playbook import Playbook
from core.results import Action, Evidence, ExpectedImpact, Friction
from core.text import fold_words
from prompts.analysis import EVIDENCE_LINE, FRICTION_LINE, LANGUAGE_NAMES, PROPOSE_SYSTEM, PROPOSE_TASK
from tools.evidence import transcript_block

EVIDENCE_TOOL = "analysis_evidence"
"""Name of the tool result that carries the frictions and their quotes to the model."""


class ProposedAction(BaseModel):
    """An action the model proposes (no rank, score or confidence: those are computed, never claimed)."""

    title: str = Field(description="What to do, one line.")
    description: str = Field(description="How, in two or three sentences.")
    friction_ids: list[str] = Field(description="Ids of the frictions it addresses (from the list shown).")
    interaction_ids: list[str] = Field(description="Interaction ids of the evidence shown that support it.")
    kpi_targets: list[str] = Field(default_factory=list, description="KPIs it should move (e.g. fcr, csat).")
    effort: Literal["S", "M", "L"] = Field(default="M", description="Effort: S, M or L.")
    owner: str = Field(default="", description="Typical owner (team or role).")
    rationale: str = Field(default="", description="Why, from the evidence.")


class ProposedActions(BaseModel):
    """The model's additional actions."""

    actions: list[ProposedAction] = Field(default_factory=list, description="At most the number asked.")


def friction_line(friction: Friction) -> str:
    """One friction as the model sees it (statistics only, no quotes)."""
    signals = {
        k: (round(v, 3) if isinstance(v, float) else v)
        for k, v in friction.signals.model_dump().items()
        if isinstance(v, int | float | str)
    }
    return FRICTION_LINE.format(
        friction_id=friction.friction_id,
        rank=friction.rank,
        kind=friction.kind,
        title=friction.title,
        segment=json.dumps(friction.segment, ensure_ascii=False),
        volume=friction.volume,
        patients=friction.patients,
        share=friction.share,
        emerging=friction.emerging,
        signals=json.dumps(signals, ensure_ascii=False),
    )


def evidence_block(frictions: Sequence[Friction]) -> str:
    """The frictions with their quotes in <transcript> blocks: the content of a tool result."""
    lines: list[str] = []
    for friction in frictions:
        lines.append(friction_line(friction))
        for item in friction.evidence[:5]:
            lines.append(EVIDENCE_LINE.format(block=transcript_block(item.interaction_id, item.quote)))
    return "\n".join(lines)


def playbook_actions(
    state: Any, frictions: list[Friction], playbook: Playbook, language: str
) -> list[Action]:
    """The playbook's candidates for the frictions (unranked)."""
    return propose_actions(
        frictions=frictions,
        playbook=playbook,
        themes=state.get("themes", []),
        anomalies=state.get("anomalies", []),
        language=language,
    )


def _shingles(text: str, size: int = 6) -> set[tuple[str, ...]]:
    words = fold_words(text)
    return {tuple(words[i : i + size]) for i in range(max(0, len(words) - size + 1))}


def ground(
    proposed: Sequence[ProposedAction], frictions: Sequence[Friction], *, max_actions: int
) -> tuple[list[Action], list[str]]:
    """Keep model actions that cite frictions and evidence shown, and neither obey nor copy a transcript."""
    by_id = {f.friction_id: f for f in frictions}
    quotes = {e.interaction_id: e for f in frictions for e in f.evidence[:5]}
    copied = set().union(*(_shingles(e.quote) for e in quotes.values())) if quotes else set()
    kept: list[Action] = []
    notes: list[str] = []
    for n, item in enumerate(proposed[:max_actions], start=1):
        cited = [fid for fid in dict.fromkeys(item.friction_ids) if fid in by_id]
        evidence: list[Evidence] = [quotes[i] for i in dict.fromkeys(item.interaction_ids) if i in quotes]
        text = f"{item.title} {item.description} {item.rationale}"
        # An action citing any friction or interaction that was not shown is dropped whole, not trimmed:
        # a model that invents part of its evidence is not trusted with the rest (the note names the ids).
        unknown = [i for i in dict.fromkeys([*item.friction_ids, *item.interaction_ids]) if i not in by_id]
        unknown = [i for i in unknown if i not in quotes]
        if looks_like_instruction(text):
            notes.append(
                f"model action {n} dropped: it contains instructions about the ranking or the system"
            )
            continue
        if _shingles(text) & copied:
            notes.append(f"model action {n} dropped: it repeats transcript text")
            continue
        if unknown:
            shown = ", ".join(unknown[:5])
            notes.append(
                f"model action {n} dropped: it cites ids that are not in the evidence shown ({shown})"
            )
            continue
        if not cited or not evidence:
            notes.append(f"model action {n} dropped: no existing friction or evidence cited")
            continue
        patients = sum(by_id[f].patients or by_id[f].volume for f in cited)
        kept.append(
            Action(
                action_id=f"llm-{n}",
                rank=0,
                title=item.title[:300],
                description=item.description[:1500],
                playbook_id=None,
                friction_ids=cited,
                kpi_targets=item.kpi_targets[:5],
                expected_impact=ExpectedImpact(
                    patients_affected=patients, kpi=(item.kpi_targets or ["csat"])[0], delta=0.0
                ),
                effort=item.effort,
                confidence=0.0,
                score=0.0,
                owner=item.owner[:200],
                rationale=item.rationale[:1000],
                evidence=evidence,
                source="llm",
            )
        )
    return kept, notes


def llm_actions(
    model: Any,
    *,
    frictions: Sequence[Friction],
    playbook_actions: Sequence[Action],
    findings: Sequence[str],
    language: str,
    max_actions: int,
    attempts: int,
    base_delay: float,
) -> tuple[list[Action], list[str]]:
    """Extra actions from the model (structured output), grounded in the evidence shown; (actions, notes)."""
    if not frictions or max_actions <= 0:
        return [], []
    call = {"name": EVIDENCE_TOOL, "args": {}, "id": "evidence-1", "type": "tool_call"}
    messages = [
        SystemMessage(
            PROPOSE_SYSTEM.format(
                max_actions=max_actions, language_name=LANGUAGE_NAMES.get(language, language)
            )
        ),
        AIMessage(content="", tool_calls=[call]),
        ToolMessage(content=evidence_block(frictions), tool_call_id="evidence-1", name=EVIDENCE_TOOL),
        HumanMessage(
            PROPOSE_TASK.format(
                frictions=", ".join(f.friction_id for f in frictions),
                playbook_actions="\n".join(f"- {a.playbook_id}: {a.title}" for a in playbook_actions) or "-",
                findings="\n".join(f"- {line}" for line in findings[:20]) or "-",
            )
        ),
    ]
    structured = model.with_structured_output(ProposedActions, method="function_calling")

    def once() -> ProposedActions:
        answer = structured.invoke(messages)
        if not isinstance(answer, ProposedActions):
            raise ValueError(f"unexpected structured answer {type(answer).__name__}")
        return answer

    answer = call_with_retries(once, attempts=attempts, base_delay=base_delay)
    return ground(answer.actions, frictions, max_actions=max_actions)
