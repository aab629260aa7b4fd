from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

import store.embedder as embedder_module
from store.db import Store
from store.embedder import Embedder, FakeEmbedder, embed_with_cache, get_embedder, text_hash
from store.schema import EmbeddingCacheRow


def test_fake_embedder_gives_normalized_float32_vectors() -> None:
    vectors = FakeEmbedder(dim=64).encode(["Je voudrais un rendez-vous", "", "billing letter"])
    assert vectors.shape == (3, 64)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_fake_embedder_is_deterministic_across_instances() -> None:
    first = FakeEmbedder().encode(["renouveler mon ordonnance"])
    second = FakeEmbedder().encode(["renouveler mon ordonnance"])
    np.testing.assert_array_equal(first, second)


def test_fake_embedder_puts_similar_texts_closer() -> None:
    embedder = FakeEmbedder(dim=128)
    a, b, c = embedder.encode(
        [
            "I need to renew my prescription",
            "please renew my prescription today",
            "the online booking portal is broken",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.2


def test_fake_embedder_ignores_accents_and_case() -> None:
    a, b = FakeEmbedder().encode(["Prévenir l'hôpital", "prevenir l'HOPITAL"])
    assert float(a @ b) == pytest.approx(1.0, abs=1e-6)


def test_fake_embedder_satisfies_the_protocol() -> None:
    assert isinstance(FakeEmbedder(), Embedder)


def _cache_rows(store: Store, model: str) -> int:
    with store.session() as session:
        return session.execute(
            select(func.count()).select_from(EmbeddingCacheRow).where(EmbeddingCacheRow.model == model)
        ).scalar_one()


def test_embed_with_cache_embeds_each_distinct_text_once(store: Store) -> None:
    embedder = FakeEmbedder()
    texts = ["bonjour", "au revoir", "bonjour", "bonjour", "merci"]
    vectors = embed_with_cache(store=store, embedder=embedder, texts=texts)
    assert embedder.texts_encoded == 3
    np.testing.assert_array_equal(vectors, embedder.encode(texts))
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert _cache_rows(store, embedder.name) == 3


def test_embed_with_cache_reads_cached_vectors_back(store: Store) -> None:
    embedder = FakeEmbedder()
    first = embed_with_cache(store=store, embedder=embedder, texts=["un", "deux"])
    calls = embedder.calls
    again = embed_with_cache(store=store, embedder=embedder, texts=["deux", "un", "trois"])
    assert embedder.calls == calls + 1 and embedder.texts_encoded == 3  # only "trois" was new
    np.testing.assert_array_equal(again[0], first[1])
    np.testing.assert_array_equal(again[1], first[0])


def test_embed_with_cache_keeps_models_apart(store: Store) -> None:
    small, large = FakeEmbedder(dim=16), FakeEmbedder(dim=32)
    embed_with_cache(store=store, embedder=small, texts=["bonjour"])
    vectors = embed_with_cache(store=store, embedder=large, texts=["bonjour"])
    assert vectors.shape == (1, 32)
    assert large.texts_encoded == 1
    assert _cache_rows(store, small.name) == 1 and _cache_rows(store, large.name) == 1


def test_embed_with_cache_stores_the_hash_not_the_text(store: Store) -> None:
    embed_with_cache(store=store, embedder=FakeEmbedder(), texts=["mon numéro est <PHONE>"])
    with store.session() as session:
        row = session.execute(select(EmbeddingCacheRow)).scalar_one()
    assert row.text_hash == text_hash("mon numéro est <PHONE>")
    assert len(row.vector) == 64 * 4


def test_embed_with_cache_of_nothing_is_empty(store: Store) -> None:
    assert embed_with_cache(store=store, embedder=FakeEmbedder(), texts=[]).shape == (0, 64)


def test_get_embedder_loads_each_model_once(monkeypatch: pytest.MonkeyPatch, settings) -> None:
    loads: list[tuple[str | None, int]] = []

    class Loaded:
        def __init__(self, model: str | None, *, batch_size: int) -> None:
            loads.append((model, batch_size))
            self.name, self.dim = model or "bundled", 8

    monkeypatch.setattr(embedder_module, "SentenceEmbedder", Loaded)
    monkeypatch.setattr(embedder_module, "_embedders", {})
    first = get_embedder(settings)
    assert get_embedder(settings) is first
    other = settings.model_copy(
        update={"embedding_model": "/models/multilingual", "embedding_batch_size": 16}
    )
    assert get_embedder(other) is not first
    assert loads == [(None, 64), ("/models/multilingual", 16)]


def test_the_theme_model_defaults_to_the_transcript_model_and_can_be_set_apart(
    monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    from store.embedder import get_theme_embedder

    class Loaded:
        def __init__(self, model: str | None, *, batch_size: int) -> None:
            self.name, self.dim = model or "bundled", 8

    monkeypatch.setattr(embedder_module, "SentenceEmbedder", Loaded)
    monkeypatch.setattr(embedder_module, "_embedders", {})
    held = FakeEmbedder()
    assert settings.theme_embedding_model == "same"  # the tests' setting (conftest)
    assert get_theme_embedder(settings, fallback=held) is held
    assert get_theme_embedder(settings) is get_embedder(settings)
    apart = settings.model_copy(update={"theme_embedding_model": "/models/themes"})
    assert get_theme_embedder(apart, fallback=held).name == "/models/themes"
    assert get_embedder(apart).name == "bundled"


def test_by_default_themes_read_the_bundled_model_with_the_multilingual_one(
    monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    from store.embedder import BUNDLED_MODEL, CombinedEmbedder, get_theme_embedder

    class Loaded:
        def __init__(self, model: str | None = None, *, batch_size: int = 64) -> None:
            self.name, self.dim = model or BUNDLED_MODEL, 8

    monkeypatch.setattr(embedder_module, "SentenceEmbedder", Loaded)
    monkeypatch.setattr(embedder_module, "MultilingualEmbedder", lambda: Loaded("multilingual"))
    monkeypatch.setattr(embedder_module, "_embedders", {})
    unset = settings.model_copy(update={"theme_embedding_model": None})
    themes = get_theme_embedder(unset)
    assert isinstance(themes, CombinedEmbedder)
    assert [p.name for p in themes.parts] == [BUNDLED_MODEL, "multilingual"]
    # a fake (tests) or a model the hospital chose for transcripts is read alone
    assert get_theme_embedder(unset, fallback=FakeEmbedder()).name == "fake-hash-64"
    chosen = unset.model_copy(update={"embedding_model": "/models/multilingual"})
    assert get_theme_embedder(chosen).name == "/models/multilingual"


def test_the_bundled_multilingual_model_puts_a_french_question_next_to_its_english_twin() -> None:
    from store.embedder import MULTILINGUAL_MODEL, MULTILINGUAL_NAME, load_embedder

    model = load_embedder(MULTILINGUAL_MODEL)
    assert model.name == MULTILINGUAL_NAME and model.dim == 384
    vectors = model.encode(
        [
            "je voudrais renouveler mon ordonnance",
            "I would like to renew my prescription",
            "où puis-je garer ma voiture à l'hôpital",
            "",
        ]
    )
    assert vectors.shape == (4, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2]) + 0.05


def test_models_joined_by_plus_are_read_together_and_cached_per_model(store: Store) -> None:
    from store.embedder import CombinedEmbedder

    first, second = FakeEmbedder(dim=16), FakeEmbedder(dim=8)
    second.name = "fake-other-8"
    combined = CombinedEmbedder([first, second])
    assert combined.dim == 24 and combined.name == "fake-hash-16+fake-other-8"
    texts = ["renouveler mon ordonnance", "where do I park"]
    vectors = embed_with_cache(store=store, embedder=combined, texts=texts)
    assert np.allclose(vectors, combined.encode(texts), atol=1e-6)
    # the cosine of combined vectors is the mean of the models' cosines
    a, b = first.encode(texts), second.encode(texts)
    mean = (float(a[0] @ a[1]) + float(b[0] @ b[1])) / 2
    assert float(vectors[0] @ vectors[1]) == pytest.approx(mean, abs=1e-5)
    with store.session() as session:
        models = dict(
            session.execute(
                select(EmbeddingCacheRow.model, func.count()).group_by(EmbeddingCacheRow.model)
            ).all()
        )
    assert models == {"fake-hash-16": 2, "fake-other-8": 2}


def test_a_setting_joining_models_with_plus_loads_each_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from store.embedder import CombinedEmbedder, load_embedder

    class Loaded:
        def __init__(self, model: str | None, *, batch_size: int) -> None:
            self.name, self.dim = model or "bundled", 8

    monkeypatch.setattr(embedder_module, "SentenceEmbedder", Loaded)
    monkeypatch.setattr(embedder_module, "_embedders", {})
    combined = load_embedder("all-MiniLM-L6-v2+/models/other")
    assert isinstance(combined, CombinedEmbedder) and combined.dim == 16
    assert combined.parts[0] is load_embedder(None) and combined.parts[1] is load_embedder("/models/other")
