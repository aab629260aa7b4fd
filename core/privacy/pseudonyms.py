"""Pseudonymous identifiers: the sender's patient and agent refs replaced by a keyed hash before storage.

`pseudonym(value, key=..., tenant=..., kind="patient")` is HMAC-SHA-256 over the kind, the tenant and the
value, shortened to 128 bits and prefixed (`pt_…` for patients, `ag_…` for agents). The same ref of the same
tenant always gives the same pseudonym, so patient journeys (first-contact resolution, repeat contacts,
attrition) and erasure by ref work on it; the hospital's own ids never reach the database, and the same ref
in two tenants gives two unrelated pseudonyms. Without the key a pseudonym cannot be traced back, even by
trying every ref of a known format.

The key comes from `PARCOURS_PSEUDONYM_KEY`, else from `PARCOURS_HOME/pseudonym.key`, created on first use
with 32 random bytes and permissions 0600. Keep it apart from database backups; losing it cuts new records
from the journeys of older ones.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
import threading
from pathlib import Path
from typing import Literal

from core.settings import Settings

log = logging.getLogger(__name__)

Kind = Literal["patient", "agent"]
PREFIXES: dict[str, str] = {"patient": "pt_", "agent": "ag_"}
MIN_KEY_CHARS = 16
_HEX_CHARS = 32

_cache: dict[tuple[str, str], bytes] = {}
_lock = threading.Lock()


class PseudonymKeyError(RuntimeError):
    """The pseudonym key is missing, too short, unreadable, or not the one the database was filled with."""


def pseudonym(value: str, *, key: bytes, tenant: str, kind: Kind) -> str:
    """The stored form of a sender's ref: a keyed hash, stable for the same key, tenant, kind and value."""
    message = f"{kind}\x1f{tenant}\x1f{value.strip()}".encode()
    return PREFIXES[kind] + hmac.new(key, message, hashlib.sha256).hexdigest()[:_HEX_CHARS]


def is_pseudonym(value: str, kind: Kind) -> bool:
    """Whether `value` has the shape of a pseudonym of this kind."""
    prefix = PREFIXES[kind]
    body = value[len(prefix) :]
    return value.startswith(prefix) and len(body) == _HEX_CHARS and all(c in "0123456789abcdef" for c in body)


def key_fingerprint(key: bytes) -> str:
    """A value that identifies the key without revealing it (stored in the database to detect a mix-up)."""
    return hmac.new(key, b"parcours pseudonym key check", hashlib.sha256).hexdigest()


def load_key(settings: Settings) -> bytes:
    """The pseudonym key of these settings: PARCOURS_PSEUDONYM_KEY, else the key file (created if missing)."""
    if settings.pseudonym_key is not None:
        secret = settings.pseudonym_key.strip()
        if len(secret) < MIN_KEY_CHARS:
            raise PseudonymKeyError(f"PARCOURS_PSEUDONYM_KEY must hold at least {MIN_KEY_CHARS} characters")
        return secret.encode()
    path = settings.pseudonym_key_path
    cache_key = ("file", str(path))
    with _lock:
        if cache_key not in _cache:
            _cache[cache_key] = _read_or_create(path)
        return _cache[cache_key]


def _read_or_create(path: Path) -> bytes:
    if path.exists():
        return _read(path)
    # Written whole to a private temporary file, then linked in place: a concurrent process either wins the
    # link or reads the winner's complete key, never a half-written one.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
            log.info("created the pseudonym key %s (keep it apart from database backups)", path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        secret = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise PseudonymKeyError(f"cannot read the pseudonym key {path}: {exc}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the pseudonym key %s is readable by other users; run chmod 600 on it", path)
    if len(secret) < MIN_KEY_CHARS:
        raise PseudonymKeyError(f"the pseudonym key {path} is empty or too short")
    return secret.encode()


def audit_digest(value: str, *, key: bytes, tenant: str | None, scope: str) -> str:
    """What the erasure audit keeps of an erased ref or id: a keyed digest, distinct from the pseudonym."""
    message = f"erasure\x1f{scope}\x1f{tenant or ''}\x1f{value.strip()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
