"""Did it work? The measured impact of an adopted action on its target segment (difference-in-differences).

When an action moves to in_progress (or done) its **target** is recorded: per friction it answers, the
segment (theme, queue, channel, agent, weekday, hours) and the metrics that friction showed, and the day it
started. The effect on each metric is then estimated against **comparison segments**: the same segment with
its identity (theme, agent, queue, channel or, for a time-only segment, the hour) varied and everything else
kept — so the comparison covers the same weeks, weekdays and hours (seasonality) — leaving out the segments
another open action touches.

Estimator (per metric, the KPI engine's definition and samples, `analytics.kpis.collect`): a regression on
contacts (or cluster means, or counts for volume) of the before window and the window since the start,

    y ~ segment fixed effects + ISO-week fixed effects + treated_after

fitted by statsmodels — a Poisson quasi-likelihood with a log link for seconds and counts (the effect is a
ratio: exp(beta) - 1, "-38 %"), a linear probability model for shares (the effect is in points) — with
clusters segment × day (contacts of the same day share its load and its staffing). The target holds few
clusters, so the variance of each cluster is modelled, its between-day part pooled over the comparison
segments (`analytics.impact_inference`), with t-based 95 % intervals. The state is `too_early` while fewer
than `PARCOURS_MIN_SAMPLE` target contacts follow the start; otherwise `improved` / `worsened` when
p < 0.05 in the better / worse direction of the metric, else `no_effect_detected`. The comparison segments'
own change (before → after) is tested with the KPI engine's period test and reported; `comparison_moved`
says when they moved.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np

from analytics.impact_inference import ALPHA, Panel, estimate
from analytics.impact_targets import IDENTITY_DIMS, as_list, same_target, segments_overlap
from analytics.impact_words import impact_sentence
from analytics.kpi_defs import METRICS, VALUE_METRICS, check_metric
from analytics.kpi_queries import Sample, Scope
from analytics.kpis import change_p, collect, round_figure, summarize
from core.periods import week_label
from core.results import (
    ActionImpact,
    ExpectedImpact,
    Friction,
    ImpactState,
    MetricEffect,
    Period,
    TargetImpact,
)
from store.action_targets import Target, friction_titles, open_targets
from store.actions import read_actions
from store.db import Store

TOP_RANKS = 5
"""A friction 'has left the top of the ranking' when no friction ranked 1..TOP_RANKS matches the target."""


@dataclass(frozen=True)
class Plan:
    """How the comparison is built for a target segment."""

    vary: str
    """The dimension whose other values are the comparison segments."""
    fixed: dict[str, Any]
    """Filters every segment keeps (weekday, hours, ...)."""
    target_values: frozenset[str]


def comparison_plan(segment: dict[str, Any]) -> Plan:
    """Vary the segment's identity (theme, agent, queue, channel, language), else its hour, else weekday."""
    vary = next((d for d in (*IDENTITY_DIMS, "hour", "weekday") if d in segment), None)
    if vary is None:
        raise ValueError("a target segment needs at least one dimension")
    fixed = {k: v for k, v in segment.items() if k != vary}
    return Plan(vary=vary, fixed=fixed, target_values=frozenset(str(v) for v in as_list(segment[vary])))


@dataclass
class _Cells:
    """Per-cluster samples of a metric: (segment value, day, hour) → Sample, split target / comparison."""

    target: dict[tuple[str, date, Any], Sample]
    comparison: dict[tuple[str, date, Any], Sample]


def _cells(
    store: Store,
    tenant: str,
    metric: str,
    segment: dict[str, Any],
    others: Sequence[dict[str, Any]],
    window: Period,
) -> tuple[Plan, _Cells]:
    plan = comparison_plan(segment)
    dims = (plan.vary,) if plan.vary == "hour" else (plan.vary, "hour")
    scope = Scope(store, tenant, window.start, window.end, dims, "day", plan.fixed)
    cells = _Cells(target={}, comparison={})
    for (bucket, values), sample in collect(scope, metric).items():
        if bucket is None or values[0] is None:
            continue
        value = str(values[0])
        key = (value, date.fromisoformat(bucket), values[-1])
        if value in plan.target_values:
            cells.target[key] = sample
        elif not any(segments_overlap({**plan.fixed, plan.vary: values[0]}, o) for o in others):
            cells.comparison[key] = sample
    return plan, cells


