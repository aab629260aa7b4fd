from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import update

from analytics import stats
from analytics.kpi_defs import METRIC_NAMES
from analytics.kpis import compare_periods, headline_kpis, kpi_series, kpi_value
from core.results import Period
from store.db import Store
from store.ingest import ingest_records
from store.schema import InteractionRow
from tests.factories import at, interaction

W47 = Period(start=date(2026, 11, 16), end=date(2026, 11, 22))
W46 = Period(start=date(2026, 11, 9), end=date(2026, 11, 15))


def load(store: Store, *records: dict[str, Any]) -> None:
    summary = ingest_records(store, list(records))
    assert summary.rejected == 0, summary.errors


def value(store: Store, metric: str, period: Period = W47, **filters: Any) -> Any:
    return kpi_value(store=store, tenant="default", metric=metric, period=period, filters=filters or None)


def rec(started: datetime, **kw: Any) -> dict[str, Any]:
    if kw.get("abandoned"):
        kw.setdefault("transcript", None)
        kw.setdefault("handle_seconds", None)
    return interaction(started=started, **kw)


# --- time buckets and the tenant time zone -------------------------------------------------------------


def test_a_contact_late_sunday_utc_belongs_to_monday_of_the_next_paris_week(store: Store) -> None:
    late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # 00:30 on Monday 23 November in Paris
    early = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)  # 23:30 on Sunday 22 November in Paris
    load(store, rec(late), rec(early))
    rows = kpi_series(
        store=store,
        tenant="default",
        metric="volume",
        start=date(2026, 11, 16),
        end=date(2026, 11, 29),
        interval="week",
    )
    assert [(r.bucket, r.value) for r in rows] == [("2026-W47", 1.0), ("2026-W48", 1.0)]
    by_day = kpi_series(
        store=store,
        tenant="default",
        metric="volume",
        start=date(2026, 11, 22),
        end=date(2026, 11, 23),
        by="weekday",
        interval="day",
    )
    assert [(r.bucket, r.group, r.value) for r in by_day] == [
        ("2026-11-22", {"weekday": 7}, 1.0),
        ("2026-11-23", {"weekday": 1}, 1.0),
    ]
    monday = value(store, "volume", Period(start=date(2026, 11, 23), end=date(2026, 11, 23)), hour=0)
    assert monday.value == 1.0


def test_volume_by_month_and_by_channel_with_filters(store: Store) -> None:
    load(
        store,
        rec(at(30, 9)),
        rec(at(1, 9, month=12), channel="email", wait_seconds=None),
        rec(at(1, 10, month=12), channel="chat", queue="radiologie"),
    )
    months = kpi_series(
        store=store,
        tenant="default",
        metric="volume",
        start=date(2026, 11, 1),
        end=date(2026, 12, 31),
        interval="month",
    )
    assert [(r.bucket, r.value, r.extra["days"]) for r in months] == [
        ("2026-11", 1.0, 30),
        ("2026-12", 2.0, 31),
    ]
    channels = kpi_series(
        store=store,
        tenant="default",
        metric="volume",
        start=date(2026, 11, 1),
        end=date(2026, 12, 31),
        by="channel",
        filters={"queue": "cardiologie"},
    )
    assert [(r.group["channel"], r.value) for r in channels] == [("email", 1.0), ("phone", 1.0)]


def test_other_tenants_are_never_counted(store: Store) -> None:
    load(store, rec(at(16)), rec(at(16), tenant="other"), rec(at(17), tenant="other"))
    assert value(store, "volume").value == 1.0
    assert kpi_value(store=store, tenant="other", metric="volume", period=W47).value == 2.0


# --- response time, service level, first response -------------------------------------------------------


def _waits(store: Store) -> None:
    load(
        store,
        *[rec(at(16, 9, i), wait_seconds=w) for i, w in enumerate([10, 20, 30, 40, 100])],
        rec(at(16, 11), abandoned=True, wait_seconds=None),  # abandoned: not answered, counts against SL
        rec(at(16, 12), channel="email", wait_seconds=None, first_response_seconds=3600),
        rec(at(16, 13), channel="sms", wait_seconds=None, first_response_seconds=60),
        rec(at(16, 14), channel="portal", wait_seconds=None, first_response_seconds=600),
        rec(at(16, 15), direction="outbound", wait_seconds=900),  # a callback: no queue
        rec(at(16, 16), wait_seconds=None),  # answered, wait unknown: left out of both
    )


