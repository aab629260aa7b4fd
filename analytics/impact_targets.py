"""What an adopted action addresses: its target segments and metrics, from the frictions it answers.

A segment is a dict of KPI filters: {'theme': id}, or queue / channel / agent / language / weekday / hour
(hours and agents as lists). Its metrics are the ones its friction showed (anomalies, or the signals on which
its patients do worse), the action's own KPIs first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import partial
from typing import Any

from analytics.kpi_defs import METRIC_NAMES
from core.results import Action, AnalysisResult, Friction, Period
from store.action_targets import Target

MAX_METRICS = 3
MEASURABLE = tuple(m for m in METRIC_NAMES if m != "attrition")
"""Metrics measurable per segment (attrition needs matured cohorts: it is followed as abandonment)."""
_SIGNAL_METRICS = {
    "csat_gap": "csat",
    "fcr_gap": "fcr",
    "repeat_rate": "repeat_rate",
    "abandonment": "abandonment",
    "wait_p90_s": "response_time",
    "aht_s": "aht",
    "aht_gap": "aht",
    "growth": "volume",
    "effort_share": "fcr",
}
"""A theme friction's `worse` signals → the KPI that measures them."""
_ALIASES = {"attrition": "abandonment", "wait": "response_time"}
IDENTITY_DIMS = ("theme", "agent", "queue", "channel", "language")
"""Dimensions that name who or what a segment is; the first one present is varied to find comparisons."""
SEGMENT_DIMS = (*IDENTITY_DIMS, "weekday", "hour")


def _metric(name: str) -> str | None:
    name = _ALIASES.get(name, name)
    return name if name in MEASURABLE else None


def as_list(value: Any) -> list[Any]:
    """A segment value as a list (hours and agents may be one value or several)."""
    return list(value) if isinstance(value, list | tuple | set) else [value]


def friction_segment(friction: Friction) -> dict[str, Any]:
    """A friction's segment as KPI filters: {'theme': id}, or queue/channel/agent/weekday/hour (a list)."""
    if friction.theme_id:
        return {"theme": friction.theme_id}
    segment: dict[str, Any] = {}
    for key, value in friction.segment.items():
        name = "hour" if key == "hours" else key
        if name in SEGMENT_DIMS and value not in (None, "", []):
            segment[name] = sorted(as_list(value)) if name in ("hour", "agent") else value
    return segment


def friction_metrics(friction: Friction, action: Action | None = None) -> list[str]:
    """The metrics a friction showed (anomaly metrics, worse signals), main one first, at most MAX_METRICS.

    The action's own KPI targets come first among them when they overlap; when the friction names none that
    can be measured, the action's expected KPI is followed.
    """
    found = [m for a in friction.signals.anomalies if (m := _metric(a.metric))]
    worse = friction.signals.worse
    if not worse and not found:  # no list of worse signals (an older result): the figures it carries
        worse = [k for k in friction.signals.figures() if k in _SIGNAL_METRICS]
    found += [m for signal in worse if (m := _metric(_SIGNAL_METRICS.get(str(signal), "")))]
    found = list(dict.fromkeys(found))
    if action is not None:
        wanted = [m for m in (_metric(k) for k in action.kpi_targets) if m]
        found = [m for m in found if m in wanted] + [m for m in found if m not in wanted]
        if not found and (m := _metric(action.expected_impact.kpi)):
            found = [m]
    return found[:MAX_METRICS]


EarlierResult = Callable[[date], AnalysisResult | None]
"""The stored result of the analysed period ending on a given day (None when that period was not analysed)."""
SegmentShows = Callable[[dict[str, Any], list[str], Period], bool]
"""Whether a segment's data show a degradation of the given metrics in a period
(`analytics.anomalies.segment_degraded`: the detection's rule on the segment as a whole)."""
NeighbourHours = Callable[[dict[str, Any], list[str]], list[int]]
"""A segment's hours widened to the adjacent hours showing the same degradation of the given metrics
(`analytics.anomalies.neighbour_hours` on the analysed period)."""


