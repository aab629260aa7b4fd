"""API keys: random `pk_…` secrets stored as SHA-256 hashes, each bound to one tenant and a set of scopes."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from store.db import Store
from store.schema import ApiKeyRow

SCOPES: tuple[str, ...] = ("ingest", "read", "manage", "admin")
"""ingest: push interactions; read: query everything of the tenant; manage: run analyses, change actions;
admin: everything of the tenant (implies the other scopes). manage includes read."""

KEY_PREFIX = "pk_"


@dataclass(frozen=True)
class ApiKey:
    """An authenticated key: who is calling, for which tenant, with which rights."""

    id: str
    tenant: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    name: str | None = None

    def allows(self, scope: str) -> bool:
        """Whether the key grants the scope (admin grants every scope; manage includes read)."""
        if scope in self.scopes or "admin" in self.scopes:
            return True
        return scope == "read" and "manage" in self.scopes

    @property
    def who(self) -> str:
        """How the key appears in audit trails (action events)."""
        return f"key:{self.name or self.id}"


@dataclass(frozen=True)
class CreatedKey:
    """A freshly created key; the secret is shown once and never stored."""

    id: str
    tenant: str
    scopes: list[str]
    name: str | None
    secret: str


def hash_secret(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def create_key(store: Store, *, tenant: str, scopes: list[str], name: str | None = None) -> CreatedKey:
    """Create a key for a tenant with the given scopes; returns the secret (shown once)."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; expected any of {', '.join(SCOPES)}")
    if not scopes:
        raise ValueError(f"give at least one scope among {', '.join(SCOPES)}")
    if not tenant or len(tenant) > 100:
        raise ValueError("tenant must be 1 to 100 characters")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key_id = "key-" + uuid.uuid4().hex[:12]
    ordered = [s for s in SCOPES if s in set(scopes)]
    with store.session() as session:
        session.add(
            ApiKeyRow(
                id=key_id,
                tenant=tenant,
                key_hash=hash_secret(secret),
                scopes=ordered,
                name=name,
                created_at=_now(),
            )
        )
    return CreatedKey(id=key_id, tenant=tenant, scopes=ordered, name=name, secret=secret)


def verify_key(store: Store, secret: str) -> ApiKey | None:
    """The live key matching the secret, or None if unknown or revoked."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    digest = hash_secret(secret)
    with store.session() as session:
        row = session.execute(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest)).scalar_one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        return ApiKey(id=row.id, tenant=row.tenant, scopes=frozenset(row.scopes or []), name=row.name)


def list_keys(store: Store, *, tenant: str | None = None) -> list[dict[str, object]]:
    """Every key (never its secret), newest first, optionally for one tenant."""
    with store.session() as session:
        query = select(ApiKeyRow).order_by(ApiKeyRow.created_at.desc())
        if tenant:
            query = query.where(ApiKeyRow.tenant == tenant)
        return [
            {
                "id": row.id,
                "tenant": row.tenant,
                "scopes": list(row.scopes or []),
                "name": row.name,
                "created_at": row.created_at.isoformat() + "Z",
                "revoked_at": row.revoked_at.isoformat() + "Z" if row.revoked_at else None,
            }
            for row in session.execute(query).scalars()
        ]


def revoke_key(store: Store, key_id: str) -> bool:
    """Revoke a key by id, signing out its web sessions; False if there is no such live key."""
    with store.session() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = _now()
    from api.sessions import revoke_key_sessions

    revoke_key_sessions(store, key_id)
    return True


def has_live_key(store: Store, *, tenant: str, scope: str | None = None) -> bool:
    """Whether the tenant has at least one unrevoked key (with the scope, if given)."""
    for key in list_keys(store, tenant=tenant):
        scopes: list[str] = key["scopes"]  # type: ignore[assignment]
        if key["revoked_at"] is None and (scope is None or scope in scopes or "admin" in scopes):  # type: ignore[operator]
            return True
    return False
