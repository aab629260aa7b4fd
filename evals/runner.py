"""`parcours eval`: the quality suites (synthetic with planted frictions, DSTC11 insurance) as a table."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from core.results import Period
from core.settings import Settings, get_settings
from evals.generator import Truth, generate
from evals.metrics import score_analysis

SUITES = ("synthetic", "dstc11-insurance", "banking77", "chat", "impact")


def _embedder(fake: bool, settings: Settings | None = None) -> Any:
    from store.embedder import FakeEmbedder, get_embedder

    return FakeEmbedder() if fake else get_embedder(settings)


@contextmanager
def temporary_home() -> Iterator[Settings]:
    """Settings pointing at a fresh temporary PARCOURS_HOME (never the user's database or index)."""
    saved = {k: os.environ.get(k) for k in ("PARCOURS_HOME", "PARCOURS_DATABASE_URL", "PARCOURS_CHROMA_URL")}
    with tempfile.TemporaryDirectory(prefix="parcours-eval-") as home:
        os.environ["PARCOURS_HOME"] = home
        os.environ.pop("PARCOURS_DATABASE_URL", None)
        os.environ.pop("PARCOURS_CHROMA_URL", None)
        get_settings.cache_clear()
        try:
            yield get_settings()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            get_settings.cache_clear()


def run_synthetic(
    *,
    weeks: int = 6,
    per_week: int = 2000,
    seed: int = 7,
    end: date | None = None,
    fake_embedder: bool = False,
    with_index: bool = True,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Generate → ingest into a temporary home → analyse the last week → score every metric against truth.

    `with_index=False` ingests without the vector index (the transcript search then matches words only): the
    same analysis, in a fraction of the time embedding every transcript chunk takes.
    """
    step = on_step or (lambda _what: None)
    step("synthetic: generating")
    started = time.perf_counter()
    iterator, truth = generate(weeks=weeks, per_week=per_week, seed=seed, end=end)
    records = list(iterator)
    out: dict[str, Any] = {
        "suite": "synthetic",
        "weeks": weeks,
        "per_week": per_week,
        "seed": seed,
        "generated": len(records),
        "indexed": with_index,
        "generate_seconds": round(time.perf_counter() - started, 1),
    }
    from agent import analysis
    from store.db import Store
    from store.ingest import ingest_records
    from store.vector_index import VectorIndex

    with temporary_home() as settings:
        store = Store.from_settings(settings)
        try:
            embedder = _embedder(fake_embedder, settings)
            index = VectorIndex.from_settings(settings, embedder) if with_index else None
            step("synthetic: ingesting")
            started = time.perf_counter()
            summary = ingest_records(store, records, source="eval", indexer=index)
            out["ingest"] = {
                "accepted": summary.accepted,
                "rejected": summary.rejected,
                "seconds": round(time.perf_counter() - started, 1),
                "errors": [e.model_dump() for e in summary.errors[:5]],
            }
            period = Period(start=truth.end - timedelta(days=6), end=truth.end)
            step("synthetic: analysing")
            started = time.perf_counter()
            try:
                result = analysis.run_analysis(
                    store=store,
                    tenant=truth.tenant,
                    period=period,
                    settings=settings,
                    index=index,
                    embedder=embedder,
                )
            except Exception as exc:  # reported, not hidden: the table and the JSON say what broke
                out["error"] = f"analysis failed: {type(exc).__name__}: {exc}"
                return out
            out["analysis_seconds"] = round(time.perf_counter() - started, 1)
            out["mode"] = result.mode
            out["metrics"] = score_analysis(
                result=result,
                truth=stored_agents(truth, store),
                known_ids={r["id"] for r in records},
                languages={r["id"]: r.get("language") for r in records},
            )
        finally:
            store.close()
    return out


def stored_agents(truth: Truth, store: Any) -> Truth:
    """The truth with planted agent segments named as the store keeps agent refs (their pseudonyms)."""
    from store.pseudonyms import ref_pseudonym

    def hashed(value: Any) -> Any:
        if isinstance(value, list):
            return [hashed(v) for v in value]
        return ref_pseudonym(store, tenant=truth.tenant, ref=str(value), kind="agent")

    frictions = []
    for planted in truth.frictions:
        segment = {k: hashed(v) if k in ("agent", "agent_ref") else v for k, v in planted.segment.items()}
        frictions.append(planted.model_copy(update={"segment": segment}))
    return truth.model_copy(update={"frictions": frictions})


def run_eval(
    *,
    suite: str = "all",
    weeks: int = 6,
    per_week: int = 2000,
    seed: int = 7,
    fake_embedder: bool = False,
    with_index: bool = True,
    labelled: Path | None = None,
    on_step: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Run the suites asked for (synthetic, dstc11-insurance, banking77 or all), or a labelled file.

    `on_step(what, suites_done, suites_total)` is called as the run moves on (for a progress bar).
    """
    from evals.real_suites import run_labelled, run_real_suite

    results: dict[str, Any] = {}
    chosen = [s for s in SUITES if suite in (s, "all")]

    def step(what: str) -> None:
        if on_step is not None:
            on_step(what, len(results), len(chosen))

    if labelled is not None:
        from evals.labelled import read_labelled

        chosen = [labelled.name]
        step(labelled.name)
        items = read_labelled(labelled)
        results[labelled.name] = run_labelled(
            items, name=labelled.name, settings_factory=temporary_home, embedder=_embedder(fake_embedder)
        )
        return {"suites": results}
    if suite not in (*SUITES, "all"):
        raise ValueError(f"unknown suite {suite!r}; choose one of {', '.join(SUITES)} or all")
    if suite in ("synthetic", "all"):
        results["synthetic"] = run_synthetic(
            weeks=weeks,
            per_week=per_week,
            seed=seed,
            fake_embedder=fake_embedder,
            with_index=with_index,
            on_step=step,
        )
    for name in ("dstc11-insurance", "banking77"):
        if suite in (name, "all"):
            step(name)
            results[name] = run_real_suite(name, settings_factory=temporary_home, fake_embedder=fake_embedder)
    if suite in ("chat", "all"):
        from evals.chat_suite import run_chat_suite

        step("chat")
        results["chat"] = run_chat_suite()
    if suite in ("impact", "all"):
        from evals.impact_suite import run_impact

        step("impact")
        results["impact"] = run_impact()
    step("done")
    return {"suites": results}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def table_rows(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(suite, metric, value, note) rows of an eval report, errors said plainly."""
    rows: list[tuple[str, str, str, str]] = []
    for name, suite in report["suites"].items():
        if suite.get("error"):
            rows.append((name, "error", "—", suite["error"]))
        if "generated" in suite:
            rows.append(
                (name, "records generated", str(suite["generated"]), f"{suite['generate_seconds']} s")
            )
        if "ingest" in suite:
            ingest = suite["ingest"]
            rows.append((name, "ingest rejected", str(ingest["rejected"]), f"{ingest['accepted']} accepted"))
        rows += _real_rows(name, suite)
        themes = suite.get("themes") or suite.get("metrics", {}).get("themes")
        if themes:
            note = f"n={themes['n']}, clusters={themes['clusters']}, unassigned={themes['unassigned']}"
            for key in ("acc", "nmi", "ari"):
                rows.append((name, f"theme {key.upper()}", _fmt(themes[key]), note))
        by_language = suite.get("metrics", {}).get("themes_by_language") or {}
        for language, scores in by_language.items():
            rows.append(_theme_row(name, f"{language} interactions only", scores))
        if len(by_language) == 2 and all(s.get("acc") is not None for s in by_language.values()):
            first, second = (by_language[k]["acc"] for k in sorted(by_language))
            rows.append((name, "theme ACC gap between languages", _fmt(abs(first - second)), "target ≤ 0.05"))
        if name == "chat":
            from evals.chat_suite import chat_rows

            rows += chat_rows(suite)
        if name == "impact":
            from evals.impact_suite import impact_rows

            rows += impact_rows(suite)
        metrics = suite.get("metrics")
        if not metrics:
            continue
        for pid, entry in metrics["frictions"].items():
            if not entry.get("present"):
                rows.append((name, f"{pid} ({entry['kind']})", "—", "not in the analysed week"))
                continue
            rows.append(
                (
                    name,
                    f"{pid} found in top 5",
                    _fmt(entry["found"]),
                    f"F1={_fmt(entry['f1'])} rank={_fmt(entry['rank'])}",
                )
            )
            if "anomaly" in entry:
                a = entry["anomaly"]
                rows.append(
                    (
                        name,
                        f"{pid} anomaly on segment",
                        _fmt(a["found"]),
                        f"rank={_fmt(a['rank'])} {a['metric'] or ''}",
                    )
                )
            if "emerging" in entry:
                e = entry["emerging"]
                rows.append((name, f"{pid} emerging flagged", _fmt(e["right_week"]), f"F1={_fmt(e['f1'])}"))
            rows.append((name, f"{pid} action reciprocal rank", _fmt(entry["rr"]), ""))
        rows.append((name, "planted found in top 5", f"{metrics['found_top5']}/{metrics['present']}", ""))
        rows.append((name, "action MRR", _fmt(metrics["action_mrr"]), ""))
        evidence = metrics["evidence"]
        rows.append((name, "evidence ids valid", _fmt(evidence["share"]), f"{evidence['n']} cited"))
    return rows


def _theme_row(name: str, what: str, scores: dict[str, Any]) -> tuple[str, str, str, str]:
    value = f"{_fmt(scores['acc'])} / {_fmt(scores['nmi'])} / {_fmt(scores['ari'])}"
    note = f"n={scores['n']}, themes={scores['clusters']}, unassigned={scores['unassigned']}"
    return (name, f"{what}: theme ACC / NMI / ARI", value, note)


def _real_rows(name: str, suite: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Rows of a real-data suite: product first run, registry run, component (labelled as such)."""
    rows = []
    for key, what in (
        ("first_run", "product, first run"),
        ("registry_run", "product, registry run (last week)"),
    ):
        if key in suite:
            rows.append(_theme_row(name, what, suite[key]))
            for language, scores in suite[key].get("by_language", {}).items():
                rows.append(_theme_row(name, f"{what}, {language} only", scores))
    if "first_run_same_texts" in suite.get("registry_run", {}):
        rows.append(
            _theme_row(
                name,
                "product, first run scored on the registry run's last-week texts",
                suite["registry_run"]["first_run_same_texts"],
            )
        )
    if "flagged" in suite.get("registry_run", {}):
        rows.append(
            (
                name,
                "registry run: themes flagged new or emerging in the last week",
                str(suite["registry_run"]["flagged"]),
                "false alarms (the weeks are a random split)",
            )
        )
    if "component" in suite:
        rows.append(
            _theme_row(name, "component alone (discover_clusters), for comparison", suite["component"])
        )
    for language, counts in suite.get("empty_topic", {}).items():
        rows.append(
            (
                name,
                f"texts with an empty topic text ({language})",
                str(counts["empty_topic"]),
                f"of {counts['texts']}; the original text is used for them",
            )
        )
    if "emerging" in suite:
        e = suite["emerging"]
        rows.append(
            (
                name,
                f"held-out intent {e['held_out']} in week 4: F1 of the emerging theme",
                _fmt(e["new_f1"]),
                f"flagged new: {e['new_is_new']}",
            )
        )
        rows.append(
            (
                name,
                f"intent {e['tripled']} tripled in week 4: flagged growing",
                _fmt(e.get("growing_flagged")),
                f"F1 of its theme {_fmt(e.get('growing_f1'))}",
            )
        )
    return rows


def print_table(report: dict[str, Any], console: Console | None = None) -> None:
    """Print the eval report as a Rich table."""
    table = Table(title="Parcours evals")
    for column in ("suite", "metric", "value", "note"):
        table.add_column(column)
    for row in table_rows(report):
        table.add_row(*row)
    (console or Console()).print(table)