def friction_since(
    segment: dict[str, Any],
    *,
    found_in: Period,
    earliest: date,
    earlier: EarlierResult,
    shows: Callable[[Period], bool] | None = None,
) -> date:
    """The first day of a friction: where `found_in` starts, or earlier if the periods before it hold it.

    Walks back one period of `found_in`'s length at a time: a period extends the friction when its stored
    analysis (consecutive: ending the day before the next starts) holds the same friction, or — with
    `shows` — when its data show the segment's degradation; the walk stops at the first that does neither,
    and at `earliest`.
    """
    first = found_in.start
    length = timedelta(days=(found_in.end - found_in.start).days + 1)
    while first > earliest:
        result = earlier(first - timedelta(days=1))
        if (
            result is not None
            and result.period.start < first
            and any(same_target(segment, f) for f in result.frictions)
        ):
            first = result.period.start
            continue
        if shows is not None and shows(Period(start=first - length, end=first - timedelta(days=1))):
            first = first - length
            continue
        break
    return max(first, earliest)


def adoption_targets(
    *,
    action: Action,
    frictions: Sequence[Friction],
    period: Period,
    start: date,
    baseline_weeks: int,
    earlier: EarlierResult | None = None,
    neighbours: NeighbourHours | None = None,
    shows: SegmentShows | None = None,
) -> list[dict[str, Any]]:
    """The targets to record when an action starts on `start`: one per cited friction with a segment.

    The window compared before the start is the `baseline_weeks` weeks before it, but not earlier than the
    friction: the analysed period in which it was found, or — with `earlier`, the stored analyses of the
    periods before — the first of the consecutive analysed periods just before it that hold the same
    friction, or — with `shows` — whose data show the segment's degradation by the detection's rule (what
    came before the friction is not the level the action changes). With `neighbours`, a
    segment friction's hours are widened to the adjacent hours that show the same degradation in the
    analysed period (the segment the action addresses, not the hours that happened to pass the ranking).
    """
    by_id = {f.friction_id: f for f in frictions}
    earliest = start - timedelta(days=7 * baseline_weeks)
    targets = []
    for friction_id in action.friction_ids:
        friction = by_id.get(friction_id)
        if friction is None:
            continue
        segment = friction_segment(friction)
        metrics = friction_metrics(friction, action)
        if not (segment and metrics):
            continue
        shown = [a.metric for a in friction.signals.anomalies]
        if neighbours is not None and "hour" in segment and shown:
            segment["hour"] = neighbours(segment, shown)
        before_start = earliest
        if period.start < start:
            before_start = max(earliest, period.start)
            if earlier is not None:
                before_start = friction_since(
                    segment,
                    found_in=period,
                    earliest=earliest,
                    earlier=earlier,
                    shows=partial(shows, segment, shown) if shows is not None and shown else None,
                )
        targets.append(
            {
                "friction_id": friction_id,
                "segment": segment,
                "metrics": metrics,
                "start": start,
                "before_start": before_start,
            }
        )
    return targets


def segments_overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two segments can hold the same contacts (every dimension they share has a common value)."""
    shared = set(a) & set(b)
    if not shared:
        return False
    return all({str(v) for v in as_list(a[k])} & {str(v) for v in as_list(b[k])} for k in shared)


def same_target(target: dict[str, Any], friction: Friction) -> bool:
    """Whether a friction of a later analysis is the one a target addresses (same theme, or same segment)."""
    other = friction_segment(friction)
    if not other or set(other) != set(target):
        return False
    return segments_overlap(target, other)


def follow_frictions(frictions: Sequence[Friction], targets: Sequence[Target]) -> list[Friction]:
    """The frictions, each marked with the open action already addressing it (`followed_by`)."""
    out = []
    for friction in frictions:
        action = next((t.action_id for t in targets if same_target(t.segment, friction)), None)
        out.append(friction.model_copy(update={"followed_by": action}) if action else friction)
    return out
