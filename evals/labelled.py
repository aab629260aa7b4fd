"""Theme quality through the product path, on any labelled set of texts.

A labelled set is JSONL: one object a line with `text` (or `utterance`) and `label` (or `intent`),
optionally `language` and `date` (`YYYY-MM-DD`). Each text becomes one interaction as a contact-centre system
would send it (one patient turn, channel `chat`, one queue, inbound, spread over Monday–Friday of its week),
the records are written to a JSONL file and ingested with the same function as `parcours ingest` into a
fresh temporary home,
then the analysis graph runs (offline policy) exactly as `parcours analyze --start MON --end FRI`, and the
partition is read from the `AnalysisResult`: each theme's `interaction_ids` plus `unassigned_ids` (one extra
cluster). Nothing here calls the clustering directly.

Two paths:
- **first run**: the whole set in one week, nothing before it (a new user's first analysis);
- **registry run**: the set split at random into consecutive weeks, each analysed in turn, scored on the last
  week's partition (what joined known themes and what formed new ones).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from core.results import AnalysisResult, Period
from core.settings import Settings
from evals.metrics import UNASSIGNED, f1_overlap, theme_scores

TENANT = "eval"
QUEUE = "accueil"
FIRST_MONDAY = date(2026, 10, 5)
"""Monday of the first week the records are placed in (any past Monday would do)."""


@dataclass(frozen=True)
class Labelled:
    """One labelled text."""

    text: str
    label: str
    language: str | None = None
    day: date | None = None


@dataclass
class PathRun:
    """What one product-path run returned: the analysed results and the records placed in each week."""

    results: list[AnalysisResult] = field(default_factory=list)
    weeks: list[list[tuple[str, Labelled]]] = field(default_factory=list)
    seconds: float = 0.0


def read_labelled(path: Path) -> list[Labelled]:
    """Read a labelled JSONL file (`text`/`utterance`, `label`/`intent`, optional `language`, `date`)."""
    items: list[Labelled] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row.get("text", row.get("utterance"))
            label = row.get("label", row.get("intent"))
            if not isinstance(text, str) or not text.strip() or label is None:
                raise ValueError("needs a non-empty `text` (or `utterance`) and a `label` (or `intent`)")
            day = date.fromisoformat(row["date"]) if row.get("date") else None
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from exc
        items.append(Labelled(text=text.strip(), label=str(label), language=row.get("language"), day=day))
    if not items:
        raise ValueError(f"{path}: no labelled text")
    return items


def to_record(item: Labelled, *, number: int, monday: date, position: int) -> dict[str, Any]:
    """One labelled text as an interaction record (DESIGN §3): one patient turn in a chat."""
    day = item.day or monday + timedelta(days=position % 5)
    minute = (position * 7) % (9 * 60)
    started = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC) + timedelta(minutes=minute)
    return {
        "id": f"lab-{number:06d}",
        "tenant": TENANT,
        "channel": "chat",
        "direction": "inbound",
        "queue": QUEUE,
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=4)).isoformat(),
        "wait_seconds": 20,
        "handle_seconds": 240,
        "abandoned": False,
        "resolved": True,
        "language": item.language,
        "transcript": [{"speaker": "patient", "text": item.text}],
    }


def run_product_path(
    items: Sequence[Labelled],
    *,
    weeks: int = 1,
    seed: int = 0,
    settings: Settings,
    embedder: Any = None,
    placement: Callable[[int, Labelled], int] | None = None,
) -> PathRun:
    """Place the texts in `weeks` consecutive weeks, ingest them, analyse each week in turn.

    By default texts are spread at random over the weeks (`seed`); `placement(i, item)` may choose the week
    of each text instead (0-based). Texts with their own `day` keep it (and are analysed in its week).
    """
    from agent.analysis import run_analysis
    from store.db import Store
    from store.ingest import ingest_paths
    from store.vector_index import VectorIndex

    rng = random.Random(seed)
    order = list(range(len(items)))
    rng.shuffle(order)
    week_of_item: dict[int, int] = {}
    for rank, i in enumerate(order):
        week_of_item[i] = placement(i, items[i]) if placement else rank % weeks
    run = PathRun(weeks=[[] for _ in range(weeks)])
    records = []
    for position, i in enumerate(order):
        monday = FIRST_MONDAY + timedelta(weeks=week_of_item[i])
        record = to_record(items[i], number=i, monday=monday, position=position)
        records.append(record)
        run.weeks[week_of_item[i]].append((record["id"], items[i]))
    home = Path(settings.home)
    home.mkdir(parents=True, exist_ok=True)
    path = home / "labelled.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    started = time.perf_counter()
    store = Store.from_settings(settings)
    try:
        if embedder is None:
            from store.embedder import get_embedder

            embedder = get_embedder(settings)
        index = VectorIndex.from_settings(settings, embedder)
        summary = ingest_paths(store, [path], indexer=index)
        if summary.rejected:
            raise RuntimeError(f"{summary.rejected} labelled records rejected: {summary.errors[:3]}")
        for week in range(weeks):
            monday = FIRST_MONDAY + timedelta(weeks=week)
            period = Period(start=monday, end=monday + timedelta(days=4))
            run.results.append(
                run_analysis(
                    store=store,
                    tenant=TENANT,
                    period=period,
                    settings=settings,
                    index=index,
                    embedder=embedder,
                    model=None,
                )
            )
    finally:
        store.close()
    run.seconds = round(time.perf_counter() - started, 1)
    return run


def partition(result: AnalysisResult) -> dict[str, str | int]:
    """Interaction id → theme id (or -1 when unassigned), read from the result."""
    predicted: dict[str, str | int] = {i: UNASSIGNED for i in result.unassigned_ids}
    for theme in result.themes:
        predicted.update({i: theme.theme_id for i in theme.interaction_ids})
    return predicted


def score_week(result: AnalysisResult, placed: Iterable[tuple[str, Labelled]]) -> dict[str, Any]:
    """ACC / NMI / ARI of one analysed week's partition against the labels of the texts placed in it."""
    predicted = partition(result)
    pairs = list(placed)
    missing = [i for i, _ in pairs if i not in predicted]
    if missing:
        raise AssertionError(f"{len(missing)} interactions of the week are in no theme and not unassigned")
    scores = theme_scores(
        true_labels=[item.label for _, item in pairs], pred_labels=[predicted[i] for i, _ in pairs]
    )
    scores["themes"] = len(result.themes)
    return scores


