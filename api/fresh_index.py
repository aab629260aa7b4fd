"""The API's embedded Chroma index, reopened when another process (e.g. `parcours ingest`) has written to it.

An embedded Chroma keeps its vector segments in memory: after a CLI ingest from another process, the API's
client still sees the old segments (new interactions are missing from semantic search; deleted ones raise
"Error finding id"). The index directory's SQLite files change on every write, so the API compares their
stamp before each use and reopens the client when they moved. A Chroma server (`PARCOURS_CHROMA_URL`) is
shared by all processes and needs none of this.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from api.deps import load_index

log = logging.getLogger("parcours.api")
_lock = threading.Lock()


def index_stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when Chroma writes under `path`: name, size and mtime of its SQLite files."""
    stamp = []
    for file in sorted(path.glob("chroma.sqlite3*")):
        try:
            info = file.stat()
        except OSError:  # a WAL file checkpointed away between glob and stat
            continue
        stamp.append((file.name, info.st_size, info.st_mtime_ns))
    return tuple(stamp)


def fresh_index(state: Any) -> Any | None:
    """The app's vector index, reopened first if its files changed since it was opened (embedded Chroma)."""
    index = load_index(state)
    settings = state.settings
    if index is None or settings.chroma_url:
        return index
    path = Path(settings.chroma_path)
    stamp = index_stamp(path)
    if getattr(state, "index_stamp", None) is None:
        state.index_stamp = stamp
        return index
    if stamp == state.index_stamp:
        return index
    with _lock:
        if index_stamp(path) != state.index_stamp:
            from chromadb.api.shared_system_client import SharedSystemClient

            from store.vector_index import VectorIndex

            SharedSystemClient.clear_system_cache()  # else Chroma hands back the same in-memory segments
            state.index = VectorIndex.from_settings(settings, index.embedder)
            state.index_stamp = index_stamp(path)
            log.info("vector index reopened: %s changed on disk", path)
    return state.index
