"""The action playbook: curated contact-centre improvements, loaded from YAML and validated."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

DEFAULT_PATH = Path(__file__).with_name("playbook.yaml")
"""The playbook shipped with Parcours."""

SIGNALS = frozenset(
    {
        "repeat_rate",
        "fcr",
        "wait",
        "abandonment",
        "csat",
        "effort",
        "emerging",
        "engagement",
        "volume",
        "aht",
        "transfer",
    }
)
"""Friction signals a playbook entry may answer."""

EFFORT_WEIGHTS = {"S": 1.0, "M": 2.0, "L": 4.0}
"""Divisor of the ranking score per effort level."""


class Efficacy(BaseModel):
    """The prior belief about what an action achieves."""

    kpi: str = Field(description="Main KPI it moves.")
    delta: float = Field(description="Expected change of that KPI, in the KPI's unit (share or seconds).")
    impact: float = Field(ge=0.0, le=1.0, description="Share of the friction's patients it relieves.")
    confidence: float = Field(ge=0.0, le=1.0, description="How sure we are of the effect.")


class PlaybookEntry(BaseModel):
    """One improvement of the playbook."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", description="Stable kebab-case id.")
    title_fr: str
    title_en: str
    description_fr: str
    description_en: str
    signals: list[str] = Field(min_length=1, description="Friction signals it answers.")
    segment_keys: list[str] = Field(default_factory=list, description="Segment dimensions it fits best.")
    theme_keywords: list[str] = Field(min_length=1, description="Words (fr, en) of the themes it fits.")
    kpi_targets: list[str] = Field(min_length=1)
    effort: Literal["S", "M", "L"]
    owner: str
    efficacy: Efficacy

    @field_validator("signals")
    @classmethod
    def _known_signals(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - SIGNALS)
        if unknown:
            raise ValueError(f"unknown signals {unknown}; known: {sorted(SIGNALS)}")
        return value

    def title(self, language: str = "fr") -> str:
        """The title in the language (fr or en)."""
        return self.title_en if language == "en" else self.title_fr

    def description(self, language: str = "fr") -> str:
        """The description in the language (fr or en)."""
        return self.description_en if language == "en" else self.description_fr


class Playbook(BaseModel):
    """All entries, ids unique."""

    version: int = 1
    actions: list[PlaybookEntry]

    @model_validator(mode="after")
    def _unique_ids(self) -> Playbook:
        seen: set[str] = set()
        for entry in self.actions:
            if entry.id in seen:
                raise ValueError(f"duplicate playbook id {entry.id!r}")
            seen.add(entry.id)
        return self

    def get(self, playbook_id: str) -> PlaybookEntry | None:
        """The entry with this id, if any."""
        return next((entry for entry in self.actions if entry.id == playbook_id), None)

    @property
    def ids(self) -> list[str]:
        """Every entry id, in file order."""
        return [entry.id for entry in self.actions]


def playbook_path(settings: Any | None = None) -> Path:
    """The playbook file: the `playbook_path` setting (PARCOURS_PLAYBOOK_PATH) or the bundled one."""
    configured = getattr(settings, "playbook_path", None) or os.environ.get("PARCOURS_PLAYBOOK_PATH")
    return Path(configured).expanduser() if configured else DEFAULT_PATH


def load_playbook(*, settings: Any | None = None) -> Playbook:
    """Read and validate the playbook (cached per file path and modification time)."""
    resolved = playbook_path(settings)
    return _load_cached(str(resolved.resolve()), resolved.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load_cached(path: str, _mtime: int) -> Playbook:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a playbook is a mapping with an 'actions' list")
    return Playbook.model_validate(data)  # pydantic.ValidationError names what is wrong
