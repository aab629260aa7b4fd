"""The pseudonym key of a store: checked against the database once per process, legacy refs hashed once.

The first process that opens a database with a key records the key's fingerprint in `privacy_state` and, in
the same transaction, replaces the patient_ref and agent_ref that earlier versions stored as sent by their
pseudonyms. A process started later with another key is refused with a clear error instead of silently
writing pseudonyms that match none of the stored ones (which would break every patient journey).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.privacy.pseudonyms import (
    Kind,
    PseudonymKeyError,
    is_pseudonym,
    key_fingerprint,
    load_key,
    pseudonym,
)
from store.db import Store
from store.schema import InteractionRow, PrivacyStateRow

FINGERPRINT = "pseudonym_key_fingerprint"

_checked: set[tuple[str, str]] = set()
_lock = threading.Lock()


def store_key(store: Store) -> bytes:
    """The pseudonym key for this store (checked against the one the database was filled with)."""
    key = load_key(store.settings)
    fingerprint = key_fingerprint(key)
    marker = (store.engine.url.render_as_string(hide_password=True), fingerprint)
    if marker in _checked:
        return key
    with _lock:
        if marker not in _checked:
            _adopt(store, key, fingerprint)
            _checked.add(marker)
    return key


def _adopt(store: Store, key: bytes, fingerprint: str) -> None:
    module: Any = postgresql if store.dialect == "postgresql" else sqlite
    claim = (
        module.insert(PrivacyStateRow)
        .values(name=FINGERPRINT, value=fingerprint, updated_at=_now())
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(PrivacyStateRow.name)
    )
    with store.session() as session:
        # A write first: a concurrent first start waits for this one, then finds the fingerprint.
        if session.execute(claim).first() is None:
            stored = session.execute(
                select(PrivacyStateRow.value).where(PrivacyStateRow.name == FINGERPRINT)
            ).scalar_one()
            if stored != fingerprint:
                raise PseudonymKeyError(
                    "this process's pseudonym key is not the one the database was filled with: set "
                    "PARCOURS_PSEUDONYM_KEY (or copy pseudonym.key into PARCOURS_HOME) to the original key"
                )
            return
        columns: list[tuple[Kind, Any]] = [
            ("patient", InteractionRow.patient_ref),
            ("agent", InteractionRow.agent_ref),
        ]
        for kind, column in columns:
            pairs = session.execute(
                select(InteractionRow.tenant, column).where(column.is_not(None)).distinct()
            ).all()
            for tenant, value in pairs:
                if is_pseudonym(value, kind):
                    continue
                hashed = pseudonym(value, key=key, tenant=tenant, kind=kind)
                session.execute(
                    update(InteractionRow)
                    .where(InteractionRow.tenant == tenant, column == value)
                    .values({column.key: hashed})
                )


def ref_pseudonym(store: Store, *, tenant: str, ref: str, kind: Kind) -> str:
    """The stored form of a sender's patient or agent ref in this store."""
    return pseudonym(ref, key=store_key(store), tenant=tenant, kind=kind)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


__all__ = ["FINGERPRINT", "PseudonymKeyError", "ref_pseudonym", "store_key"]
