"""Synthetic hospital contact-centre interactions with planted frictions, and their truth file (DESIGN §9)."""

from evals.generator.generation import generate
from evals.generator.truth import PlantedFriction, Truth, TruthTheme

__all__ = ["PlantedFriction", "Truth", "TruthTheme", "generate"]