def _design(cells: _Cells, metric: str, start: date, with_comparison: bool) -> Panel:
    """The regression's rows: per contact (values, shares) or per cluster (aht, volume)."""
    ys: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    meta: list[tuple[str, date, bool]] = []  # (segment, day, target) of each cluster
    groups = [(True, cells.target)] + ([(False, cells.comparison)] if with_comparison else [])
    for is_target, group in groups:
        for (value, day, _hour), sample in group.items():
            w = None
            if metric in VALUE_METRICS:
                y = np.asarray(sample.values, dtype=float)
            elif METRICS[metric].unit == "share":
                y = np.concatenate([np.ones(sample.hits), np.zeros(sample.n - sample.hits)])
            elif metric == "volume":
                y = np.asarray([float(sample.n)])
            else:  # aht: the cluster's mean handle time, weighted by its contacts (none: left out)
                y = np.asarray([sample.total / sample.n] if sample.n else [])
                w = np.asarray([float(sample.n)])
            if y.size == 0:
                continue
            ys.append(y)
            weights.append(np.ones_like(y) if w is None else w)
            meta.append((value, day, is_target))
    sizes = [y.size for y in ys]
    seg_codes = {v: i for i, v in enumerate(sorted({m[0] for m in meta}))}
    week_codes = {k: i for i, k in enumerate(sorted({week_label(m[1]) for m in meta}))}
    cluster_codes = {k: i for i, k in enumerate(sorted({(m[0], m[1]) for m in meta}))}
    after = [day >= start and (is_target or not with_comparison) for _, day, is_target in meta]
    columns = [np.ones(len(meta))]
    if with_comparison:  # segment and ISO-week fixed effects, the first of each left out
        columns.append(np.eye(len(seg_codes))[[seg_codes[m[0]] for m in meta]][:, 1:])
        columns.append(np.eye(len(week_codes))[[week_codes[week_label(m[1])] for m in meta]][:, 1:])
    x = np.repeat(np.column_stack([*columns, np.asarray(after, dtype=float)]), sizes, axis=0)
    return Panel(
        y=np.concatenate(ys) if ys else np.zeros(0),
        x=x,
        w=np.concatenate(weights) if weights else np.zeros(0),
        cluster=np.repeat([cluster_codes[(m[0], m[1])] for m in meta], sizes).astype(int),
        segment=np.repeat([seg_codes[m[0]] for m in meta], sizes).astype(int),
        comparison=np.repeat([not m[2] for m in meta], sizes).astype(bool),
        relative=METRICS[metric].unit != "share",  # seconds and counts: a ratio
    )


def _state(metric: str, effect: float | None, p: float | None, n_after: int, min_sample: int) -> ImpactState:
    if n_after < min_sample:
        return "too_early"
    if effect is None or p is None or math.isnan(p) or p >= ALPHA:
        return "no_effect_detected"
    better = effect > 0 if METRICS[metric].higher_is_better else effect < 0  # volume: fewer contacts
    return "improved" if better else "worsened"


def _unmeasured(metric: str, **fields: Any) -> MetricEffect:
    """A metric's effect before anything is estimated: too early (with the given fields)."""
    scale: Literal["relative", "points"] = "points" if METRICS[metric].unit == "share" else "relative"
    return MetricEffect(metric=metric, unit=METRICS[metric].unit, scale=scale, state="too_early", **fields)


def measure_metric(
    *,
    store: Store,
    tenant: str,
    metric: str,
    segment: dict[str, Any],
    start: date,
    before: Period,
    after: Period,
    others: Sequence[dict[str, Any]] = (),
) -> tuple[MetricEffect, dict[str, Any]]:
    """The effect of an action started on `start` on one metric of its segment, and the comparison used."""
    check_metric(metric)
    min_sample = store.settings.min_sample
    window = Period(start=before.start, end=after.end)
    plan, cells = _cells(store, tenant, metric, segment, others, window)
    t_before, t_after, c_before, c_after = (
        Sample.pool(s for (_, d, _), s in group.items() if (d >= start) == later)
        for group in (cells.target, cells.comparison)
        for later in (False, True)
    )
    comparison_values = sorted({v for (v, _, _) in cells.comparison})
    with_comparison = c_before.n > 0 and c_after.n > 0

    def value(sample: Sample) -> float | None:
        return summarize(metric, sample, min_sample=min_sample)["value"] if sample.n else None

    effect = _unmeasured(
        metric,
        before=value(t_before),
        after=value(t_after),
        n_before=t_before.n,
        n_after=t_after.n,
        comparison_before=value(c_before),
        comparison_after=value(c_after),
        comparison_n_before=c_before.n,
        comparison_n_after=c_after.n,
    )
    if with_comparison:
        c_before.days = (start - before.start).days
        c_after.days = (after.end - start).days + 1
        p = change_p(metric, c_after, c_before)
        effect.comparison_p_value = round_figure(p, 6)
        effect.comparison_moved = p is not None and p < ALPHA
        effect.method = (
            f"difference-in-differences against {len(comparison_values)} comparable {plan.vary} segment(s), "
            "segment and week fixed effects, clusters segment × day with their between-day variance "
            "taken from the comparison segments"
        )
    else:
        effect.method = "before/after on the target alone: no comparable segment without an open action"
    compared = {"dimension": plan.vary, "values": comparison_values, "fixed": plan.fixed}
    effect.state = _state(metric, None, None, t_after.n, min_sample)  # until an effect is estimated
    if t_before.n == 0 or t_after.n == 0:
        return effect, compared
    try:
        fitted = estimate(_design(cells, metric, start, with_comparison))
        beta, low, high, p_value = fitted.beta, fitted.low, fitted.high, fitted.p_value
    except (ValueError, np.linalg.LinAlgError) as exc:
        effect.method += f"; not estimable: {exc}"
        return effect, compared
    if effect.scale == "relative":
        beta, low, high = math.expm1(beta), math.expm1(low), math.expm1(high)
    effect.effect, effect.ci, effect.p_value = (
        round_figure(beta),
        [round_figure(low) or 0.0, round_figure(high) or 0.0],
        round_figure(p_value, 6),
    )
    effect.state = _state(metric, beta, p_value, t_after.n, min_sample)
    return effect, compared


