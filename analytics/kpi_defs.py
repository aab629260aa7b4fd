"""KPI vocabulary: metric definitions, dimensions, intervals and the row model of a KPI series.

The definitions follow DESIGN.md section 4; the README explains each one for managers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement

from core.models import SYNC_CHANNELS, Channel
from store.schema import InteractionRow

T = InteractionRow.__table__.c

SYNC = sorted(c.value for c in SYNC_CHANNELS)
"""Queued channels: the patient waits for an answer (phone, chat, voicebot)."""
ASYNC = sorted(c.value for c in Channel if c not in SYNC_CHANNELS)
"""Asynchronous channels: answered later (email, sms, portal, other)."""


@dataclass(frozen=True)
class MetricDef:
    """What a metric measures, its unit and which way is better."""

    name: str
    unit: str
    """'share', 'seconds' or 'count'."""
    higher_is_better: bool | None
    """None where neither direction is a degradation (volume)."""
    summary: str


METRICS: dict[str, MetricDef] = {
    m.name: m
    for m in [
        MetricDef(
            "response_time",
            "seconds",
            False,
            "average speed of answer: mean wait of answered queued contacts",
        ),
        MetricDef(
            "service_level", "share", True, "share of queued contacts answered within the service level"
        ),
        MetricDef("first_response", "seconds", False, "median first-response time on asynchronous channels"),
        MetricDef(
            "fcr", "share", True, "first-contact resolution: answered contacts with no repeat in the window"
        ),
        MetricDef("csat", "share", True, "top-2-box satisfaction: surveys scoring 4 or 5"),
        MetricDef("engagement", "share", True, "follow-ups done by their deadline"),
        MetricDef(
            "attrition", "share", False, "patients lost after a negative last contact (matured cohorts)"
        ),
        MetricDef("abandonment", "share", False, "queued contacts abandoned before an answer"),
        MetricDef("volume", "count", None, "number of contacts"),
        MetricDef("aht", "seconds", False, "average handle time of answered contacts"),
        MetricDef("repeat_rate", "share", False, "inbound contacts repeating one of the window before"),
    ]
}
METRIC_NAMES = list(METRICS)
VALUE_METRICS = frozenset({"response_time", "first_response"})
"""Metrics whose samples keep the values themselves (percentiles, the Mann–Whitney test)."""

DIMENSIONS: dict[str, ColumnElement[Any]] = {
    "queue": T.queue,
    "channel": T.channel,
    "agent": T.agent_ref,
    "language": T.language,
    "hour": T.local_hour,
    "weekday": T.local_weekday,
    "theme": T.theme_id,
    "direction": T.direction,
}
"""Dimension name → column. hour and weekday are tenant-local (weekday 1 = Monday)."""
INT_DIMENSIONS = frozenset({"hour", "weekday"})
INTERVALS = ("day", "week", "month")


class KpiRow(BaseModel):
    """One value of a KPI series: a time bucket and/or a segment."""

    metric: str = Field(description="Metric name.")
    bucket: str | None = Field(
        default=None, description="Day (2026-11-16), ISO week (2026-W47) or month (2026-11)."
    )
    group: dict[str, Any] = Field(
        default_factory=dict, description="Segment values, e.g. {'queue': 'cardiologie'}."
    )
    value: float | None = Field(description="The KPI (share 0..1, seconds or count).")
    n: int = Field(default=0, description="Contacts (or patients) the value rests on.")
    ci: list[float] | None = Field(default=None, description="95 % interval.")
    unit: str = Field(default="share", description="share, seconds or count.")
    rule: str | None = Field(default=None, description="Definition used (FCR: repeat, resolved or both).")
    too_few: bool = Field(default=False, description="Fewer contacts than the minimum sample.")
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Companion figures (p50, p90, mean, ...)."
    )


def check_metric(metric: str) -> MetricDef:
    """The definition of a metric; ValueError naming the known ones otherwise."""
    try:
        return METRICS[metric]
    except KeyError:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRIC_NAMES)}") from None


def check_dimensions(by: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """The dimension names of a `by` argument (a name, comma-separated names or a list)."""
    if by is None:
        return []
    names = [p.strip() for p in by.split(",")] if isinstance(by, str) else [str(p).strip() for p in by]
    names = [n for n in names if n]
    for name in names:
        if name not in DIMENSIONS:
            raise ValueError(f"unknown dimension {name!r}; known: {', '.join(DIMENSIONS)}")
    return names


def coerce_value(dim: str, value: Any) -> Any:
    """A filter value in the column's type (hour and weekday are integers)."""
    return int(value) if dim in INT_DIMENSIONS and value is not None else value


def fmt_value(value: float | None, unit: str) -> str:
    """A KPI value for a table: shares in %, seconds rounded, counts whole."""
    if value is None:
        return "-"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "seconds":
        return f"{value:.0f}s"
    return f"{value:.0f}"
