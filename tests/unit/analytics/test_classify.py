from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import update

from analytics.classify import ThemeMatch, classify_text
from store.db import Store
from store.embedder import FakeEmbedder
from store.schema import AnalysisRow, ThemeRow

THEMES = {
    "th-ordo": ("Renouvellement d'ordonnance", "renouveler mon ordonnance prescription renouvellement"),
    "th-portail": ("Portail de réservation en panne", "portail réservation en ligne erreur panne"),
    "th-facture": ("Facture incompréhensible", "facture montant paiement incompréhensible"),
}


class RecordingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__(dim=128)
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().encode(texts)


def _now(offset: int = 0) -> datetime:
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=offset)


def _add_themes(store: Store, embedder: FakeEmbedder, tenant: str = "default", themes=THEMES) -> None:
    with store.session() as session:
        for theme_id, (label, words) in themes.items():
            session.add(
                ThemeRow(
                    id=f"{theme_id}-{tenant}" if tenant != "default" else theme_id,
                    tenant=tenant,
                    label=label,
                    centroid=embedder.encode([words])[0].tobytes(),
                    created_at=_now(),
                    updated_at=_now(),
                )
            )


def _add_analysis(
    store: Store,
    analysis_id: str,
    status: str,
    created: datetime,
    frictions: list[dict],
    week_start: date = date(2026, 11, 16),
) -> None:
    with store.session() as session:
        session.add(
            AnalysisRow(
                id=analysis_id,
                tenant="default",
                status=status,
                period_start=week_start,
                period_end=week_start + timedelta(days=6),
                result={"frictions": frictions},
                created_at=created,
            )
        )


@pytest.fixture
def embedder() -> RecordingEmbedder:
    return RecordingEmbedder()


def test_closest_theme_comes_first(store: Store, embedder: RecordingEmbedder) -> None:
    _add_themes(store, embedder)
    matches = classify_text(
        store=store, embedder=embedder, tenant="default", text="Bonjour, je dois renouveler mon ordonnance"
    )
    assert [m.theme_id for m in matches][0] == "th-ordo"
    assert len(matches) == 3
    assert matches[0].similarity > matches[1].similarity >= matches[2].similarity
    assert isinstance(matches[0], ThemeMatch) and matches[0].label == "Renouvellement d'ordonnance"
    top = classify_text(store=store, embedder=embedder, tenant="default", text="le portail est en panne", k=1)
    assert [m.theme_id for m in top] == ["th-portail"]


def test_friction_ids_come_from_the_latest_finished_analysis(
    store: Store, embedder: RecordingEmbedder
) -> None:
    _add_themes(store, embedder)
    _add_analysis(store, "an-old", "done", _now(-100), [{"friction_id": "fr-old", "theme_id": "th-ordo"}])
    _add_analysis(
        store,
        "an-new",
        "done",
        _now(-50),
        [
            {"friction_id": "fr-1", "theme_id": "th-ordo"},
            {"friction_id": "fr-2", "theme_id": None},
            {"friction_id": "fr-3", "theme_id": "th-ordo"},
        ],
    )
    _add_analysis(store, "an-running", "running", _now(), [])
    matches = classify_text(
        store=store, embedder=embedder, tenant="default", text="renouveler mon ordonnance"
    )
    by_id = {m.theme_id: m.friction_ids for m in matches}
    assert by_id == {"th-ordo": ["fr-1", "fr-3"], "th-portail": [], "th-facture": []}
    _add_analysis(store, "an-newest", "done", _now(10), [{"friction_id": "fr-9", "theme_id": "th-facture"}])
    matches = classify_text(
        store=store, embedder=embedder, tenant="default", text="renouveler mon ordonnance"
    )
    assert {m.theme_id: m.friction_ids for m in matches}["th-facture"] == ["fr-9"]
    # an earlier week analysed again afterwards does not replace the latest week's frictions
    earlier = date(2026, 11, 9)
    _add_analysis(
        store, "an-rerun", "done", _now(20), [{"friction_id": "fr-0", "theme_id": "th-portail"}], earlier
    )
    matches = classify_text(
        store=store, embedder=embedder, tenant="default", text="renouveler mon ordonnance"
    )
    assert {m.theme_id: m.friction_ids for m in matches} == {
        "th-ordo": [],
        "th-portail": [],
        "th-facture": ["fr-9"],
    }


def test_changed_themes_are_picked_up(store: Store, embedder: RecordingEmbedder) -> None:
    _add_themes(store, embedder)
    text = "mon rendez-vous de vaccination grippe"
    before = classify_text(store=store, embedder=embedder, tenant="default", text=text, k=1)[0].theme_id
    target = next(theme_id for theme_id in THEMES if theme_id != before)
    with store.session() as session:
        session.execute(
            update(ThemeRow)
            .where(ThemeRow.id == target)
            .values(centroid=embedder.encode([text])[0].tobytes(), label="Vaccination", updated_at=_now(60))
        )
    top = classify_text(store=store, embedder=embedder, tenant="default", text=text, k=1)[0]
    assert (top.theme_id, top.label) == (target, "Vaccination")
    assert top.similarity == pytest.approx(1.0, abs=1e-4)


def test_only_the_tenants_themes_are_considered(store: Store, embedder: RecordingEmbedder) -> None:
    _add_themes(store, embedder, tenant="autre")
    assert classify_text(store=store, embedder=embedder, tenant="default", text="ordonnance") == []
    _add_themes(store, embedder)
    ids = {
        m.theme_id for m in classify_text(store=store, embedder=embedder, tenant="default", text="ordonnance")
    }
    assert ids == set(THEMES)


def test_centres_of_another_model_are_ignored(store: Store, embedder: RecordingEmbedder) -> None:
    _add_themes(store, FakeEmbedder(dim=32))
    assert classify_text(store=store, embedder=embedder, tenant="default", text="ordonnance") == []


def test_text_is_redacted_before_it_is_embedded(store: Store, embedder: RecordingEmbedder) -> None:
    _add_themes(store, embedder)
    classify_text(
        store=store, embedder=embedder, tenant="default", text="écrivez à jean.dupont@example.fr svp"
    )
    assert embedder.seen and all("jean.dupont@example.fr" not in t for t in embedder.seen)
