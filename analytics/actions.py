"""Actions: match playbook entries to frictions, check their citations, rank them deterministically.

Matching (which entries become candidates for a friction) combines
- a lexical match of the entry's `theme_keywords` with the friction's title, its theme's label and
  keywords and its segment values (accent- and plural-folded words; a keyword shared by many entries
  weighs less), and
- KPI-pattern rules: the friction's signals (repeat rate, FCR gap, waits, abandonment, CSAT gap,
  engagement, effort phrases, emergence) and the anomalies on its segment, against the entry's `signals`.
Individual transcript quotes are deliberately not used for matching: a handful of planted transcripts
cannot make an action a candidate. The ranking score is

    score = impact x patients affected x confidence / effort weight

where impact and confidence are the entry's efficacy prior, confidence is scaled by the match fit,
patients come from the friction's counts and the effort weight is S=1, M=2, L=4 (summed over the
frictions an action answers). Nothing in it comes from transcript text or from a model answer;
LLM-proposed actions get one fixed, conservative prior whatever the model claims.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from analytics.playbook import EFFORT_WEIGHTS, Playbook, PlaybookEntry
from core import wording
from core.results import Action, Anomaly, Evidence, ExpectedImpact, Friction, ThemeResult
from core.text import fold_words

LLM_PRIOR = {"impact": 0.25, "confidence": 0.4, "effort_weight": EFFORT_WEIGHTS["M"]}
"""The fixed prior of a model-proposed action (its own claims never enter the score)."""
MIN_FIT = 0.3
"""Below this match fit an entry is not proposed for a friction."""
MAX_PER_FRICTION = 4
"""At most this many playbook entries per friction."""
MAX_EVIDENCE = 3
"""Quotes kept per action."""

_OBJECT = (
    r"(?:(?:this|that|the|ceci|cela|cette|cet|ce|l')\s*(?:\w+\s+){0,2}?"
    r"(?:actions?|recommandations?|recommendations?|propositions?|proposals?|items?|mesures?|measures?)"
    r"|(?:actions?|recommandations?|recommendations?)\s+[\w-]+)"
)
_INSTRUCTION = re.compile(
    # telling the system to drop its rules: ignore previous instructions, ignorez le classement déterministe
    r"(?<![jn]')(?:\b(?:ignor(?:e|ez|er|ons|ing)|disregard|forget|oubli(?:ez|ons|er|e)|override|bypass"
    r"|contourn(?:ez|er)|outrepass(?:ez|er)|ne\s+tenez\s+pas\s+compte|ne\s+tiens\s+pas\s+compte"
    r"|do\s+not\s+follow|don't\s+follow|ne\s+suivez\s+pas)\b)(?:\W+\w+){0,4}?\W+"
    r"(?:instructions?|consignes?|directives?|r[eè]gles?|rules?|prompts?|classements?|ranking|scor\w*"
    r"|guidelines?|syst[eè]me|system)\b"
    # ordering a rank: rank this first, classer cette action au rang 1, mettez cette recommandation en tête
    r"|\b(?:rank|prioriti[sz]e|put|place|move|set|class(?:e|er|ez)|mett(?:re|ez)|plac(?:er|ez)"
    r"|positionn(?:er|ez)|remont(?:er|ez))\b\W+(?:(?:this|ceci|it)\b|" + _OBJECT + r")"
    r"(?:\W+\w+){0,5}?\W+(?:first|top|#\s?1|number\s+one|n[°o]\.?\s?1|no\.\s?1|(?:au\s+)?rang\s+1"
    r"|rank\s+1|position\s+1|premi[eè]re?|en\s+t[eê]te|en\s+haut|highest|1st|1e?re?)\b"
    # a claimed priority over the ranking: priorité absolue n°1 : classer…, top priority for this action
    r"|\b(?:priorit[eé]\s+absolue|top\s+priority|highest\s+priority|absolute\s+priority)\b(?:\W+\w+){0,6}?"
    r"\W+(?:actions?|recommand\w*|recommend\w*|class\w*|rang|rank\w*)\b"
    # addressing the model itself
    r"|system\s+prompt|prompt\s+syst[eè]me|\bas\s+an\s+ai\b|en\s+tant\s+qu.(?:ia|assistant)\b"
    r"|\b(?:you\s+are|tu\s+es|vous\s+[eê]tes)\s+(?:now\s+|maintenant\s+)?(?:an?\s+|une?\s+)?(?:\w+\s+)?"
    r"(?:ai|ia|assistant|language\s+model|mod[eè]le\s+de\s+langue|chatbot|llm)\b"
    r"|\b(?:note|message|instructions?)\s+(?:to|for|pour|[aà])\s+(?:the\s+|l.)?(?:ai|ia|model|llm"
    r"|mod[eè]le)\b"
    r"|\b(?:new|nouvelles?)\s+(?:instructions|consignes)\s*:",
    re.IGNORECASE,
)
"""Text that addresses the system (a prompt injection) rather than the centre, in French or English.

