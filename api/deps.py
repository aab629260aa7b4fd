"""FastAPI dependencies as `Annotated` aliases: settings, store, index, embedder, the key and its scopes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from api.auth import ApiKey, verify_key
from api.errors import ApiError
from api.sessions import SESSION_COOKIE, session_key
from core.settings import Settings
from store.db import Store

log = logging.getLogger("parcours.api")

UI_HEADER = "X-Parcours-UI"
"""Header the web UI adds to every state-changing call made with the cookie (a CSRF guard)."""

_lazy_lock = threading.Lock()


def get_settings_dep(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings  # type: ignore[no-any-return]


def get_store(request: Request) -> Store:
    """The app's SQL store (created once per app)."""
    return request.app.state.store  # type: ignore[no-any-return]


def load_embedder(state: Any) -> Any | None:
    """The app's embedder, loaded on first use; None if the embedding stack is not available."""
    if getattr(state, "embedder", None) is None and not getattr(state, "embedder_failed", False):
        with _lazy_lock:
            if getattr(state, "embedder", None) is None:
                try:
                    from store.embedder import get_embedder as load

                    state.embedder = load(state.settings)
                except Exception as exc:  # the model or module is missing: search/classify answer 503
                    log.warning("embedder unavailable: %s", exc)
                    state.embedder_failed = True
    return getattr(state, "embedder", None)


def load_index(state: Any) -> Any | None:
    """The app's vector index, opened on first use; None if unavailable."""
    if getattr(state, "index", None) is None and not getattr(state, "index_failed", False):
        embedder = load_embedder(state)
        with _lazy_lock:
            if getattr(state, "index", None) is None and embedder is not None:
                try:
                    from store.vector_index import VectorIndex

                    state.index = VectorIndex.from_settings(state.settings, embedder)
                except Exception as exc:
                    log.warning("vector index unavailable: %s", exc)
                    state.index_failed = True
    return getattr(state, "index", None)


def get_embedder(request: Request) -> Any | None:
    """The embedder (loaded on first use), or None if the embedding stack is not available."""
    return load_embedder(request.app.state)


def get_index(request: Request) -> Any | None:
    """The vector index (opened on first use, reopened after another process wrote to it), or None."""
    from api.fresh_index import fresh_index

    return fresh_index(request.app.state)


def _secret_from(request: Request) -> tuple[str | None, bool]:
    """The presented secret (an API key, or the web app's session id) and whether it came from the cookie."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiError(401, "unauthorized", "Authorization header must be 'Bearer pk_…'")
        return value.strip(), False
    api_key = request.headers.get("x-api-key")
    if api_key:
        return api_key.strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return cookie, True
    return None, False


def get_api_key(request: Request, store: Annotated[Store, Depends(get_store)]) -> ApiKey:
    """The caller's key, from `Authorization: Bearer`, `X-API-Key` or the web app's session cookie."""
    secret, from_cookie = _secret_from(request)
    if not secret:
        raise ApiError(
            401, "unauthorized", "missing API key: send 'Authorization: Bearer pk_…' or 'X-API-Key'"
        )
    key = session_key(store, secret) if from_cookie else verify_key(store, secret)
    if key is None:
        what = "session expired or signed out" if from_cookie else "invalid or revoked API key"
        raise ApiError(401, "unauthorized", what)
    if (
        from_cookie
        and request.method not in ("GET", "HEAD", "OPTIONS")
        and not request.headers.get(UI_HEADER)
    ):
        raise ApiError(403, "forbidden", f"cookie-authenticated changes need the {UI_HEADER} header")
    request.state.api_key = key
    return key


def require_scope(scope: str) -> Callable[..., ApiKey]:
    """A dependency that accepts only keys granting `scope`."""

    def _check(key: Annotated[ApiKey, Depends(get_api_key)]) -> ApiKey:
        if not key.allows(scope):
            granted = ", ".join(sorted(key.scopes)) or "none"
            raise ApiError(
                403, "forbidden", f"this endpoint needs the '{scope}' scope; the key has: {granted}"
            )
        return key

    _check.__name__ = f"require_{scope}"
    return _check


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[Store, Depends(get_store)]
IndexDep = Annotated[Any | None, Depends(get_index)]
EmbedderDep = Annotated[Any | None, Depends(get_embedder)]
IngestKey = Annotated[ApiKey, Depends(require_scope("ingest"))]
ReadKey = Annotated[ApiKey, Depends(require_scope("read"))]
ManageKey = Annotated[ApiKey, Depends(require_scope("manage"))]
AdminKey = Annotated[ApiKey, Depends(require_scope("admin"))]
