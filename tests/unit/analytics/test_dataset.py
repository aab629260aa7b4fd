"""The period dataset gives every figure the store gives: KPIs, anomalies, frictions (generated weeks)."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.anomalies import find_anomalies
from analytics.dataset import PeriodDataset, dataset_for, load_dataset
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


def test_the_words_held_are_those_the_theme_step_and_frictions_read(sqlite_store: Store) -> None:
    """Before the analysed week a patient's words are held only where the stored theme text is stale, and the
    whole text only where the patient's side is blank or the theme text stale: the theme step and the
    frictions still read, for every interaction, the text they would read from the store."""
    from sqlalchemy import select, update

    from analytics.frictions import _load as friction_rows
    from analytics.theme_registry import _load_items
    from analytics.theme_text import theme_text
    from analytics.theme_vectors import fill_theme_vectors
    from store.schema import InteractionRow as Row
    from tests.factories import at, interaction

    records, truth = generate(weeks=3, per_week=80, seed=5, end=date(2026, 11, 30))
    silent = interaction(started=at(25, 10), transcript=[{"speaker": "agent", "text": "Message laissé."}])
    assert ingest_records(sqlite_store, [*records, silent]).rejected == 0
    fill_theme_vectors(store=sqlite_store, embedder=FakeEmbedder())
    period = parse_period(truth.weeks[-1])
    baseline = baseline_for(period, 2)
    with (
        sqlite_store.session() as session
    ):  # one baseline interaction changed since its theme text was stored
        stale = session.scalars(select(Row.ext_id).where(Row.local_date < period.start).limit(1)).one()
        session.execute(update(Row).where(Row.ext_id == stale).values(themed_hash=None))
        stored = {
            r.ext_id: (
                (r.patient_text or "").strip() or (r.full_text or ""),
                r.theme_text if r.themed_hash == r.content_hash else theme_text(r.patient_text, r.full_text),
                r.local_date >= period.start,
            )
            for r in session.scalars(select(Row).where(Row.local_date >= baseline.start))
        }
    data = load_dataset(store=sqlite_store, tenant="default", period=period, baseline=baseline)

    words = zip(data.cols["patient_text"], data.cols["full_text"], strict=True)
    held = dict(zip(data.cols["ext_id"], words, strict=True))
    assert held[stale][0] is not None  # stale: its words are read for the theme step
    assert held[silent["id"]][1]  # the patient said nothing: the whole text is kept
    kept = [ext for ext, (_, _, inside) in stored.items() if not inside and ext != stale]
    assert kept and all(held[ext] == (None, None) for ext in kept)  # the stored theme text suffices
    assert sum(full is None for _, full in held.values()) > len(held) / 2

    frictions = {r.ext_id: r.text for r in friction_rows(data, period)}
    assert frictions == {ext: said for ext, (said, _, inside) in stored.items() if inside}
    themes = {i.ext_id: i.text for i in _load_items(data, baseline, False, None)}
    themes.update({i.ext_id: i.text for i in _load_items(data, period, True, None)})
    assert themes == {ext: text for ext, (_, text, _) in stored.items()}

    # a tool asking about an earlier week than the analysed one reads that week's words again
    assert dataset_for(data, store=sqlite_store, tenant="default", period=period, baseline=baseline) is data
    earlier = parse_period(truth.weeks[-2])
    again = dataset_for(
        data, store=sqlite_store, tenant="default", period=earlier, baseline=baseline_for(earlier, 1)
    )
    words = again.rows(again.between(earlier.start, earlier.end), ("patient_text",))
    assert again is not data and words and all(said is not None for (said,) in words)
