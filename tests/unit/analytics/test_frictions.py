from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from typer.testing import CliRunner

from analytics.frictions import effort_phrase, friction_id, score_frictions, segment_title
from analytics.theme_registry import assign_period_themes
from cli.main import app
from core.results import Anomaly, Period
from core.settings import get_settings
from store.db import Store
from store.embedder import FakeEmbedder
from store.ingest import ingest_records
from tests.factories import at, interaction

W46 = Period(start=date(2026, 11, 9), end=date(2026, 11, 15))
W47 = Period(start=date(2026, 11, 16), end=date(2026, 11, 22))
PARKING = "le parking de l'hôpital est payant, où se garer, tarif du parking {i}"
RENEWAL = "c'est la troisième fois que j'appelle pour renouveler mon ordonnance de traitement {i}"
PORTAL = "the online booking portal is broken since the update, the website shows an error {i}"


def _say(text: str) -> list[dict[str, str]]:
    return [{"speaker": "patient", "text": text}, {"speaker": "agent", "text": "Je regarde."}]


def _week(day: int, *, portal: bool) -> list[dict[str, Any]]:
    out = []
    for i in range(40):  # big, healthy theme
        out.append(
            interaction(started=at(day + i % 5, 9, i), csat=5, transcript=_say(PARKING.format(i=i % 4)))
        )
    for i in range(24):  # smaller theme: effort phrases, low CSAT, the same patients call back
        out.append(
            interaction(
                started=at(day + i % 5, 10, i),
                csat=1,
                patient_ref=f"p-renew-{i % 8}",
                transcript=_say(RENEWAL.format(i=i % 4)),
            )
        )
    if portal:
        for i in range(25):
            out.append(
                interaction(started=at(day + i % 5, 11, i), csat=3, transcript=_say(PORTAL.format(i=i % 4)))
            )
    return out


@pytest.fixture
def scored(sqlite_store: Store) -> tuple[Store, list[Any], list[Any]]:
    ingest_records(sqlite_store, [*_week(9, portal=False), *_week(16, portal=True)])
    themes, _ = assign_period_themes(
        store=sqlite_store, embedder=FakeEmbedder(dim=128), tenant="default", period=W47, baseline=W46
    )
    anomaly = Anomaly(
        metric="response_time",
        segment={"queue": "cardiologie", "weekday": 1, "hour": 9},
        value=900,
        expected=60,
        score=8.0,
        volume=8,
    )
    frictions = score_frictions(
        store=sqlite_store, tenant="default", period=W47, baseline=W46, themes=themes, anomalies=[anomaly]
    )
    return sqlite_store, themes, frictions


def test_struggling_and_emerging_themes_are_frictions_and_a_big_healthy_one_is_not(scored) -> None:
    _, themes, frictions = scored
    assert len(themes) == 3
    by_text = {f.kind: f for f in frictions if f.theme_id}
    renewal = next(f for f in frictions if f.theme_id and f.signals.effort_share > 0.9)
    portal = next(f for f in frictions if f.emerging)
    parking = next(t for t in themes if t.size == 40)
    assert parking.theme_id not in {f.theme_id for f in frictions}  # better CSAT, no repeat: not a friction
    assert {"csat_gap", "fcr_gap", "effort_share"} <= set(renewal.signals.worse)
    assert portal.signals.worse[0] == "growth"  # an emerging theme is first of all new
    assert frictions[0].score == 1.0 and [f.rank for f in frictions] == list(range(1, len(frictions) + 1))
    assert renewal.signals.csat_gap < -0.3 and renewal.signals.repeat_rate > 0.5
    assert renewal.signals.fcr_gap < 0 and renewal.patients == 8
    assert portal.kind == "emerging" and portal.signals.growth >= 2 and portal.signals.p_value < 0.01
    assert "emerging" in by_text and "(émergent)" not in portal.title