def test_response_time_is_mean_and_percentiles_of_answered_queued_waits(store: Store) -> None:
    _waits(store)
    kpi = value(store, "response_time")
    assert kpi.n == 5 and kpi.unit == "seconds"
    assert kpi.value == pytest.approx(40.0)
    assert kpi.extra["p50"] == pytest.approx(30.0)
    assert kpi.extra["p90"] == pytest.approx(76.0)  # 40 + 0.6 * (100 - 40), as percentile_cont
    assert kpi.extra["p50_ci"] == [10.0, 100.0]
    assert kpi.ci is not None and kpi.ci[0] < 40 < kpi.ci[1]
    assert kpi.too_few is True


def test_service_level_counts_abandoned_queued_contacts_in_the_denominator(store: Store) -> None:
    _waits(store)
    kpi = value(store, "service_level")
    assert (kpi.n, kpi.extra["count"]) == (6, 4)
    assert kpi.value == pytest.approx(4 / 6, abs=1e-4)
    low, high = stats.wilson(4, 6)  # type: ignore[misc]
    assert kpi.ci == [round(low, 4), round(high, 4)]


def test_first_response_is_the_median_over_async_channels(store: Store) -> None:
    _waits(store)
    kpi = value(store, "first_response")
    assert kpi.n == 3
    assert kpi.value == 600.0
    assert kpi.extra["p90"] == pytest.approx(3000.0)


# --- satisfaction, abandonment, handle time -------------------------------------------------------------


def test_csat_is_top_two_box_with_mean_and_responses(store: Store) -> None:
    load(store, *[rec(at(17, 9, i), csat=c) for i, c in enumerate([5, 4, 3, 1, None, None])])
    kpi = value(store, "csat")
    assert (kpi.value, kpi.n, kpi.extra["count"]) == (0.5, 4, 2)
    assert kpi.extra["mean"] == 3.25 and kpi.extra["responses"] == 4


def test_csat_without_any_survey_has_no_value(store: Store) -> None:
    load(store, rec(at(17)), rec(at(18)))
    kpi = value(store, "csat")
    assert kpi.value is None and kpi.n == 0 and kpi.ci is None and kpi.too_few


def test_all_abandoned(store: Store) -> None:
    load(
        store,
        *[
            rec(at(18, 9, i), abandoned=True, channel=ch)
            for i, ch in enumerate(["phone", "chat", "voicebot"])
        ],
    )
    assert value(store, "abandonment").value == 1.0
    assert value(store, "service_level").value == 0.0
    rt = value(store, "response_time")
    assert rt.value is None and rt.n == 0
    assert value(store, "aht").value is None
    fcr = value(store, "fcr")
    assert fcr.value is None and fcr.n == 0


def test_abandonment_only_counts_inbound_queued_channels(store: Store) -> None:
    load(
        store,
        rec(at(18, 9), abandoned=True),
        rec(at(18, 10)),
        rec(at(18, 11)),
        rec(at(18, 12), channel="email", abandoned=True),
        rec(at(18, 13), direction="outbound", abandoned=True),
    )
    kpi = value(store, "abandonment")
    assert (kpi.n, kpi.extra["count"]) == (3, 1)


def test_aht_is_the_mean_handle_time_of_answered_contacts(store: Store) -> None:
    load(
        store,
        *[rec(at(19, 9, i), handle_seconds=h) for i, h in enumerate([100, 200, 300])],
        rec(at(19, 12), abandoned=True, handle_seconds=50),
    )
    kpi = value(store, "aht")
    assert kpi.value == 200.0 and kpi.n == 3
    assert kpi.ci is not None and kpi.ci[0] == pytest.approx(200 - 4.302653 * 100 / 3**0.5, abs=0.01)


# --- first-contact resolution and repeat contacts ------------------------------------------------------


def _journeys(store: Store) -> None:
    load(
        store,
        rec(at(16, 9), id="p1-phone", patient_ref="p1", reason="Rendez-vous"),
        rec(at(18, 9), id="p1-chat", patient_ref="p1", reason="rendez-vous ", channel="chat"),
        rec(at(16, 10), id="p2-a", patient_ref="p2", reason="rendez-vous"),
        rec(at(17, 10), id="p2-b", patient_ref="p2", reason="facture"),
        rec(at(16, 11), id="p3-a", patient_ref="p3", reason="rendez-vous"),
        rec(at(26, 11), id="p3-late", patient_ref="p3", reason="rendez-vous"),  # 10 days later
        rec(at(16, 12), id="p4-a", patient_ref="p4", reason="résultats"),
        rec(at(19, 12), id="p4-gave-up", patient_ref="p4", reason="résultats", abandoned=True),
        rec(at(17, 14), id="anon-ok", patient_ref=None, resolved=True),
        rec(at(17, 15), id="anon-ko", patient_ref=None, resolved=False),
        rec(at(17, 16), id="anon-unknown", patient_ref=None, resolved=None),
        rec(at(20, 9), id="p5-out", patient_ref="p5", direction="outbound"),
    )


