"""Web app sessions: a random id in the browser's cookie, stored hashed, expiring, bound to a live key.

The cookie never holds the API key itself. A session ends when it expires, when the manager signs out
(`POST /logout`) or when its key is revoked (the key is checked on every request). This module is the
only writer of the `web_sessions` table.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy import delete, or_, select, update

from api.auth import ApiKey
from core.settings import Settings
from store.db import Store
from store.schema import ApiKeyRow, WebSessionRow

SESSION_COOKIE = "parcours_session"
"""The web app's cookie: a session id (HttpOnly, SameSite=Strict, Secure behind HTTPS)."""
SESSION_PREFIX = "ps_"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def create_session(store: Store, *, key: ApiKey, hours: float) -> str:
    """Open a session for a verified key; returns the id for the cookie (only its hash is stored)."""
    session_id = SESSION_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    with store.session() as session:
        session.execute(
            delete(WebSessionRow).where(
                or_(WebSessionRow.expires_at < now, WebSessionRow.revoked_at.is_not(None))
            )
        )
        session.add(
            WebSessionRow(
                id_hash=_hash(session_id),
                key_id=key.id,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
            )
        )
    return session_id


def session_key(store: Store, session_id: str) -> ApiKey | None:
    """The key behind a live session (not expired, not signed out, key not revoked), else None."""
    if not session_id.startswith(SESSION_PREFIX) or len(session_id) > 100:
        return None
    with store.session() as session:
        row = session.execute(
            select(ApiKeyRow)
            .join(WebSessionRow, WebSessionRow.key_id == ApiKeyRow.id)
            .where(
                WebSessionRow.id_hash == _hash(session_id),
                WebSessionRow.revoked_at.is_(None),
                WebSessionRow.expires_at > _now(),
                ApiKeyRow.revoked_at.is_(None),
            )
        ).scalar_one_or_none()
        if row is None:
            return None
        return ApiKey(id=row.id, tenant=row.tenant, scopes=frozenset(row.scopes or []), name=row.name)


def revoke_session(store: Store, session_id: str) -> bool:
    """Sign a session out; False when there was no live session with this id."""
    with store.session() as session:
        done = session.execute(
            update(WebSessionRow)
            .where(WebSessionRow.id_hash == _hash(session_id), WebSessionRow.revoked_at.is_(None))
            .values(revoked_at=_now())
        )
        return bool(getattr(done, "rowcount", 0))


def revoke_key_sessions(store: Store, key_id: str) -> int:
    """Sign out every session of a key (when the key is revoked); returns how many were live."""
    with store.session() as session:
        done = session.execute(
            update(WebSessionRow)
            .where(WebSessionRow.key_id == key_id, WebSessionRow.revoked_at.is_(None))
            .values(revoked_at=_now())
        )
        return int(getattr(done, "rowcount", 0) or 0)


def _trusted(host: str | None, proxies: list[str]) -> bool:
    if not host or not proxies:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host in proxies
    for item in proxies:
        try:
            if address in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def is_https(request: Request, settings: Settings) -> bool:
    """Whether managers reach the app over HTTPS: public URL, connection, or a trusted proxy's header."""
    if (settings.public_url or "").lower().startswith("https://") or request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    peer = request.client.host if request.client else None
    return forwarded == "https" and _trusted(peer, settings.trusted_proxy_list)