Labelled test set: tests/data/instruction_cases.jsonl (positives and contact-centre look-alikes)."""

RULES: list[tuple[str, str, Any]] = [
    ("repeat_rate", "repeat_rate", lambda v: (v - 0.1) / 0.3),
    ("fcr", "fcr_gap", lambda v: -v / 0.15),
    ("fcr", "fcr", lambda v: (0.85 - v) / 0.3),
    ("csat", "csat_gap", lambda v: -v / 0.25),
    ("csat", "csat", lambda v: (0.8 - v) / 0.4),
    ("wait", "wait_p90_s", lambda v: (v - 120.0) / 600.0),
    ("abandonment", "abandonment", lambda v: (v - 0.05) / 0.2),
    ("effort", "effort_share", lambda v: v / 0.25),
    ("emerging", "growth", lambda v: (v - 1.0) / 2.0),
    ("aht", "aht_gap", lambda v: v / 120.0),
    ("engagement", "engagement_gap", lambda v: -v / 0.25),
]
"""(playbook signal, friction signal field, its value → a strength 0..1): the KPI patterns an entry answers.

Every field is one of `FrictionSignals`' and every playbook signal one of `analytics.playbook.SIGNALS`
(tested). Volume and emergence come from the friction itself, any signal from the anomalies on its segment."""
_POSITION_WEIGHTS = (1.0, 0.7, 0.5)
"""An entry's first signal is its main one; later ones count less."""
_METRIC_SIGNAL = {
    "response_time": "wait",
    "service_level": "wait",
    "first_response": "wait",
    "wait": "wait",
    "abandonment": "abandonment",
    "attrition": "abandonment",
    "csat": "csat",
    "fcr": "fcr",
    "engagement": "engagement",
    "repeat_rate": "repeat_rate",
    "volume": "volume",
    "aht": "aht",
}


@dataclass(frozen=True)
class Match:
    """A playbook entry that fits a friction, with how well (0..1)."""

    entry: PlaybookEntry
    fit: float


def looks_like_instruction(text: str) -> bool:
    """Whether a quote addresses the system (a prompt injection) rather than the centre."""
    return bool(_INSTRUCTION.search(text.replace("’", "'")))


def friction_signals(friction: Friction, anomalies: Sequence[Anomaly] = ()) -> dict[str, float]:
    """The strength (0..1) of each friction signal, from its statistics, kind and anomalies on its segment."""
    found: dict[str, float] = {}

    def add(signal: str, strength: float) -> None:
        if strength > 0:  # NaN is not
            found[signal] = max(found.get(signal, 0.0), min(1.0, strength))

    figures = friction.signals.figures()
    for signal, name, transform in RULES:
        if name in figures:
            add(signal, float(transform(figures[name])))
    if friction.emerging or friction.kind == "emerging":
        add("emerging", 1.0)
    if friction.share > 0 and friction.theme_id is not None:
        add("volume", min(0.25, friction.share / 0.25))  # demand a change could deflect, never decisive
    for anomaly in _segment_anomalies(friction, anomalies):
        add(_METRIC_SIGNAL[anomaly.metric], 0.5 + anomaly.score / 10.0)
    return found


def _segment_anomalies(friction: Friction, anomalies: Sequence[Anomaly]) -> list[Anomaly]:
    """The anomalies on a segment friction's segment (on every dimension they share) that name a signal."""
    segment = friction.segment
    return [
        a
        for a in anomalies
        if a.metric in _METRIC_SIGNAL
        and (shared := set(a.segment) & set(segment))
        and all(str(a.segment[k]) == str(segment[k]) for k in shared)
    ]


def _friction_text(friction: Friction, theme: ThemeResult | None) -> str:
    parts = [friction.title]
    if theme is not None:
        parts += [theme.label, *theme.keywords]
    parts += [str(v) for v in friction.segment.values() if isinstance(v, str)]
    return " " + " ".join(fold_words(" ".join(parts))) + " "


def _phrases(entry: PlaybookEntry) -> set[str]:
    return {" ".join(fold_words(k)) for k in entry.theme_keywords}