def test_fcr_follows_the_patient_across_channels_and_falls_back_to_resolved(store: Store) -> None:
    _journeys(store)
    kpi = value(store, "fcr")
    # repeat rule: p1-phone broken by p1-chat, p4-a broken by the abandoned return; 4 of 6 resolved.
    # resolved rule: 1 of 2; the contact without patient_ref nor resolved is left out.
    assert (kpi.n, kpi.extra["count"]) == (8, 5)
    assert kpi.value == 0.625
    assert kpi.rule == "repeat+resolved"
    assert kpi.extra["rules"] == {"repeat": 6, "resolved": 2}
    assert kpi.extra["unknown"] == 1
    assert kpi.extra["repeat_by_reason"] == 2
    channels = {
        r.group["channel"]: (r.n, r.extra["count"])
        for r in kpi_series(
            store=store, tenant="default", metric="fcr", start=W47.start, end=W47.end, by="channel"
        )
    }
    assert channels == {"phone": (7, 4), "chat": (1, 1)}


def test_fcr_prefers_the_theme_over_the_reason(store: Store) -> None:
    load(
        store,
        rec(at(16, 9), id="t-a", patient_ref="p9", reason="rendez-vous"),
        rec(at(17, 9), id="t-b", patient_ref="p9", reason="rendez-vous"),
        rec(at(28, 9), id="latest", patient_ref="p0"),
    )
    assert value(store, "fcr").value == 0.5
    with store.session() as session:
        for ext_id, theme in (("t-a", "th-1"), ("t-b", "th-2")):
            session.execute(
                update(InteractionRow).where(InteractionRow.ext_id == ext_id).values(theme_id=theme)
            )
    kpi = value(store, "fcr")
    assert kpi.value == 1.0
    assert kpi.extra["provisional"] is False


def test_fcr_is_provisional_while_the_window_has_not_elapsed(store: Store) -> None:
    load(store, rec(at(20, 9), patient_ref="p1"), rec(at(21, 9), patient_ref="p2"))
    kpi = value(store, "fcr")
    assert kpi.extra["provisional"] is True and kpi.extra["provisional_contacts"] == 2


def test_repeat_rate_looks_back_within_the_window(store: Store) -> None:
    _journeys(store)
    kpi = value(store, "repeat_rate")
    # p1-chat repeats p1-phone; the abandoned p4 call repeats p4-a; 7 inbound contacts with a patient_ref.
    assert (kpi.n, kpi.extra["count"]) == (7, 2)
    assert kpi.extra["without_patient_ref"] == 3


# --- engagement -----------------------------------------------------------------------------------------


def _follow(due: datetime | None, done: datetime | None) -> dict[str, Any]:
    return {
        "required": True,
        "due_at": due.isoformat() if due else None,
        "done_at": done.isoformat() if done else None,
    }


def test_engagement_counts_follow_ups_done_by_their_deadline(store: Store) -> None:
    load(
        store,
        rec(at(16, 9), follow_up=_follow(at(18, 9), at(17, 9))),  # on time
        rec(at(16, 9, 5), follow_up=_follow(at(18, 9), at(19, 9))),  # late
        rec(at(16, 10), follow_up=_follow(None, at(17, 9))),  # no due date: ended 10:05 + 48 h -> on time
        rec(at(16, 10, 30), follow_up=_follow(None, at(19, 9))),  # no due date, too late
        rec(at(16, 11), follow_up=_follow(at(18, 9), None)),  # never done, deadline passed
        rec(at(16, 12), follow_up=_follow(at(30, 9, month=12), None)),  # not due yet: not matured
        rec(at(16, 13)),  # no follow-up promised
        rec(at(25, 9), id="latest"),
    )
    kpi = value(store, "engagement")
    assert (kpi.n, kpi.extra["count"]) == (5, 2)
    assert kpi.value == 0.4
    assert kpi.extra["not_due_yet"] == 1 and kpi.extra["done_late"] == 2 and kpi.extra["not_done"] == 1
    assert kpi.extra["rules"] == {"default_hours": 2, "due_at": 4}


# --- attrition ------------------------------------------------------------------------------------------


def _attrition(store: Store) -> None:
    load(
        store,
        rec(at(16, 9), patient_ref="pA", abandoned=True),  # lost
        rec(at(16, 10), patient_ref="pB", csat=1),
        rec(at(1, 10, month=12), patient_ref="pB"),  # back within 30 days
        rec(at(17, 10), patient_ref="pC", csat=5),
        rec(at(16, 11), patient_ref="pD", abandoned=True),
        rec(at(17, 11), patient_ref="pD", csat=4),  # last contact of the period is positive
        rec(at(18, 9), patient_ref="pE", csat=2),
        rec(at(25, 9, month=12), patient_ref="pE"),  # back, but after 30 days: lost
    )
    load(store, rec(at(31, 9, month=12), patient_ref="someone-else"))