def score_by_language(result: AnalysisResult, placed: Sequence[tuple[str, Labelled]]) -> dict[str, Any]:
    """The week's theme scores separately for each language of the texts (partition of that language)."""
    out: dict[str, Any] = {}
    for language in sorted({item.language or "?" for _, item in placed}):
        subset = [(i, item) for i, item in placed if (item.language or "?") == language]
        out[language] = score_week(result, subset)
    return out


def emerging_scores(
    result: AnalysisResult, *, new_ids: Iterable[str], growing_ids: Iterable[str] = ()
) -> dict[str, Any]:
    """Whether new interactions came out as one emerging theme (best F1), and a growing one was flagged."""
    new, growing = set(new_ids), set(growing_ids)
    flagged = [t for t in result.themes if t.emerging or t.is_new]
    best_new = max(flagged, key=lambda t: f1_overlap(t.interaction_ids, new), default=None)
    out: dict[str, Any] = {
        "new_f1": round(f1_overlap(best_new.interaction_ids, new), 3) if best_new else 0.0,
        "new_is_new": bool(best_new and best_new.is_new),
    }
    if growing:
        best = max(result.themes, key=lambda t: f1_overlap(t.interaction_ids, growing), default=None)
        out["growing_f1"] = round(f1_overlap(best.interaction_ids, growing), 3) if best else 0.0
        out["growing_flagged"] = bool(best and best.emerging)
    return out
