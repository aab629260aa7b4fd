"""The theme catalogue: what patients contact the centre about, how each theme behaves, and its phrasings.

Behaviour (queue, volume, repeat contacts, CSAT, follow-ups, channel mix) lives here in Python; the words
live in `catalogue/fr.yaml` and `catalogue/en.yaml` (openings, details, agent answers, shared phrases, slots).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

QUEUES = ["rendez-vous", "radiologie", "facturation", "pharmacie", "resultats", "maternite", "informations"]
"""The queues (services) of the synthetic contact centre."""

QUEUE_LABELS_FR = {
    "rendez-vous": "rendez-vous",
    "radiologie": "radiologie",
    "facturation": "facturation",
    "pharmacie": "pharmacie",
    "resultats": "résultats",
    "maternite": "maternité",
    "informations": "informations",
}

QUEUE_LABELS_EN = {
    "rendez-vous": "appointments",
    "radiologie": "radiology",
    "facturation": "billing",
    "pharmacie": "pharmacy",
    "resultats": "results",
    "maternite": "maternity",
    "informations": "information",
}

QUEUE_REASONS = {
    "rendez-vous": "rendez-vous",
    "radiologie": "imagerie",
    "facturation": "facturation",
    "pharmacie": "pharmacie",
    "resultats": "résultats",
    "maternite": "maternité",
    "informations": "renseignements",
}
"""The coarse contact reason the telephony software records (per queue, not per theme)."""

DEFAULT_CHANNELS = {"phone": 0.55, "email": 0.14, "portal": 0.12, "chat": 0.12, "sms": 0.07}


@dataclass(frozen=True)
class ThemeProfile:
    """How one theme behaves in the synthetic centre."""

    key: str
    queue: str
    weight: float
    repeat: float = 0.08
    max_repeats: int = 2
    resolve: float = 0.88
    csat: float = 4.2
    follow_up: float = 0.10
    handle: float = 230.0
    effort: float = 0.04
    channels: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CHANNELS))


RECURRING = "prescription_renewal"
EMERGING = "booking_portal_broken"
LOW_CSAT = "billing_confusion"

_ASYNC_HEAVY = {"phone": 0.35, "portal": 0.28, "email": 0.17, "chat": 0.14, "sms": 0.06}
_QUICK_INFO = {"phone": 0.58, "chat": 0.25, "sms": 0.08, "email": 0.05, "portal": 0.04}
_CANCEL = {"phone": 0.4, "sms": 0.25, "portal": 0.15, "email": 0.1, "chat": 0.1}

PROFILES: list[ThemeProfile] = [
    ThemeProfile("appointment_booking", "rendez-vous", 9.0, handle=260),
    ThemeProfile("appointment_reschedule", "rendez-vous", 6.0, channels=dict(_CANCEL)),
    ThemeProfile("appointment_cancel", "rendez-vous", 4.0, handle=120, resolve=0.97, channels=dict(_CANCEL)),
    ThemeProfile("appointment_reminder", "rendez-vous", 4.0, handle=140, resolve=0.95),
    ThemeProfile(
        EMERGING,
        "rendez-vous",
        0.0,
        repeat=0.3,
        resolve=0.55,
        csat=2.8,
        effort=0.3,
        handle=330,
        channels={"phone": 0.55, "email": 0.22, "chat": 0.17, "sms": 0.06},
    ),
    ThemeProfile("radiology_booking", "radiologie", 9.0, handle=250),
    ThemeProfile("radiology_preparation", "radiologie", 3.5, follow_up=0.12),
    ThemeProfile("radiology_images", "radiologie", 3.0, follow_up=0.2, channels=dict(_ASYNC_HEAVY)),
    ThemeProfile(
        LOW_CSAT,
        "facturation",
        4.5,
        repeat=0.12,
        resolve=0.62,
        csat=2.1,
        follow_up=0.18,
        handle=360,
        effort=0.12,
        channels={"phone": 0.48, "email": 0.24, "portal": 0.16, "chat": 0.12},
    ),
    ThemeProfile("online_payment", "facturation", 3.0, handle=200),
    ThemeProfile("mutuelle_coverage", "facturation", 3.0, channels=dict(_ASYNC_HEAVY)),
    ThemeProfile("refund_request", "facturation", 2.0, follow_up=0.25, repeat=0.1),
    ThemeProfile(
        RECURRING,
        "pharmacie",
        4.0,
        repeat=0.62,
        max_repeats=3,
        resolve=0.4,
        csat=3.3,
        follow_up=0.25,
        effort=0.35,
        handle=210,
    ),
    ThemeProfile("drug_availability", "pharmacie", 2.5, handle=150),
    ThemeProfile("medication_question", "pharmacie", 3.0, follow_up=0.2),
    ThemeProfile("lab_results", "resultats", 5.0, follow_up=0.15, repeat=0.1, channels=dict(_ASYNC_HEAVY)),
    ThemeProfile("results_explanation", "resultats", 3.0, follow_up=0.45, csat=3.9),
    ThemeProfile("results_to_gp", "resultats", 2.5, follow_up=0.2, channels=dict(_ASYNC_HEAVY)),
    ThemeProfile("maternity_registration", "maternite", 2.5, handle=280, channels=dict(_ASYNC_HEAVY)),
    ThemeProfile("prenatal_classes", "maternite", 1.5),
    ThemeProfile("maternity_stay", "maternite", 1.5, handle=180),
    ThemeProfile(
        "visiting_hours",
        "informations",
        3.0,
        handle=90,
        resolve=0.98,
        follow_up=0.02,
        channels=dict(_QUICK_INFO),
    ),
    ThemeProfile(
        "parking_directions",
        "informations",
        2.5,
        handle=100,
        resolve=0.98,
        follow_up=0.02,
        channels=dict(_QUICK_INFO),
    ),
    ThemeProfile("medical_records_request", "informations", 2.0, follow_up=0.2, channels=dict(_ASYNC_HEAVY)),
    ThemeProfile("pre_admission", "informations", 3.0, handle=280),
    ThemeProfile("medical_transport", "informations", 2.0, follow_up=0.2),
    ThemeProfile("sick_note_certificate", "informations", 2.5, follow_up=0.2, channels=dict(_ASYNC_HEAVY)),
    ThemeProfile("lost_belongings", "informations", 1.0, follow_up=0.3),
]
"""Every theme, in a fixed order (the order matters for determinism)."""

PROFILE_BY_KEY = {p.key: p for p in PROFILES}
FEMALE_ONLY = frozenset({"maternity_registration", "prenatal_classes"})
"""Themes whose patient is the pregnant woman herself."""

_CATALOGUE_DIR = Path(__file__).parent / "catalogue"


@lru_cache(maxsize=2)
def catalogue(language: str) -> dict[str, Any]:
    """The phrasings of one language ("fr" or "en"), checked to cover every theme."""
    data = yaml.safe_load((_CATALOGUE_DIR / f"{language}.yaml").read_text(encoding="utf-8"))
    missing = [p.key for p in PROFILES if p.key not in data["themes"]]
    if missing:
        raise ValueError(f"catalogue {language} lacks themes: {missing}")
    return data


def theme_label(key: str, language: str = "fr") -> str:
    """The readable label of a theme."""
    return str(catalogue(language)["themes"][key]["label"])
