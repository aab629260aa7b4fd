"""The period dataset gives every figure the store gives: KPIs, anomalies, frictions (generated weeks)."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.anomalies import find_anomalies
from analytics.dataset import PeriodDataset, load_dataset
from analytics.frictions import score_frictions
from analytics.kpi_defs import METRIC_NAMES
from analytics.kpi_queries import Scope
from analytics.kpis import collect, headline_kpis, summarize
from analytics.theme_registry import assign_period_themes
from core.periods import baseline_for, parse_period
from core.results import Period
from evals.generator import generate
from store.db import Store
from store.embedder import FakeEmbedder
from store.ingest import ingest_records

SCOPES = [
    ((), None, None),
    (("queue",), None, None),
    (("theme",), None, None),
    ((), "day", None),
    (("channel", "hour"), "week", None),
    ((), None, {"queue": "radiologie"}),
    (("agent",), None, None),
    ((), None, {"hour": [8, 9]}),
    (("weekday",), "month", {"channel": "phone"}),
]


def _themed(store: Store) -> tuple[str, Period, Period, PeriodDataset]:
    """Six generated weeks, the fifth analysed: themes assigned, the dataset loaded and told the themes."""
    records, truth = generate(weeks=6, per_week=150, seed=3, end=date(2026, 11, 30))
    assert ingest_records(store, records).rejected == 0
    period = parse_period(truth.weeks[-2])  # a week with data after it: FCR and attrition look ahead
    baseline = baseline_for(period, store.settings.baseline_weeks)
    data = load_dataset(store=store, tenant=truth.tenant, period=period, baseline=baseline)
    assign_period_themes(
        store=store, embedder=FakeEmbedder(), tenant=truth.tenant, period=period, baseline=baseline, data=data
    )
    return truth.tenant, period, baseline, data


@pytest.fixture
def themed(sqlite_store: Store) -> tuple[Store, str, Period, Period, PeriodDataset]:
    return (sqlite_store, *_themed(sqlite_store))


def test_every_kpi_sample_equals_the_raw_one(
    themed: tuple[Store, str, Period, Period, PeriodDataset],
) -> None:
    store, tenant, period, baseline, data = themed
    assert len(data) > 0 and data.answers(baseline.start, period.end)
    compared = 0
    for start, end in [(period.start, period.end), (baseline.start, baseline.end)]:
        for dims, interval, filters in SCOPES:
            for metric in METRIC_NAMES:
                raw = collect(Scope(store, tenant, start, end, dims, interval, filters), metric, raw=True)
                held = collect(Scope(store, tenant, start, end, dims, interval, filters, data), metric)
                assert {k: summarize(metric, v, min_sample=30) for k, v in held.items()} == {
                    k: summarize(metric, v, min_sample=30) for k, v in raw.items()
                }, (metric, dims, interval, filters)
                compared += len(raw)
    assert compared > 1000
    later = parse_period("2026-W48")  # outside the dataset: read from the store
    assert not data.answers(later.start, later.end)
    scope = Scope(store, tenant, later.start, later.end, ("queue",), None, None, data)
    assert collect(scope, "volume") == collect(
        Scope(store, tenant, later.start, later.end, ("queue",)), "volume"
    )
    assert sum(s.n for s in collect(scope, "volume").values()) > 0


def test_figures_from_the_runs_dataset_equal_the_store_after_discover(
    themed: tuple[Store, str, Period, Period, PeriodDataset],
) -> None:
    """Headline KPIs equal the store's; anomalies and frictions from the dataset whose themes `discover`
    recorded in memory equal those from a dataset read again from the store."""
    store, tenant, period, baseline, data = themed
    common = {"store": store, "tenant": tenant, "period": period, "baseline": baseline}
    assert headline_kpis(**common, data=data) == headline_kpis(**common)
    again = load_dataset(**common)
    assert data.cols["theme"].tolist() == again.cols["theme"].tolist()
    assert (data.flags.fcr_repeat == again.flags.fcr_repeat).all()
    assert (data.flags.repeat_before == again.flags.repeat_before).all()
    loose = {"min_score": 0.0, "alpha": 1.0, "min_volume": 3}  # many anomalies, so there is much to compare
    anomalies = find_anomalies(store=store, tenant=tenant, period=period, data=again, **loose)
    assert len(anomalies) >= 3
    assert find_anomalies(store=store, tenant=tenant, period=period, data=data, **loose) == anomalies
    themes, _ = assign_period_themes(**common, embedder=FakeEmbedder(), data=data)
    frictions = score_frictions(**common, themes=themes, anomalies=anomalies, data=load_dataset(**common))
    assert len(frictions) >= 3 and any(f.signals.repeat_rate for f in frictions)
    assert score_frictions(**common, themes=themes, anomalies=anomalies, data=data) == frictions