def test_evidence_quotes_effort_phrases_from_real_interactions(scored) -> None:
    store, themes, frictions = scored
    known = {i for t in themes for i in t.interaction_ids}
    renewal = next(f for f in frictions if f.theme_id and f.signals.effort_share > 0.9)
    assert 3 <= len(renewal.evidence) <= 5
    assert all(e.interaction_id in known for f in frictions for e in f.evidence)
    assert all("troisième fois" in e.quote for e in renewal.evidence)


def test_segment_friction_from_anomaly_is_titled_and_small_ones_flagged(scored) -> None:
    _, _, frictions = scored
    segment = next(f for f in frictions if f.kind == "segment")
    assert segment.title == "Attente longue en cardiologie le lundi 9–10 h"
    assert segment.segment == {"queue": "cardiologie", "weekday": 1, "hours": [9]}
    assert segment.volume == 8 and segment.signals.too_few is True
    assert segment.rank > 2


def test_ids_are_deterministic(scored) -> None:
    store, themes, frictions = scored
    again = score_frictions(
        store=store, tenant="default", period=W47, baseline=W46, themes=themes, anomalies=[]
    )
    assert {f.friction_id for f in again} <= {f.friction_id for f in frictions}
    assert (
        friction_id("t", "theme:x", W47)
        == friction_id("t", "theme:x", W47)
        != friction_id("t", "theme:x", W46)
    )


def test_effort_phrases_in_french_and_english() -> None:
    assert effort_phrase("C'est la TROISIÈME fois que j'appelle") == "troisieme fois"
    assert effort_phrase("Personne ne répond au standard") == "personne ne repond"
    assert effort_phrase("I'm still waiting for the callback") == "still waiting"
    assert effort_phrase("Bonjour, je voudrais un rendez-vous") is None
    assert segment_title("csat", {"queue": "radiologie"}) == "Satisfaction basse en radiologie"


@pytest.fixture(params=[7, 2])
def fcr_window(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """The FCR window setting (days): the default and a shorter one that drops some repeats."""
    monkeypatch.setenv("PARCOURS_FCR_WINDOW_DAYS", str(request.param))
    get_settings.cache_clear()
    return int(request.param)


@pytest.mark.parametrize("metric", ["fcr", "repeat_rate", "csat", "abandonment", "aht"])
def test_a_theme_friction_reads_the_figures_parcours_kpi_prints_for_its_theme(
    fcr_window: int, scored, metric: str
) -> None:
    """One meaning per number: a friction's FCR is the FCR `parcours kpi fcr --where theme=…` prints,
    with the same window setting."""
    _, _, frictions = scored
    signal = {"aht": "aht_s"}.get(metric, metric)
    checked = 0
    for friction in (f for f in frictions if f.theme_id):
        args = ["kpi", metric, "--start", str(W47.start), "--end", str(W47.end), "--interval", "week"]
        result = CliRunner().invoke(app, [*args, "--where", f"theme={friction.theme_id}", "--json"])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)["rows"]
        assert len(rows) == 1 and rows[0]["bucket"] == "2026-W47"
        assert getattr(friction.signals, signal) == pytest.approx(rows[0]["value"] or 0.0, abs=1e-4)
        checked += 1
    assert checked >= 2


def test_a_theme_friction_reads_the_theme_steps_growth_test(scored) -> None:
    # one growth test per theme: the friction's growth, p-value and emerging flag are the theme step's
    _, themes, frictions = scored
    by_id = {t.theme_id: t for t in themes}
    theme_frictions = [f for f in frictions if f.theme_id]
    assert theme_frictions
    for friction in theme_frictions:
        theme = by_id[friction.theme_id]
        assert theme.growth is not None and theme.growth_p is not None
        # signals are kept to 4 decimals
        assert friction.signals.growth == round(theme.growth, 4)
        assert friction.signals.p_value == round(theme.growth_p, 4)
        assert friction.signals.baseline_weekly == round(theme.baseline_weekly or 0.0, 4)
        assert friction.emerging == theme.emerging
