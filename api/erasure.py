"""What the erasure routes share: the index's Chroma client, the analytics' texts, errors as HTTP answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request

from api.deps import load_index
from api.errors import ApiError, not_found
from core.privacy.pseudonyms import PseudonymKeyError
from store.erasure import ErasureFailed, ErasureReport, NothingToErase


def run_erasure_request(
    request: Request, erase: Callable[..., ErasureReport], *, missing: tuple[str, str], **kwargs: Any
) -> ErasureReport:
    """Run an erasure for a route: 404 when nothing matches, 503 when the vector store refuses."""
    from analytics.erasure_texts import embedded_texts

    state = request.app.state
    index = load_index(state)
    try:
        return erase(
            settings=state.settings,
            chroma=index.client if index is not None else None,
            derived_texts=embedded_texts,
            **kwargs,
        )
    except NothingToErase as exc:
        raise not_found(*missing) from exc
    except (ErasureFailed, PseudonymKeyError) as exc:
        raise ApiError(503, "unavailable", str(exc)) from exc
