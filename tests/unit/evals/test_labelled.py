from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.labelled import Labelled, read_labelled
from evals.real_suites import REAL_SETS, run_labelled
from evals.runner import table_rows, temporary_home
from store.embedder import FakeEmbedder

TOPICS = {
    "refill": "I need to renew my prescription for {w} tablets",
    "parking": "where can I park my car near the {w} entrance",
    "bill": "my invoice shows a wrong amount for the {w} visit",
}
WORDS = "red blue green north south east west big small old new late".split()


def _items() -> list[Labelled]:
    return [Labelled(text=t.format(w=w), label=label) for label, t in TOPICS.items() for w in WORDS]


def test_read_labelled_accepts_both_field_names_and_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(
        json.dumps({"utterance": "a question", "intent": "x"})
        + "\n"
        + json.dumps({"text": "une question", "label": "y", "language": "fr", "date": "2026-11-16"})
        + "\n",
        encoding="utf-8",
    )
    items = read_labelled(path)
    assert [(i.label, i.language, str(i.day)) for i in items] == [
        ("x", None, "None"),
        ("y", "fr", "2026-11-16"),
    ]
    path.write_text(json.dumps({"text": "no label"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"set.jsonl:1: needs a non-empty `text`"):
        read_labelled(path)


def test_real_sets_ship_with_the_project() -> None:
    sizes = {name: len(read_labelled(path)) for name, path in REAL_SETS.items()}
    assert sizes == {"dstc11-insurance": 913, "banking77": 3080}


def test_product_path_scores_the_partition_the_analysis_returns() -> None:
    report = run_labelled(_items(), name="toy", settings_factory=temporary_home, embedder=FakeEmbedder())
    first, registry = report["first_run"], report["registry_run"]
    # every text went through ingest and the analysis graph and came back in exactly one theme or unassigned
    assert first["n"] == 36 and registry["n"] > 0
    assert first["acc"] == 1.0 and first["clusters"] == 3 and first["unassigned"] == 0
    assert registry["acc"] == 1.0
    # the first run scored on the registry run's last-week texts; a random split flags nothing new there
    assert (
        registry["first_run_same_texts"]["n"] == registry["n"]
        and registry["first_run_same_texts"]["acc"] == 1.0
    )
    assert registry["flagged"] == 0
    assert report["component"]["acc"] == 1.0
    assert report["empty_topic"] == {"?": {"texts": 36, "empty_topic": 0}}
    rows = table_rows({"suites": {"toy": report}})
    assert (
        "toy",
        "product, first run: theme ACC / NMI / ARI",
        "1.000 / 1.000 / 1.000",
        "n=36, themes=3, unassigned=0",
    ) in rows