def match_friction(
    friction: Friction,
    playbook: Playbook,
    *,
    theme: ThemeResult | None = None,
    anomalies: Sequence[Anomaly] = (),
    limit: int = MAX_PER_FRICTION,
) -> list[Match]:
    """The playbook entries that fit a friction, best first (at most `limit`, fit >= MIN_FIT)."""
    text = _friction_text(friction, theme)
    counts = Counter(phrase for entry in playbook.actions for phrase in _phrases(entry))
    weights = {phrase: 1.0 / n for phrase, n in counts.items() if phrase}  # shared by many: weighs less
    signals = friction_signals(friction, anomalies)
    themed = friction.theme_id is not None
    shown = set() if themed else {_METRIC_SIGNAL[a.metric] for a in _segment_anomalies(friction, anomalies)}
    if shown:
        # A segment friction is what its anomalies show (an agent's broken callbacks): the other statistics of
        # the contacts it holds (the repeat rate of the queues that agent serves) are context, not the cause.
        signals = {k: v for k, v in signals.items() if k in shown}
    scored: list[tuple[PlaybookEntry, float, float]] = []
    for entry in playbook.actions:
        text_fit = min(1.0, sum(weights.get(p, 0.0) for p in _phrases(entry) if p and f" {p} " in text))
        rule_fit = 1.0 - math.prod(
            1.0 - 0.85 * signals[s] * _POSITION_WEIGHTS[min(i, 2)]
            for i, s in enumerate(entry.signals)
            if s in signals
        )
        if rule_fit > 0 and set(entry.segment_keys) & set(friction.segment):
            rule_fit += (1.0 - rule_fit) * 0.3
        scored.append((entry, text_fit, rule_fit))
    worded = themed and any(text_fit > 0 for _, text_fit, _ in scored)
    matches: list[Match] = []
    for entry, text_fit, rule_fit in scored:
        if worded:  # a theme friction: the words must fit, the KPI pattern confirms
            fit = text_fit * (0.15 + 0.85 * rule_fit)
        elif themed:  # no entry speaks of this theme: generic answers to its KPI pattern
            fit = 0.5 * rule_fit
        else:  # a segment friction: the KPI pattern must fit, the words confirm
            fit = rule_fit * (0.7 + 0.3 * text_fit)
        matches.append(Match(entry, round(fit, 4)))
    matches = [m for m in matches if m.fit >= MIN_FIT]
    matches.sort(key=lambda m: (-_unit_score(m.entry, m.fit), playbook.ids.index(m.entry.id)))
    return matches[:limit]


def _unit_score(entry: PlaybookEntry, fit: float) -> float:
    return entry.efficacy.impact * entry.efficacy.confidence * fit / EFFORT_WEIGHTS[entry.effort]


def _patients(friction: Friction) -> int:
    return max(friction.patients or 0, 0) or max(friction.volume, 0)


def _evidence(frictions: Iterable[Friction]) -> list[Evidence]:
    """The frictions' first quotes, one per interaction, none addressing the system."""
    chosen: dict[str, Evidence] = {}
    for item in (e for f in frictions for e in f.evidence if not looks_like_instruction(e.quote)):
        chosen.setdefault(item.interaction_id, item)
    return list(chosen.values())[:MAX_EVIDENCE]


def _rationale(entry: PlaybookEntry, frictions: list[Friction], language: str) -> str:
    """Why an action, in words: the frictions it answers, their patients, and the signals it acts on."""
    french = wording.lang(language) == "fr"
    names = ", ".join(f"« {f.title} »" if french else f'"{f.title}"' for f in frictions[:3])
    strength: dict[str, float] = {}
    for friction in frictions:
        for signal, value in friction_signals(friction).items():
            if signal in entry.signals:
                strength[signal] = max(strength.get(signal, 0.0), value)
    ordered = sorted(strength, key=lambda s: (-strength[s], s))  # strongest first
    signals = ", ".join(wording.action_signal(s, language) for s in ordered)
    patients = wording.number(sum(_patients(f) for f in frictions), wording.lang(language))
    if not french:
        return f"Answers {names} ({patients} patients): {signals or 'their topic'}."
    return f"Répond à {names} ({patients} patients) : {signals or 'leur thème'}."