def test_attrition_on_a_matured_cohort(store: Store) -> None:
    _attrition(store)
    kpi = value(store, "attrition")
    assert (kpi.n, kpi.extra["count"], kpi.extra["negative"]) == (5, 2, 3)
    assert kpi.value == 0.4


def test_attrition_is_not_counted_before_the_cohort_matures(store: Store) -> None:
    load(store, rec(at(16, 9), patient_ref="pA", abandoned=True), rec(at(17, 9), patient_ref="pB", csat=1))
    load(store, rec(at(16, 9, month=12), patient_ref="pC"))  # latest data: 29 days after pB's last contact
    kpi = value(store, "attrition")
    assert kpi.value is None and kpi.n == 0
    assert kpi.extra["not_matured"] == 2


# --- headline and comparisons ---------------------------------------------------------------------------


def test_headline_kpis_compare_every_metric_with_the_baseline(store: Store) -> None:
    load(
        store,
        *[rec(at(9 + i % 5, 9, i), csat=5 if i < 8 else 1) for i in range(10)],
        *[rec(at(16 + i % 5, 9, i), csat=5 if i < 2 else 1) for i in range(10)],
        *[rec(at(17, 10, i)) for i in range(5)],
    )
    kpis = {k.metric: k for k in headline_kpis(store=store, tenant="default", period=W47, baseline=W46)}
    assert list(kpis) == METRIC_NAMES
    csat = kpis["csat"]
    assert (csat.value, csat.previous, csat.delta) == (0.2, 0.8, -0.6)
    assert csat.p_value == pytest.approx(stats.two_proportion_p(2, 10, 8, 10), abs=1e-6)
    assert csat.p_value is not None and csat.p_value < 0.05
    volume = kpis["volume"]
    assert (volume.value, volume.previous) == (15.0, 10.0)
    assert volume.p_value is not None and volume.p_value > 0.05


def test_volume_baseline_is_scaled_to_the_period_length(store: Store) -> None:
    load(store, *[rec(at(1 + i, 9)) for i in range(14)], *[rec(at(16 + i % 7, 9, i)) for i in range(7)])
    baseline = Period(start=date(2026, 11, 1), end=date(2026, 11, 14))
    kpis = {k.metric: k for k in headline_kpis(store=store, tenant="default", period=W47, baseline=baseline)}
    assert kpis["volume"].previous == 7.0 and kpis["volume"].extra["previous_total"] == 14


def test_compare_periods_by_queue_ranks_the_significant_change_first(store: Store) -> None:
    records = []
    for i in range(40):
        records.append(rec(at(9 + i % 5, 9, i), queue="cardiologie", csat=5))
        records.append(rec(at(9 + i % 5, 10, i), queue="radiologie", csat=5 if i % 2 else 2))
        records.append(rec(at(16 + i % 5, 9, i), queue="cardiologie", csat=5 if i < 8 else 1))
        records.append(rec(at(16 + i % 5, 10, i), queue="radiologie", csat=5 if i % 2 else 2))
    load(store, *records)
    rows = compare_periods(store=store, tenant="default", metric="csat", period=W47, baseline=W46, by="queue")
    assert [r["queue"] for r in rows] == ["cardiologie", "radiologie"]
    first, second = rows
    assert (first["value"], first["previous"], first["n"], first["n_previous"]) == (0.2, 1.0, 40, 40)
    assert first["q_value"] < 0.001 and second["delta"] == 0.0 and second["q_value"] == 1.0
    assert not first["too_few"]


def test_series_flags_small_segments(store: Store) -> None:
    load(store, *[rec(at(16, 9, i), csat=5) for i in range(3)])
    (row,) = kpi_series(
        store=store, tenant="default", metric="csat", start=W47.start, end=W47.end, by="queue"
    )
    assert row.too_few and row.n == 3


def test_unknown_names_are_refused(sqlite_store: Store) -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        kpi_series(store=sqlite_store, tenant="default", metric="nps", start=W47.start, end=W47.end)
    with pytest.raises(ValueError, match="unknown dimension"):
        kpi_series(
            store=sqlite_store, tenant="default", metric="csat", start=W47.start, end=W47.end, by="site"
        )
    with pytest.raises(ValueError, match="unknown interval"):
        kpi_series(
            store=sqlite_store, tenant="default", metric="csat", start=W47.start, end=W47.end, interval="year"
        )
