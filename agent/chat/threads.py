"""Checkpoint thread ids of the chat: one per (tenant, conversation), never shared across tenants."""

from __future__ import annotations

import hashlib

THREAD_PREFIX = "chat-"


def checkpoint_thread_id(*, tenant: str, thread_id: str) -> str:
    """The checkpointer's thread id for a tenant's conversation: a SHA-256 of both, length-prefixed.

    Neither the tenant nor the conversation id can be chosen so that another tenant's thread comes out
    (`a:b` + `c` and `a` + `b:c` give different ids), and analysis threads (`an-…`) never collide with it.
    """
    material = f"{len(tenant)}:{tenant}\x00{thread_id}".encode()
    return THREAD_PREFIX + hashlib.sha256(material).hexdigest()
