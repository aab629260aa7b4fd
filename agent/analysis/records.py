"""Ids of analyses and actions, and the interaction ids a result may cite (store.analyses writes the rows)."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import select

from store.db import Store
from store.schema import InteractionRow


def new_analysis_id() -> str:
    """A fresh analysis id."""
    return "an-" + uuid.uuid4().hex[:12]


def action_id_for(analysis_id: str, key: str) -> str:
    """A stable action id, unique across analyses."""
    return "ac-" + hashlib.sha1(f"{analysis_id}|{key}".encode()).hexdigest()[:14]


def existing_interaction_ids(store: Store, tenant: str, ids: set[str]) -> set[str]:
    """The subset of interaction ids that exist for the tenant."""
    found: set[str] = set()
    wanted = sorted(ids)
    with store.session() as session:
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            found.update(
                session.scalars(
                    select(InteractionRow.ext_id)
                    .where(InteractionRow.tenant == tenant)
                    .where(InteractionRow.ext_id.in_(chunk))
                )
            )
    return found