def measure_target(
    *,
    store: Store,
    tenant: str,
    target: Target,
    end: date,
    others: Sequence[dict[str, Any]] = (),
    title: str = "",
) -> TargetImpact:
    """Every followed metric of one target, from its start to `end` (inclusive)."""
    before = Period(start=target.before_start, end=max(target.before_start, target.start - timedelta(days=1)))
    after = Period(start=target.start, end=max(end, target.start))
    effects: list[MetricEffect] = []
    compared: dict[str, Any] = {}
    for metric in target.metrics:
        if end < target.start:
            effects.append(_unmeasured(metric, method="the action starts after the measured window"))
            continue
        effect, used = measure_metric(
            store=store,
            tenant=tenant,
            metric=metric,
            segment=target.segment,
            start=target.start,
            before=before,
            after=after,
            others=others,
        )
        effects.append(effect)
        compared = compared or used
    return TargetImpact(
        friction_id=target.friction_id,
        title=title,
        segment=target.segment,
        metrics=target.metrics,
        start=target.start,
        before=before,
        after=after,
        compared_with=compared,
        state=effects[0].state if effects else "too_early",
        effects=effects,
    )


def overall_state(states: Sequence[ImpactState]) -> ImpactState:
    """The action's state from its targets' (worsened wins, then improved; too_early only if all are)."""
    if "worsened" in states or "improved" in states:
        return "worsened" if "worsened" in states else "improved"
    return "too_early" if all(s == "too_early" for s in states) else "no_effect_detected"


def measure_actions(
    *,
    store: Store,
    tenant: str,
    end: date,
    frictions: Sequence[Friction] | None = None,
    action_ids: Sequence[str] | None = None,
    language: str = "fr",
    only_started: bool = False,
) -> list[ActionImpact]:
    """The impact of the tenant's actions in progress or done (or of `action_ids` among them) up to `end`.

    With `frictions` (a later analysis's ranking), an improved action whose friction no longer ranks in the
    top TOP_RANKS is marked `resolved`. `only_started` leaves out targets that start after `end`.
    """
    targets = open_targets(store, tenant=tenant)
    if not targets:
        return []
    wanted = set(action_ids) if action_ids is not None else None
    views = {v["action_id"]: v for v in read_actions(store, tenant=tenant, limit=100_000)}
    titles = friction_titles(store, {t.analysis_id for t in targets})
    by_action: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        if (wanted is None or target.action_id in wanted) and not (only_started and target.start > end):
            by_action[target.action_id].append(target)
    top = [f for f in frictions or [] if f.rank <= TOP_RANKS]
    impacts = []
    for action_id, own in by_action.items():
        view = views.get(action_id, {})
        others = [t.segment for t in targets if t.action_id != action_id]
        measured = [
            measure_target(
                store=store,
                tenant=tenant,
                target=t,
                end=end,
                others=others,
                title=titles.get(t.friction_id, ""),
            )
            for t in own
        ]
        state = overall_state([m.state for m in measured])
        expected = view.get("expected_impact")
        impact = ActionImpact(
            action_id=action_id,
            title=str(view.get("title", "")),
            status=own[0].status,
            playbook_id=view.get("playbook_id"),
            expected_impact=ExpectedImpact.model_validate(expected) if isinstance(expected, dict) else None,
            state=state,
            resolved=frictions is not None
            and state == "improved"
            and not any(same_target(t.segment, f) for t in own for f in top),
            targets=measured,
        )
        impact.summary = impact_sentence(impact, language=language, min_sample=store.settings.min_sample)
        impacts.append(impact)
    return impacts
