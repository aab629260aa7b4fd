"""What `/readyz` checks, and the start-up warm-up that loads the model before the first request.

The checks: the database and its migrations, the vector index, the embedding model.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import text

from api.deps import load_embedder, load_index
from store.db import Store, head_revision

log = logging.getLogger("parcours.api")
_warm_lock = threading.Lock()


def warm_up(state: Any, *, background: bool = True) -> None:
    """Load the embedding model and open the vector index (in a thread unless `background` is False)."""

    def load() -> None:
        try:
            embedder = load_embedder(state)
            if embedder is not None:
                prepare = getattr(embedder, "query_encoder", None)
                if prepare is not None:  # searches' query embedding through ONNX Runtime
                    prepare(state.settings.home_dir / "models")
                load_index(state)
        finally:
            state.model_loading = False

    with _warm_lock:
        if getattr(state, "model_loading", False) or getattr(state, "embedder", None) is not None:
            return
        state.model_loading = True
    if background:
        threading.Thread(target=load, name="parcours-warm-up", daemon=True).start()
    else:
        load()


def check_database(store: Store) -> tuple[bool, dict[str, str]]:
    """The database answers and its schema is at the latest migration."""
    checks: dict[str, str] = {}
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        head = head_revision()
        checks["migrations"] = "ok" if current == head else f"at {current}, expected {head}"
        return current == head, checks
    except Exception as exc:
        checks.setdefault("database", f"error: {type(exc).__name__}")
        return False, checks


def check_model(state: Any) -> tuple[bool, str]:
    """The embedding model is loaded (a first check starts loading it)."""
    if getattr(state, "embedder", None) is not None:
        return True, "ok"
    if getattr(state, "embedder_failed", False):
        return False, "error: the embedding model could not be loaded (see the log)"
    warm_up(state)
    return False, "loading"


def check_index(state: Any) -> tuple[bool, str]:
    """The vector index (embedded Chroma or the Chroma server) answers; reopened if it was unavailable."""
    index = getattr(state, "index", None)
    if index is None:
        if getattr(state, "embedder", None) is None:
            return False, "waiting for the model"
        try:
            from store.vector_index import VectorIndex

            index = VectorIndex.from_settings(state.settings, state.embedder)
        except Exception as exc:
            return False, f"error: {type(exc).__name__}: {str(exc)[:200]}"
        state.index, state.index_failed = index, False
    try:
        index.client.heartbeat()
    except Exception as exc:
        return False, f"error: {type(exc).__name__}: {str(exc)[:200]}"
    return True, "ok"


def readiness(state: Any, store: Store) -> tuple[bool, dict[str, str]]:
    """Every check, and whether all pass."""
    ready, checks = check_database(store)
    model_ok, checks["model"] = check_model(state)
    index_ok, checks["vector_index"] = check_index(state)
    return ready and model_ok and index_ok, checks