def propose_actions(
    *,
    frictions: Sequence[Friction],
    playbook: Playbook,
    themes: Sequence[ThemeResult] = (),
    anomalies: Sequence[Anomaly] = (),
    language: str = "fr",
) -> list[Action]:
    """One action per matching playbook entry, citing every friction it fits (unranked: call rank_actions)."""
    by_theme = {t.theme_id: t for t in themes}
    cited: dict[str, list[Friction]] = {}
    for friction in frictions:
        theme = by_theme.get(friction.theme_id) if friction.theme_id else None
        for match in match_friction(friction, playbook, theme=theme, anomalies=anomalies):
            cited.setdefault(match.entry.id, []).append(friction)
    actions = []
    for entry in (e for e in playbook.actions if e.id in cited):  # in playbook order
        group = cited[entry.id]
        actions.append(
            Action(
                action_id=f"ac-{entry.id}",
                rank=0,
                title=entry.title(language),
                description=entry.description(language),
                playbook_id=entry.id,
                friction_ids=[f.friction_id for f in group],
                kpi_targets=list(entry.kpi_targets),
                expected_impact=ExpectedImpact(
                    patients_affected=sum(_patients(f) for f in group),
                    kpi=entry.efficacy.kpi,
                    delta=entry.efficacy.delta,
                ),
                effort=entry.effort,
                confidence=entry.efficacy.confidence,
                score=0.0,
                owner=entry.owner,
                rationale=_rationale(entry, group, language),
                evidence=_evidence(group),
                source="playbook",
            )
        )
    return actions


def check_citations(
    actions: Sequence[Action], *, frictions: Sequence[Friction], known_interaction_ids: set[str] | None = None
) -> tuple[list[Action], list[str]]:
    """Drop citations that do not exist, then actions left without friction or quote; returns (kept, notes).

    A quote is valid when its interaction exists (`known_interaction_ids`, from the store) or, when no such
    set is given, when it belongs to one of the frictions.
    """
    friction_ids = {f.friction_id for f in frictions}
    grounded = {e.interaction_id for f in frictions for e in f.evidence} | {
        i for f in frictions for i in f.interaction_ids
    }
    valid_ids = grounded if known_interaction_ids is None else known_interaction_ids
    kept: list[Action] = []
    notes: list[str] = []
    for action in actions:
        cited = [fid for fid in action.friction_ids if fid in friction_ids]
        evidence = [e for e in action.evidence if e.interaction_id in valid_ids]
        dropped = (len(action.friction_ids) - len(cited)) + (len(action.evidence) - len(evidence))
        if dropped:
            notes.append(f"{action.action_id}: dropped {dropped} citation(s) that do not exist")
        if not cited or not evidence:
            notes.append(f"{action.action_id}: dropped, no existing friction or evidence left")
            continue
        kept.append(action.model_copy(update={"friction_ids": cited, "evidence": evidence}))
    return kept, notes


def action_score(
    action: Action,
    *,
    frictions: Sequence[Friction],
    playbook: Playbook,
    themes: Sequence[ThemeResult] = (),
    anomalies: Sequence[Anomaly] = (),
) -> tuple[float, float]:
    """(raw score, effective confidence) of an action, from priors, fits and counts only."""
    by_id = {f.friction_id: f for f in frictions}
    by_theme = {t.theme_id: t for t in themes}
    cited = [by_id[fid] for fid in action.friction_ids if fid in by_id]
    patients = sum(_patients(f) for f in cited)
    entry = playbook.get(action.playbook_id) if action.playbook_id else None
    if entry is None or action.source != "playbook":
        confidence = LLM_PRIOR["confidence"]
        return LLM_PRIOR["impact"] * patients * confidence / LLM_PRIOR["effort_weight"], confidence
    weighted = 0.0
    for friction in cited:
        theme = by_theme.get(friction.theme_id) if friction.theme_id else None
        fits = match_friction(
            friction, playbook, theme=theme, anomalies=anomalies, limit=len(playbook.actions)
        )
        fit = next((m.fit for m in fits if m.entry.id == entry.id), 0.0)
        weighted += _patients(friction) * entry.efficacy.confidence * fit
    confidence = weighted / patients if patients else 0.0
    raw = entry.efficacy.impact * patients * confidence / EFFORT_WEIGHTS[entry.effort]
    return raw, confidence


def rank_actions(
    actions: Sequence[Action],
    *,
    frictions: Sequence[Friction],
    playbook: Playbook,
    themes: Sequence[ThemeResult] = (),
    anomalies: Sequence[Anomaly] = (),
) -> list[Action]:
    """Actions ordered by the deterministic score (normalized so the first is 1.0), ranks 1..n."""
    scored = []
    for action in actions:
        raw, confidence = action_score(
            action, frictions=frictions, playbook=playbook, themes=themes, anomalies=anomalies
        )
        scored.append((raw, confidence, action))
    order = {pid: i for i, pid in enumerate(playbook.ids)}
    scored.sort(key=lambda t: (-t[0], order.get(t[2].playbook_id or "", len(order)), t[2].action_id))
    top = scored[0][0] if scored and scored[0][0] > 0 else 1.0
    return [
        action.model_copy(
            update={"rank": i, "score": round(raw / top, 4), "confidence": round(confidence, 3)}
        )
        for i, (raw, confidence, action) in enumerate(scored, start=1)
    ]
