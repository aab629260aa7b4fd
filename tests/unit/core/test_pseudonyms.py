"""Pseudonymous refs: keyed, stable, per tenant and kind; the key file is private and created once."""

from __future__ import annotations

import stat
import threading

import pytest

from core.privacy import contact_kind
from core.privacy.pseudonyms import (
    PseudonymKeyError,
    audit_digest,
    is_pseudonym,
    key_fingerprint,
    load_key,
    pseudonym,
)
from core.settings import Settings


def test_same_ref_same_pseudonym_and_nothing_of_the_ref_shows() -> None:
    key = b"k" * 32
    first = pseudonym("p-8f3a1c", key=key, tenant="chu", kind="patient")
    assert first == pseudonym(" p-8f3a1c ", key=key, tenant="chu", kind="patient")
    assert is_pseudonym(first, "patient") and first.startswith("pt_") and "8f3a1c" not in first
    assert first != pseudonym(
        "p-8f3a1c", key=key, tenant="other", kind="patient"
    )  # unlinkable across tenants
    assert first != pseudonym("p-8f3a1c", key=b"j" * 32, tenant="chu", kind="patient")  # depends on the key
    agent = pseudonym("p-8f3a1c", key=key, tenant="chu", kind="agent")
    assert agent.startswith("ag_") and agent[3:] != first[3:]
    assert audit_digest("p-8f3a1c", key=key, tenant="chu", scope="patient") not in (first, first[3:])


def test_key_from_the_environment_must_be_long_enough(tmp_path) -> None:
    assert load_key(Settings(home=tmp_path, pseudonym_key="s" * 20)) == b"s" * 20
    with pytest.raises(PseudonymKeyError):
        load_key(Settings(home=tmp_path, pseudonym_key="short"))


def test_key_file_is_created_once_with_owner_only_permissions(tmp_path) -> None:
    settings = Settings(home=tmp_path / "home")
    keys: list[bytes] = []
    threads = [threading.Thread(target=lambda: keys.append(load_key(settings))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    path = settings.pseudonym_key_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["pseudonym.key"]  # no temporary file left behind
    assert key_fingerprint(keys[0]) != keys[0].decode()


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("jean.dupont@gmail.com", "EMAIL"),
        ("06 12 34 56 78", "PHONE"),
        ("+33612345678", "PHONE"),
        ("cardiologie 01 23 45 67 89", "PHONE"),
        ("943 476 5919", "NHS"),
        ("p-8f3a1c", None),
        ("call-000123", None),
        ("a-17", None),
        ("mail-001676", None),
    ],
)
def test_contact_kind_of_identifiers(value: str, kind: str | None) -> None:
    assert contact_kind(value) == kind
