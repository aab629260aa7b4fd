"""Theme discovery time and peak memory for 10 k and 100 k interactions with embeddings already computed.

Each size runs `discover_clusters` in a fresh subprocess (so peak RSS is the discovery's own, imports
included) on synthetic, clustered data: 40 themes of unequal sizes, 384-d unit vectors around a centre per
theme, and short French/English texts made of each theme's words plus filler. Targets: 100 k under
2 minutes and under 4 GiB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from typing import Any

TARGET_SECONDS = {10_000: 30.0, 100_000: 120.0}
TARGET_MIB = 4096.0

_CHILD = r"""
import json, resource, sys, time
import numpy as np
from analytics.themes import discover_clusters

n = int(sys.argv[1])
rng = np.random.default_rng(7)
k, dim = 40, 384
weights = rng.dirichlet(np.full(k, 0.7))
theme = rng.choice(k, size=n, p=weights)
centres = rng.normal(size=(k, dim)).astype(np.float32)
vectors = centres[theme] + 1.6 * rng.normal(size=(n, dim)).astype(np.float32)
vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
vocab = [f"mot{t}x{j}" for t in range(k) for j in range(6)]
filler = "bonjour je voudrais savoir hello i would like please merci".split()
texts = [
    " ".join([*rng.choice(vocab[t * 6:(t + 1) * 6], 4), *rng.choice(filler, 4)]) for t in theme
]
start = time.perf_counter()
result = discover_clusters(texts=texts, embeddings=vectors)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "clusters": len(result.clusters),
                  "unassigned": result.unassigned_share}))
"""


def measure(n: int) -> dict[str, Any]:
    """Run discovery on n synthetic interactions in a subprocess; seconds, peak MiB, clusters found."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(n)], capture_output=True, text=True, check=True, timeout=900
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(quick: bool) -> Iterable[dict[str, Any]]:
    """Rows for `make bench`: discovery time and peak memory at 10 k (and 100 k unless quick)."""
    return _rows([10_000] if quick else [10_000, 100_000])


def _rows(sizes: list[int]) -> Iterator[dict[str, Any]]:
    for n in sizes:
        found = measure(n)
        note = f"{found['clusters']} clusters of 40 planted, {found['unassigned']:.1%} unassigned"
        yield {
            "measure": f"theme discovery time ({n // 1000} k, embeddings stored)",
            "value": round(found["seconds"], 1),
            "unit": "s",
            "target": f"< {TARGET_SECONDS[n]:.0f} s",
            "note": note,
        }
        yield {
            "measure": f"theme discovery peak memory ({n // 1000} k)",
            "value": round(found["peak_mib"]),
            "unit": "MiB",
            "target": f"< {TARGET_MIB:.0f} MiB",
            "note": "ru_maxrss of a fresh process, imports included",
        }
