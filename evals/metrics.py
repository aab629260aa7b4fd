"""Eval metrics: theme clustering against truth, planted frictions found, anomalies, action MRR, evidence."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from core.periods import week_label
from core.results import Action, AnalysisResult, Anomaly, Friction
from evals.generator.truth import PlantedFriction, Truth

UNASSIGNED = -1
FOUND_F1 = 0.5
_KEY_ALIASES = {"agent_ref": "agent", "local_weekday": "weekday", "local_hour": "hour", "hour": "hours"}
_ANCHORS = ("queue", "agent")


def _is_unassigned(label: Hashable | None) -> bool:
    return label is None or label == UNASSIGNED or label == str(UNASSIGNED)


def theme_scores(
    *, true_labels: Sequence[Hashable], pred_labels: Sequence[Hashable | None]
) -> dict[str, Any]:
    """ACC (Hungarian 1:1), NMI and ARI of a clustering; unassigned (None or -1) counts as wrong for ACC.

    For NMI and ARI all unassigned items form one extra cluster.
    """
    if len(true_labels) != len(pred_labels):
        raise ValueError("true_labels and pred_labels must have the same length")
    n = len(true_labels)
    if n == 0:
        return {"acc": None, "nmi": None, "ari": None, "n": 0, "clusters": 0, "unassigned": 0}
    true_index = {label: i for i, label in enumerate(dict.fromkeys(true_labels))}
    assigned = [p for p in pred_labels if not _is_unassigned(p)]
    pred_index = {label: i for i, label in enumerate(dict.fromkeys(assigned))}
    matched = 0
    if pred_index:
        table = np.zeros((len(pred_index), len(true_index)), dtype=np.int64)
        for t, p in zip(true_labels, pred_labels, strict=True):
            if not _is_unassigned(p):
                table[pred_index[p], true_index[t]] += 1
        rows, cols = linear_sum_assignment(table, maximize=True)
        matched = int(table[rows, cols].sum())
    flat_true = [true_index[t] for t in true_labels]
    flat_pred = [UNASSIGNED if _is_unassigned(p) else pred_index[p] for p in pred_labels]
    return {
        "acc": matched / n,
        "nmi": float(normalized_mutual_info_score(flat_true, flat_pred)),
        "ari": float(adjusted_rand_score(flat_true, flat_pred)),
        "n": n,
        "clusters": len(pred_index),
        "unassigned": n - len(assigned),
    }


def f1_overlap(found: Collection[str], planted: Collection[str]) -> float:
    """F1 of two id sets (0 when either is empty)."""
    a, b = set(found), set(planted)
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def _ranked(items: Iterable[Any]) -> list[Any]:
    return sorted(items, key=lambda x: x.rank)


def friction_match(
    *, frictions: Sequence[Friction], planted_ids: Collection[str], top: int = 5
) -> dict[str, Any]:
    """Whether a friction in the top `top` overlaps the planted ids with F1 >= 0.5 (best F1, rank)."""
    best_f1, best_rank, best_id = 0.0, None, None
    for position, friction in enumerate(_ranked(frictions)[:top], start=1):
        score = f1_overlap(friction.interaction_ids, planted_ids)
        if score > best_f1:
            best_f1, best_rank, best_id = score, position, friction.friction_id
    return {"found": best_f1 >= FOUND_F1, "f1": best_f1, "rank": best_rank, "friction_id": best_id}


def _norm(segment: dict[str, Any]) -> dict[str, Any]:
    return {_KEY_ALIASES.get(k, k): v for k, v in segment.items()}


def _values(value: Any) -> set[Any]:
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return {str(value)}


def segment_matches(observed: dict[str, Any], planted: dict[str, Any]) -> bool:
    """Whether a reported segment names the planted one: same queue or agent, and no contradicting key."""
    seen, truth = _norm(observed), _norm(planted)
    anchors = [k for k in _ANCHORS if k in truth]
    if not anchors or not any(k in seen for k in anchors):
        return False
    for key, value in seen.items():
        if key in truth and not (_values(value) & _values(truth[key])):
            return False
    return True


def anomaly_match(
    *, anomalies: Sequence[Anomaly], segment: dict[str, Any], metrics: Collection[str]
) -> dict[str, Any]:
    """The first anomaly (in the given order) on one of `metrics` whose segment names the planted one."""
    for position, anomaly in enumerate(anomalies, start=1):
        if anomaly.metric in metrics and segment_matches(anomaly.segment, segment):
            return {"found": True, "rank": position, "metric": anomaly.metric, "segment": anomaly.segment}
    return {"found": False, "rank": None, "metric": None, "segment": None}


def matching_frictions(
    *, frictions: Sequence[Friction], planted: PlantedFriction, planted_ids: Collection[str]
) -> set[str]:
    """Ids of the frictions that stand for a planted one (F1 >= 0.5, or naming the planted segment)."""
    matched = set()
    for friction in frictions:
        if f1_overlap(friction.interaction_ids, planted_ids) >= FOUND_F1:
            matched.add(friction.friction_id)
        elif planted.segment and friction.segment and segment_matches(friction.segment, planted.segment):
            matched.add(friction.friction_id)
    return matched


def reciprocal_rank(
    *, actions: Sequence[Action], expected: Collection[str], friction_ids: Collection[str]
) -> float:
    """1/rank of the first expected playbook action among the actions that answer the friction (0 if none).

    The rank is counted among the actions citing one of `friction_ids`, in the analysis' order: "the right
    action for this friction is proposed first or second" (rank 1 or 2, so 1.0 or 0.5), whatever other
    frictions' actions sit in between.
    """
    wanted = set(friction_ids)
    citing = [a for a in _ranked(actions) if set(a.friction_ids) & wanted]
    for position, action in enumerate(citing, start=1):
        if action.playbook_id in expected:
            return 1.0 / position
    return 0.0


def evidence_validity(*, result: AnalysisResult, known_ids: Collection[str]) -> dict[str, Any]:
    """Share of the evidence ids (frictions, actions, theme quotes) that are real interactions."""
    known = set(known_ids)
    cited = [e.interaction_id for f in result.frictions for e in f.evidence]
    cited += [e.interaction_id for a in result.actions for e in a.evidence]
    cited += [e.interaction_id for t in result.themes for e in t.quotes]
    valid = sum(1 for i in cited if i in known)
    return {"share": valid / len(cited) if cited else None, "n": len(cited), "invalid": len(cited) - valid}


def period_weeks(result: AnalysisResult) -> list[str]:
    """The ISO weeks the analysed period touches."""
    weeks, day = [], result.period.start
    while day <= result.period.end:
        name = week_label(day)
        if name not in weeks:
            weeks.append(name)
        day += timedelta(days=1)
    return weeks


def score_analysis(
    *,
    result: AnalysisResult,
    truth: Truth,
    known_ids: Collection[str] | None = None,
    languages: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """Every synthetic-suite metric of one analysis against the truth of the generator.

    With the interactions' `languages`, theme quality is also scored separately on each language's
    interactions (`themes_by_language`): the same partition, restricted to that language.
    """
    weeks = period_weeks(result)
    in_period = truth.ids_in_weeks(weeks)
    textless = set(truth.textless_ids)
    predicted: dict[str, Hashable] = {i: UNASSIGNED for i in result.unassigned_ids}
    for theme in result.themes:
        predicted.update({i: theme.theme_id for i in theme.interaction_ids})
    scored = sorted(in_period - textless)
    themes = theme_scores(
        true_labels=[truth.interaction_themes[i] for i in scored],
        pred_labels=[predicted.get(i, UNASSIGNED) for i in scored],
    )
    by_language: dict[str, Any] = {}
    if languages:
        for language in sorted({languages.get(i) or "?" for i in scored}):
            subset = [i for i in scored if (languages.get(i) or "?") == language]
            by_language[language] = theme_scores(
                true_labels=[truth.interaction_themes[i] for i in subset],
                pred_labels=[predicted.get(i, UNASSIGNED) for i in subset],
            )
    frictions: dict[str, Any] = {}
    reciprocal: list[float] = []
    for planted in truth.frictions:
        ids = set(planted.interaction_ids) & in_period
        if not ids:
            frictions[planted.id] = {"kind": planted.kind, "present": False}
            continue
        entry: dict[str, Any] = {"kind": planted.kind, "present": True, "n": len(ids)}
        entry.update(friction_match(frictions=result.frictions, planted_ids=ids))
        if planted.segment:
            entry["anomaly"] = anomaly_match(
                anomalies=result.anomalies, segment=planted.segment, metrics=planted.metrics
            )
        matched = matching_frictions(frictions=result.frictions, planted=planted, planted_ids=ids)
        entry["rr"] = reciprocal_rank(
            actions=result.actions, expected=planted.expected_actions, friction_ids=matched
        )
        reciprocal.append(entry["rr"])
        if planted.kind == "emerging_theme":
            entry["emerging"] = emerging_flagged(result=result, planted_ids=ids, planted_weeks=planted.weeks)
        frictions[planted.id] = entry
    known = set(known_ids) if known_ids is not None else set(truth.interaction_themes)
    return {
        "weeks": weeks,
        "themes": themes,
        "themes_by_language": by_language,
        "frictions": frictions,
        "found_top5": sum(1 for f in frictions.values() if f.get("found")),
        "present": sum(1 for f in frictions.values() if f.get("present")),
        "action_mrr": sum(reciprocal) / len(reciprocal) if reciprocal else None,
        "evidence": evidence_validity(result=result, known_ids=known),
    }


def emerging_flagged(
    *, result: AnalysisResult, planted_ids: Collection[str], planted_weeks: Sequence[str]
) -> dict[str, Any]:
    """Whether the emerging theme is flagged (emerging theme or friction, F1 >= 0.5) in a week it emerged."""
    candidates = [t.interaction_ids for t in result.themes if t.emerging or t.is_new]
    candidates += [f.interaction_ids for f in result.frictions if f.emerging]
    best = max((f1_overlap(ids, planted_ids) for ids in candidates), default=0.0)
    flagged = best >= FOUND_F1
    right_week = bool(set(period_weeks(result)) & set(planted_weeks))
    return {"flagged": flagged, "right_week": flagged and right_week, "f1": best}
