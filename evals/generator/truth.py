"""The truth file: what the generator planted, so an analysis can be scored against it."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

FrictionKind = Literal[
    "recurring_theme", "emerging_theme", "segment_degradation", "low_csat_theme", "follow_up_failure"
]


class TruthTheme(BaseModel):
    """One theme of the catalogue."""

    key: str = Field(description="Stable key, e.g. prescription_renewal.")
    label: str = Field(description="French label.")
    label_en: str = Field(description="English label.")
    queue: str = Field(description="The queue that handles it.")
    size: int = Field(default=0, description="Interactions generated on this theme.")


class PlantedFriction(BaseModel):
    """A friction the generator planted, with the actions that would fix it."""

    id: str = Field(description="Id of the planted friction, e.g. planted-a.")
    kind: FrictionKind = Field(description="What kind of friction it is.")
    title: str = Field(description="What was planted, in words.")
    theme: str | None = Field(default=None, description="Theme key, for theme frictions.")
    segment: dict[str, Any] = Field(default_factory=dict, description="Segment, e.g. queue/weekday/hours.")
    metric: str = Field(description="Main metric it moves (DESIGN section 4 names).")
    related_metrics: list[str] = Field(default_factory=list, description="Other metrics that show it.")
    weeks: list[str] = Field(description="ISO weeks in which it is present.")
    interaction_ids: list[str] = Field(description="The interactions it affects.")
    expected_actions: list[str] = Field(description="Playbook ids that would address it.")

    @property
    def metrics(self) -> list[str]:
        """The main metric followed by the related ones."""
        return [self.metric, *self.related_metrics]


class PlantedAdoption(BaseModel):
    """An action adopted in the generated data: where, from when, and what it truly changed."""

    id: str = Field(description="fixed (the action works) or placebo (nothing changes).")
    friction: str = Field(description="The planted friction it addresses ('none' for the placebo).")
    segment: dict[str, Any] = Field(description="Segment, e.g. queue/weekday/hours.")
    metric: str = Field(description="The metric it moves (DESIGN section 4 name).")
    start: date = Field(description="Day it starts (a Monday).")
    start_week: str = Field(description="ISO week it starts.")
    share: float = Field(description="Share of the segment's queued contacts it reaches.")
    planted_effect: float = Field(description="Relative change of the mean wait planted (-share x effect).")
    true_effect: float | None = Field(
        description="Relative change of the metric in the segment since the start, factual against the "
        "counterfactual of the same draws (None for the placebo: 0 by construction)."
    )
    contacts_after: int = Field(description="Queued contacts of the segment since the start.")


class Truth(BaseModel):
    """Everything the generator knows about the data it produced."""

    seed: int = Field(description="Random seed.")
    tenant: str = Field(description="Tenant of every record.")
    language: str = Field(description="fr, en or mix.")
    start: date = Field(description="First day generated (a Monday).")
    end: date = Field(description="Last day generated (a Sunday).")
    weeks: list[str] = Field(description="The ISO weeks generated, in order.")
    n_interactions: int = Field(description="How many records were generated.")
    themes: list[TruthTheme] = Field(description="The theme catalogue.")
    frictions: list[PlantedFriction] = Field(description="The planted frictions.")
    interaction_themes: dict[str, str] = Field(description="Interaction id -> theme key (every record).")
    interaction_weeks: dict[str, str] = Field(description="Interaction id -> ISO week (tenant time zone).")
    textless_ids: list[str] = Field(
        default_factory=list, description="Abandoned calls without any text: no theme can be read from them."
    )
    adoptions: list[PlantedAdoption] = Field(
        default_factory=list, description="Actions adopted in the data (generated with an adoption plan)."
    )

    def friction(self, kind: str) -> PlantedFriction:
        """The planted friction of a kind."""
        for item in self.frictions:
            if item.kind == kind:
                return item
        raise KeyError(kind)

    def ids_in_weeks(self, weeks: list[str] | set[str]) -> set[str]:
        """The interaction ids whose ISO week is one of `weeks`."""
        wanted = set(weeks)
        return {i for i, w in self.interaction_weeks.items() if w in wanted}
